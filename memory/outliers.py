"""Outlier multipliers: how far a video outperforms its own channel.

Definition (the product's, used everywhere): a video's **outlier multiplier** is its views divided by the
**rolling median** views of the nearby uploads of the same format on the same channel.

- *Same format*: Shorts and long-form are compared apart; a Short's views say nothing about a long-form
  baseline. A video is a Short when it lasts at most 60 s, or at most 180 s when published on or after
  2024-10-15, the day YouTube raised the Shorts limit to three minutes.
- *Nearby uploads*: up to ``WINDOW`` (10) uploads before and 10 after in publish order, the video itself
  excluded. A centred window follows the channel's size at the time of the upload (MrBeast in 2014 and
  in 2024 are different channels), and a symmetric window halves the bias of views that older uploads had
  longer to collect. The median is robust to the other outliers in the window; excluding the video stops a
  hit from raising its own baseline. 20 neighbours is the common "last 20 uploads" view of creator tools
  (vidIQ, 1of10) made symmetric.
- *Minimum history*: a channel gets multipliers for a format only from ``MIN_HISTORY`` (20) uploads of that
  format, i.e. one full window. Around its rolling baseline a video's ln(views) spreads with a standard deviation
  of about 1.0 on this corpus (median over the channels and formats of ``youtube_channel_uploads`` and
  ``youtube_ai_topic_videos``), so the median of n neighbours has a standard error of about 1.25 / sqrt(n) in
  ln (the median's asymptotic 1.2533 sigma / sqrt(n)): with 20 uploads every video has at least 10 neighbours and
  a 2x outlier (ln 2 = 0.69) stands at least 1.7 standard errors above its baseline (2.5 with a full window).
  Each video also needs ``MIN_NEIGHBOURS`` (5) same-format neighbours with known views, else no multiplier.
  Only sources with complete upload histories get multipliers at all (trending snapshots never do: a few
  videos of a channel are no baseline).
- *Tiers*: ``TIERS`` 3x, 5x and 10x; an upload is an outlier from 2x (``OUTLIER_FROM``), the common cut of
  creator tools.

**Age-aware view.** Views are lifetime totals read once, at the crawl; a video's age at the crawl decides how
much of its life they cover. The rolling window already compares a video with uploads of nearly the same age,
except near the end of a history: the newest uploads have only older neighbours, which had longer to collect
views, so their multipliers read low. The *age-aware multiplier* keeps only the window's neighbours whose age
at the crawl is within a factor ``AGE_RATIO`` (2) of the video's own (a 30-day-old video against uploads 15 to
60 days old); with fewer than ``MIN_NEIGHBOURS`` such neighbours there is none, and ``age_note`` says why
(the video was too young at the crawl for uploads of a similar age to exist). We cannot compare views at equal
ages directly (views of older uploads at the age of 30 days were never recorded: one snapshot per video).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from statistics import median

WINDOW = 10
MIN_NEIGHBOURS = 5
MIN_HISTORY = 20
AGE_RATIO = 2.0
YOUNG_DAYS = 90
"""Under this age at the crawl a note calls a video's views still growing (wording only; no number depends on it)."""
OUTLIER_FROM = 2.0
TIERS = (3.0, 5.0, 10.0)
SHORTS_3MIN_FROM = datetime(2024, 10, 15, tzinfo=UTC)


def is_short(duration_s: int | None, published_at: datetime) -> bool:
    """Whether an upload is a YouTube Short, judged by its duration in seconds and publish time (UTC)."""
    if duration_s is None or duration_s <= 0:
        return False
    limit = 180 if published_at >= SHORTS_3MIN_FROM else 60
    return duration_s <= limit


def tier(multiplier: float | None) -> float | None:
    """The highest of ``TIERS`` (3, 5, 10) a multiplier reaches, or None below 3x or without a multiplier."""
    if multiplier is None:
        return None
    reached = [t for t in TIERS if multiplier >= t]
    return reached[-1] if reached else None


