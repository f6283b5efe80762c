"""The job queue as its operators see it: procrastinate's jobs (``procrastinate_jobs``, schema ``memory.db.QUEUE_SCHEMA``)
with the errors the workers kept (``job_errors``, migration 0011), for ``cortex jobs``; and the progress the first-start
jobs write (``job_progress``, migration 0012), which every `cortex serve` process shows.

A job's state, in the words ``cortex jobs`` prints: ``queued`` (waiting, due now), ``postponed`` (waiting for a
later time: a retry's backoff, or the reset of a spent YouTube quota), ``running``, ``dead`` (procrastinate's
``failed``: its retries ran out; its last error is kept), ``done``, ``cancelled``, ``aborted``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

import psycopg
from psycopg_pool import AsyncConnectionPool

STATES = ("queued", "postponed", "running", "dead", "done", "cancelled", "aborted")
"""The states of a job, as ``cortex jobs`` names them (see the module docstring)."""
ACTIVE = ("queued", "postponed", "running", "dead")
"""The states ``cortex jobs`` lists by default: jobs still to do or needing attention."""

_STATE = """CASE j.status::text
               WHEN 'todo' THEN CASE WHEN j.scheduled_at > now() THEN 'postponed' ELSE 'queued' END
               WHEN 'doing' THEN 'running' WHEN 'failed' THEN 'dead' WHEN 'succeeded' THEN 'done'
               ELSE j.status::text END"""


@dataclass
class JobRow:
    """One job: ``id`` (procrastinate's), ``task`` ('cortex:channels'...), ``queue``, ``state`` (one of STATES),
    ``attempts`` (executions so far), ``scheduled_at`` (when a waiting job is due; None: as soon as a worker is
    free), ``args`` (the task's arguments), and its last recorded error (``error``: exception type, ``message``,
    ``error_at``), None when it has none."""

    id: int
    task: str
    queue: str
    state: str
    attempts: int
    scheduled_at: datetime | None
    args: dict
    error: str | None
    message: str | None
    error_at: datetime | None


_SELECT = f"""SELECT j.id, j.task_name AS task, j.queue_name AS queue, {_STATE} AS state, j.attempts,
                     j.scheduled_at, j.args, e.error, e.message, e.at AS error_at
              FROM procrastinate_jobs j
              LEFT JOIN LATERAL (SELECT error, message, at FROM job_errors WHERE job_id = j.id
                                 ORDER BY at DESC, attempt DESC LIMIT 1) e ON true"""


async def list_jobs(pool: AsyncConnectionPool, states: tuple[str, ...] = ACTIVE, limit: int = 100) -> list[JobRow]:
    """The newest ``limit`` jobs in ``states`` (default ``ACTIVE``), newest first. Raises ValueError naming the
    valid states for an unknown one."""
    unknown = sorted(set(states) - set(STATES))
    if unknown:
        raise ValueError(f"Unknown job state {', '.join(unknown)}: use {', '.join(STATES)}.")
    async with pool.connection() as conn:
        cur = await conn.execute(f"SELECT * FROM ({_SELECT}) s WHERE state = ANY(%s) ORDER BY id DESC LIMIT %s",
                                 (list(states), limit))
        return [JobRow(**row) for row in await cur.fetchall()]


async def get_job(pool: AsyncConnectionPool, job_id: int) -> JobRow | None:
    """The job ``job_id``, or None when there is none."""
    async with pool.connection() as conn:
        cur = await conn.execute(f"{_SELECT} WHERE j.id = %s", (job_id,))
        row = await cur.fetchone()
    return JobRow(**row) if row else None


async def record_error(pool: AsyncConnectionPool, job_id: int, attempt: int, task: str, error: str,
                       message: str) -> None:
    """Keep a job's error (``attempt``: its executions before this one; -1 for the reason it was postponed);
    recording the same attempt again replaces it."""
    async with pool.connection() as conn:
        await conn.execute(
            """INSERT INTO job_errors (job_id, attempt, task, error, message) VALUES (%s, %s, %s, %s, %s)
               ON CONFLICT (job_id, attempt) DO UPDATE SET error = EXCLUDED.error, message = EXCLUDED.message,
                 at = now()""",
            (job_id, attempt, task, error, message[:4000]),
        )


async def prune_kept(pool: AsyncConnectionPool) -> int:
    """Delete the errors and the progress kept for jobs the queue no longer holds (deleted by its
    ``delete_old_jobs``); returns how many errors."""
    async with pool.connection() as conn:
        await conn.execute(
            "DELETE FROM job_progress p WHERE NOT EXISTS (SELECT 1 FROM procrastinate_jobs j WHERE j.id = p.job_id)")
        cur = await conn.execute(
            "DELETE FROM job_errors e WHERE NOT EXISTS (SELECT 1 FROM procrastinate_jobs j WHERE j.id = e.job_id)")
        return cur.rowcount


async def active_job(pool: AsyncConnectionPool, task: str) -> JobRow | None:
    """The newest job of ``task`` ('cortex:ingest'...) still waiting (queued, postponed) or running, or None."""
    async with pool.connection() as conn:
        cur = await conn.execute(f"{_SELECT} WHERE j.task_name = %s AND j.status IN ('todo', 'doing') "
                                 "ORDER BY j.id DESC LIMIT 1", (task,))
        row = await cur.fetchone()
    return JobRow(**row) if row else None


@asynccontextmanager
async def exclusive(pool: AsyncConnectionPool, name: str) -> AsyncIterator[None]:
    """Run the body alone among every process on the database: a Postgres advisory lock keyed by ``name``
    (``hashtext``) held on one connection of ``pool`` (autocommit: a session lock) until the body ends. Used so that
    looking for a job and deferring one is one step across processes (``agent.worker.defer_once``)."""
    async with pool.connection() as conn:
        await conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (name,))
        try:
            yield
        finally:
            await conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (name,))


@dataclass
class JobStage:
    """Where a part of a job is: ``name`` ('ingest', 'title index', 'creator index'), ``phase`` in words, ``done``
    of ``total`` (0 when unknown)."""

    name: str
    phase: str
    done: int = 0
    total: int = 0


async def write_progress(pool: AsyncConnectionPool, job_id: int, stages: list[JobStage]) -> None:
    """Record the job ``job_id``'s ``stages`` (each replaces the one of its name)."""
    async with pool.connection() as conn, conn.cursor() as cur:
        await cur.executemany(
            """INSERT INTO job_progress (job_id, name, phase, done, total) VALUES (%s, %s, %s, %s, %s)
               ON CONFLICT (job_id, name) DO UPDATE SET phase = EXCLUDED.phase, done = EXCLUDED.done,
                 total = EXCLUDED.total, at = now()""",
            [(job_id, s.name, s.phase[:500], s.done, s.total) for s in stages])


async def read_progress(pool: AsyncConnectionPool, job_id: int) -> dict[str, JobStage]:
    """The stages the job ``job_id`` recorded (``write_progress``) by name; {} when none."""
    async with pool.connection() as conn:
        cur = await conn.execute("SELECT name, phase, done, total FROM job_progress WHERE job_id = %s", (job_id,))
        return {row["name"]: JobStage(**row) for row in await cur.fetchall()}


class JobError(ValueError):
    """A job that cannot be retried (none with that id, or in a state that is not retried); says what to do."""


async def retry_job(pool: AsyncConnectionPool, job_id: int) -> JobRow:
    """Queue the job ``job_id`` again now: a dead one gets one more execution (procrastinate's
    ``procrastinate_retry_job_v2``; a retried job that fails again is dead at once, its retries having run out), a
    postponed one is due at once. Returns the job as it is then. Raises JobError when there is no such job, when it is
    queued, running or finished, or when another job of its task is already waiting (its queueing lock)."""
    job = await get_job(pool, job_id)
    if job is None:
        raise JobError(f"There is no job {job_id}: `cortex jobs --all` lists them.")
    if job.state not in ("dead", "postponed"):
        raise JobError(f"Job {job_id} is {job.state}: only a dead or postponed job can be retried.")
    async with pool.connection() as conn:
        try:
            if job.state == "dead":
                await conn.execute("SELECT procrastinate_retry_job_v2(%s, now(), NULL, NULL, NULL)", (job_id,))
            else:
                await conn.execute("UPDATE procrastinate_jobs SET scheduled_at = now() WHERE id = %s AND status = 'todo'",
                                   (job_id,))
        except psycopg.errors.UniqueViolation:
            raise JobError(f"Job {job_id} was not queued again: another {job.task} job is already waiting "
                           "(`cortex jobs` lists it).") from None
    return await get_job(pool, job_id)
