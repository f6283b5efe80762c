"""The answers of ``retrieve_outliers`` a creator reads: the outliers about a topic with the title patterns they
share (and those patterns' lift on the hits' channels), or what works for channels or a niche (the title patterns
that lift multipliers, ``tools.outliers.patterns``, with real examples, and the biggest outliers). Storage is read
through ``memory.corpus`` with the pool passed in.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from datetime import date

from psycopg_pool import AsyncConnectionPool

from agent.embeddings import get_title_embedder
from memory.corpus.channels import channel_profiles, channel_videos
from memory.corpus.search import NICHE_COUNT_CAP, OutlierFilters
from memory.corpus.vectors import titles_indexed
from memory.outliers import OUTLIER_FROM, TIERS, tier_label
from tools.base import md_cell, trace
from tools.outliers.patterns import (
    PatternLift,
    channel_lifts,
    cross_channel,
    template,
    title_patterns,
    winning_patterns,
)
from tools.outliers.search import (
    DEFAULT_MIN_MULTIPLIER,
    OutlierHit,
    channels_for,
    format_label,
    resolve_niche,
    search_outliers,
)


def _views(v: int | None) -> str:
    return f"{v:,}" if v is not None else "n/a"


def _mult(h: OutlierHit) -> str:
    if h.multiplier is None:
        return "no baseline"
    tier = f" ({h.tier})" if h.tier.endswith("+") else ""
    return f"{h.multiplier:.1f}x{tier}"


def no_match_markdown(query: str, topic_niches: tuple[str, ...] = (), closest: list[tuple[str, int]] | None = None,
                      absent_words: list[str] | None = None) -> str:
    """The answer when nothing passes: says there is no good match (no title has the topic's words, or, when the
    topic names a niche, no outlier of it fits these filters), and offers the closest niches that do have outliers."""
    if absent_words:
        words = ", ".join(f"“{w}”" for w in absent_words)
        text = f"No good match for **{query}**: no title in the corpus mentions {words}."
    else:
        niche = f" The corpus has no {' or '.join(topic_niches)} outlier that fits these filters." if topic_niches else ""
        text = f"No good match for **{query}**: no outlier in the corpus is about it with these filters.{niche}"
    if closest:
        offers = ", ".join(f"{n} ({c:,}{'+' if c >= NICHE_COUNT_CAP else ''} outliers)" for n, c in closest)
        text += f" Closest niches that do have outliers here: {offers}. Ask about one of them, or try other words."
    else:
        text += " Try a broader topic, a lower minimum multiplier, or no channel filter."
    return text


def outliers_markdown(query: str, hits: list[OutlierHit], pattern_lines: list[str] | None = None,
                      topic_niches: tuple[str, ...] = (), closest: list[tuple[str, int]] | None = None,
                      absent_words: list[str] | None = None) -> str:
    """A table a creator reads: title, channel, views, multiplier, why it matched; then the shared patterns and
    notes on multipliers that need care (videos too young at the crawl). No hits: ``no_match_markdown``."""
    if not hits:
        return no_match_markdown(query, topic_niches, closest, absent_words)
    lines = [
        f"**Outliers about “{query}”** ({len(hits)} real videos, multiplier = views / the channel's rolling median "
        "of nearby same-format uploads)",
        "",
        "| # | Title | Channel | Views | Multiplier | Why it matched |",
        "|---|---|---|---:|---:|---|",
    ]
    for i, h in enumerate(hits, 1):
        year = h.published[:4] if h.published else "trending"
        lines.append(f"| {i} | {md_cell(h.title)} | {md_cell(h.channel)} ({h.format}, {year}) | {_views(h.views)} | "
                     f"{_mult(h)} | {md_cell(h.why)} |")
    if pattern_lines:
        lines += ["", *pattern_lines]
    young = [(i, h) for i, h in enumerate(hits, 1) if h.multiplier is not None and "no age-aware" in h.note]
    if young:
        lines += ["", "_Careful:_ " + "; ".join(f"#{i}: {h.note}" for i, h in young) + "."]
    return "\n".join(lines)


async def _lifts_for(pool: AsyncConnectionPool, channels: list[str]) -> list[PatternLift]:
    rows = await channel_videos(pool, channels)
    by_channel: dict[str, list[tuple[str, float]]] = {}
    for r in rows:
        by_channel.setdefault(r["channel"], []).append((r["title"], r["outlier_multiplier"]))
    return [x for ch, vids in by_channel.items() for x in channel_lifts(ch, vids)]


async def shared_patterns(pool: AsyncConnectionPool, hits: list[OutlierHit]) -> tuple[list[str], list[dict]]:
    """Lines on the patterns several hits share, with their lift on the hits' channels; and the trace data."""
    counts = Counter(p for h in hits for p in h.patterns)
    shared = [(p, n) for p, n in counts.most_common() if n >= 2][:4]
    if not shared:
        return [], []
    lifts = await _lifts_for(pool, sorted({h.channel for h in hits if h.multiplier is not None}))
    lines, data = ["**Patterns these outliers share** (lift = median multiplier with the pattern / without, on "
                   "that channel; ✓ = significant, BH q ≤ 0.10)"], []
    for p, n in shared:
        on = [x for x in lifts if x.pattern == p]
        measured = ", ".join(f"{x.channel} {x.lift:.2f}x{' ✓' if x.works else ''}" for x in on) or "too few titles to measure"
        lines.append(f"- **{p}** ({template(p)}): {n} of {len(hits)} hits; lift: {measured}")
        data.append({"pattern": p, "hits": n, "lifts": {x.channel: round(x.lift, 3) for x in on}})
    return lines, data


