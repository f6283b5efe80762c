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
- *Minimum history*: at least ``MIN_NEIGHBOURS`` (5) same-format neighbours, else no multiplier (None):
  a median of fewer uploads is noise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from statistics import median

WINDOW = 10
MIN_NEIGHBOURS = 5
SHORTS_3MIN_FROM = datetime(2024, 10, 15, tzinfo=timezone.utc)


def is_short(duration_s: int | None, published_at: datetime) -> bool:
    """Whether an upload is a YouTube Short, judged by its duration in seconds and publish time (UTC)."""
    if duration_s is None or duration_s <= 0:
        return False
    limit = 180 if published_at >= SHORTS_3MIN_FROM else 60
    return duration_s <= limit


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
    neighbours nor given a multiplier.
    """
    known = [(i, v) for i, v in enumerate(views_in_publish_order) if v is not None]
    out = [Baseline(None, 0)] * len(views_in_publish_order)
    for pos, (i, _) in enumerate(known):
        lo, hi = max(0, pos - WINDOW), min(len(known), pos + WINDOW + 1)
        neighbours = [v for j, (_, v) in enumerate(known[lo:hi], start=lo) if j != pos]
        if len(neighbours) >= MIN_NEIGHBOURS:
            out[i] = Baseline(float(median(neighbours)), len(neighbours))
        else:
            out[i] = Baseline(None, len(neighbours))
    return out
