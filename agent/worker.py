"""Background work on a Postgres job queue: procrastinate (its schema applied with our migrations,
``memory.db.QUEUE_SCHEMA``) on the service's own database, embedded or DATABASE_URL, so jobs need nothing but the
Postgres the service already has.

- ``defer_run``: the API queues a background run (``POST /threads/{id}/runs``) as a job of task ``cortex:run`` on
  queue ``runs``;
- ``execute_run``: a worker (`cortex worker`, ``work``) takes the job, waits for the run's thread
  (``agent.api.runs.RunManager.claim``) and executes the run (``agent.api.runs.execute``), its events and status in
  Postgres, where every API process reads them;
- a worker that dies mid-run stops sending heartbeats; after ``worker_stalled_after_s`` another worker retries its
  jobs (``retry_stalled``), and the run goes on from its last checkpoint; past ``run_max_attempts`` executions the
  run ends as an error and its job fails (procrastinate's status ``failed``: dead, with the error kept).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

import procrastinate
import psycopg
import psycopg_pool

from agent.settings import Settings, get_settings
from memory import runs as runs_db
from memory.db import Database, get_database, use_database

log = logging.getLogger("cortex.worker")

QUEUE = "runs"
RUN_TASK = "cortex:run"
HEARTBEAT_S = 2.0
"""Seconds between a worker's heartbeats (procrastinate's ``update_heartbeat_interval``)."""

tasks = procrastinate.Blueprint()


class RunDead(RuntimeError):
    """A run's executions ran out (``run_max_attempts``): its job fails for good."""


@tasks.task(name="run", queue=QUEUE, retry=procrastinate.RetryStrategy(
    max_attempts=3, exponential_wait=2, retry_exceptions={psycopg.OperationalError, psycopg_pool.PoolTimeout}))
async def execute_run(run_id: str) -> None:
    """Execute the background run ``run_id`` to its end (a run finished or cancelled meanwhile is left as it is).
    Raises RunDead when it has been started ``run_max_attempts`` times already (each start that did not finish was
    a worker that died), after recording the run as an error; the database's errors propagate (the job is retried
    with backoff: 2, 4 s)."""
    from agent.api.runs import RUNS, execute, explain

    db = await get_database()
    record = await runs_db.get(db.pool, run_id)
    if record is None or record.status in runs_db.FINAL:
        return
    limit = get_settings().run_max_attempts
    if record.attempt >= limit:
        message = (f"The run did not finish after {record.attempt} attempt{'s' if record.attempt > 1 else ''} (the "
                   "worker executing it stopped mid-run each time): run it again, and check the workers' logs if it "
                   "goes on.")
        error = {"error": "RunDead", "message": message}
        await runs_db.append_events(db.pool, run_id, await runs_db.last_seq(db.pool, run_id) + 1,
                                    [("error", json.dumps(error))])
        await runs_db.finish(db.pool, run_id, "error", error)
        raise RunDead(message)
    record = await RUNS.claim(db, run_id, record.thread_id)
    if record.status in runs_db.FINAL:
        return
    try:
        run = await execute(db, record)
    except (psycopg.OperationalError, psycopg_pool.PoolTimeout):
        raise  # retried with backoff
    except Exception as exc:  # the run ends with the reason; the job fails
        await runs_db.finish(db.pool, run_id, "error", {"error": type(exc).__name__, "message": explain(exc, run_id)})
        raise
    if run.task is not None:  # cancelled through the API: the run is recorded interrupted, the job is done
        await asyncio.gather(run.task, return_exceptions=True)


_queues: dict[int, procrastinate.App] = {}


async def queue_app(db: Database, max_size: int = 2) -> procrastinate.App:
    """The job queue on ``db``'s database, with a pool of its own of up to ``max_size`` connections (procrastinate
    opens its LISTEN connection with the pool's connection settings, which must leave autocommit to it; ours set
    it); opened once per ``db``."""
    app = _queues.get(id(db.pool))
    if app is None:
        app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=db.url, min_size=1,
                                                                        max_size=max_size))
        app.add_tasks_from(tasks, namespace="cortex")
        await app.open_async()
        _queues[id(db.pool)] = app
    return app


async def close_queues() -> None:
    """Close the job queues this process opened (``queue_app``)."""
    while _queues:
        _, app = _queues.popitem()
        await app.close_async()


async def defer_run(db: Database, run_id: str) -> int:
    """Queue the background run ``run_id``; returns the job id."""
    app = await queue_app(db)
    return await app.configure_task(RUN_TASK).defer_async(run_id=run_id)


async def retry_stalled(app: procrastinate.App, stalled_after_s: float) -> None:
    """Every ``stalled_after_s`` / 2 seconds, put back in the queue the jobs of workers that sent no heartbeat for
    ``stalled_after_s`` seconds (killed, or their machine gone), until cancelled."""
    while True:
        await asyncio.sleep(stalled_after_s / 2)
        try:
            for job in await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=stalled_after_s):
                log.warning("Job %s (%s) of a stopped worker: retrying it.", job.id, job.task_name)
                await app.job_manager.retry_job(job)
        except (psycopg.OperationalError, psycopg_pool.PoolTimeout, procrastinate.exceptions.ConnectorException) as exc:
            log.warning("Looking for stalled jobs failed (%s); trying again.", exc)


async def work(settings: Settings, concurrency: int, name: str | None = None) -> None:
    """Run a worker until SIGINT/SIGTERM: open the database (starting the embedded Postgres unless DATABASE_URL is
    set; migrations applied), take jobs of every queue, ``concurrency`` at a time, with heartbeats every
    ``HEARTBEAT_S`` s, and retry the jobs of stalled workers (``retry_stalled``)."""
    async with Database.open(settings, max_size=max(4, concurrency + 2), supervise=True) as db:
        use_database(db)
        app = await queue_app(db, max_size=concurrency + 3)
        stalled = asyncio.create_task(retry_stalled(app, settings.worker_stalled_after_s))
        try:
            await app.run_worker_async(concurrency=concurrency, name=name, update_heartbeat_interval=HEARTBEAT_S,
                                       stalled_worker_timeout=settings.worker_stalled_after_s,
                                       install_signal_handlers=True)
        finally:
            stalled.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await stalled
            from agent.api.runs import RUNS

            await RUNS.shutdown()
            await close_queues()
            use_database(None)
