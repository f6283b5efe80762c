"""The corpus channels: their niches (``assign_niches``) and the reads of channels and their uploads."""

from __future__ import annotations

from datetime import datetime

import numpy as np
from psycopg_pool import AsyncConnectionPool

from memory.corpus.vectors import title_vector_table
from memory.niches import CHANNEL_NICHES, YOUTUBE_CATEGORY_NICHES, niche_texts


async def assign_niches(pool: AsyncConnectionPool, embedder) -> int:
    """Set ``channels.niche`` (and its similarity) for every channel from its category and its titles' mean vector
    (``memory.niches.CHANNEL_NICHES``, ``YOUTUBE_CATEGORY_NICHES``); returns how many channels changed. Titles must
    be embedded with ``embedder`` first."""
    table = await title_vector_table(pool, embedder.name)
    if table is None:
        return 0
    names = list(CHANNEL_NICHES)
    niche_vectors = embedder.embed(niche_texts(CHANNEL_NICHES))
    async with pool.connection() as conn:
        cur = await conn.execute(
            f"""SELECT v.channel_id, c.category_id, avg(t.embedding) AS centroid
                FROM {table} t JOIN videos v USING (video_id) JOIN channels c ON c.channel_id = v.channel_id
                GROUP BY v.channel_id, c.category_id ORDER BY v.channel_id"""
        )
        rows = await cur.fetchall()
        if not rows:
            return 0
        centroids = np.stack([np.asarray(r["centroid"], dtype=np.float32) for r in rows])
        centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)
        sims = centroids @ niche_vectors.T
        allowed = np.array(
            [[n in YOUTUBE_CATEGORY_NICHES.get(r["category_id"], names) for n in names] for r in rows], dtype=bool
        )
        best = np.where(allowed, sims, -np.inf).argmax(axis=1)
        cur = conn.cursor()
        await cur.executemany(
            """UPDATE channels SET niche = %s, niche_similarity = %s WHERE channel_id = %s
               AND (niche, round(niche_similarity::numeric, 3)) IS DISTINCT FROM (%s, round(%s::numeric, 3))""",
            [
                (names[b], round(float(sims[i, b]), 4), r["channel_id"], names[b], round(float(sims[i, b]), 4))
                for i, (r, b) in enumerate(zip(rows, best, strict=True))
            ],
        )
        return max(cur.rowcount, 0)


async def channel_names(pool: AsyncConnectionPool, full_history: bool | None = True) -> list[str]:
    """Names of the channels with a complete upload history (the ones with outlier multipliers), alphabetical;
    ``full_history=False`` gives the others (trending snapshots only), None every channel."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT name FROM channels WHERE %(f)s::boolean IS NULL OR has_full_history = %(f)s ORDER BY name",
            {"f": full_history},
        )
        return [r["name"] for r in await cur.fetchall()]


async def channels_named(pool: AsyncConnectionPool, names: list[str]) -> dict[str, str]:
    """{lower-cased name: name} of the full-history channels whose name is one of ``names`` (any case)."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT name FROM channels WHERE has_full_history AND lower(name) = ANY(%s)",
            ([n.strip().lower() for n in names],),
        )
        return {r["name"].lower(): r["name"] for r in await cur.fetchall()}


async def channel_titles(pool: AsyncConnectionPool, channel: str) -> list[tuple[str, float]]:
    """(title, outlier multiplier) of a channel's uploads that have a multiplier, newest first."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            """SELECT v.title, v.outlier_multiplier FROM videos v JOIN channels c USING (channel_id)
               WHERE c.name = %s AND v.outlier_multiplier IS NOT NULL ORDER BY v.published_at DESC""",
            (channel,),
        )
        return [(r["title"], r["outlier_multiplier"]) for r in await cur.fetchall()]


async def channel_history(pool: AsyncConnectionPool, channel: str) -> list[tuple[str, datetime, int]]:
    """(title, published_at, views) of a channel's long-form uploads with known views and publish time, oldest
    first: the history a title is predicted against (``tools.scoring.history``)."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            """SELECT v.title, v.published_at, v.views FROM videos v JOIN channels c USING (channel_id)
               WHERE c.name = %s AND v.views IS NOT NULL AND v.published_at IS NOT NULL AND v.is_short IS FALSE
               ORDER BY v.published_at, v.video_id""",
            (channel,),
        )
        return [(r["title"], r["published_at"], int(r["views"])) for r in await cur.fetchall()]


async def channel_profiles(
    pool: AsyncConnectionPool, channels: tuple[str, ...] = (), niches: tuple[str, ...] = ()
) -> list[dict]:
    """Full-history channels (all, or those named / in the niches): name, channel_id, niche, niche_similarity,
    category_id, subscribers, uploads, with_multiplier (uploads that have one), outliers (>= 2x), newest."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            """SELECT c.name, c.channel_id, c.niche, c.niche_similarity, c.category_id, c.subscribers,
                      count(v.*) AS uploads, count(v.outlier_multiplier) AS with_multiplier,
                      count(*) FILTER (WHERE v.outlier_multiplier >= 2) AS outliers, max(v.published_at) AS newest
               FROM channels c JOIN videos v USING (channel_id)
               WHERE c.has_full_history AND (cardinality(%(names)s::text[]) = 0 OR c.name = ANY(%(names)s))
                 AND (cardinality(%(niches)s::text[]) = 0 OR c.niche = ANY(%(niches)s))
               GROUP BY c.channel_id ORDER BY c.name""",
            {"names": list(channels), "niches": list(niches)},
        )
        return await cur.fetchall()


async def channel_videos(pool: AsyncConnectionPool, channels: list[str]) -> list[dict]:
    """Every upload with a multiplier of the named channels: channel, video_id, title, published_at, views,
    is_short, outlier_multiplier, age_multiplier; by channel, then newest first."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            """SELECT c.name AS channel, v.video_id, v.title, v.published_at, v.views, v.is_short,
                      v.outlier_multiplier, v.age_multiplier
               FROM videos v JOIN channels c USING (channel_id)
               WHERE c.name = ANY(%s) AND v.outlier_multiplier IS NOT NULL
               ORDER BY c.name, v.published_at DESC""",
            (channels,),
        )
        return await cur.fetchall()
