"""Ingestion of the real corpus into channels, videos and title vectors.

Sources (read from ``CORTEX_DATA_DIR``, never copied):
- ``youtube_channel_uploads/videos.csv``: complete upload histories of 8 channels;
- ``youtube_ai_topic_videos/per_channel/<Name>[_<UC id>]/df_videos*.csv``: near-complete uploads of 5 more.

Idempotent: rows are upserted only where a value differs and titles are embedded only when their vector is
missing or was made from another title, so a second run changes nothing (``IngestReport.changed == 0``).
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from psycopg_pool import AsyncConnectionPool

from agent.embeddings import get_embedder
from memory.corpus import ensure_title_vectors
from memory.outliers import is_short, rolling_baselines

csv.field_size_limit(2**31 - 1)

Progress = Callable[[str, int, int], None]
"""progress(phase, done, total): called as work advances."""


@dataclass
class VideoRow:
    """One upload as read from a source file (views etc. as integers; None where missing)."""

    video_id: str
    channel_name: str
    title: str
    published_at: datetime
    views: int | None
    likes: int | None
    comments: int | None
    duration_s: int | None
    source: str
    youtube_channel_id: str | None = None
    subscribers: int | None = None
    channel_created_at: datetime | None = None
    is_short: bool = False
    baseline_views: float | None = None
    baseline_n: int = 0
    outlier_multiplier: float | None = None


@dataclass
class IngestReport:
    """What one ingest run did."""

    channels: int = 0
    videos_read: int = 0
    videos_inserted: int = 0
    videos_updated: int = 0
    titles_embedded: int = 0
    embedding_model: str = ""
    seconds: float = 0.0
    per_source: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> int:
        """Rows written: inserted + updated videos + embedded titles (0 on a repeated run)."""
        return self.videos_inserted + self.videos_updated + self.titles_embedded


def slugify(name: str) -> str:
    """A stable channel id from a channel name: 'Rachel & Jun's Adventures!' -> 'rachel-jun-s-adventures'."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _int(value: str | None) -> int | None:
    if value is None or value.strip() in ("", "nan", "None"):
        return None
    return int(float(value))


def _ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


_ISO_DURATION = re.compile(r"P(?:(\d+)D)?T?(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?")


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
                        )
                    )
    return rows


SOURCES: dict[str, Callable[[Path], list[VideoRow]]] = {
    "youtube_channel_uploads": read_channel_uploads,
    "youtube_ai_topic_videos": read_ai_topic_channels,
}


def compute_multipliers(rows: Iterable[VideoRow]) -> None:
    """Set is_short, baseline and outlier multiplier on every row, per channel and format (in place)."""
    groups: dict[tuple[str, bool], list[VideoRow]] = defaultdict(list)
    for row in rows:
        row.is_short = is_short(row.duration_s, row.published_at)
        groups[(row.channel_name, row.is_short)].append(row)
    for group in groups.values():
        group.sort(key=lambda r: (r.published_at, r.video_id))
        for row, base in zip(group, rolling_baselines([r.views for r in group]), strict=True):
            row.baseline_views, row.baseline_n = base.median_views, base.neighbours
            row.outlier_multiplier = base.multiplier(row.views)


_VIDEO_COLS = (
    "video_id channel_id title published_at views likes comments duration_s is_short "
    "baseline_views baseline_n outlier_multiplier source"
).split()