async def what_works(
    pool: AsyncConnectionPool, channels: list[str], niche: str | None, filters: OutlierFilters, limit: int = 10
) -> tuple[str, list[dict]]:
    """What works for channels or a niche: pattern lifts (per channel; across channels for several) with real
    examples, and the biggest outliers. Returns (markdown, hit dicts). Only full-history channels are measured; the
    format, date and views filters apply, the minimum multiplier does not (lifts compare every upload)."""
    profiles = await channel_profiles(pool, tuple(channels), (niche,) if niche else ())
    if not profiles:
        return (f"No channel with a full upload history in the **{niche}** niche yet." if niche else
                "No channel with a full upload history matched."), []
    names = [p["name"] for p in profiles]
    rows = [
        r for r in await channel_videos(pool, names)
        if (filters.video_format == "any" or r["is_short"] == (filters.video_format == "short"))
        and (filters.published_after is None or r["published_at"].date() >= filters.published_after)
        and (filters.published_before is None or r["published_at"].date() < filters.published_before)
        and (filters.min_views is None or (r["views"] or 0) >= filters.min_views)
    ]
    by_channel: dict[str, list[tuple[str, float]]] = {}
    for r in rows:
        by_channel.setdefault(r["channel"], []).append((r["title"], r["outlier_multiplier"]))
    lifts = [x for ch, vids in by_channel.items() for x in channel_lifts(ch, vids)]
    if niche:
        subject, about = f"{niche} channels", ", ".join(names)
    else:
        subject, about = ", ".join(names), ", ".join(dict.fromkeys(f"{p['niche']}" for p in profiles))
    lines = [f"**What works for {subject}** ({about}; multiplier = views / the channel's rolling median of nearby "
             "same-format uploads)", ""]
    for p in profiles:
        mults = [m for _, m in by_channel.get(p["name"], [])]
        tiers = ", ".join(f"{sum(m >= t for m in mults)} at {t:g}x+" for t in TIERS)
        lines.append(f"- {p['name']}: {len(mults)} uploads with a multiplier, {sum(m >= OUTLIER_FROM for m in mults)} "
                     f"outliers (2x+): {tiers}")
    lines.append("")
    cross = cross_channel(lifts)
    pattern_data = []
    if len(by_channel) > 1:
        wins = winning_patterns(cross)
        if wins:
            lines += ["**Patterns that win on several channels** (✓ lift > 1 at BH q ≤ 0.10)", "",
                      "| Pattern | Works on | Median lift | Lift per channel | Examples |", "|---|---|---:|---|---|"]
        else:
            lines.append("_No pattern lifts multipliers significantly on two or more of these channels; per channel:_")
        for c in wins:
            per = ", ".join(f"{x.channel} {x.lift:.2f}x{' ✓' if x.works else ''}" for x in c.per_channel)
            ex = "; ".join(f"“{t}” ({ch}, {m:.1f}x)" for t, ch, m in c.examples()[:3])
            lines.append(f"| {c.pattern} ({template(c.pattern)}) | {len(c.works_on)} | {c.median_lift:.2f}x | {per} | {ex} |")
            pattern_data.append({"pattern": c.pattern, "works_on": c.works_on, "median_lift": round(c.median_lift, 3)})
        lines.append("")
    works = [x for x in lifts if x.works]
    promising = [x for x in lifts if not x.works and x.lift >= 1.2 and x.p_value < 0.2]
    if works:
        lines += ["**Patterns that lift multipliers** (median multiplier with / without the pattern; BH q ≤ 0.10)", "",
                  "| Channel | Pattern | Lift | Titles | Median with / without | Best examples |", "|---|---|---:|---:|---|---|"]
        for x in sorted(works, key=lambda x: -x.lift)[:8]:
            ex = "; ".join(f"“{t}” ({m:.1f}x)" for t, m in x.examples[:2])
            lines.append(f"| {x.channel} | {x.pattern} ({template(x.pattern)}) | {x.lift:.2f}x | {x.n_with} | "
                         f"{x.median_with:.2f}x / {x.median_without:.2f}x | {ex} |")
            pattern_data.append({"channel": x.channel, "pattern": x.pattern, "lift": round(x.lift, 3),
                                 "q": round(x.q_value, 4), "n": x.n_with})
    else:
        lines.append("_No title pattern lifts multipliers significantly here (BH q ≤ 0.10)._")
    if promising:
        lines += ["", "Promising but not significant yet: " + "; ".join(
            f"{x.pattern} on {x.channel} ({x.lift:.2f}x, {x.n_with} titles, p = {x.p_value:.2f})"
            for x in sorted(promising, key=lambda x: -x.lift)[:4])]
    top = sorted(rows, key=lambda r: -r["outlier_multiplier"])[:limit]
    lines += ["", "**Biggest outliers**", "", "| # | Title | Channel | Views | Multiplier | Patterns |", "|---|---|---|---:|---:|---|"]
    hits = []
    for i, r in enumerate(top, 1):
        pats = title_patterns(r["title"])
        age = f", age-aware {r['age_multiplier']:.1f}x" if r["age_multiplier"] is not None else ", too young for an age-aware view"
        lines.append(f"| {i} | {md_cell(r['title'])} | {md_cell(r['channel'])} ({format_label(r['is_short'])}, {r['published_at']:%Y}) | "
                     f"{_views(r['views'])} | {r['outlier_multiplier']:.1f}x ({tier_label(r['outlier_multiplier'])}{age}) | "
                     f"{', '.join(pats) or '—'} |")
        hits.append(asdict(OutlierHit(
            title=r["title"], channel=r["channel"], views=r["views"], multiplier=round(r["outlier_multiplier"], 2),
            similarity=0.0, published=r["published_at"].date().isoformat(), format=format_label(r["is_short"]),
            video_id=r["video_id"], tier=tier_label(r["outlier_multiplier"]),
            niche=next(p["niche"] for p in profiles if p["name"] == r["channel"]),
            why="top multiplier of the channel" + ("s" if len(names) > 1 else ""), patterns=pats, source="",
        )))
    trace("outliers.patterns", channels=names, niche=niche, patterns=pattern_data)
    return "\n".join(lines), hits

