"""Learning from outcomes: how the titles a creator used did once their videos were out, against what was predicted.

For each title the creator used (``use_title``: the ``title_choices`` of ``memory.learning.used_titles``) whose video
is in their analytics (a Studio export they imported or their channel connected with Google; matched by title,
rapidfuzz ratio >= ``MATCH_RATIO`` on the lower-cased titles):

- **predicted**: the judged score the title had when it was generated (None for their own title), and the score and
  outlier multiplier the title model predicts for that upload from the channel's uploads *before* it
  (``tools.scoring.history.predict_history``: prequential, so the video's own views never inform its prediction);
- **actual**: per period the analytics hold, the first 7 and 30 days after publishing (``d7`` / ``d30`` snapshots, from
  the YouTube Analytics API) or the totals up to the export (``lifetime``): views, impressions, CTR, and the outlier
  multiplier on the channel: views / the median views of the up to 10 uploads before it
  (``tools.scoring.history.trailing_log_multipliers``; for ``d7`` / ``d30`` the neighbours' same-period views when
  they have them, else none).

**What it learned** (``Calibration``): over the outcomes with both, the median of actual / predicted multiplier (the
creator's personal calibration: above 1, the model undersells their titles), how often the actual multiplier landed on
the predicted side of 1x, and their CTR against their channel's median CTR. With fewer than ``MIN_CALIBRATION``
outcomes it says it is too early. The calibration is kept per creator (``memory.learning`` block ``calibration``),
shown with their memory, and applied to what ``score_title`` predicts for a title on that channel
(``calibrated_prediction``: the model's multiplier times the factor, said in words; not before ``MIN_CALIBRATION``).

Pure functions except ``title_outcomes``' reads; no model call.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from rapidfuzz import fuzz

from memory.analytics import VideoMetrics
from tools.base import md_cell
from tools.scoring.history import HistoryRow, predict_history, trailing_log_multipliers

MATCH_RATIO = 90.0
"""rapidfuzz ratio (0-100) from which a used title and an analytics video's title are the same title."""

MIN_CALIBRATION = 3
"""Outcomes needed before the calibration is read as a pattern (fewer: "too early")."""

PERIODS = ("d7", "d30", "lifetime")
"""The periods an outcome is read over, in this order."""


@dataclass(frozen=True)
class Actual:
    """One period of a video's numbers: ``period`` ("d7", "d30", "lifetime"), ``views``, ``impressions``,
    ``ctr_pct`` (percent), ``multiplier`` (views / the median of the up to 10 uploads before it; None with fewer than 5
    before)."""

    period: str
    views: int | None
    impressions: int | None
    ctr_pct: float | None
    multiplier: float | None


@dataclass(frozen=True)
class Outcome:
    """A used title and how its video did: ``title`` (as used), ``video_id`` and ``video_title`` (as in the
    analytics), ``published`` (ISO date), ``generation_id`` (None for the creator's own title), ``judged_score``
    (0-100, the generation's judge; None for their own title), ``predicted_score`` (0-100) and
    ``predicted_multiplier`` (the title model from the uploads before it), ``basis`` (what that prediction rests on),
    ``actuals`` (one per period the analytics hold)."""

    title: str
    video_id: str
    video_title: str
    published: str
    generation_id: str | None
    judged_score: float | None
    predicted_score: float | None
    predicted_multiplier: float | None
    basis: str
    actuals: tuple[Actual, ...] = ()

    @property
    def latest(self) -> Actual | None:
        """The longest period held (lifetime, else d30, else d7)."""
        return self.actuals[-1] if self.actuals else None

    def to_dict(self) -> dict:
        """JSON-ready data."""
        return asdict(self)


@dataclass(frozen=True)
class Calibration:
    """What the outcomes taught: ``n`` (outcomes with a predicted and an actual multiplier), ``factor`` (median actual
    / predicted multiplier; None under ``MIN_CALIBRATION``), ``same_side`` (share whose actual multiplier was on the
    predicted side of 1x), ``ctr_vs_median`` (median of their CTR / the channel's median CTR), ``reading`` (in words)."""

    n: int
    factor: float | None
    same_side: float | None
    ctr_vs_median: float | None
    reading: str

    def to_dict(self) -> dict:
        """JSON-ready data (the stored ``calibration`` block)."""
        return asdict(self)