def tier_label(multiplier: float | None) -> str:
    """'10x+', '5x+', '3x+', 'outlier' (2-3x), 'typical' (below 2x) or 'no baseline'."""
    if multiplier is None:
        return "no baseline"
    if (t := tier(multiplier)) is not None:
        return f"{t:g}x+"
    return "outlier" if multiplier >= OUTLIER_FROM else "typical"


@dataclass(frozen=True)
class Baseline:
    """A video's baseline: the rolling median views (None without enough history) and its neighbour count."""

    median_views: float | None
    neighbours: int

    def multiplier(self, views: int | None) -> float | None:
        """views / median_views, or None when either is missing or the median is 0."""
        if views is None or not self.median_views:
            return None
        return views / self.median_views


def rolling_baselines(views_in_publish_order: Sequence[int | None]) -> list[Baseline]:
    """Baselines for one channel's uploads of one format, given their views sorted by publish time.

    Returns one Baseline per input, in the same order. Missing views (None) are neither counted as
    neighbours nor given a multiplier. A history shorter than ``MIN_HISTORY`` uploads gets no baselines.
    """
    return _baselines(views_in_publish_order, None)


def age_baselines(
    views_in_publish_order: Sequence[int | None], ages_days: Sequence[float]
) -> list[Baseline]:
    """Age-aware baselines (see the module docstring): the rolling window restricted to neighbours whose age at
    the crawl (days, one per input, same order) is within a factor ``AGE_RATIO`` of the video's. Ages under one
    day count as one day."""
    if len(ages_days) != len(views_in_publish_order):
        raise ValueError("age_baselines needs one age per video.")
    return _baselines(views_in_publish_order, [max(1.0, a) for a in ages_days])


def _baselines(views: Sequence[int | None], ages: list[float] | None) -> list[Baseline]:
    known = [(i, v) for i, v in enumerate(views) if v is not None]
    out = [Baseline(None, 0)] * len(views)
    if len(known) < MIN_HISTORY:
        return out
    for pos, (i, _) in enumerate(known):
        lo, hi = max(0, pos - WINDOW), min(len(known), pos + WINDOW + 1)
        neighbours = [
            v
            for j, (k, v) in enumerate(known[lo:hi], start=lo)
            if j != pos and (ages is None or ages[i] / AGE_RATIO <= ages[k] <= ages[i] * AGE_RATIO)
        ]
        if len(neighbours) >= MIN_NEIGHBOURS:
            out[i] = Baseline(float(median(neighbours)), len(neighbours))
        else:
            out[i] = Baseline(None, len(neighbours))
    return out


def multiplier_note(
    has_full_history: bool, format_uploads: int | None, multiplier: float | None, age_days: int | None,
    age_neighbours: int, age_multiplier: float | None,
) -> str:
    """Why a video has (or lacks) a multiplier and an age-aware view, in a creator's words.

    ``format_uploads``: the channel's uploads of the video's format with known views (None: not counted);
    ``age_days``: its age at the crawl; ``age_neighbours``: neighbours of a similar age found (see
    ``age_baselines``).
    """
    if not has_full_history:
        return "no multiplier: the source lists a few of this channel's videos, not its upload history"
    if multiplier is None:
        if format_uploads is not None and format_uploads < MIN_HISTORY:
            return f"no multiplier: the channel has {format_uploads} uploads of this format, fewer than {MIN_HISTORY}"
        return (f"no multiplier: the channel has fewer than {MIN_HISTORY} uploads of this format, or fewer than "
                f"{MIN_NEIGHBOURS} nearby ones with known views")
    if age_multiplier is not None:
        return f"age-aware {age_multiplier:.1f}x against {age_neighbours} uploads of a similar age at the crawl"
    if age_days is None:
        return "no age-aware view: the crawl date is unknown"
    young = "; its views were still growing" if age_days < YOUNG_DAYS else ""
    return (
        f"no age-aware view: {age_days} days old at the crawl, only {age_neighbours} nearby uploads were "
        f"{age_days / AGE_RATIO:.0f}-{age_days * AGE_RATIO:.0f} days old (need {MIN_NEIGHBOURS}){young}"
    )
