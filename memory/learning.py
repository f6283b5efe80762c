"""Memory per creator: feedback events, the long-term store blocks, and erasure of everything kept for a creator.

- **Feedback events** (table ``feedback_events``, memory/migrations/0007_feedback.sql): append-only signals on
  generated titles (view, save, copy, use, reject, thumbs_up, thumbs_down, edit), each with the generation that
  produced the title (``generation_id``: the generate_titles tool call id) and the judged candidate.
- **Store blocks**: LangGraph's ``AsyncPostgresStore``, one namespace per creator and block,
  ``("creators", creator_id, block)``, key ``BLOCK_KEY``: ``preferences`` (learned from feedback), ``dna`` (the
  voice profile), ``profile`` (the creator's channel). Values are JSON objects; they are not embedded
  (``index=False``): the blocks are read by key, never searched by meaning.
- **Erasure** (``forget_creator``): every row and item kept for a creator, counted per kind.

Isolation: every function takes the creator id and reads or writes only that creator's rows and namespaces.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from langgraph.store.base import BaseStore
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

Signal = Literal["view", "save", "copy", "use", "reject", "thumbs_up", "thumbs_down", "edit"]
SIGNALS: tuple[str, ...] = ("view", "save", "copy", "use", "reject", "thumbs_up", "thumbs_down", "edit")
Block = Literal["preferences", "dna", "profile", "calibration"]
BLOCKS: tuple[str, ...] = ("preferences", "dna", "profile", "calibration")
BLOCK_KEY = "current"
ROOT = "creators"


def namespace(creator_id: str, block: str) -> tuple[str, str, str]:
    """The store namespace of one creator's block: ("creators", creator_id, block)."""
    return (ROOT, creator_id, block)


async def insert_feedback(
    pool: AsyncConnectionPool,
    *,
    creator_id: str,
    thread_id: str,
    signal: str,
    title: str | None = None,
    generation_id: str | None = None,
    candidate_rank: int | None = None,
    candidate: dict[str, Any] | None = None,
    edited_title: str | None = None,
    source: str = "chat",
) -> dict[str, Any]:
    """Append one feedback event; returns its row (event_id, created_at, ...). Raises ValueError for a signal
    outside ``SIGNALS`` (the message lists them)."""
    if signal not in SIGNALS:
        raise ValueError(f"Unknown feedback signal “{signal}”: use one of {', '.join(SIGNALS)}.")
    async with pool.connection() as conn:
        cur = await conn.execute(
            "INSERT INTO feedback_events (creator_id, thread_id, generation_id, signal, title, candidate_rank, "
            "candidate, edited_title, source) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING *",
            (creator_id, thread_id, generation_id, signal, title, candidate_rank,
             Jsonb(candidate) if candidate else None, edited_title, source),
        )
        return await cur.fetchone()


async def record_views(
    pool: AsyncConnectionPool, creator_id: str, thread_id: str, generation_id: str,
    shown: Sequence[tuple[int, str, dict[str, Any] | None]],
) -> int:
    """Record that the titles of one generation were shown: ``shown`` is (rank, title, judged candidate) per title.
    Once per generation: a second call for the same generation records nothing. Returns the events written."""
    async with pool.connection() as conn, conn.transaction():
        cur = await conn.execute(
            "SELECT 1 FROM feedback_events WHERE thread_id = %s AND generation_id = %s AND signal = 'view' LIMIT 1",
            (thread_id, generation_id),
        )
        if await cur.fetchone():
            return 0
        async with conn.cursor() as c:
            await c.executemany(
                "INSERT INTO feedback_events (creator_id, thread_id, generation_id, signal, title, candidate_rank, "
                "candidate, source) VALUES (%s, %s, %s, 'view', %s, %s, %s, 'chat')",
                [(creator_id, thread_id, generation_id, title, rank, Jsonb(cand) if cand else None)
                 for rank, title, cand in shown],
            )
    return len(shown)


async def shown_title(pool: AsyncConnectionPool, creator_id: str, thread_id: str, generation_id: str, rank: int) -> dict[str, Any] | None:
    """The title shown under number ``rank`` by one generation (its "view" event: title, candidate_rank,
    candidate), or None when that generation showed no such title to this creator."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT title, candidate_rank, candidate FROM feedback_events WHERE creator_id = %s AND thread_id = %s "
            "AND generation_id = %s AND signal = 'view' AND candidate_rank = %s LIMIT 1",
            (creator_id, thread_id, generation_id, rank),
        )
        return await cur.fetchone()


async def generation_of_step(pool: AsyncConnectionPool, step_id: str) -> tuple[str, str, str] | None:
    """(creator_id, thread_id, generation_id) of a chat UI message that showed generated titles (its step metadata
    holds ``generation_id``, ``ui.render``), or None for any other message."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            'SELECT s.metadata->>\'generation_id\' AS generation_id, s."threadId"::text AS thread_id, '
            't."userIdentifier" AS creator_id FROM steps s JOIN threads t ON t.id = s."threadId" WHERE s.id = %s',
            (step_id,),
        )
        row = await cur.fetchone()
    if not row or not row["generation_id"] or not row["creator_id"]:
        return None
    return row["creator_id"], row["thread_id"], row["generation_id"]


async def used_titles(pool: AsyncConnectionPool, creator_id: str) -> list[dict[str, Any]]:
    """The titles the creator used (the ``title_choices`` view: the latest "use" of each title in a thread), oldest
    first: choice_id, thread_id, title, candidate_rank, candidate (the judged candidate, None for their own title),
    source_tool_call_id (the generation), chosen_at."""
    async with pool.connection() as conn:
        cur = await conn.execute("SELECT * FROM title_choices WHERE creator_id = %s ORDER BY chosen_at, choice_id",
                                 (creator_id,))
        return await cur.fetchall()


