"""Runs in Postgres (migration 0010): the HTTP API's runs and their server-sent events, shared by every API process
and worker on one database.

- One active run per thread is enforced by the database: a partial unique index on ``runs (thread_id)`` for status
  'pending' or 'running', so a second run on a thread fails with ``ThreadBusy`` whichever process asks. A run started
  with multitask_strategy enqueue, interrupt or rollback while the thread is busy waits as 'queued' and takes the
  thread (``claim``) once it is free, oldest first.
- The process that executes a run appends its events (``append_events``) and sets its status (``finish``); any
  process reads them (``events_after``, ``get``, ``of_thread``). Every change is announced with NOTIFY on
  ``CHANNEL`` (payload ``"<kind>:<run_id>:<thread_id>"``, kind ``e`` events, ``s`` status, ``c`` cancel asked;
  the thread empty for events), which ``Listener`` turns into wake-ups in the listening process.
- An executing process holds a lease on its runs (``renew``, every ``LEASE_S`` / 3 s); a run of the API process whose
  lease ran out (the process died) is ended as an error when the next run on its thread is asked for (``reap``).
  Background runs are left to the job queue, which retries them (``agent.worker``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import psycopg
from psycopg import AsyncConnection
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

log = logging.getLogger(__name__)

CHANNEL = "cortex_runs"
"""The NOTIFY channel of run changes."""

ACTIVE = ("queued", "pending", "running")
"""Statuses of a run not finished yet."""

FINAL = ("success", "error", "interrupted")

LEASE_S = 30.0
"""Seconds an executing process's hold on a run lasts without renewal (renewed every ``LEASE_S / 3``)."""

STRATEGIES = ("reject", "enqueue", "interrupt", "rollback")
"""LangGraph's multitask strategies: what a new run does when its thread has an active run."""


class ThreadBusy(Exception):
    """The thread has an active run (multitask_strategy reject)."""


@dataclass
class RunRecord:
    """One row of ``runs``: ``status`` one of ``ACTIVE`` + ``FINAL``; ``kwargs`` the request that started it
    (RunCreate's JSON and ``modes``); ``error`` ``{error, message}`` when it failed; ``cancel`` a cancel asked for and
    not yet carried out ('interrupt' or 'rollback'); ``attempt`` executions started; ``head_before`` the thread's
    head checkpoint id when the run first started (None for a new thread)."""

    run_id: str
    thread_id: str
    creator_id: str
    status: str
    multitask_strategy: str
    background: bool
    kwargs: dict[str, Any]
    metadata: dict[str, Any]
    error: dict | None
    cancel: str | None
    attempt: int
    head_before: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: dict) -> RunRecord:
        """The record of a ``runs`` row read with ``COLUMNS``."""
        return cls(**{**row, "run_id": str(row["run_id"])})


COLUMNS = ("run_id, thread_id, creator_id, status, multitask_strategy, background, kwargs, metadata, error, cancel, "
           "attempt, head_before, created_at, updated_at")


async def _notify(conn: AsyncConnection, kind: str, run_id: str, thread_id: str = "") -> None:
    await conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, f"{kind}:{run_id}:{thread_id}"))


async def reap(conn: AsyncConnection, thread_id: str) -> int:
    """End as errors the thread's active runs of the API processes whose lease ran out (their process died);
    returns how many."""
    cur = await conn.execute(
        """UPDATE runs SET status = 'error', updated_at = clock_timestamp(),
                  error = '{"error": "ProcessDied", "message": "The service process running this run stopped before it finished: run it again."}'
           WHERE thread_id = %s AND status IN ('pending', 'running') AND NOT background AND lease_until < now()
           RETURNING run_id""", (thread_id,))
    reaped = [str(r["run_id"]) for r in await cur.fetchall()]
    for run_id in reaped:
        await _notify(conn, "s", run_id, thread_id)
    return len(reaped)


