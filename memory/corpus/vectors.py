"""The title-vector tables: one per embedding model (``TITLE_VECTORS``, registered in ``memory.vectors``), with
the video's filter columns and their indexes, and the embedding of titles into them (``embed_titles``).

Each title-vector table carries the video's filter columns (``VECTOR_FILTER_COLUMNS``: channel, publish time,
views, format, multiplier, niche) with B-tree indexes, and HNSW indexes: over every title, a partial one over
outliers (multiplier >= 2, the default search) and one partial index per niche over its outliers
(``NICHE_INDEXES``: a niche's outlier search walks a graph of that niche only). How searches use them:
``memory.corpus.search``.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import Callable

from psycopg_pool import AsyncConnectionPool

from agent.embeddings import Embedder, get_title_embedder
from memory.niches import CHANNEL_NICHES
from memory.outliers import OUTLIER_FROM
from memory.vectors import VectorTable, ensure_vector_table, vector_table, vector_tables

Progress = Callable[[str, int, int], None]
"""progress(phase, done, total): called as work advances."""

FILTER_COLUMNS = "channel_id published_at views is_short outlier_multiplier".split()
VECTOR_FILTER_COLUMNS = [*FILTER_COLUMNS, "niche"]
"""Columns of ``videos`` (and the channel's niche) copied into every title-vector table, so that filters apply where
the vectors are: in the HNSW scan itself and in exact scans through B-tree indexes, with no join per candidate.
``sync_title_vectors`` keeps them equal to their sources."""
BTREE_COLUMNS = ("channel_id", "outlier_multiplier", "published_at",
                 "niche, outlier_multiplier INCLUDE (channel_id, published_at, views, is_short)")
"""Filter columns of the title-vector tables with a B-tree index (exact scans of selective filters start there); the
composite one on (niche, multiplier) serves a niche filter and finds its outliers without reading its other titles, and,
covering the other filter columns, counts them under a filter in an index-only scan
(``memory.corpus.search.outlier_counts_by_niche``)."""


NICHE_INDEXES: dict[str, str] = {n: "hnsw_" + re.sub(r"[^a-z]+", " ", n).split()[0] for n in CHANNEL_NICHES}
"""Channel niche -> the suffix of its partial HNSW index over its outliers ('science & engineering' -> 'hnsw_science';
the first word of each niche is distinct, and short, so index names stay within Postgres' 63 characters)."""
if len(set(NICHE_INDEXES.values())) < len(NICHE_INDEXES):
    raise RuntimeError("Two channel niches start with the same word: give NICHE_INDEXES distinct suffixes.")


def niche_predicate(niche: str) -> str:
    """The predicate of ``niche``'s partial HNSW index, with the niche as a literal: a query must state it as written
    for the planner to prove that the index applies. Raises KeyError for a niche not in ``CHANNEL_NICHES`` (only
    known niches are written into SQL)."""
    if niche not in NICHE_INDEXES:
        raise KeyError(f"Unknown channel niche {niche!r}.")
    return "niche = '" + niche.replace("'", "''") + f"' AND outlier_multiplier >= {OUTLIER_FROM}"


TITLE_VECTORS = VectorTable(
    kind="title",
    columns="""video_id           text PRIMARY KEY REFERENCES videos ON DELETE CASCADE,
               title_md5          text NOT NULL,
               channel_id         text NOT NULL,
               published_at       timestamptz,
               views              bigint,
               is_short           boolean,
               outlier_multiplier double precision,
               niche              text""",
    hnsw=(("hnsw", None), ("hnsw_outliers", f"outlier_multiplier >= {OUTLIER_FROM}"),
          *((NICHE_INDEXES[n], niche_predicate(n)) for n in CHANNEL_NICHES)),
    btree=BTREE_COLUMNS,
)
"""The title-vector tables (``memory.vectors``): per title its md5 (stale vectors are re-embedded) and the video's
``VECTOR_FILTER_COLUMNS``; B-tree indexes on ``BTREE_COLUMNS`` and HNSW indexes (cosine): over every title, a partial
one over outliers (multiplier >= ``OUTLIER_FROM``), which serves the default outlier search as an unfiltered scan, and
one per niche over the niche's outliers, which serves a niche's outlier search the same way (pgvector's README:
partial indexes for filtered search, when the filter has few distinct values)."""


async def ensure_title_vectors(pool: AsyncConnectionPool, model: str, dim: int) -> str:
    """Create (once) the title-vector table of an embedding model (``TITLE_VECTORS``) and register it; returns the
    table name. Raises ValueError if the model was registered with another dimension."""
    return await ensure_vector_table(pool, TITLE_VECTORS, model, dim)


async def drop_title_index(pool: AsyncConnectionPool, table: str) -> None:
    """Drop the secondary indexes of a title-vector table (before a bulk load; ``build_title_index`` restores them)."""
    async with pool.connection() as conn:
        for name in TITLE_VECTORS.index_names(table):
            await conn.execute(f"DROP INDEX IF EXISTS {name}")


async def build_title_index(pool: AsyncConnectionPool, table: str, maintenance_work_mem: str = "2GB") -> None:
    """Build the secondary indexes of a title-vector table where missing (``TITLE_VECTORS``), then refresh planner
    statistics. ``maintenance_work_mem`` should hold a whole HNSW graph (pgvector builds much faster when it does)."""
    async with pool.connection() as conn:
        await conn.execute(f"SET maintenance_work_mem = '{maintenance_work_mem}'")
        for sql in TITLE_VECTORS.index_sql(table):
            await conn.execute(sql)
        await conn.execute("RESET maintenance_work_mem")
        await conn.execute(f"ANALYZE {table}")


async def title_vector_tables(pool: AsyncConnectionPool) -> list[str]:
    """Every registered title-vector table."""
    return await vector_tables(pool, TITLE_VECTORS.kind)


SOURCE_FILTER_COLUMNS = [*(f"v.{c}" for c in FILTER_COLUMNS), "c.niche"]
"""Where ``VECTOR_FILTER_COLUMNS`` come from, over ``videos v JOIN channels c``."""


async def sync_title_vectors(pool: AsyncConnectionPool) -> int:
    """Copy ``VECTOR_FILTER_COLUMNS`` from ``videos`` and ``channels`` into every title-vector table where they
    differ, and refresh the planner statistics of a table that changed; returns the rows updated (0 when all are
    equal, so a repeated ingest writes nothing)."""
    updated = 0
    for table in await title_vector_tables(pool):
        async with pool.connection() as conn:
            cur = await conn.execute(
                f"""UPDATE {table} t SET ({', '.join(VECTOR_FILTER_COLUMNS)}) = ({', '.join(SOURCE_FILTER_COLUMNS)})
                    FROM videos v JOIN channels c ON c.channel_id = v.channel_id WHERE v.video_id = t.video_id
                    AND ({', '.join(f't.{c}' for c in VECTOR_FILTER_COLUMNS)}) IS DISTINCT FROM
                        ({', '.join(SOURCE_FILTER_COLUMNS)})"""
            )
            if cur.rowcount > 0:  # planner statistics: e.g. the per-niche indexes' row counts once niches are set
                await conn.execute(f"ANALYZE {table}")
            updated += max(cur.rowcount, 0)
    return updated


async def title_vector_table(pool: AsyncConnectionPool, model: str) -> str | None:
    """The vector table of ``model``, or None when no title was embedded with it yet."""
    return await vector_table(pool, TITLE_VECTORS.kind, model)


async def titles_indexed(pool: AsyncConnectionPool, model: str) -> tuple[int, int]:
    """(titles with a vector of ``model``, videos in the corpus): equal once the title index is complete."""
    table = await title_vector_table(pool, model)
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT (SELECT count(*) FROM videos) AS videos"
            + (f", (SELECT count(*) FROM {table}) AS embedded" if table else ", 0 AS embedded")
        )
        row = await cur.fetchone()
    return int(row["embedded"]), int(row["videos"])


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
    if bulk or await missing_title_indexes(pool, table):  # e.g. the per-niche indexes of a table built before them
        if progress:
            progress("building the vector index", 0, 1)
        await build_title_index(pool, table)
        if progress:
            progress("building the vector index", 1, 1)
    elif todo:
        async with pool.connection() as conn:
            await conn.execute(f"ANALYZE {table}")
    return len(todo)


async def missing_title_indexes(pool: AsyncConnectionPool, table: str) -> list[str]:
    """The secondary indexes of ``TITLE_VECTORS`` that ``table`` lacks, by name (``build_title_index`` builds them)."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT n FROM unnest(%s::text[]) n WHERE to_regclass(n) IS NULL", (TITLE_VECTORS.index_names(table),)
        )
        return [r["n"] for r in await cur.fetchall()]
