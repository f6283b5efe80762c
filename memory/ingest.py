"""Ingestion of the real corpus into channels, videos and title vectors.

Sources (read from ``CORTEX_DATA_DIR``, never copied):
- ``youtube_channel_uploads/videos.csv``: complete upload histories of 8 channels;
- ``youtube_ai_topic_videos/per_channel/<Name>[_<UC id>]/df_videos*.csv``: near-complete uploads of 5 more;
- ``youtube_trending_us_2017`` and ``youtube_trending_us_2024``: US trending snapshots, a few videos each of
  ~1,500 channels. They are **titles without a channel baseline**: they enrich the title corpus for retrieval
  and never get an outlier multiplier (their channels are stored with ``has_full_history = false``).

Only the first two (``FULL_HISTORY_SOURCES``) get multipliers (``memory.outliers``); the age-aware view uses
each source's crawl date, taken as the latest publish time in the source (a lower bound: the crawl happened
after its newest upload; the data READMEs give only the month).

Idempotent: rows are upserted only where a value differs and titles are embedded only when their vector is
missing or was made from another title, so a second run changes nothing (``IngestReport.changed == 0``).
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

from psycopg_pool import AsyncConnectionPool

from agent.embeddings import Embedder, get_title_embedder
from memory.corpus import (
    SOURCE_FILTER_COLUMNS,
    VECTOR_FILTER_COLUMNS,
    assign_niches,
    build_title_index,
    drop_title_index,
    ensure_title_vectors,
    refresh_term_stats,
    sync_title_vectors,
)
from memory.outliers import OUTLIER_FROM, age_baselines, is_short, rolling_baselines

csv.field_size_limit(2**31 - 1)

Progress = Callable[[str, int, int], None]
"""progress(phase, done, total): called as work advances."""


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


@dataclass
class IngestReport:
    """What one ingest run did. ``channels`` counts every channel (trending ones too), ``full_history_channels``
    those with a complete upload history (the ones that get multipliers)."""

    channels: int = 0
    full_history_channels: int = 0
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


def crawl_dates(rows: Iterable[VideoRow]) -> dict[str, datetime]:
    """Per source, its crawl date as known from the data: the latest publish time among its rows."""
    out: dict[str, datetime] = {}
    for r in rows:
        if r.published_at and (r.source not in out or r.published_at > out[r.source]):
            out[r.source] = r.published_at
    return out


def compute_multipliers(rows: Iterable[VideoRow]) -> None:
    """Set is_short, baselines, outlier and age-aware multipliers on the rows of full-history sources, per channel
    and format (in place). Rows of other sources keep no multiplier."""
    rows = [r for r in rows if r.source in FULL_HISTORY_SOURCES]
    crawled = crawl_dates(rows)
    groups: dict[tuple[str, bool], list[VideoRow]] = defaultdict(list)
    for row in rows:
        row.is_short = is_short(row.duration_s, row.published_at)
        row.age_days = (crawled[row.source] - row.published_at).days
        groups[(row.channel_name, row.is_short)].append(row)
    for group in groups.values():
        group.sort(key=lambda r: (r.published_at, r.video_id))
        views = [r.views for r in group]
        rolling = rolling_baselines(views)
        by_age = age_baselines(views, [r.age_days for r in group])
        for row, base, aged in zip(group, rolling, by_age, strict=True):
            row.baseline_views, row.baseline_n = base.median_views, base.neighbours
            row.outlier_multiplier = base.multiplier(row.views)
            row.age_baseline_views, row.age_baseline_n = aged.median_views, aged.neighbours
            row.age_multiplier = aged.multiplier(row.views)


@dataclass
class _Channel:
    name: str
    source: str
    full_history: bool
    youtube_channel_id: str | None
    subscribers: int | None
    created_at: datetime | None
    category_id: int | None


def _channels(rows: list[VideoRow]) -> dict[str, _Channel]:
    """One record per channel id; a channel with any full-history source is that source's."""
    by_id: dict[str, list[VideoRow]] = defaultdict(list)
    for r in rows:
        by_id[slugify(r.channel_name)].append(r)
    out = {}
    for cid, rs in by_id.items():
        full = [r for r in rs if r.source in FULL_HISTORY_SOURCES]
        main = (full or rs)[0]
        categories = Counter(r.category_id for r in rs if r.category_id is not None)
        out[cid] = _Channel(
            name=main.channel_name,
            source=main.source,
            full_history=bool(full),
            youtube_channel_id=next((r.youtube_channel_id for r in full or rs if r.youtube_channel_id), None),
            subscribers=main.subscribers,
            created_at=main.channel_created_at,
            category_id=min(categories, key=lambda c: (-categories[c], c)) if categories else None,
        )
    return out


