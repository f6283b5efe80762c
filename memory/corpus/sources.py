"""The corpus sources and their readers.

Sources (read from ``CORTEX_DATA_DIR``, never copied):
- ``youtube_channel_uploads/videos.csv``: complete upload histories of 8 channels;
- ``youtube_ai_topic_videos/per_channel/<Name>[_<UC id>]/df_videos*.csv``: near-complete uploads of 5 more;
- ``youtube_trending_us_2017`` and ``youtube_trending_us_2024``: US trending snapshots, a few videos each of
  ~1,500 channels. They are **titles without a channel baseline**: they enrich the title corpus for retrieval
  and never get an outlier multiplier (their channels are stored with ``has_full_history = false``).

Each reader returns one ``VideoRow`` per upload; ``memory.corpus.ingest`` writes them.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

csv.field_size_limit(2**31 - 1)


@dataclass
class VideoRow:
    """One upload as read from a source file (views etc. as integers; None where missing).

    ``published_at`` is None where the source has no publish time (the 2017 trending snapshot), ``is_short``
    None where the format is unknown (the 2024 trending snapshot has no durations).
    """

    video_id: str
    channel_name: str
    title: str
    published_at: datetime | None
    views: int | None
    likes: int | None
    comments: int | None
    duration_s: int | None
    source: str
    youtube_channel_id: str | None = None
    subscribers: int | None = None
    channel_created_at: datetime | None = None
    category_id: int | None = None
    trending_date: date | None = None
    is_short: bool | None = False
    baseline_views: float | None = None
    baseline_n: int = 0
    outlier_multiplier: float | None = None
    age_days: int | None = None
    age_baseline_views: float | None = None
    age_baseline_n: int = 0
    age_multiplier: float | None = None


def slugify(name: str) -> str:
    """A stable channel id from a channel name: 'Rachel & Jun's Adventures!' -> 'rachel-jun-s-adventures'."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _int(value: str | None) -> int | None:
    if value is None or value.strip() in ("", "nan", "None"):
        return None
    try:
        return int(float(value))
    except ValueError:
        return None


def _ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


_ISO_DURATION = re.compile(r"P(?:(\d+)D)?T?(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?")
_VIDEO_ID = re.compile(r"[\w-]{11}")


def iso_duration_s(value: str | None) -> int | None:
    """ISO 8601 duration as the YouTube Data API gives it ('PT1H2M3S') -> seconds; None if unparsable."""
    if not value:
        return None
    m = _ISO_DURATION.fullmatch(value.strip())
    if not m:
        return None
    d, h, mi, s = (int(g) if g else 0 for g in m.groups())
    return ((d * 24 + h) * 60 + mi) * 60 + s