async def create(pool: AsyncConnectionPool, *, run_id: str, thread_id: str, creator_id: str, strategy: str,
                 kwargs: dict[str, Any], metadata: dict[str, Any], background: bool) -> RunRecord:
    """Record a new run. With the thread free it is 'pending' (it holds the thread until it finishes). With an
    active run on the thread: ``ThreadBusy`` for strategy 'reject'; else it is 'queued' behind it, and for
    'interrupt' and 'rollback' the active runs are asked to stop (``request_cancel``'s way) first."""
    insert = f"""WITH created AS (
                     INSERT INTO runs (run_id, thread_id, creator_id, status, multitask_strategy, background, kwargs,
                                       metadata, lease_until)
                     VALUES (%s, %s, %s, %s, %s, %s, %s, %s,
                             CASE WHEN %s THEN NULL ELSE now() + %s * interval '1 second' END)
                     RETURNING {COLUMNS})
                 SELECT *, pg_notify(%s, 's:' || run_id || ':' || thread_id) AS notified FROM created"""

    def values(status: str) -> tuple:
        return (run_id, thread_id, creator_id, status, strategy, background, Jsonb(kwargs), Jsonb(metadata),
                background, LEASE_S, CHANNEL)

    async with pool.connection() as conn:
        await reap(conn, thread_id)
        try:  # one statement, its own transaction: the run and its NOTIFY
            row = await (await conn.execute(insert, values("pending"))).fetchone()
        except psycopg.errors.UniqueViolation:
            if strategy == "reject":
                raise ThreadBusy(thread_id) from None
            async with conn.transaction():
                if strategy in ("interrupt", "rollback"):  # a run not started yet just ends
                    cur = await conn.execute(
                        """UPDATE runs SET status = CASE WHEN status = 'running' THEN status ELSE 'interrupted' END,
                                  cancel = CASE WHEN status = 'running' THEN %s END, updated_at = clock_timestamp()
                           WHERE thread_id = %s AND status IN ('pending', 'running') RETURNING run_id, status""",
                        (strategy, thread_id))
                    for r in await cur.fetchall():
                        await _notify(conn, "c" if r["status"] == "running" else "s", str(r["run_id"]), thread_id)
                row = await (await conn.execute(insert, values("queued"))).fetchone()
    row.pop("notified")
    return RunRecord.of(row)


async def claim(pool: AsyncConnectionPool, run_id: str) -> RunRecord | None:
    """Start (or restart, on a retry) executing the run: a queued run first takes its thread when it is free and no
    older run queues on it; then status 'running', ``attempt`` + 1, a fresh lease, and ``head_before`` = the
    thread's head checkpoint on its first start (LangGraph's checkpoint ids sort in time order). Returns the record, or None when the run cannot start now (its thread is busy: wait for a
    change, ``Listener``, and ask again). A run already finished (cancelled while it waited) is returned as is.
    A run that holds its thread already (pending) starts in one statement, with its NOTIFY."""
    start = f"""WITH started AS (
                    UPDATE runs SET status = 'running', attempt = attempt + 1, updated_at = clock_timestamp(),
                           head_before = CASE WHEN attempt = 0 THEN (
                               SELECT max(checkpoint_id) FROM checkpoints c
                               WHERE c.thread_id = runs.thread_id AND c.checkpoint_ns = '') ELSE head_before END,
                           lease_until = now() + %(lease)s * interval '1 second'
                    WHERE run_id = %(run)s AND status IN ('pending', 'running') RETURNING {COLUMNS})
                SELECT *, pg_notify(%(channel)s, 's:' || run_id || ':' || thread_id) AS notified FROM started"""
    values = {"lease": LEASE_S, "run": run_id, "channel": CHANNEL}
    async with pool.connection() as conn:
        row = await (await conn.execute(start, values)).fetchone()
        if row is None:  # queued: take the thread first, when it is free and no older run queues on it
            try:
                async with conn.transaction():
                    await conn.execute(
                        """UPDATE runs r SET status = 'pending', updated_at = clock_timestamp() WHERE run_id = %s
                           AND status = 'queued' AND NOT EXISTS (SELECT 1 FROM runs o WHERE o.thread_id = r.thread_id
                               AND o.status = 'queued' AND o.created_at < r.created_at)""", (run_id,))
            except psycopg.errors.UniqueViolation:
                return None
            row = await (await conn.execute(start, values)).fetchone()
        if row is not None:
            row.pop("notified")
            return RunRecord.of(row)
        record = await get(pool, run_id)
        return record if record is not None and record.status in FINAL else None


async def renew(pool: AsyncConnectionPool, run_ids: Sequence[str]) -> None:
    """Extend the lease of the runs this process executes by ``LEASE_S``."""
    if run_ids:
        async with pool.connection() as conn:
            await conn.execute("UPDATE runs SET lease_until = now() + %s * interval '1 second' "
                               "WHERE run_id = ANY(%s::uuid[]) AND status = 'running'", (LEASE_S, list(run_ids)))