_VIDEO_COLS = (
    "video_id channel_id title published_at views likes comments duration_s is_short "
    "baseline_views baseline_n outlier_multiplier source category_id trending_date "
    "age_days age_baseline_views age_baseline_n age_multiplier"
).split()
_CHANNEL_COLS = "channel_id name youtube_channel_id source subscribers created_at has_full_history category_id".split()


async def ingest_corpus(
    pool: AsyncConnectionPool,
    data_dir: Path,
    sources: Iterable[str] = tuple(SOURCES),
    progress: Progress | None = None,
) -> IngestReport:
    """Load the sources into Postgres, compute multipliers, refresh keyword statistics, embed new titles and assign
    channel niches.

    Raises FileNotFoundError naming the missing file when a source is absent from ``data_dir``, ValueError for an
    unknown source name.
    """
    started = time.perf_counter()
    report = IngestReport()
    rows: list[VideoRow] = []
    for name in sorted(sources, key=lambda n: n not in FULL_HISTORY_SOURCES):  # full histories first: they win
        if name not in SOURCES:
            raise ValueError(f"Unknown source {name!r}; choose from {', '.join(SOURCES)}.")
        try:
            source_rows = SOURCES[name](data_dir)
        except FileNotFoundError as exc:
            raise FileNotFoundError(
                f"Data source {name!r} not found under {data_dir} ({exc.filename}). "
                "Set CORTEX_DATA_DIR to the folder that holds the shared data sets."
            ) from exc
        report.per_source[name] = len(source_rows)
        rows.extend(source_rows)
    # one row per video id: the first source listing it wins (full-history sources come first)
    first: dict[str, VideoRow] = {}
    for r in rows:
        first.setdefault(r.video_id, r)
    rows = list(first.values())
    compute_multipliers(rows)
    report.videos_read = len(rows)
    channels = _channels(rows)
    report.channels = len(channels)
    report.full_history_channels = sum(c.full_history for c in channels.values())

    async with pool.connection() as conn:
        async with conn.transaction():
            await conn.execute("CREATE TEMP TABLE channels_in (LIKE channels INCLUDING DEFAULTS) ON COMMIT DROP")
            async with conn.cursor().copy(f"COPY channels_in ({', '.join(_CHANNEL_COLS)}) FROM STDIN") as copy:
                for cid, c in channels.items():
                    await copy.write_row((cid, c.name, c.youtube_channel_id, c.source, c.subscribers, c.created_at,
                                          c.full_history, c.category_id))
            # a snapshot-only ingest never downgrades a channel or a video that has a full upload history
            await conn.execute(
                _upsert("channels", _CHANNEL_COLS, "channel_id", "EXCLUDED.has_full_history OR NOT channels.has_full_history")
            )
            await conn.execute(
                "CREATE TEMP TABLE videos_in (LIKE videos INCLUDING DEFAULTS EXCLUDING GENERATED) ON COMMIT DROP"
            )
            async with conn.cursor().copy(f"COPY videos_in ({', '.join(_VIDEO_COLS)}) FROM STDIN") as copy:
                for r in rows:
                    await copy.write_row(
                        (r.video_id, slugify(r.channel_name), r.title, r.published_at, r.views, r.likes, r.comments,
                         r.duration_s, r.is_short, r.baseline_views, r.baseline_n, r.outlier_multiplier, r.source,
                         r.category_id, r.trending_date, r.age_days, r.age_baseline_views, r.age_baseline_n,
                         r.age_multiplier)
                    )
            full = ", ".join(f"'{n}'" for n in sorted(FULL_HISTORY_SOURCES))
            cur = await conn.execute(
                _upsert("videos", _VIDEO_COLS, "video_id", f"(EXCLUDED.source IN ({full}) OR videos.source NOT IN ({full}))")
                + " RETURNING (xmax = 0) AS inserted"
            )
            written = await cur.fetchall()
            report.videos_inserted = sum(1 for w in written if w["inserted"])
            report.videos_updated = len(written) - report.videos_inserted

    async with pool.connection() as conn:
        cur = await conn.execute("SELECT NOT EXISTS (SELECT 1 FROM title_term_totals) AS missing")
        terms_missing = (await cur.fetchone())["missing"]
    if written or terms_missing:
        await refresh_term_stats(pool)
        async with pool.connection() as conn:
            await conn.execute("ANALYZE videos")
            await conn.execute("ANALYZE channels")
    embedder = get_title_embedder()
    report.titles_embedded = await embed_titles(pool, embedder, progress=progress)
    await assign_niches(pool, embedder)
    await sync_title_vectors(pool)  # multipliers, formats... and niches changed since the vectors were written
    report.embedding_model = embedder.name
    report.seconds = time.perf_counter() - started
    return report