async def ingest_corpus(
    pool: AsyncConnectionPool,
    data_dir: Path,
    sources: Iterable[str] = tuple(SOURCES),
    progress: Progress | None = None,
) -> IngestReport:
    """Load the sources into Postgres, compute multipliers and embed new titles.

    Raises FileNotFoundError naming the missing file when a source is absent from ``data_dir``.
    """
    started = time.perf_counter()
    report = IngestReport()
    rows: list[VideoRow] = []
    for name in sources:
        try:
            source_rows = SOURCES[name](data_dir)
        except FileNotFoundError as exc:
            raise FileNotFoundError(
                f"Data source {name!r} not found under {data_dir} ({exc.filename}). "
                "Set CORTEX_DATA_DIR to the folder that holds the shared data sets."
            ) from exc
        report.per_source[name] = len(source_rows)
        rows.extend(source_rows)
    # one row per video id (a video listed twice keeps its first row)
    rows = list({r.video_id: r for r in reversed(rows)}.values())
    compute_multipliers(rows)
    report.videos_read = len(rows)

    channels: dict[str, VideoRow] = {}
    for r in rows:
        channels.setdefault(r.channel_name, r)
    report.channels = len(channels)

    async with pool.connection() as conn:
        async with conn.transaction():
            for name, r in channels.items():
                await conn.execute(
                    """INSERT INTO channels (channel_id, name, youtube_channel_id, source, subscribers, created_at)
                       VALUES (%s, %s, %s, %s, %s, %s)
                       ON CONFLICT (channel_id) DO UPDATE SET name = EXCLUDED.name,
                         youtube_channel_id = EXCLUDED.youtube_channel_id, source = EXCLUDED.source,
                         subscribers = EXCLUDED.subscribers, created_at = EXCLUDED.created_at
                       WHERE (channels.name, channels.youtube_channel_id, channels.source, channels.subscribers,
                              channels.created_at) IS DISTINCT FROM
                             (EXCLUDED.name, EXCLUDED.youtube_channel_id, EXCLUDED.source, EXCLUDED.subscribers,
                              EXCLUDED.created_at)""",
                    (slugify(name), name, r.youtube_channel_id, r.source, r.subscribers, r.channel_created_at),
                )
            await conn.execute(
                "CREATE TEMP TABLE videos_in (LIKE videos INCLUDING DEFAULTS EXCLUDING GENERATED) ON COMMIT DROP"
            )
            async with conn.cursor().copy(f"COPY videos_in ({', '.join(_VIDEO_COLS)}) FROM STDIN") as copy:
                for r in rows:
                    await copy.write_row(
                        (r.video_id, slugify(r.channel_name), r.title, r.published_at, r.views, r.likes, r.comments,
                         r.duration_s, r.is_short, r.baseline_views, r.baseline_n, r.outlier_multiplier, r.source)
                    )
            cols = ", ".join(_VIDEO_COLS)
            updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in _VIDEO_COLS[1:])
            old = ", ".join(f"videos.{c}" for c in _VIDEO_COLS[1:])
            new = ", ".join(f"EXCLUDED.{c}" for c in _VIDEO_COLS[1:])
            cur = await conn.execute(
                f"""INSERT INTO videos ({cols}) SELECT {cols} FROM videos_in
                    ON CONFLICT (video_id) DO UPDATE SET {updates}
                    WHERE ({old}) IS DISTINCT FROM ({new})
                    RETURNING (xmax = 0) AS inserted"""
            )
            written = await cur.fetchall()
            report.videos_inserted = sum(1 for w in written if w["inserted"])
            report.videos_updated = len(written) - report.videos_inserted

    report.titles_embedded = await embed_titles(pool, progress=progress)
    report.embedding_model = get_embedder().name
    report.seconds = time.perf_counter() - started
    return report


def title_hash(title: str) -> str:
    """md5 of a title: tells whether a stored vector was made from the current title."""
    return hashlib.md5(title.encode()).hexdigest()


async def embed_titles(pool: AsyncConnectionPool, batch_size: int = 256, progress: Progress | None = None) -> int:
    """Embed every title whose vector is missing or stale for the configured model; returns how many."""
    embedder = get_embedder()
    table = await ensure_title_vectors(pool, embedder.name, embedder.dim)
    async with pool.connection() as conn:
        cur = await conn.execute(
            f"""SELECT v.video_id, v.title FROM videos v LEFT JOIN {table} t USING (video_id)
                WHERE t.video_id IS NULL OR t.title_md5 <> md5(v.title) ORDER BY v.video_id"""
        )
        todo = await cur.fetchall()
    for start in range(0, len(todo), batch_size):
        batch = todo[start : start + batch_size]
        vectors = await asyncio.to_thread(embedder.embed, [b["title"] for b in batch])
        async with pool.connection() as conn:
            async with conn.cursor() as cur:
                await cur.executemany(
                    f"""INSERT INTO {table} (video_id, title_md5, embedding) VALUES (%s, %s, %s)
                        ON CONFLICT (video_id) DO UPDATE SET title_md5 = EXCLUDED.title_md5,
                        embedding = EXCLUDED.embedding""",
                    [
                        (b["video_id"], title_hash(b["title"]), v)
                        for b, v in zip(batch, vectors, strict=True)
                    ],
                )
        if progress:
            progress("embedding titles", min(start + batch_size, len(todo)), len(todo))
    return len(todo)


async def corpus_is_empty(pool: AsyncConnectionPool) -> bool:
    """True when no video has been ingested yet."""
    async with pool.connection() as conn:
        cur = await conn.execute("SELECT NOT EXISTS (SELECT 1 FROM videos) AS empty")
        return (await cur.fetchone())["empty"]
