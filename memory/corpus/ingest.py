"""Ingestion of the real corpus into channels, videos and title vectors.

The sources are read by ``memory.corpus.sources``. Only the first two (``FULL_HISTORY_SOURCES``) get multipliers
(``memory.outliers``); the age-aware view uses each source's crawl date, taken as the latest publish time in the
source (a lower bound: the crawl happened after its newest upload; the data READMEs give only the month).

Idempotent: rows are upserted only where a value differs and titles are embedded only when their vector is
missing or was made from another title, so a second run changes nothing (``IngestReport.changed == 0``).
"""

from __future__ import annotations

import csv
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from psycopg_pool import AsyncConnectionPool

from agent.embeddings import get_title_embedder
from memory.corpus.channels import assign_niches
from memory.corpus.search import refresh_term_stats
from memory.corpus.sources import FULL_HISTORY_SOURCES, SOURCES, VideoRow, slugify
from memory.corpus.vectors import Progress, embed_titles, sync_title_vectors
from memory.outliers import age_baselines, is_short, rolling_baselines


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
    embed: bool = True,
) -> IngestReport:
    """Load the sources into Postgres, compute multipliers, refresh keyword statistics, then (``embed``, else left
    to a later ``index_titles``, as the service does in the background) embed new titles and assign channel niches.

    Progress phases, in order: 'reading the data sets' (sources read), 'writing videos' (0 or 1), 'embedding titles'
    (titles), 'building the vector index' (bulk loads only), 'assigning channel niches' (0 or 1).

    Raises FileNotFoundError naming the missing file when a source is absent from ``data_dir``, ValueError for an
    unknown source name or a source whose files are not in its data set's shape (a missing column, a value that does
    not parse, a file that is not UTF-8), naming the source and the fault.
    """
    started = time.perf_counter()
    report = IngestReport()
    rows: list[VideoRow] = []
    ordered = sorted(sources, key=lambda n: n not in FULL_HISTORY_SOURCES)  # full histories first: they win
    for done, name in enumerate(ordered):
        if progress:
            progress("reading the data sets", done, len(ordered))
        if name not in SOURCES:
            raise ValueError(f"Unknown source {name!r}; choose from {', '.join(SOURCES)}.")
        try:
            source_rows = SOURCES[name](data_dir)
        except FileNotFoundError as exc:
            raise FileNotFoundError(
                f"Data source {name!r} not found under {data_dir} ({exc.filename}). "
                "Set CORTEX_DATA_DIR to the folder that holds the shared data sets."
            ) from exc
        except (KeyError, ValueError, csv.Error, UnicodeDecodeError) as exc:  # a file not in its data set's shape
            detail = f"no column {exc.args[0]!r}" if isinstance(exc, KeyError) else str(exc)
            raise ValueError(
                f"Data source {name!r} under {data_dir} could not be read ({detail}). Put the data set's own files "
                "back, or set CORTEX_DATA_DIR to the folder that holds the shared data sets."
            ) from exc
        report.per_source[name] = len(source_rows)
        rows.extend(source_rows)
    # one row per video id: the first source listing it wins (full-history sources come first)
    first: dict[str, VideoRow] = {}
    for r in rows:
        first.setdefault(r.video_id, r)
    rows = list(first.values())
    if progress:
        progress("reading the data sets", len(ordered), len(ordered))
    await _store(pool, rows, report, progress, embed)
    report.seconds = time.perf_counter() - started
    return report


async def ingest_rows(pool: AsyncConnectionPool, rows: list[VideoRow], embed: bool = True) -> IngestReport:
    """Store videos read from elsewhere than the data sets (the trending job's live YouTube chart), as
    ``ingest_corpus`` stores a source's: upserted where a value differs, a full-history channel or video never
    downgraded, keyword statistics refreshed, new titles embedded (``embed``). One row per video id: the first wins."""
    started = time.perf_counter()
    report = IngestReport()
    for r in rows:
        report.per_source[r.source] = report.per_source.get(r.source, 0) + 1
    await _store(pool, list({r.video_id: r for r in reversed(rows)}.values()), report, None, embed)
    report.seconds = time.perf_counter() - started
    return report


async def _store(pool: AsyncConnectionPool, rows: list[VideoRow], report: IngestReport, progress: Progress | None,
                 embed: bool) -> None:
    """Compute multipliers, write channels and videos, refresh keyword statistics and (``embed``) embed new titles;
    fills ``report``."""
    compute_multipliers(rows)
    report.videos_read = len(rows)
    channels = _channels(rows)
    report.channels = len(channels)
    report.full_history_channels = sum(c.full_history for c in channels.values())
    if progress:
        progress(f"writing {len(rows):,} videos", 0, 1)

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
    if progress:
        progress(f"writing {len(rows):,} videos", 1, 1)
    if embed:
        report.titles_embedded, report.embedding_model = await index_titles(pool, progress)


async def index_titles(pool: AsyncConnectionPool, progress: Progress | None = None) -> tuple[int, str]:
    """Embed the titles whose vector is missing or stale with the title embedder, assign channel niches from them
    and copy the filter columns into the vector tables; idempotent. Returns (titles embedded, model name).
    Progress phases: 'embedding titles', 'building the vector index' (bulk loads), 'assigning channel niches'."""
    embedder = get_title_embedder()
    embedded = await embed_titles(pool, embedder, progress=progress)
    if progress:
        progress("assigning channel niches", 0, 1)
    await assign_niches(pool, embedder)
    await sync_title_vectors(pool)  # multipliers, formats... and niches changed since the vectors were written
    if progress:
        progress("assigning channel niches", 1, 1)
    return embedded, embedder.name


def _upsert(table: str, cols: list[str], key: str, guard: str) -> str:
    """INSERT from ``<table>_in`` that updates a row only where a value differs (so re-runs write nothing) and
    ``guard`` (SQL over the existing row and EXCLUDED) holds."""
    rest = [c for c in cols if c != key]
    return f"""INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(cols)} FROM {table}_in
               ON CONFLICT ({key}) DO UPDATE SET {', '.join(f'{c} = EXCLUDED.{c}' for c in rest)}
               WHERE ({', '.join(f'{table}.{c}' for c in rest)}) IS DISTINCT FROM
                     ({', '.join(f'EXCLUDED.{c}' for c in rest)}) AND {guard}"""


async def corpus_is_empty(pool: AsyncConnectionPool) -> bool:
    """True when no video has been ingested yet."""
    async with pool.connection() as conn:
        cur = await conn.execute("SELECT NOT EXISTS (SELECT 1 FROM videos) AS empty")
        return (await cur.fetchone())["empty"]