def _upsert(table: str, cols: list[str], key: str, guard: str) -> str:
    """INSERT from ``<table>_in`` that updates a row only where a value differs (so re-runs write nothing) and
    ``guard`` (SQL over the existing row and EXCLUDED) holds."""
    rest = [c for c in cols if c != key]
    return f"""INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(cols)} FROM {table}_in
               ON CONFLICT ({key}) DO UPDATE SET {', '.join(f'{c} = EXCLUDED.{c}' for c in rest)}
               WHERE ({', '.join(f'{table}.{c}' for c in rest)}) IS DISTINCT FROM
                     ({', '.join(f'EXCLUDED.{c}' for c in rest)}) AND {guard}"""


def title_hash(title: str) -> str:
    """md5 of a title: tells whether a stored vector was made from the current title."""
    return hashlib.md5(title.encode()).hexdigest()


BULK_ROWS = 50_000
"""From this many titles to embed, ``embed_titles`` drops the vector table's secondary indexes, loads, then builds
them again: building an HNSW graph once over all rows is much faster than inserting rows one by one into it
(pgvector's README), and so is a B-tree built at once."""


async def embed_titles(
    pool: AsyncConnectionPool,
    embedder: Embedder | None = None,
    batch_size: int | None = None,
    progress: Progress | None = None,
) -> int:
    """Embed every title whose vector is missing or stale for ``embedder`` (default: the title embedder of the
    settings); returns how many. Vectors are written with binary COPY, with ``VECTOR_FILTER_COLUMNS``; see
    ``BULK_ROWS`` for large loads.
    Progress phases: 'embedding titles' and, for bulk loads, 'building the vector index'."""
    embedder = embedder or get_title_embedder()
    batch_size = batch_size or (4096 if embedder.name == "minilm-static" else 256)
    table = await ensure_title_vectors(pool, embedder.name, embedder.dim)
    async with pool.connection() as conn:
        # written in (outlier, niche, channel) order: an exact scan of one niche's or one channel's outliers then
        # reads few, adjacent pages (rows added by later runs land at the end)
        cur = await conn.execute(
            f"""SELECT v.video_id, v.title FROM videos v JOIN channels c ON c.channel_id = v.channel_id
                LEFT JOIN {table} t ON t.video_id = v.video_id
                WHERE t.video_id IS NULL OR t.title_md5 <> md5(v.title)
                ORDER BY v.outlier_multiplier >= {OUTLIER_FROM} DESC NULLS LAST, c.niche, v.channel_id, v.video_id"""
        )
        todo = await cur.fetchall()
    bulk = len(todo) >= BULK_ROWS
    if bulk:
        await drop_title_index(pool, table)
    batches = [todo[i : i + batch_size] for i in range(0, len(todo), batch_size)]

    def embed(batch: list[dict]) -> asyncio.Task:
        return asyncio.create_task(asyncio.to_thread(embedder.embed, [b["title"] for b in batch]))

    pending = embed(batches[0]) if batches else None
    for n, batch in enumerate(batches):
        vectors = await pending
        if n + 1 < len(batches):
            pending = embed(batches[n + 1])  # the next batch embeds in a thread while Postgres writes this one
        async with pool.connection() as conn:
            async with conn.transaction():
                await conn.execute(
                    "CREATE TEMP TABLE vec_in (video_id text, title_md5 text, embedding vector) ON COMMIT DROP"
                )
                async with conn.cursor().copy(
                    "COPY vec_in (video_id, title_md5, embedding) FROM STDIN WITH (FORMAT BINARY)"
                ) as copy:
                    copy.set_types(["text", "text", "vector"])
                    for b, v in zip(batch, vectors, strict=True):
                        await copy.write_row((b["video_id"], title_hash(b["title"]), v))
                await conn.execute(
                    f"""INSERT INTO {table} (video_id, title_md5, embedding, {', '.join(VECTOR_FILTER_COLUMNS)})
                        SELECT i.video_id, i.title_md5, i.embedding, {', '.join(SOURCE_FILTER_COLUMNS)}
                        FROM vec_in i JOIN videos v USING (video_id) JOIN channels c ON c.channel_id = v.channel_id
                        ON CONFLICT (video_id) DO UPDATE SET title_md5 = EXCLUDED.title_md5,
                        embedding = EXCLUDED.embedding,
                        {', '.join(f'{c} = EXCLUDED.{c}' for c in VECTOR_FILTER_COLUMNS)}"""
                )
        if progress:
            progress("embedding titles", min((n + 1) * batch_size, len(todo)), len(todo))
    if bulk:
        if progress:
            progress("building the vector index", 0, 1)
        await build_title_index(pool, table)
        if progress:
            progress("building the vector index", 1, 1)
    elif todo:
        async with pool.connection() as conn:
            await conn.execute(f"ANALYZE {table}")
    return len(todo)


async def corpus_is_empty(pool: AsyncConnectionPool) -> bool:
    """True when no video has been ingested yet."""
    async with pool.connection() as conn:
        cur = await conn.execute("SELECT NOT EXISTS (SELECT 1 FROM videos) AS empty")
        return (await cur.fetchone())["empty"]