async def feedback_events(pool: AsyncConnectionPool, creator_id: str) -> list[dict[str, Any]]:
    """Every feedback event of a creator, oldest first (dict rows of ``feedback_events``)."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT * FROM feedback_events WHERE creator_id = %s ORDER BY created_at, event_id", (creator_id,)
        )
        return await cur.fetchall()


async def count_actions(pool: AsyncConnectionPool, creator_id: str) -> int:
    """The creator's feedback events other than views (the actions that count toward a rebuild)."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT count(*) AS n FROM feedback_events WHERE creator_id = %s AND signal <> 'view'", (creator_id,)
        )
        return (await cur.fetchone())["n"]


async def title_counts(pool: AsyncConnectionPool, creator_id: str) -> dict[str, int]:
    """How the creator met the generated titles: ``seen`` (distinct titles shown, per generation), ``reacted``
    (distinct titles of those they acted on: saved, copied, used, rejected, rated or edited), ``actions`` (every
    feedback event other than a view, thumbs on a whole answer included)."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            """SELECT count(DISTINCT (generation_id, title)) FILTER (WHERE signal = 'view') AS seen,
                      count(DISTINCT (generation_id, title)) FILTER (WHERE signal <> 'view' AND title IS NOT NULL
                                                                       AND generation_id IS NOT NULL) AS reacted,
                      count(*) FILTER (WHERE signal <> 'view') AS actions
               FROM feedback_events WHERE creator_id = %s""",
            (creator_id,),
        )
        row = await cur.fetchone()
    return {"seen": row["seen"], "reacted": row["reacted"], "actions": row["actions"]}


async def delete_feedback(pool: AsyncConnectionPool, creator_id: str, keep: Sequence[str] = ("use",)) -> int:
    """Delete a creator's feedback events except the signals in ``keep`` (by default the titles they used stay
    recorded); returns how many were deleted."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            "DELETE FROM feedback_events WHERE creator_id = %s AND NOT (signal = ANY(%s))", (creator_id, list(keep))
        )
        return cur.rowcount


async def get_block(store: BaseStore, creator_id: str, block: str) -> dict[str, Any] | None:
    """A creator's stored block (its JSON value), or None."""
    item = await store.aget(namespace(creator_id, block), BLOCK_KEY)
    return item.value if item else None


async def put_block(store: BaseStore, creator_id: str, block: str, value: dict[str, Any]) -> None:
    """Store (replace) a creator's block."""
    if block not in BLOCKS:
        raise ValueError(f"Unknown memory block “{block}”: one of {', '.join(BLOCKS)}.")
    await store.aput(namespace(creator_id, block), BLOCK_KEY, value, index=False)


async def delete_block(store: BaseStore, creator_id: str, block: str) -> bool:
    """Delete a creator's block; True when there was one."""
    existed = await get_block(store, creator_id, block) is not None
    if existed:
        await store.adelete(namespace(creator_id, block), BLOCK_KEY)
    return existed


async def forget_creator(db: Any, creator_id: str) -> dict[str, int]:
    """Delete everything kept for a creator and return what was deleted, per kind (0 for kinds with nothing):

    - ``threads``: their conversations: LangGraph checkpoints (``checkpointer.adelete_thread``) of every thread
      they own (``thread_owners``) and the ownership rows;
    - ``chat threads``: the chat UI's threads, steps, elements and feedback (Chainlit's tables, through its
      ``users`` row, whose foreign keys cascade);
    - ``store items``: every item in their namespaces under ("creators", creator_id);
    - ``feedback events`` (including the titles they used), ``API keys``, ``analytics channels`` (with their
      videos, snapshots and OAuth tokens, which cascade).

    ``db``: a ``memory.db.Database``. Other creators' rows are never touched: every statement filters by the id.
    """
    deleted: dict[str, int] = {}
    async with db.pool.connection() as conn:
        cur = await conn.execute("SELECT thread_id FROM thread_owners WHERE creator_id = %s", (creator_id,))
        threads = [r["thread_id"] for r in await cur.fetchall()]
    for thread_id in threads:
        await db.checkpointer.adelete_thread(thread_id)
    deleted["threads"] = len(threads)
    items = 0
    for ns in await db.store.alist_namespaces(prefix=(ROOT, creator_id), limit=1000):
        while found := await db.store.asearch(ns, limit=100):
            for item in found:
                await db.store.adelete(ns, item.key)
                items += 1
    deleted["store items"] = items
    statements = {
        "thread owners": "DELETE FROM thread_owners WHERE creator_id = %s",
        "chat threads": 'DELETE FROM threads WHERE "userIdentifier" = %s OR "userId" IN '
                        '(SELECT id FROM users WHERE identifier = %s)',
        "chat users": "DELETE FROM users WHERE identifier = %s",
        "feedback events": "DELETE FROM feedback_events WHERE creator_id = %s",
        "API keys": "DELETE FROM api_keys WHERE creator_id = %s",
        "chat password": "DELETE FROM creator_logins WHERE creator_id = %s",
        "analytics channels": "DELETE FROM analytics_channels WHERE creator_id = %s",
    }
    async with db.pool.connection() as conn, conn.transaction():
        for kind, sql in statements.items():
            cur = await conn.execute(sql, (creator_id,) * sql.count("%s"))
            deleted[kind] = cur.rowcount
    deleted.pop("thread owners")  # the same threads, counted above
    return deleted