def match_video(title: str, videos: Sequence[VideoMetrics]) -> VideoMetrics | None:
    """The analytics video whose title is ``title`` (ratio >= ``MATCH_RATIO``, the best), or None."""
    low = " ".join(title.lower().split())
    best = max(videos, key=lambda v: fuzz.ratio(low, " ".join(v.title.lower().split())), default=None)
    if best is None or fuzz.ratio(low, " ".join(best.title.lower().split())) < MATCH_RATIO:
        return None
    return best


def _multipliers(videos: Sequence[VideoMetrics], views: dict[str, int | None]) -> dict[str, float]:
    """video id -> views / median of the up to 10 uploads before it (``trailing_log_multipliers``), over the videos
    with a view count in ``views``, in publish order."""
    ordered = [v for v in sorted(videos, key=lambda v: (v.published_at, v.video_id)) if views.get(v.video_id) is not None]
    logs = trailing_log_multipliers([views[v.video_id] for v in ordered])
    return {v.video_id: round(math.exp(x), 3) for v, x in zip(ordered, logs.tolist()) if not math.isnan(x)}


def outcomes(used: Sequence[dict[str, Any]], videos: Sequence[VideoMetrics],
             windows: dict[str, dict[str, VideoMetrics]] | None = None, scorer: Any = None) -> list[Outcome]:
    """The outcome of every used title (``memory.learning.used_titles`` rows) whose video is in ``videos`` (the
    channel's lifetime totals, ``memory.analytics.channel_videos``); ``windows``: "d7" / "d30" -> video id -> that
    period's metrics (``memory.analytics.window_snapshots``); ``scorer``: the ``TitleScorer`` (None: the default).
    Oldest choice first; titles not published yet (no matching video) are left out."""
    from tools.scoring.scorer import default_scorer

    windows = windows or {}
    matched = [(u, v) for u in used if (v := match_video(u["title"], videos)) is not None]
    if not matched:
        return []
    history = [HistoryRow(v.title, v.published_at, v.views) for v in videos if v.views is not None]
    predicted = {(p.title, p.published_at): p for p in predict_history(history, scorer or default_scorer())}
    mults = {"lifetime": _multipliers(videos, {v.video_id: v.views for v in videos})}
    for period, got in windows.items():
        mults[period] = _multipliers(videos, {k: m.views for k, m in got.items()})
    out = []
    for u, v in matched:
        p = predicted.get((v.title, v.published_at))
        actuals = []
        for period in PERIODS:
            m = v if period == "lifetime" else windows.get(period, {}).get(v.video_id)
            if m is not None:
                actuals.append(Actual(period, m.views, m.impressions, m.ctr_pct, mults.get(period, {}).get(v.video_id)))
        cand = u.get("candidate") or {}
        out.append(Outcome(u["title"], v.video_id, v.title, v.published_at.date().isoformat(),
                           u.get("source_tool_call_id"), cand.get("score"), p.score if p else None,
                           p.predicted_multiplier if p else None, p.basis if p else "no prediction", tuple(actuals)))
    return out


def calibrate(found: Sequence[Outcome], videos: Sequence[VideoMetrics]) -> Calibration:
    """What ``found`` taught (``Calibration``); ``videos``: the channel's, for its median CTR."""
    pairs = [(o.predicted_multiplier, o.latest.multiplier) for o in found
             if o.latest and o.latest.multiplier and o.predicted_multiplier]
    ctrs = [v.ctr_pct for v in videos if v.ctr_pct is not None]
    mine = [o.latest.ctr_pct for o in found if o.latest and o.latest.ctr_pct is not None]
    ctr_ratio = (round(statistics.median(mine) / statistics.median(ctrs), 2)
                 if mine and ctrs and statistics.median(ctrs) > 0 else None)
    if len(pairs) < MIN_CALIBRATION:
        reading = (f"{len(pairs)} used title{'s' if len(pairs) != 1 else ''} with a published video so far: too early to "
                   f"read a pattern ({MIN_CALIBRATION} needed); I keep recording them.")
        return Calibration(len(pairs), None, None, ctr_ratio, reading)
    factor = round(statistics.median(a / p for p, a in pairs), 2)
    same = round(sum((a >= 1) == (p >= 1) for p, a in pairs) / len(pairs), 2)
    reading = (f"Your used titles did {factor:.2f}x what the model predicted for them (median of {len(pairs)}): "
               + ("it undersells your titles, so I read its predictions for you upward."
                  if factor > 1.1 else "it oversells your titles, so I read its predictions for you downward."
                  if factor < 0.9 else "it is about right for your channel.")
               + f" It called the side of your usual views right for {same:.0%} of them.")
    if ctr_ratio is not None:
        reading += f" Their CTR is {ctr_ratio:.2f}x your channel's median."
    return Calibration(len(pairs), factor, same, ctr_ratio, reading)