def read_channel_uploads(data_dir: Path) -> list[VideoRow]:
    """Rows of ``youtube_channel_uploads/videos.csv`` (8 channels, complete histories)."""
    path = data_dir / "youtube_channel_uploads" / "videos.csv"
    rows = []
    with path.open(newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            rows.append(
                VideoRow(
                    video_id=r["video_id"],
                    channel_name=r["channel_title"],
                    title=r["title"],
                    published_at=_ts(r["published_at"]),
                    views=_int(r["view_count"]),
                    likes=_int(r["like_count"]),
                    comments=_int(r["comment_count"]),
                    duration_s=_int(r["duration_seconds"]),
                    source="youtube_channel_uploads",
                    subscribers=_int(r["channel_subscribers"]),
                    channel_created_at=_ts(r["channel_created_at"]) if r["channel_created_at"] else None,
                    category_id=_int(r["category_id"]),
                )
            )
    return rows


def read_ai_topic_channels(data_dir: Path) -> list[VideoRow]:
    """Rows of ``youtube_ai_topic_videos/per_channel/*/df_videos*.csv`` (5 channels, crawl Aug 2024).

    The folder name gives the channel: 'Nischa_UCQpPo9BNwezg54N9hMFQp6Q' -> name 'Nischa', id 'UCQp...'.
    """
    rows = []
    for folder in sorted((data_dir / "youtube_ai_topic_videos" / "per_channel").iterdir()):
        m = re.fullmatch(r"(.+?)(?:_(UC[\w-]{22}))?", folder.name)
        name, yt_id = m.group(1).replace("_", " "), m.group(2)
        for path in sorted(folder.glob("df_videos*.csv")):
            with path.open(newline="", encoding="utf-8") as fh:
                for r in csv.DictReader(fh):
                    if r.get("live_broadcast", "none") not in ("none", ""):
                        continue  # live streams are a different format again
                    rows.append(
                        VideoRow(
                            video_id=r["videoId"],
                            channel_name=name,
                            title=r["title"],
                            published_at=_ts(r["publishedAt"]),
                            views=_int(r["viewCount"]),
                            likes=_int(r["likeCount"]),
                            comments=_int(r["commentCount"]),
                            duration_s=iso_duration_s(r["duration"]),
                            source="youtube_ai_topic_videos",
                            youtube_channel_id=yt_id,
                            category_id=_int(r.get("categoryId")),
                        )
                    )
    return rows


def _latest_snapshot(rows: Iterable[VideoRow]) -> list[VideoRow]:
    """One row per video from daily trending snapshots: the last snapshot's numbers, the first trending day."""
    first_day: dict[str, date] = {}
    latest: dict[str, VideoRow] = {}
    for r in rows:
        if r.trending_date and (r.video_id not in first_day or r.trending_date < first_day[r.video_id]):
            first_day[r.video_id] = r.trending_date
        kept = latest.get(r.video_id)
        if kept is None or (r.trending_date or date.min, r.views or 0) >= (kept.trending_date or date.min, kept.views or 0):
            latest[r.video_id] = r
    for vid, r in latest.items():
        r.trending_date = first_day.get(vid)
    return list(latest.values())


_DAY_MONTH = re.compile(r"(\d{1,2})\.(\d{1,2})")


def _trending_day_2017(value: str) -> date | None:
    """The 2017 snapshot's 'DD.MM' day (Sept-Oct 2017; trailing zeros were lost: '22.1' = 22 Oct); None when the
    cell is damaged."""
    m = _DAY_MONTH.match(value.strip())
    if not m:
        return None
    month = 9 if m.group(2) in ("9", "09") else 10 if m.group(2) in ("1", "10") else None
    return date(2017, month, int(m.group(1))) if month and 1 <= int(m.group(1)) <= 31 else None


def read_trending_2017(data_dir: Path) -> list[VideoRow]:
    """Videos of ``youtube_trending_us_2017/USvideos.csv`` (Sept-Oct 2017 US trending): titles without a channel
    baseline and without publish times. Rows whose video id is damaged (102 empty, one merged with a date) are
    skipped. Shorts did not exist in 2017 (YouTube launched them in 2020), so every video is long-form."""
    path = data_dir / "youtube_trending_us_2017" / "USvideos.csv"
    rows = []
    with path.open(newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if not _VIDEO_ID.fullmatch(r["video_id"]):
                continue
            rows.append(
                VideoRow(
                    video_id=r["video_id"], channel_name=r["channel_title"], title=r["title"], published_at=None,
                    views=_int(r["views"]), likes=_int(r["likes"]), comments=_int(r["comment_total"]),
                    duration_s=None, source="youtube_trending_us_2017", category_id=_int(r["category_id"]),
                    trending_date=_trending_day_2017(r["date"]), is_short=False,
                )
            )
    return _latest_snapshot(rows)


def read_trending_2024(data_dir: Path) -> list[VideoRow]:
    """Videos of ``youtube_trending_us_2024`` (US trending, 10-15 April 2024): titles without a channel baseline;
    no durations, so the format is unknown (``is_short`` None)."""
    path = data_dir / "youtube_trending_us_2024" / "US_youtube_trending_2024-04-10_to_15.csv"
    rows = []
    with path.open(newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if not _VIDEO_ID.fullmatch(r["video_id"]):
                continue
            rows.append(
                VideoRow(
                    video_id=r["video_id"], channel_name=r["channelTitle"], title=r["title"],
                    published_at=_ts(r["publishedAt"]), views=_int(r["view_count"]), likes=_int(r["likes"]),
                    comments=_int(r["comment_count"]), duration_s=None, source="youtube_trending_us_2024",
                    youtube_channel_id=r["channelId"] or None, category_id=_int(r["categoryId"]),
                    trending_date=_ts(r["trending_date"]).date(), is_short=None,
                )
            )
    return _latest_snapshot(rows)


SOURCES: dict[str, Callable[[Path], list[VideoRow]]] = {
    "youtube_channel_uploads": read_channel_uploads,
    "youtube_ai_topic_videos": read_ai_topic_channels,
    "youtube_trending_us_2017": read_trending_2017,
    "youtube_trending_us_2024": read_trending_2024,
}
FULL_HISTORY_SOURCES = frozenset({"youtube_channel_uploads", "youtube_ai_topic_videos"})
"""Sources with complete upload histories: the only ones whose videos get outlier multipliers."""
