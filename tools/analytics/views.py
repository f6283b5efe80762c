"""The numbers behind pull_analytics: three views over one channel's stored analytics, their charts, and what
the best titles share.

The views (``recent_view``, ``top_view``, ``last_vs_usual_view``) read the rows ``tools.analytics.sources`` stored
from a Studio export or the YouTube APIs: the recent uploads, the best videos by a metric and what their titles
share (``shared_traits``), and the last upload against the usual one. Each gives markdown lines, JSON-ready data and
a Plotly figure. ``channel_analytics`` picks the creator's channel, refreshes an API-connected one when its numbers
are stale, and assembles the answer. Numbers come only from the stored rows; without any, the answer says how to
import an export or connect a channel.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

import plotly.graph_objects as go
from psycopg_pool import AsyncConnectionPool

from agent.settings import Settings
from memory import analytics as store
from memory.analytics import AnalyticsChannel, AnalyticsInputError, VideoMetrics, metrics_dict
from memory.outliers import is_short
from tools.analytics.sources import AnalyticsConfig, sync_channel, youtube_source
from tools.analytics.youtube import YouTubeError
from tools.base import md_cell, trace

MIN_IMPRESSIONS_FOR_CTR = 1_000
"""CTR of a video with fewer impressions is too noisy to rank (a handful of clicks moves it by points)."""
USUAL_WINDOW = 20
"""'Your usual video' = the median of the uploads before the last one, up to this many."""
STALE_AFTER = timedelta(hours=6)
"""An API-connected channel is read again from YouTube when its numbers are older than this."""

Metric = Literal[
    "views", "impressions", "ctr", "avd", "avg_pct_viewed", "watch_time", "subscribers_gained", "likes", "comments"
]
FIELD = {
    "views": "views",
    "impressions": "impressions",
    "ctr": "ctr_pct",
    "avd": "avd_s",
    "avg_pct_viewed": "avg_pct_viewed",
    "watch_time": "watch_time_hours",
    "subscribers_gained": "subscribers_gained",
    "likes": "likes",
    "comments": "comments",
}
LABEL = {
    "views": "Views",
    "impressions": "Impressions",
    "ctr_pct": "CTR",
    "avd_s": "AVD",
    "avg_pct_viewed": "Avg % viewed",
    "watch_time_hours": "Watch time (h)",
    "subscribers_gained": "Subscribers gained",
    "likes": "Likes",
    "comments": "Comments",
}
COMPARED = (
    "views",
    "impressions",
    "ctr_pct",
    "avd_s",
    "avg_pct_viewed",
    "watch_time_hours",
    "subscribers_gained",
    "likes",
    "comments",
)


def fmt(field: str, value: float | None) -> str:
    """A metric value as a creator reads it: 12,345 views, 3.16 % CTR, 3:25 AVD, 1,234 h."""
    if value is None:
        return "n/a"
    if field in ("ctr_pct", "avg_pct_viewed"):
        return f"{value:.2f} %"
    if field == "avd_s":
        minutes, seconds = divmod(int(round(value)), 60)
        return f"{minutes // 60}:{minutes % 60:02d}:{seconds:02d}" if minutes >= 60 else f"{minutes}:{seconds:02d}"
    if field == "watch_time_hours":
        return f"{value:,.0f} h" if value >= 10 else f"{value:,.1f} h"
    return f"{int(value):,}"


def median(videos: Sequence[VideoMetrics], field: str) -> float | None:
    """Median of a metric over the videos that have it (None when none has)."""
    values = [v.metric(field) for v in videos if v.metric(field) is not None]
    return statistics.median(values) if values else None


def _short(title: str, n: int = 55) -> str:
    return title if len(title) <= n else title[: n - 1].rstrip() + "…"


# --- what titles share ----------------------------------------------------------------------------------

TRAITS: dict[str, Callable[[str], bool]] = {
    "a number": lambda t: bool(re.search(r"\d", t)),
    "a question mark": lambda t: "?" in t,
    "first person (I, my, we)": lambda t: bool(re.search(r"\b(?:i|i'm|i've|i'd|my|me|we|our)\b", t.lower())),
    "“you” or “your”": lambda t: bool(re.search(r"\byou(?:r|'re|rself)?\b", t.lower())),
    "“how” or “why”": lambda t: bool(re.search(r"\b(?:how|why)\b", t.lower())),
    "brackets or parentheses": lambda t: bool(re.search(r"[(\[]", t)),
    "a colon, dash or pipe": lambda t: bool(re.search(r":|\s[-–—|]\s|\|", t)),
    "an exclamation mark": lambda t: "!" in t,
    "a word in capitals": lambda t: bool(re.search(r"\b[A-Z]{3,}\b", t)),
    "60 characters or fewer": lambda t: len(t) <= 60,
}
"""Title traits compared between the best videos and the rest (checked on the title text only)."""
_STOP = frozenset(
    "the a an and or of to in on for with my your you i is are was be it this that how why what from at by "
    "as not do does did can will just vs more most our we me its it's i'm".split()
)


@dataclass
class Trait:
    """A title trait: how many of the best titles have it vs the share of the other titles, and the median
    of the ranked metric across all titles with and without it."""

    trait: str
    top_count: int
    top_n: int
    rest_share: float
    median_with: float | None
    median_without: float | None


def shared_traits(
    top: Sequence[VideoMetrics], rest: Sequence[VideoMetrics], field: str
) -> tuple[list[Trait], list[tuple[str, int, float]]]:
    """Traits over-represented in ``top`` titles (at least half of them, and 15 points above the rest), and
    words in at least 2 top titles and clearly more often than in the rest (1.5 times and 10 points above
    their share there): (word, top count, rest share)."""
    everyone = [*top, *rest]
    found: list[Trait] = []
    for name, test in TRAITS.items():
        k = sum(test(v.title) for v in top)
        rest_share = sum(test(v.title) for v in rest) / len(rest) if rest else 0.0
        if k / len(top) >= 0.5 and k / len(top) >= rest_share + 0.15:
            found.append(
                Trait(
                    name,
                    k,
                    len(top),
                    rest_share,
                    median([v for v in everyone if test(v.title)], field),
                    median([v for v in everyone if not test(v.title)], field),
                )
            )
    found.sort(key=lambda t: t.rest_share - t.top_count / t.top_n)

    def words(title: str) -> set[str]:
        return {w for w in re.findall(r"[a-z][a-z0-9+#']+", title.lower()) if w not in _STOP and len(w) > 2}

    top_words = Counter(w for v in top for w in words(v.title))
    rest_words = Counter(w for v in rest for w in words(v.title))
    recurring = [
        (w, k, rest_words[w] / len(rest) if rest else 0.0)
        for w, k in top_words.most_common()
        if k >= 2
        and (not rest or k / len(top) >= max(1.5 * rest_words[w] / len(rest), rest_words[w] / len(rest) + 0.1))
    ][:5]
    return found, recurring


# --- the three views ------------------------------------------------------------------------------------


CHART_GRID = "rgba(138, 143, 152, 0.25)"
CHART_LAYOUT = {"template": "none", "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)",
                "font": {"color": "#8a8f98"}, "legend": {"bgcolor": "rgba(0,0,0,0)"}}
"""The charts follow the chat's light or dark theme: no template of their own, transparent backgrounds, and a
mid-grey text and grid that read on both."""


def _bar_figure(
    titles: list[str],
    values: list[float | None],
    field: str,
    reference: float | None,
    ref_name: str,
    title: str,
    horizontal: bool,
) -> go.Figure:
    fig = go.Figure()
    labels = [_short(t, 45) for t in titles]
    text = [fmt(field, v) for v in values]
    y = [v if v is not None else 0 for v in values]
    if horizontal:
        fig.add_bar(x=y, y=labels, orientation="h", text=text, hovertext=titles, name=LABEL[field])
        fig.update_yaxes(autorange="reversed")
        if reference is not None:
            fig.add_vline(x=reference, line_dash="dash", annotation_text=f"{ref_name}: {fmt(field, reference)}")
    else:
        fig.add_bar(x=labels, y=y, text=text, hovertext=titles, name=LABEL[field])
        if reference is not None:
            fig.add_hline(y=reference, line_dash="dash", annotation_text=f"{ref_name}: {fmt(field, reference)}")
    fig.update_layout(title=title, showlegend=False, margin={"l": 10, "r": 10, "t": 50, "b": 10}, **CHART_LAYOUT)
    fig.update_xaxes(gridcolor=CHART_GRID, zerolinecolor=CHART_GRID)
    fig.update_yaxes(gridcolor=CHART_GRID, zerolinecolor=CHART_GRID)
    return fig



def recent_view(videos: list[VideoMetrics], limit: int) -> tuple[list[str], dict, go.Figure]:
    """The newest ``limit`` uploads with their numbers against the channel's medians."""
    recent = videos[:limit]
    med = {f: median(videos, f) for f in COMPARED}
    lines = [
        "| Published | Title | Views | vs median | Impressions | CTR | AVD | Subs gained |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for v in recent:
        ratio = f"{v.views / med['views']:.1f}×" if v.views is not None and med["views"] else "n/a"
        lines.append(
            f"| {v.published_at.date()} | {md_cell(v.title)} | {fmt('views', v.views)} | {ratio} | "
            f"{fmt('impressions', v.impressions)} | {fmt('ctr_pct', v.ctr_pct)} | {fmt('avd_s', v.avd_s)} | "
            f"{fmt('subscribers_gained', v.subscribers_gained)} |"
        )
    summary = [
        f"Median of these {len(recent)}: "
        + ", ".join(
            f"{LABEL[f]} {fmt(f, median(recent, f))} (channel {fmt(f, med[f])})"
            for f in ("views", "ctr_pct", "avd_s")
            if med[f] is not None
        )
        + "."
    ]
    if recent and any(v.views is not None for v in recent):
        best = max((v for v in recent if v.views is not None), key=lambda v: v.views)
        summary.append(f"Most viewed of them: **{best.title}** ({fmt('views', best.views)} views).")
    chrono = list(reversed(recent))
    fig = _bar_figure(
        [v.title for v in chrono],
        [v.views for v in chrono],
        "views",
        med["views"],
        "channel median",
        f"Views of your last {len(recent)} uploads",
        horizontal=False,
    )
    if any(v.ctr_pct is not None for v in chrono):
        fig.add_scatter(
            x=[_short(v.title, 45) for v in chrono],
            y=[v.ctr_pct for v in chrono],
            yaxis="y2",
            mode="lines+markers",
            name="CTR (%)",
        )
        fig.update_layout(yaxis2={"overlaying": "y", "side": "right", "title": "CTR (%)", "showgrid": False,
                                  "tickformat": ".1f"}, showlegend=True)  # one decimal: no repeated tick
    data = {"videos": [metrics_dict(v) for v in recent], "channel_median": med}
    return [*lines, "", *summary], data, fig


def top_view(videos: list[VideoMetrics], metric: str, limit: int) -> tuple[list[str], dict, go.Figure]:
    """The best ``limit`` videos by a metric (CTR: only those with MIN_IMPRESSIONS_FOR_CTR impressions) and
    the title traits and words they share more than the channel's other titles."""
    field = FIELD[metric]
    eligible = [v for v in videos if v.metric(field) is not None]
    rule = ""
    if field == "ctr_pct":
        eligible = [v for v in eligible if (v.impressions or 0) >= MIN_IMPRESSIONS_FOR_CTR]
        rule = f" with at least {MIN_IMPRESSIONS_FOR_CTR:,} impressions"
    ranked = sorted(eligible, key=lambda v: v.metric(field), reverse=True)
    top, rest = ranked[:limit], ranked[limit:]
    med = median(eligible, field)
    context = [f for f in ("views", "impressions", "ctr_pct") if f != field]
    lines = [
        f"Ranked among {len(eligible)} videos{rule}; your median {LABEL[field]}: {fmt(field, med)}.",
        "",
        f"| # | Title | {LABEL[field]} | {' | '.join(LABEL[f] for f in context)} | Published |",
        "|---|---|---:|" + "---:|" * len(context) + "---|",
    ]
    for i, v in enumerate(top, 1):
        cells = " | ".join(fmt(f, v.metric(f)) for f in context)
        lines.append(
            f"| {i} | {md_cell(v.title)} | **{fmt(field, v.metric(field))}** | {cells} | {v.published_at.date()} |"
        )
    traits, words = shared_traits(top, rest, field) if top and rest else ([], [])
    lines += ["", f"**What they share** (these {len(top)} titles vs your other {len(rest)}):"]
    for t in traits:
        lines.append(
            f"- {t.top_count} of {t.top_n} have {t.trait} (vs {t.rest_share:.0%} of the others); across all your "
            f"titles, median {LABEL[field]} {fmt(field, t.median_with)} with it "
            f"vs {fmt(field, t.median_without)} without."
        )
    if words:
        lines.append(
            "- Recurring words: "
            + ", ".join(f"“{w}” ({k} of {len(top)}; {share:.0%} of the others)" for w, k, share in words)
            + "."
        )
    if not traits and not words:
        lines.append("- No title trait or word stands out: what lifts them is probably the topic or the thumbnail.")
    fig = _bar_figure(
        [v.title for v in top],
        [v.metric(field) for v in top],
        field,
        med,
        "your median",
        f"Your top {len(top)} videos by {LABEL[field]}",
        horizontal=True,
    )
    data = {
        "videos": [metrics_dict(v) for v in top],
        "eligible": len(eligible),
        "median": med,
        "traits": [t.__dict__ for t in traits],
        "recurring_words": [{"word": w, "top_count": k, "rest_share": s} for w, k, s in words],
    }
    return lines, data, fig


def is_a_short(video: VideoMetrics) -> bool:
    """A YouTube Short: by duration (``memory.outliers.is_short``) or, in exports without durations, by the
    #shorts tag in its title."""
    return is_short(video.duration_s, video.published_at) or "#shorts" in video.title.lower()


def last_vs_usual_view(
    videos: list[VideoMetrics], windows: dict[str, dict[str, VideoMetrics]]
) -> tuple[list[str], dict, go.Figure | None]:
    """The last upload against the median of the USUAL_WINDOW uploads of the same format (Shorts or
    long-form) before it, at equal age (first 30 or 7 days after publish) when those snapshots exist for it
    and at least 5 earlier uploads, else on lifetime totals."""
    last = videos[0]
    fmt_name = "Shorts" if is_a_short(last) else "long-form uploads"
    before = [v for v in videos[1:] if is_a_short(v) == is_a_short(last)][:USUAL_WINDOW]
    if not before:
        return (
            [
                f"**{last.title}** is the first of your {fmt_name} stored: "
                "there is no usual video to compare it with yet."
            ],
            {"last": metrics_dict(last), "usual_n": 0},
            None,
        )
    basis, mine, usual = "lifetime totals (the older videos have had longer to collect)", last, before
    for period, label in (("d30", "first 30 days after publish"), ("d7", "first 7 days after publish")):
        snaps = windows.get(period, {})
        earlier = [snaps[v.video_id] for v in before if v.video_id in snaps]
        if last.video_id in snaps and len(earlier) >= 5:
            basis, mine, usual = label, snaps[last.video_id], earlier
            break
    lines = [
        f"**{last.title}** (published {last.published_at.date()}) against your usual video: the median of the "
        f"{len(usual)} {fmt_name} before it, compared on {basis}.",
        "",
        "| Metric | Last upload | Usual | Last / usual |",
        "|---|---:|---:|---:|",
    ]
    rows = []
    for field in COMPARED:
        value, typical = mine.metric(field), median(usual, field)
        if value is None or typical is None:
            continue
        ratio = value / typical if typical else None
        rows.append({"metric": LABEL[field], "field": field, "last": value, "usual": typical, "ratio": ratio})
        lines.append(
            f"| {LABEL[field]} | {fmt(field, value)} | {fmt(field, typical)} | "
            f"{f'{ratio:.0%}' if ratio is not None else 'n/a'} |"
        )
    above = [r["metric"] for r in rows if r["ratio"] is not None and r["ratio"] >= 1.1]
    below = [r["metric"] for r in rows if r["ratio"] is not None and r["ratio"] <= 0.9]
    lines.append("")
    lines.append(f"Above usual: {', '.join(above) or 'nothing'}. Below usual: {', '.join(below) or 'nothing'}.")
    charted = [r for r in rows if r["ratio"] is not None]
    fig = go.Figure(
        go.Bar(
            x=[r["metric"] for r in charted],
            y=[round(r["ratio"] * 100) for r in charted],
            text=[f"{r['ratio']:.0%}" for r in charted],
            marker_color=["#2ca02c" if r["ratio"] >= 1 else "#d62728" for r in charted],
        )
    )
    fig.add_hline(y=100, line_dash="dash", annotation_text="your usual video = 100 %")
    fig.update_layout(
        title=f"Last upload as % of your usual video ({basis.split(' (')[0]})",
        yaxis_title="% of usual",
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        **CHART_LAYOUT,
    )
    fig.update_yaxes(gridcolor=CHART_GRID, zerolinecolor=CHART_GRID)
    data = {"last": metrics_dict(mine), "basis": basis, "usual_n": len(usual), "comparison": rows}
    return lines, data, fig


# --- the answer -----------------------------------------------------------------------------------------


CONNECT_LINK = "/connect/youtube"
"""The chat's "Connect with Google" page (``ui.connect``), served when CORTEX_GOOGLE_CLIENT_SECRETS is set."""


def not_connected(creator_id: str, google_connect: bool = False) -> str:
    """How to give the tool data, for a creator with no channel yet (never any number): attach the Studio export
    in the chat, or connect the channel with Google: through the chat's link when ``google_connect`` (an OAuth
    client is configured), else from a terminal (the commands name the creator)."""
    if google_connect:
        connect = (
            "2. **Connect the channel with Google** (live numbers, 7- and 30-day snapshots): "
            f"[open Google's consent page]({CONNECT_LINK}), allow read-only access to your channel and its "
            "analytics, then come back here and ask again."
        )
    else:
        connect = (
            "2. **Connect the channel with Google** (live numbers, 7- and 30-day snapshots): set "
            "`CORTEX_GOOGLE_CLIENT_SECRETS` to your OAuth client file and run "
            f"`cortex connect-youtube --creator {creator_id}` (README: *Connect a YouTube channel*)."
        )
    return (
        "I have no analytics for your channel yet, so I can't give numbers. Add them one of two ways:\n\n"
        "1. **Attach a YouTube Studio export here** (the paperclip): in YouTube Studio open Analytics > Advanced "
        "mode, keep the Content (video) table, pick the period, and export the current view as comma-separated "
        "values. I show what it holds and import it once you confirm. From a terminal: "
        f'`cortex import-analytics "Table data.csv" --channel "Your channel" --creator {creator_id}`.\n'
        + connect
    )


async def _refresh_if_stale(
    pool: AsyncConnectionPool, settings: Settings, creator_id: str, channel: AnalyticsChannel
) -> tuple[AnalyticsChannel, str | None]:
    """Sync an API-connected channel whose numbers are older than STALE_AFTER (keys and token key from
    ``settings``, ``AnalyticsConfig.from_settings``); a failure becomes a note."""
    if channel.source != "youtube_api":
        return channel, None
    if channel.synced_at and datetime.now(UTC) - channel.synced_at < STALE_AFTER:
        return channel, None
    try:
        source = await youtube_source(pool, channel, AnalyticsConfig.from_settings(settings))
        report = await sync_channel(pool, creator_id, source, channel.name)
    except (YouTubeError, AnalyticsInputError, ValueError) as exc:
        when = f"as of {channel.synced_at:%Y-%m-%d %H:%M} UTC" if channel.synced_at else "none stored yet"
        return channel, f"Could not refresh from YouTube ({exc}); numbers {when}."
    trace("analytics.sync", channel=channel.name, videos=report.videos, window_snapshots=report.window_snapshots)
    return report.channel, "; ".join(report.notes) or None


async def channel_analytics(
    pool: AsyncConnectionPool,
    settings: Settings,
    creator_id: str,
    view: str = "recent",
    metric: str = "views",
    limit: int = 10,
    channel: str | None = None,
) -> tuple[str, dict]:
    """The answer of pull_analytics for a creator: (markdown, artifact with a Plotly figure's JSON under
    'chart'). Only the creator's own channels are read. ``settings`` gives the token key and YouTube API keys
    used to refresh an API-connected channel whose numbers are older than STALE_AFTER."""
    channels = await store.list_channels(pool, creator_id)
    if not channels:
        return not_connected(creator_id, settings.google_client_secrets is not None), {
            "connected": False, "creator_id": creator_id}
    try:
        chosen = store.channel_matches(channel, channels) if channel else channels[0]
    except AnalyticsInputError as exc:
        return str(exc), {"connected": True, "channels": [c.name for c in channels]}
    chosen, note = await _refresh_if_stale(pool, settings, creator_id, chosen)
    videos = await store.channel_videos(pool, chosen.channel_pk)
    if not videos:
        return (f"“{chosen.name}” has no videos stored yet. {note or ''}").strip(), {
            "connected": True,
            "channel": chosen.name,
        }
    limit = max(1, min(limit, 50))
    if view == "last_vs_usual":
        windows = {p: await store.window_snapshots(pool, chosen.channel_pk, p) for p in ("d7", "d30")}
        lines, data, fig = last_vs_usual_view(videos, windows)
        heading = f"**Your last upload vs your usual video** — {chosen.name}"
    elif view == "top":
        lines, data, fig = top_view(videos, metric, limit)
        heading = f"**Your {min(limit, len(videos))} best videos by {LABEL[FIELD[metric]]}** — {chosen.name}"
    else:
        lines, data, fig = recent_view(videos, limit)
        heading = f"**How your last {min(limit, len(videos))} uploads did** — {chosen.name}"
    source = {"studio_export": "YouTube Studio export", "youtube_api": "YouTube Analytics API"}[chosen.source]
    synced = f"{chosen.synced_at:%Y-%m-%d}" if chosen.synced_at else "never"
    provenance = f"_Source: {source}, read {synced}; lifetime totals unless stated. {len(videos)} videos stored._"
    others = [c.name for c in channels if c.channel_pk != chosen.channel_pk]
    tail = [provenance]
    if others:
        tail.append(f"_Your other channels: {', '.join(others)} — name one to see it._")
    if note:
        tail.append(f"_{note}_")
    trace("analytics.view", channel=chosen.name, view=view, metric=metric, videos=len(videos))
    artifact = {
        "connected": True,
        "channel": chosen.name,
        "source": chosen.source,
        "view": view,
        "metric": metric,
        **data,
    }
    if fig is not None:
        artifact["chart"] = fig.to_json()
    return "\n".join([heading, "", *lines, "", *tail]), artifact