async def append_events(pool: AsyncConnectionPool, run_id: str, first_seq: int, events: Sequence[tuple[str, str]]) -> None:
    """Append ``events`` ((event name, JSON text), in order) to the run's log from sequence number ``first_seq``, and
    announce them: one statement (its own transaction, so the NOTIFY goes out once the rows are there). The arrays go
    in binary: psycopg's text format escapes every quote of the JSON with a regular expression (~0.5 ms per event
    of a few kB), the binary one copies the bytes."""
    if not events:
        return
    async with pool.connection() as conn:
        await conn.execute(
            """WITH written AS (INSERT INTO run_events (run_id, seq, event, data)
                                SELECT %(run)s, %(first)s + n - 1, e, d
                                FROM unnest(%(events)b::text[], %(data)b::text[]) WITH ORDINALITY AS t(e, d, n))
               SELECT pg_notify(%(channel)s, %(note)s)""",
            {"run": run_id, "first": first_seq, "events": [e for e, _ in events], "data": [d for _, d in events],
             "channel": CHANNEL, "note": f"e:{run_id}:"})


async def finish(pool: AsyncConnectionPool, run_id: str, status: str, error: dict | None = None) -> None:
    """End the run with ``status`` (one of ``FINAL``) and ``error`` ({error, message}) when it failed; its thread is
    free from then on. One statement, with its NOTIFY."""
    async with pool.connection() as conn:
        await conn.execute(
            """WITH ended AS (UPDATE runs SET status = %(status)s, error = %(error)s, cancel = NULL, lease_until = NULL,
                                     updated_at = clock_timestamp() WHERE run_id = %(run)s RETURNING thread_id)
               SELECT pg_notify(%(channel)s, 's:' || %(run)s || ':' || coalesce((SELECT thread_id FROM ended), ''))""",
            {"status": status, "error": Jsonb(error) if error else None, "run": run_id, "channel": CHANNEL})


async def request_cancel(pool: AsyncConnectionPool, run_id: str, action: str) -> RunRecord | None:
    """Ask the run to stop (``action`` 'interrupt' or 'rollback'). A run that waits (queued, or pending without an
    executor) ends 'interrupted' at once; a running one is told (NOTIFY) and its executing process cancels it.
    Returns the record after the change (None when unknown)."""
    async with pool.connection() as conn:
        async with conn.transaction():
            cur = await conn.execute(
                f"""UPDATE runs SET status = CASE WHEN status = 'running' THEN status ELSE 'interrupted' END,
                           cancel = CASE WHEN status = 'running' THEN %s END, updated_at = clock_timestamp()
                    WHERE run_id = %s AND status IN ('queued', 'pending', 'running') RETURNING {COLUMNS}""",
                (action, run_id))
            row = await cur.fetchone()
            if row is not None:
                await _notify(conn, "c" if row["status"] == "running" else "s", run_id, row["thread_id"])
    return RunRecord.of(row) if row is not None else await get(pool, run_id)


async def get(pool: AsyncConnectionPool, run_id: str) -> RunRecord | None:
    """The run, or None."""
    async with pool.connection() as conn:
        cur = await conn.execute(f"SELECT {COLUMNS} FROM runs WHERE run_id = %s", (run_id,))
        row = await cur.fetchone()
    return RunRecord.of(row) if row else None


async def of_thread(pool: AsyncConnectionPool, thread_id: str, statuses: Iterable[str] | None = None,
                    limit: int = 10, offset: int = 0) -> list[RunRecord]:
    """The thread's runs, newest first, only those in ``statuses`` when given."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            f"""SELECT {COLUMNS} FROM runs WHERE thread_id = %s AND (%s::text[] IS NULL OR status = ANY(%s::text[]))
                ORDER BY created_at DESC LIMIT %s OFFSET %s""",
            (thread_id, list(statuses) if statuses else None, list(statuses) if statuses else None, limit, offset))
        return [RunRecord.of(r) for r in await cur.fetchall()]


async def busy(pool: AsyncConnectionPool, thread_id: str) -> bool:
    """Whether the thread has an active run (queued, pending or running)."""
    async with pool.connection() as conn:
        await reap(conn, thread_id)
        cur = await conn.execute("SELECT 1 FROM runs WHERE thread_id = %s AND status IN ('queued', 'pending', 'running') "
                                 "LIMIT 1", (thread_id,))
        return await cur.fetchone() is not None


async def events_after(pool: AsyncConnectionPool, run_id: str, after: int) -> list[tuple[int, str, str]]:
    """The run's events with sequence number above ``after``: (seq, event, JSON text), in order."""
    async with pool.connection() as conn:
        cur = await conn.execute("SELECT seq, event, data FROM run_events WHERE run_id = %s AND seq > %s ORDER BY seq",
                                 (run_id, after))
        return [(r["seq"], r["event"], r["data"]) for r in await cur.fetchall()]


