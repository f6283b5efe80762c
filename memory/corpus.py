"""Queries over the corpus: channels, videos, title vectors (pgvector HNSW, cosine distance)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import numpy as np
from psycopg_pool import AsyncConnectionPool


async def ensure_title_vectors(pool: AsyncConnectionPool, model: str, dim: int) -> str:
    """Create (once) the title-vector table of an embedding model and register it; returns the table name.

    A pgvector column has a fixed dimension, so each model gets its own table, named after the model and
    recorded with its dimension in ``embedding_models``. Raises ValueError if the model was registered
    with another dimension.
    """
    table = "title_vec_" + re.sub(r"[^a-z0-9]+", "_", model.lower()).strip("_")
    async with pool.connection() as conn:
        cur = await conn.execute("SELECT dim, table_name FROM embedding_models WHERE model = %s", (model,))
        row = await cur.fetchone()
        if row:
            if row["dim"] != dim:
                raise ValueError(f"{model} is registered with dimension {row['dim']}, not {dim}.")
            return row["table_name"]
        async with conn.transaction():
            await conn.execute(
                f"""CREATE TABLE IF NOT EXISTS {table} (
                      video_id  text PRIMARY KEY REFERENCES videos ON DELETE CASCADE,
                      title_md5 text NOT NULL,
                      embedding vector({dim}) NOT NULL)"""
            )
            await conn.execute(
                f"CREATE INDEX IF NOT EXISTS {table}_hnsw ON {table} USING hnsw (embedding vector_cosine_ops)"
            )
            await conn.execute(
                "INSERT INTO embedding_models (model, dim, table_name) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                (model, dim, table),
            )
    return table


async def title_vector_table(pool: AsyncConnectionPool, model: str) -> str | None:
    """The vector table of ``model``, or None when no title was embedded with it yet."""
    async with pool.connection() as conn:
        cur = await conn.execute("SELECT table_name FROM embedding_models WHERE model = %s", (model,))
        row = await cur.fetchone()
    return row["table_name"] if row else None


@dataclass(frozen=True)
class OutlierFilters:
    """Filters of an outlier search. Channel names are matched exactly (resolve fuzzy names first)."""

    channels: tuple[str, ...] = ()
    min_multiplier: float | None = None
    video_format: str = "any"  # "short" | "long" | "any"
    published_after: date | None = None
    published_before: date | None = None


async def search_titles(
    pool: AsyncConnectionPool,
    model: str,
    query_vector: np.ndarray,
    filters: OutlierFilters,
    limit: int = 10,
    ef_search: int = 200,
) -> list[dict]:
    """Nearest titles to ``query_vector`` by cosine similarity, filtered; best first.

    Returns dicts: video_id, title, channel, published_at, views, outlier_multiplier, is_short, similarity
    (1 - cosine distance, in [-1, 1]). An empty list when the model has no vectors yet.
    """
    table = await title_vector_table(pool, model)
    if table is None:
        return []
    where, params = ["TRUE"], {"q": query_vector, "limit": limit}
    if filters.channels:
        where.append("c.name = ANY(%(channels)s)")
        params["channels"] = list(filters.channels)
    if filters.min_multiplier is not None:
        where.append("v.outlier_multiplier >= %(min_mult)s")
        params["min_mult"] = filters.min_multiplier
    if filters.video_format in ("short", "long"):
        where.append("v.is_short = %(short)s")
        params["short"] = filters.video_format == "short"
    if filters.published_after:
        where.append("v.published_at >= %(after)s")
        params["after"] = filters.published_after
    if filters.published_before:
        where.append("v.published_at < %(before)s")
        params["before"] = filters.published_before
    sql = f"""SELECT v.video_id, v.title, c.name AS channel, v.published_at, v.views, v.outlier_multiplier,
                     v.is_short, 1 - (t.embedding <=> %(q)s) AS similarity
              FROM {table} t JOIN videos v USING (video_id) JOIN channels c USING (channel_id)
              WHERE {' AND '.join(where)}
              ORDER BY t.embedding <=> %(q)s LIMIT %(limit)s"""
    async with pool.connection() as conn:
        async with conn.transaction():
            # the HNSW scan filters after it walks the graph: a wider beam keeps filtered queries full
            await conn.execute(f"SET LOCAL hnsw.ef_search = {int(ef_search)}")
            cur = await conn.execute(sql, params)
            return await cur.fetchall()


async def channel_names(pool: AsyncConnectionPool) -> list[str]:
    """Names of the channels in the corpus, alphabetical."""
    async with pool.connection() as conn:
        cur = await conn.execute("SELECT name FROM channels ORDER BY name")
        return [r["name"] for r in await cur.fetchall()]


async def channel_titles(pool: AsyncConnectionPool, channel: str) -> list[tuple[str, float]]:
    """(title, outlier multiplier) of a channel's uploads that have a multiplier, newest first."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            """SELECT v.title, v.outlier_multiplier FROM videos v JOIN channels c USING (channel_id)
               WHERE c.name = %s AND v.outlier_multiplier IS NOT NULL ORDER BY v.published_at DESC""",
            (channel,),
        )
        return [(r["title"], r["outlier_multiplier"]) for r in await cur.fetchall()]