async def outlier_report(
    pool: AsyncConnectionPool,
    query: str,
    channels: list[str] | None = None,
    niche: str | None = None,
    min_multiplier: float | None = DEFAULT_MIN_MULTIPLIER,
    video_format: str = "any",
    published_after: date | None = None,
    published_before: date | None = None,
    min_views: int | None = None,
    limit: int = 10,
) -> tuple[str, list[dict]]:
    """(markdown, hit dicts): with a ``query``, the outliers about it (``search_outliers``) and the patterns several
    of them share; without one, what works for ``channels`` or the ``niche`` (``what_works``; one of them is
    needed). An unknown channel or niche raises ValueError listing the known ones. While the title index is still
    being built (a first start), the answer ends with a note saying how far it is (``index_note``)."""
    note = await index_note(pool)
    if not query:
        resolved = await channels_for(pool, channels)
        filters = OutlierFilters(tuple(resolved), min_multiplier, video_format, published_after,
                                 published_before, (), min_views)
        text, data = await what_works(pool, resolved, resolve_niche(niche) if niche else None, filters, limit)
        return text + note, data
    found = await search_outliers(pool, query, channels, min_multiplier, video_format, published_after,
                                  published_before, limit, niche, min_views)
    pattern_lines, pattern_data = await shared_patterns(pool, found.hits)
    if pattern_data:
        trace("outliers.patterns", query=query, patterns=pattern_data)
    text = outliers_markdown(query, found.hits, pattern_lines, found.topic_niches, found.closest, found.absent_words)
    return text + note, [asdict(h) for h in found.hits]


_indexed: set[str] = set()
"""Title-embedding models whose index was complete once (later ingests embed their new titles at once)."""


async def index_note(pool: AsyncConnectionPool) -> str:
    """'' once every title has a vector of the title embedder; before (the service embeds them in the background on
    its first start), a note with how many are done, since results and niches cover only those."""
    model = get_title_embedder().name
    if model in _indexed:
        return ""
    embedded, videos = await titles_indexed(pool, model)
    if embedded >= videos:
        _indexed.add(model)
        return ""
    return (f"\n\n_Still indexing the corpus on this first start: {embedded:,} of {videos:,} titles so far, so "
            "these results may miss some videos. Ask again in a few minutes for the full picture._")