async def last_seq(pool: AsyncConnectionPool, run_id: str) -> int:
    """The sequence number of the run's last event (-1 when it has none)."""
    async with pool.connection() as conn:
        cur = await conn.execute("SELECT coalesce(max(seq), -1) AS seq FROM run_events WHERE run_id = %s", (run_id,))
        return (await cur.fetchone())["seq"]


async def forget_thread(pool: AsyncConnectionPool, thread_id: str) -> None:
    """Delete a deleted thread's runs and their events."""
    async with pool.connection() as conn:
        await conn.execute("DELETE FROM runs WHERE thread_id = %s", (thread_id,))


async def prune(pool: AsyncConnectionPool, older_than: timedelta) -> int:
    """Delete the runs that ended (``FINAL``) more than ``older_than`` ago, their events with them (ON DELETE
    CASCADE); returns how many runs. Queued, pending and running runs are never touched."""
    async with pool.connection() as conn:
        cur = await conn.execute("DELETE FROM runs WHERE status = ANY(%s) AND updated_at < now() - %s",
                                 (list(FINAL), older_than))
        return cur.rowcount


async def delete(pool: AsyncConnectionPool, run_id: str) -> None:
    """Delete one run and its events (a run rolled back)."""
    async with pool.connection() as conn:
        cur = await conn.execute("DELETE FROM runs WHERE run_id = %s RETURNING thread_id", (run_id,))
        row = await cur.fetchone()
        await _notify(conn, "s", run_id, row["thread_id"] if row else "")


async def drop_checkpoints_after(pool: AsyncConnectionPool, thread_id: str, head: str | None) -> int:
    """Delete the thread's checkpoints (and their pending writes) written after checkpoint ``head`` (all of them when
    ``head`` is None), so the thread is as it was at ``head``: what a rolled-back run leaves. LangGraph's checkpoint
    ids are time-ordered (UUIDv6), as the Postgres saver's own ``ORDER BY checkpoint_id DESC`` relies on. Returns
    how many checkpoints were deleted."""
    async with pool.connection() as conn:
        async with conn.transaction():
            await conn.execute("DELETE FROM checkpoint_writes WHERE thread_id = %s AND (%s::text IS NULL OR "
                               "checkpoint_id > %s)", (thread_id, head, head))
            cur = await conn.execute("DELETE FROM checkpoints WHERE thread_id = %s AND (%s::text IS NULL OR "
                                     "checkpoint_id > %s)", (thread_id, head, head))
            return cur.rowcount


class Listener:
    """This process's LISTEN on ``CHANNEL``: one connection, reopened after a failure (1 s later). ``wait(run_id,
    timeout)`` returns at the next change of the run (or after ``timeout`` s: callers re-read, so a lost notification
    costs at most that); ``on_cancel(run_id)`` is called for every cancel asked of any run."""

    def __init__(self, url: str, on_cancel) -> None:
        self.url = url
        self.on_cancel = on_cancel
        self._waiters: dict[str, set[asyncio.Event]] = {}
        self._task: asyncio.Task | None = None
        self.ready = asyncio.Event()

    def start(self) -> None:
        """Start listening (a task of the running event loop); idempotent."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._listen(), name="runs listener")

    async def stop(self) -> None:
        """Stop listening."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _listen(self) -> None:
        while True:
            try:
                async with await AsyncConnection.connect(self.url, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    self.ready.set()
                    self._wake_all()  # changes may have been missed while reconnecting
                    async for note in conn.notifies():
                        kind, run_id, thread_id = (note.payload.split(":") + ["", ""])[:3]
                        if kind == "c":
                            self.on_cancel(run_id)
                        for key in (run_id, thread_id):
                            for event in self._waiters.get(key, ()):
                                event.set()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database went away: listen again once it answers
                self.ready.clear()
                log.warning("Listening for run changes failed (%s); retrying in 1 s.", exc)
                await asyncio.sleep(1.0)

    def _wake_all(self) -> None:
        for events in self._waiters.values():
            for event in events:
                event.set()

    @contextlib.asynccontextmanager
    async def watching(self, run_id: str):
        """Within the block, ``await changed(timeout)`` returns True at the next change of the run ``run_id`` (or of
        any run of the thread, given a thread id) (False after ``timeout`` seconds); changes between two calls are
        not lost."""
        event = asyncio.Event()
        self._waiters.setdefault(run_id, set()).add(event)

        async def changed(timeout: float) -> bool:
            try:
                await asyncio.wait_for(event.wait(), timeout)
            except TimeoutError:
                return False
            finally:
                event.clear()
            return True

        try:
            yield changed
        finally:
            waiters = self._waiters.get(run_id)
            if waiters is not None:
                waiters.discard(event)
                if not waiters:
                    del self._waiters[run_id]