def calibrated_prediction(multiplier: float, calibration: dict[str, Any] | None, channel: str) -> tuple[float, str]:
    """The title model's predicted outlier ``multiplier`` for a title on ``channel``, read through the creator's
    stored calibration (the ``calibration`` block ``title_outcomes`` keeps: ``Calibration.to_dict`` plus its
    ``channel``): (multiplier for them, what was done in words). With a calibration of that channel and a factor
    (``MIN_CALIBRATION`` outcomes or more) the multiplier times the factor; with fewer outcomes the model's own,
    said to be too early to correct; with no calibration of that channel, the model's own and "" (nothing to say)."""
    if not calibration or " ".join(str(calibration.get("channel", "")).lower().split()) != " ".join(channel.lower().split()):
        return multiplier, ""
    n, factor = int(calibration.get("n") or 0), calibration.get("factor")
    if factor is None:
        return multiplier, (f"too early to correct it for your channel: {n} of the titles you used "
                            f"{'has' if n == 1 else 'have'} a published video so far, {MIN_CALIBRATION} needed")
    return round(multiplier * factor, 3), (f"for your channel, the titles you used have done {factor:.2f}x what I "
                                           f"predicted (median of {n}), so I read the model's {multiplier:.2f}x as "
                                           f"{multiplier * factor:.2f}x")


@dataclass
class OutcomeReport:
    """The answer to "how did the titles I used do?": ``channel`` (the analytics channel), ``outcomes``,
    ``calibration``, ``waiting`` (used titles with no published video in the analytics yet)."""

    channel: str
    outcomes: list[Outcome]
    calibration: Calibration
    waiting: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """JSON-ready data (the tool's artifact)."""
        return {"channel": self.channel, "outcomes": [o.to_dict() for o in self.outcomes],
                "calibration": self.calibration.to_dict(), "waiting": self.waiting}


def _n(x: float | int | None, fmt: str) -> str:
    return "—" if x is None else format(x, fmt)


def outcomes_markdown(r: OutcomeReport, weighed: int = 0) -> str:
    """The table a creator reads: per used title, predicted against actual (score, multiplier, CTR) per period, then
    what it learned (``weighed``: how many results moved their title preferences,
    ``tools.learning.preferences.TitleResult``) and the titles still waiting for their video."""
    lines = [f"**How the titles you used did** on {r.channel} (predicted from your uploads before each one, against "
             "your analytics)", "", "| title | published | period | predicted score | predicted | actual | views | CTR |",
             "|---|---|---|---|---|---|---|---|"]
    for o in r.outcomes:
        for a in o.actuals:
            lines.append(f"| {md_cell(o.title)} | {o.published} | {a.period} | {_n(o.predicted_score, '.0f')} | "
                         f"{_n(o.predicted_multiplier, '.2f')}x | {_n(a.multiplier, '.2f')}x | {_n(a.views, ',')} | "
                         f"{_n(a.ctr_pct, '.1f')} % |")
    lines += ["", f"**What I learned**: {r.calibration.reading}"]
    if weighed:
        lines.append(f"{weighed} of them did clearly better or worse than your usual views: that now counts in the "
                     "title preferences I learn from you, so titles like the ones that did well rank higher next time.")
    if r.waiting:
        lines += ["", "_Not in your analytics yet (not published, or imported before it was): "
                  + "; ".join(f"“{t}”" for t in r.waiting) + "._"]
    if any(a.period == "lifetime" for o in r.outcomes for a in o.actuals):
        lines += ["", "_“lifetime” is the total up to your export; connect your channel for the 7- and 30-day numbers._"]
    return "\n".join(lines)
