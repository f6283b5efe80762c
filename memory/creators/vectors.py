"""The account vectors: one table per embedding model (``CREATOR_VECTORS``, registered in ``memory.vectors``),
the texts embedded per account (bio, content) and their embedding."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable

import numpy as np
from psycopg_pool import AsyncConnectionPool

from memory.corpus.vectors import title_vector_table
from memory.creators.sources import PLATFORMS
from memory.vectors import VectorTable, ensure_vector_table, vector_table

CREATOR_VECTORS = VectorTable(
    kind="creator",
    columns="""account_id text NOT NULL REFERENCES creator_accounts ON DELETE CASCADE,
               kind       text NOT NULL CHECK (kind IN ('bio', 'content')),
               platform   text NOT NULL,
               text_md5   text NOT NULL,
               PRIMARY KEY (account_id, kind)""",
    hnsw=tuple((f"{platform}_hnsw", f"platform = '{platform}'") for platform in PLATFORMS),
)
"""The account-vector tables (``memory.vectors``): rows (account_id, kind 'bio'|'content', platform, text_md5,
embedding); one partial HNSW index (cosine) per platform, so a platform filter searches only its own graph."""


async def ensure_creator_vectors(pool: AsyncConnectionPool, model: str, dim: int) -> str:
    """Create (once) the account-vector table of an embedding model (``CREATOR_VECTORS``) and register it; returns
    its name. Raises ValueError if the model was registered with another dimension."""
    return await ensure_vector_table(pool, CREATOR_VECTORS, model, dim)


async def creator_vector_table(pool: AsyncConnectionPool, model: str) -> str | None:
    """The account-vector table of ``model``, or None when no account was embedded with it yet."""
    return await vector_table(pool, CREATOR_VECTORS.kind, model)


BIO_CHARS = 300
"""Characters of a bio embedded: the opening says what a channel is about, and MiniLM reads 256 tokens at most."""
CAPTION_CHARS = 200


def md5(text: str) -> str:
    """Hex md5 of a text (tells whether a stored vector was made from the current text)."""
    return hashlib.md5(text.encode()).hexdigest()


async def vector_texts(pool: AsyncConnectionPool) -> list[dict]:
    """What to embed per account: [{account_id, platform, kind, text, items: [(item_id, text)]}].

    ``bio``: name + the bio's first ``BIO_CHARS`` characters, for accounts with a bio, and for YouTube accounts
    without one, name + the source's category (the top-channel table has no descriptions). ``content``: the
    account's newest 50 titles or captions (``CAPTION_CHARS`` each), embedded one by one and averaged.
    Instagram accounts with neither (most of kim2020: a handle and a category) get no vector.
    """
    async with pool.connection() as conn:
        cur = await conn.execute(
            """SELECT account_id, platform, name, bio, category FROM creator_accounts
               WHERE bio IS NOT NULL OR platform = 'youtube' ORDER BY account_id"""
        )
        out = []
        for r in await cur.fetchall():
            text = f"{r['name']}. {r['bio'][:BIO_CHARS]}" if r["bio"] else f"{r['name']}. {r['category'] or ''} channel"
            out.append({"account_id": r["account_id"], "platform": r["platform"], "kind": "bio", "text": text.strip()})
        cur = await conn.execute(
            """SELECT a.account_id, a.platform, array_agg(i.item_id ORDER BY i.published_at DESC NULLS LAST, i.item_id) AS ids,
                      array_agg(left(i.title, %s) ORDER BY i.published_at DESC NULLS LAST, i.item_id) AS titles
               FROM creator_accounts a JOIN LATERAL (
                   SELECT item_id, title, published_at FROM creator_content_items c
                   WHERE c.account_id = a.account_id AND c.title <> ''
                   ORDER BY published_at DESC NULLS LAST, item_id LIMIT 50) i ON true
               GROUP BY a.account_id, a.platform ORDER BY a.account_id""",
            (CAPTION_CHARS,),
        )
        for r in await cur.fetchall():
            items = list(zip(r["ids"], r["titles"], strict=True))
            out.append({"account_id": r["account_id"], "platform": r["platform"], "kind": "content",
                        "text": "\n".join(t for _, t in items), "items": items})
    return out


async def embed_accounts(pool: AsyncConnectionPool, embedder, batch_size: int = 128,
                         progress: Callable[[str, int, int], None] | None = None) -> int:
    """Embed every bio/content text whose vector is missing or stale for ``embedder`` (an agent.embeddings
    Embedder); content vectors are the normalised mean of their items' vectors, reusing the corpus title vectors
    of the same model for YouTube uploads. Marks ``has_vector``. Returns vectors written."""
    table = await ensure_creator_vectors(pool, embedder.name, embedder.dim)
    todo_all = await vector_texts(pool)
    async with pool.connection() as conn:
        cur = await conn.execute(f"SELECT account_id, kind, text_md5 FROM {table}")
        have = {(r["account_id"], r["kind"]): r["text_md5"] for r in await cur.fetchall()}
    wanted = {(t["account_id"], t["kind"]) for t in todo_all}
    todo = [t for t in todo_all if have.get((t["account_id"], t["kind"])) != md5(t["text"])]
    # item texts to embed (content), minus the YouTube titles the corpus already embedded with this model
    item_texts = {i: txt for t in todo if t["kind"] == "content" for i, txt in t["items"]}
    item_vecs: dict[str, np.ndarray] = {}
    title_table = await title_vector_table(pool, embedder.name)
    if title_table and item_texts:
        vids = [i.removeprefix("youtube:") for i in item_texts if i.startswith("youtube:")]
        async with pool.connection() as conn:
            cur = await conn.execute(
                f"""SELECT t.video_id, v.title, t.embedding FROM {title_table} t JOIN videos v USING (video_id)
                    WHERE t.video_id = ANY(%s) AND t.title_md5 = md5(v.title)""", (vids,)
            )
            for r in await cur.fetchall():
                key = f"youtube:{r['video_id']}"
                if item_texts[key] == r["title"]:  # the same text (titles longer than CAPTION_CHARS are cut)
                    item_vecs[key] = np.asarray(r["embedding"], dtype=np.float32)
    texts = [t["text"] for t in todo if t["kind"] == "bio"]
    missing_items = [i for i in item_texts if i not in item_vecs]
    total, done = len(texts) + len(missing_items), 0
    vectors: list[np.ndarray] = []
    for start in range(0, len(texts), batch_size):
        vectors.extend(await asyncio.to_thread(embedder.embed, texts[start : start + batch_size]))
        done += len(texts[start : start + batch_size])
        if progress:
            progress("embedding creator bios and content", done, total)
    for start in range(0, len(missing_items), batch_size):
        chunk = missing_items[start : start + batch_size]
        for i, v in zip(chunk, await asyncio.to_thread(embedder.embed, [item_texts[i] for i in chunk]), strict=True):
            item_vecs[i] = v
        done += len(chunk)
        if progress:
            progress("embedding creator bios and content", done, total)
    bio_vecs = iter(vectors)
    rows = []
    for t in todo:
        if t["kind"] == "bio":
            v = next(bio_vecs)
        else:
            v = np.mean([item_vecs[i] for i, _ in t["items"]], axis=0)
            v = v / max(float(np.linalg.norm(v)), 1e-12)
        rows.append((t["account_id"], t["kind"], t["platform"], md5(t["text"]), v))
    async with pool.connection() as conn:
        async with conn.transaction():
            async with conn.cursor() as cur:
                await cur.executemany(
                    f"""INSERT INTO {table} (account_id, kind, platform, text_md5, embedding) VALUES (%s, %s, %s, %s, %s)
                        ON CONFLICT (account_id, kind) DO UPDATE SET platform = EXCLUDED.platform,
                        text_md5 = EXCLUDED.text_md5, embedding = EXCLUDED.embedding""",
                    rows,
                )
            stale = [k for k in have if k not in wanted]
            for account_id, kind in stale:
                await conn.execute(f"DELETE FROM {table} WHERE account_id = %s AND kind = %s", (account_id, kind))
            await conn.execute(
                f"""UPDATE creator_accounts a SET has_vector = EXISTS (SELECT 1 FROM {table} v WHERE v.account_id = a.account_id)
                    WHERE has_vector IS DISTINCT FROM EXISTS (SELECT 1 FROM {table} v WHERE v.account_id = a.account_id)"""
            )
    return len(rows) + len(stale)


async def account_vectors(pool: AsyncConnectionPool, table: str, creator_id: str) -> list[np.ndarray]:
    """The vectors that describe a creator as an example: its content vectors (what it publishes) when it has
    any, else its bio vectors (a bio made of name + category says little more than the category)."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            f"""SELECT v.kind, v.embedding FROM {table} v JOIN creator_accounts a USING (account_id)
                WHERE a.creator_id = %s ORDER BY v.account_id, v.kind""",
            (creator_id,),
        )
        rows = await cur.fetchall()
    content = [np.asarray(r["embedding"], dtype=np.float32) for r in rows if r["kind"] == "content"]
    return content or [np.asarray(r["embedding"], dtype=np.float32) for r in rows]
