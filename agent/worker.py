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

Scheduled work, on queue ``maintenance``, deferred by every worker's periodic deferrer (procrastinate's periodic
tasks: one job per task and cron tick however many workers run, since the queue records each tick it deferred, and
none while the task already has a job waiting, by its queueing lock):

- ``cortex:channels`` every ``CORTEX_SCHEDULE_CHANNELS_H`` (6 h): connected YouTube channels
  (``tools.analytics.schedule.refresh_channels``);
- ``cortex:outliers`` every ``CORTEX_SCHEDULE_OUTLIERS_H`` (12 h): the outlier scan, ``ingest_corpus`` over the data
  sets (multipliers recomputed where views changed, new titles embedded; a no-op when nothing changed);
- ``cortex:creators`` every ``CORTEX_SCHEDULE_CREATORS_H`` (1 h): the creator accounts due by their cadence by
  activity (``tools.analytics.schedule.refresh_creators``);
- ``cortex:trending`` every ``CORTEX_SCHEDULE_TRENDING_H`` (4 h): YouTube's trending chart into the title corpus
  (``tools.analytics.schedule.refresh_trending``).

First-start work, on queue ``startup``, deferred by `cortex serve` (``defer_once``: one job however many processes
start together) and executed by the worker each `cortex serve` runs for that queue alone (``serve_startup_jobs``), or
by any `cortex worker`; each writes its progress to Postgres (``JobProgress``) for every `cortex serve` to show:

- ``cortex:ingest`` when the corpus is empty: the data sets read and written, without title vectors
  (``load_corpus``);
- ``cortex:index`` then, when titles lack vectors or no creator is loaded: the title index and channel niches, then
  the creator-search index (``build_indexes``).

Both run in a thread of their own (``agent.startup.ThreadJob``: parsing and embedding never hold up the loop that sends
the worker's heartbeats and serves requests) and are idempotent (the ingest writes in one transaction; the index
builds write only what is missing), so a job whose process was killed is simply run again.

A failed scheduled or first-start job is retried after ``CORTEX_JOB_RETRY_S``, doubling, until ``CORTEX_JOB_MAX_ATTEMPTS``
executions; then it is dead. Every failed execution's error is kept (``record_errors``, table ``job_errors``) for
`cortex jobs`. A job stopped by a spent YouTube quota is not failed: it is postponed, queued again for just after the
quota's reset (midnight Pacific time).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import threading
from collections.abc import Awaitable, Callable
from datetime import UTC, timedelta

import procrastinate
import psycopg
import psycopg_pool

from agent.settings import Settings, get_settings
from memory import jobs as jobs_db
from memory import runs as runs_db
from memory.db import Database, get_database, use_database
from tools.analytics.sources import AnalyticsConfig
from tools.analytics.youtube import QuotaExhausted, quota_reset

log = logging.getLogger("cortex.worker")

QUEUE = "runs"
RUN_TASK = "cortex:run"
MAINTENANCE = "maintenance"
"""The queue of scheduled work (refreshes, scans)."""
SCHEDULE = {"channels": ("schedule_channels_h", 0), "outliers": ("schedule_outliers_h", 15),
            "creators": ("schedule_creators_h", 30), "trending": ("schedule_trending_h", 45), "prune": (24, 50)}
"""Periodic task -> (the setting of its cadence in hours, or the hours themselves, the minute of the hour it runs
at, UTC: spread out)."""
STARTUP = "startup"
"""The queue of the first-start jobs (corpus ingest, indexes): `cortex serve` runs a worker for it alone."""
INGEST_TASK = "cortex:ingest"
INDEX_TASK = "cortex:index"
INGEST, TITLES, CREATORS = "ingest", "title index", "creator index"
"""The parts of the first-start jobs, as their progress names them (``INDEX_TASK`` has two: ``TITLES`` then
``CREATORS``); also the names /health gives them."""
TASK_LABELS = {RUN_TASK: "background run", "cortex:channels": "channel refresh", "cortex:outliers": "outlier scan",
               "cortex:creators": "creator refresh", "cortex:trending": "trending", "cortex:prune": "prune",
               INGEST_TASK: "first-start ingest", INDEX_TASK: "title and creator index"}
"""What `cortex jobs` calls each task."""
QUOTA_RESET_MARGIN = timedelta(minutes=5)
"""A job postponed by a spent quota is due this long after the reset (midnight Pacific time)."""
HEARTBEAT_S = 2.0
"""Seconds between a worker's heartbeats (procrastinate's ``update_heartbeat_interval``)."""
PROGRESS_S = 0.5
"""Seconds between two writes of a first-start job's progress (``JobProgress``), and between two reads of it by a
`cortex serve` that follows the job (``follow_job``)."""

class RunDead(RuntimeError):
    """A run's executions ran out (``run_max_attempts``): its job fails for good."""


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


class Backoff(procrastinate.BaseRetryStrategy):
    """Retries of scheduled and first-start jobs: after ``CORTEX_JOB_RETRY_S`` seconds, doubling
    (``job_retry_s * 2**attempts``), until ``CORTEX_JOB_MAX_ATTEMPTS`` executions; then none (the job ends failed:
    dead). A job stopped by its process's shutdown (cancelled: `cortex serve` stopped mid-ingest) is due again at once.
    Read at each decision."""

    def get_retry_decision(self, *, exception: BaseException, job: procrastinate.jobs.Job
                           ) -> procrastinate.RetryDecision | None:
        """The retry after the ``job.attempts``-th failure (0 = the first), or None when they ran out."""
        settings = get_settings()
        if job.attempts + 1 >= settings.job_max_attempts:
            return None
        if isinstance(exception, asyncio.CancelledError | procrastinate.exceptions.JobAborted):
            return procrastinate.RetryDecision(retry_in={"seconds": 0})
        return procrastinate.RetryDecision(retry_in={"seconds": settings.job_retry_s * 2 ** job.attempts})


def analytics_config() -> AnalyticsConfig:
    """How scheduled jobs reach YouTube: the settings' token key, API keys and daily quota."""
    return AnalyticsConfig.from_settings(get_settings())


async def refresh_channels(timestamp: int | None = None) -> str:
    """Refresh the connected YouTube channels that are due (``tools.analytics.schedule.refresh_channels``);
    ``timestamp``: the cron tick it was deferred for (periodic defers)."""
    from tools.analytics.schedule import refresh_channels as refresh

    db = await get_database()
    report = await refresh(db.pool, analytics_config(), timedelta(hours=get_settings().schedule_channels_h))
    return f"{report.refreshed} of {report.due} channels refreshed, {report.snapshots} new 7/30-day snapshots"


async def refresh_creators(timestamp: int | None = None) -> str:
    """Refresh the creator accounts due by their cadence (``tools.analytics.schedule.refresh_creators``)."""
    from tools.analytics.schedule import refresh_creators as refresh

    db = await get_database()
    report = await refresh(db.pool, analytics_config())
    return f"{report.refreshed} of {report.due} due accounts refreshed ({report.accounts} YouTube accounts)"


async def read_trending(timestamp: int | None = None) -> str:
    """Read YouTube's trending chart of CORTEX_TRENDING_REGIONS into the corpus
    (``tools.analytics.schedule.refresh_trending``)."""
    from tools.analytics.schedule import refresh_trending

    db = await get_database()
    regions = [r.strip().upper() for r in get_settings().trending_regions.split(",") if r.strip()]
    return f"{await refresh_trending(db.pool, analytics_config(), regions)} trending videos read"


async def scan_outliers(timestamp: int | None = None) -> str:
    """The outlier scan: ``ingest_corpus`` over CORTEX_DATA_DIR (multipliers recomputed for changed views, new
    titles embedded, niches assigned); idempotent (a scan of unchanged data writes nothing). A no-op, logged, when
    the data folder is missing."""
    from memory.corpus.ingest import ingest_corpus

    data_dir = get_settings().data_dir
    if not data_dir.is_dir():
        log.warning("Outlier scan: no data folder at %s (CORTEX_DATA_DIR): nothing to scan.", data_dir)
        return "no data folder"
    db = await get_database()
    report = await ingest_corpus(db.pool, data_dir)
    return (f"{report.videos_read} videos read, {report.videos_inserted} new, {report.videos_updated} updated, "
            f"{report.titles_embedded} titles embedded")


async def prune(timestamp: int | None = None) -> str:
    """Delete what is older than CORTEX_RETENTION_DAYS: finished API runs with their events
    (``memory.runs.prune``), and finished jobs of the queue with the errors kept for them (procrastinate's
    ``delete_old_jobs``: succeeded, failed, cancelled and aborted). Waiting and running work is never touched."""
    db = await get_database()
    days = get_settings().retention_days
    runs = await runs_db.prune(db.pool, timedelta(days=days))
    app = await queue_app(db)
    await app.job_manager.delete_old_jobs(nb_hours=24 * days, include_failed=True, include_cancelled=True,
                                          include_aborted=True)
    errors = await jobs_db.prune_kept(db.pool)
    return f"{runs} runs and {errors} job errors older than {days} days deleted"


class JobProgress:
    """A first-start job's progress, written to Postgres (``memory.jobs.write_progress``) for every `cortex serve`.

    ``reporter(name)`` gives a ``progress(phase, done, total)`` callback (``agent.startup.Progress``; cheap, callable
    from any thread) that keeps the newest stage of the part ``name``; used as an async context manager on ``pool``,
    it writes the stages that changed every ``PROGRESS_S`` seconds, and once more on exit."""

    def __init__(self, pool: psycopg_pool.AsyncConnectionPool, job_id: int):
        self.pool, self.job_id = pool, job_id
        self._stages: dict[str, jobs_db.JobStage] = {}
        self._changed: set[str] = set()
        self._lock = threading.Lock()
        self._task: asyncio.Task | None = None

    def reporter(self, name: str) -> Callable[[str, int, int], None]:
        """The progress callback of the part ``name`` (e.g. ``INGEST``)."""
        def progress(phase: str, done: int = 0, total: int = 0) -> None:
            with self._lock:
                self._stages[name] = jobs_db.JobStage(name, phase, done, total)
                self._changed.add(name)
        return progress

    async def flush(self) -> None:
        """Write the stages that changed since the last write."""
        with self._lock:
            stages = [self._stages[name] for name in self._changed]
            self._changed.clear()
        if stages:
            await jobs_db.write_progress(self.pool, self.job_id, stages)

    async def _every(self) -> None:
        while True:
            await asyncio.sleep(PROGRESS_S)
            try:
                await self.flush()
            except (psycopg.OperationalError, psycopg_pool.PoolTimeout) as exc:  # progress only: the work goes on
                log.warning("Writing the progress of job %s failed (%s); trying again.", self.job_id, exc)

    async def __aenter__(self) -> JobProgress:
        self._task = asyncio.create_task(self._every())
        return self

    async def __aexit__(self, *exc_info) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        with contextlib.suppress(psycopg.Error, psycopg_pool.PoolTimeout):
            await self.flush()


async def in_thread(name: str, make: Callable[[], Awaitable[str]]) -> str:
    """``await make()`` in a thread with its own event loop (``agent.startup.ThreadJob``) and its result; cancelling
    this cancels it there and waits for the thread to end."""
    from agent.startup import ThreadJob

    job = ThreadJob(name, make).start()
    try:
        return await job.wait()
    except asyncio.CancelledError:
        await job.stop()
        raise


async def load_corpus(context: procrastinate.JobContext) -> str:
    """The first-start ingest: the data sets of CORTEX_DATA_DIR read and written without title vectors
    (``memory.corpus.ingest.ingest_corpus``, one transaction; ``build_indexes`` embeds them), its progress under
    ``INGEST``; a no-op when the corpus is loaded already. Runs in a thread of its own with a pool of its own. Raises
    what the ingest raises (FileNotFoundError for a missing folder, ValueError for a file it cannot read), saying
    what to fix."""
    from memory.corpus.ingest import corpus_is_empty, ingest_corpus

    settings = get_settings()

    async def work() -> str:
        async with Database.open(settings, max_size=3) as db, JobProgress(db.pool, context.job.id) as progress:
            if not await corpus_is_empty(db.pool):
                return "the corpus is loaded already"
            log.warning("The corpus is empty: ingesting %s (once; job %s).", settings.data_dir, context.job.id)
            report = await ingest_corpus(db.pool, settings.data_dir, progress=progress.reporter(INGEST), embed=False)
        log.warning("Ingested %d videos of %d channels in %.1f s.", report.videos_read, report.channels, report.seconds)
        return f"{report.videos_read} videos of {report.channels} channels ingested"

    return await in_thread("ingest", work)


async def build_indexes(context: procrastinate.JobContext) -> str:
    """The first start's indexes, after the ingest: the titles without a vector embedded and the channel niches
    assigned (``memory.corpus.ingest.index_titles``, progress under ``TITLES``), then the creator-search index
    (``tools.creators.enrich.build_creator_index``, under ``CREATORS``). Both write only what is missing, so a retry
    goes on where the last execution stopped. The embedding yields the encoder to the process's requests
    (``agent.embeddings.background_work``). Runs in a thread of its own with a pool of its own; raises what they
    raise (CreatorDataError for a missing creator source)."""
    from agent.embeddings import background_work, get_embedder
    from memory.corpus.ingest import index_titles
    from tools.creators.enrich import build_creator_index

    settings = get_settings()

    async def work() -> str:
        async with Database.open(settings, max_size=3) as db, JobProgress(db.pool, context.job.id) as progress:
            with background_work():
                titles = progress.reporter(TITLES)
                embedded, model = await index_titles(db.pool, titles)
                titles("done", 1, 1)
                progress.reporter(CREATORS)("loading the creator tables", 0, 1)
                built = await build_creator_index(db.pool, settings.data_dir, settings,
                                                  get_embedder(settings.embedding_model),
                                                  progress=progress.reporter(CREATORS))
        log.warning("Title index ready: %d titles embedded (%s). Creator search ready: %d accounts, %d creators.",
                    embedded, model, built.load.accounts, built.resolution.creators)
        return f"{embedded} titles embedded, {built.load.accounts} creator accounts indexed"

    return await in_thread("indexes", work)


async def _pool(context: procrastinate.JobContext) -> psycopg_pool.AsyncConnectionPool:
    """The pool a job's middleware writes with: its worker's own (``additional_context["pool"]``, set by the worker
    `cortex serve` runs in a thread of its own, ``serve_startup_jobs``), else the process database's."""
    pool = context.additional_context.get("pool")
    return pool or (await get_database()).pool


async def record_errors(call_next, context: procrastinate.JobContext, worker) -> object:
    """Worker middleware around every job: keep the error of a failed execution (``memory.jobs.record_error``),
    and postpone a job stopped by a spent YouTube quota instead of failing it: the same task and arguments queued
    again (same locks) for ``QUOTA_RESET_MARGIN`` after the quota's reset, the reason kept on the new job; the
    stopped execution then ends as done."""
    job = context.job
    try:
        return await call_next()
    except QuotaExhausted as exc:
        pool = await _pool(context)
        due = quota_reset() + QUOTA_RESET_MARGIN
        try:
            new_id = await context.app.configure_task(
                job.task_name, queue=job.queue, lock=job.lock, queueing_lock=job.queueing_lock,
                priority=job.priority, schedule_at=due).defer_async(**job.task_kwargs)
        except procrastinate.exceptions.AlreadyEnqueued:
            log.warning("Job %s (%s) stopped on the YouTube quota; another of its jobs is already waiting.", job.id,
                        job.task_name)
            return "postponed: another job of the task is waiting"
        when = due.astimezone(UTC)
        await jobs_db.record_error(pool, new_id, -1, job.task_name, "QuotaExhausted",
                                   f"Postponed to {when:%Y-%m-%d %H:%M} UTC, after the quota's reset: {exc}")
        log.warning("Job %s (%s) postponed to %s UTC (YouTube quota spent) as job %s.", job.id, job.task_name,
                    f"{when:%Y-%m-%d %H:%M}", new_id)
        return f"postponed as job {new_id}"
    except Exception as exc:
        with contextlib.suppress(psycopg.Error, psycopg_pool.PoolTimeout):
            await jobs_db.record_error(await _pool(context), job.id, job.attempts, job.task_name, type(exc).__name__,
                                       str(exc) or type(exc).__name__)
        raise


def blueprint() -> procrastinate.Blueprint:
    """The tasks, in a new Blueprint: ``run`` (queue ``runs``; the database's errors retried with backoff, 2, 4 s),
    the scheduled ``channels``, ``creators``, ``outliers``, ``trending`` and ``prune`` (queue ``maintenance``,
    ``Backoff``) and the first-start ``ingest`` and ``index`` (queue ``startup``, ``Backoff``). New each time: procrastinate binds a blueprint's tasks to the one App they are added to (one per
    database, ``queue_app``)."""
    tasks = procrastinate.Blueprint()
    tasks.task(name="run", queue=QUEUE, retry=procrastinate.RetryStrategy(
        max_attempts=3, exponential_wait=2, retry_exceptions={psycopg.OperationalError, psycopg_pool.PoolTimeout}))(
        execute_run)
    for name, body in (("channels", refresh_channels), ("creators", refresh_creators), ("outliers", scan_outliers),
                       ("trending", read_trending), ("prune", prune)):
        tasks.task(name=name, queue=MAINTENANCE, retry=Backoff())(body)
    for name, body in (("ingest", load_corpus), ("index", build_indexes)):
        tasks.task(name=name, queue=STARTUP, retry=Backoff(), pass_context=True)(body)
    return tasks


def schedule_jobs(app: procrastinate.App, settings: Settings) -> None:
    """Register the periodic tasks (``SCHEDULE``) on ``app`` with the cadences of ``settings``, each with a
    queueing lock of its name (once per app)."""
    for name, (setting, minute) in SCHEDULE.items():
        task = app.tasks[f"cortex:{name}"]
        if (task.name, "") not in app.periodic_registry.periodic_tasks:
            hours = setting if isinstance(setting, int) else getattr(settings, setting)
            app.periodic(cron=f"{minute} */{hours} * * *",
                         queueing_lock=task.name)(task)


_queues: dict[int, procrastinate.App] = {}


async def queue_app(db: Database, max_size: int = 2) -> procrastinate.App:
    """The job queue on ``db``'s database, with a pool of its own of up to ``max_size`` connections (procrastinate
    opens its LISTEN connection with the pool's connection settings, which must leave autocommit to it; ours set
    it); opened once per ``db``."""
    app = _queues.get(id(db.pool))
    if app is None:
        app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=db.url, min_size=1,
                                                                        max_size=max_size))
        app.add_tasks_from(blueprint(), namespace="cortex")
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


async def retry_stalled(app: procrastinate.App, stalled_after_s: float, queue: str | None = None) -> None:
    """Every ``stalled_after_s`` / 2 seconds, put back in the queue the jobs (of ``queue``; None: of every queue) of
    workers that sent no heartbeat for ``stalled_after_s`` seconds (killed, or their machine gone), until
    cancelled."""
    while True:
        await asyncio.sleep(stalled_after_s / 2)
        try:
            for job in await app.job_manager.get_stalled_jobs(queue=queue, seconds_since_heartbeat=stalled_after_s):
                log.warning("Job %s (%s) of a stopped worker: retrying it.", job.id, job.task_name)
                await app.job_manager.retry_job(job)
        except (psycopg.OperationalError, psycopg_pool.PoolTimeout, procrastinate.exceptions.ConnectorException) as exc:
            log.warning("Looking for stalled jobs failed (%s); trying again.", exc)


async def work(settings: Settings, concurrency: int, name: str | None = None, schedule: bool = True) -> None:
    """Run a worker until SIGINT/SIGTERM: open the database (starting the embedded Postgres unless DATABASE_URL is
    set; migrations applied), defer the periodic jobs when due (with ``schedule``: ``schedule_jobs``), take jobs of
    every queue,
    ``concurrency`` at a time, with heartbeats every ``HEARTBEAT_S`` s, keeping errors and postponing on a spent
    quota (``record_errors``), and retry the jobs of stalled workers (``retry_stalled``)."""
    async with Database.open(settings, max_size=max(4, concurrency + 2), supervise=True) as db:
        use_database(db)
        app = await queue_app(db, max_size=concurrency + 3)
        if schedule:
            schedule_jobs(app, settings)
        stalled = asyncio.create_task(retry_stalled(app, settings.worker_stalled_after_s))
        try:
            await app.run_worker_async(concurrency=concurrency, name=name, update_heartbeat_interval=HEARTBEAT_S,
                                       stalled_worker_timeout=settings.worker_stalled_after_s,
                                       install_signal_handlers=True, worker_middleware=[record_errors])
        finally:
            stalled.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await stalled
            from agent.api.runs import RUNS

            await RUNS.shutdown()
            await close_queues()
            use_database(None)


async def defer_once(db: Database, task: str) -> int:
    """The id of the job of ``task`` (``INGEST_TASK``, ``INDEX_TASK``) waiting or running, deferred now when there is
    none. Looking and deferring are one step across every process on the database (``memory.jobs.exclusive``), and the
    job has a queueing lock of its task's name, so processes starting together defer one job, not one each. A job
    postponed by a retry's backoff is made due at once (starting the service is asking for it now)."""
    app = await queue_app(db)
    async with jobs_db.exclusive(db.pool, task):
        job = await jobs_db.active_job(db.pool, task)
        if job is None:
            return await app.configure_task(task, queueing_lock=task).defer_async()
    if job.state == "postponed":
        with contextlib.suppress(jobs_db.JobError):  # taken meanwhile: it runs anyway
            await jobs_db.retry_job(db.pool, job.id)
    return job.id


async def follow_job(db: Database, job_id: int, report: Callable[[jobs_db.JobRow, dict], None]) -> jobs_db.JobRow:
    """Follow the job ``job_id`` until it is done: every ``PROGRESS_S`` seconds ``report(job, stages)`` gets the job
    as it is (its state, attempts and last error) and the progress it wrote (``memory.jobs.read_progress``: name ->
    stage). Returns the job once done; a dead, cancelled or aborted job is reported and followed on (`cortex jobs
    retry` or a new `cortex serve` brings it back). The database's outages are waited out."""
    while True:
        try:
            job = await jobs_db.get_job(db.pool, job_id)
            if job is None:
                raise RuntimeError(f"The start-up job {job_id} was deleted from the queue: restart `cortex serve`.")
            report(job, await jobs_db.read_progress(db.pool, job_id))
            if job.state == "done":
                return job
        except (psycopg.OperationalError, psycopg_pool.PoolTimeout) as exc:
            log.warning("Following job %s: the database does not answer (%s); trying again.", job_id, exc)
        await asyncio.sleep(PROGRESS_S)


class _InOwnWords(logging.Filter):
    """`cortex serve`'s terminal: procrastinate's line on a failed job (its call string, a traceback) is dropped, as
    the service says what failed and what to fix in its own words (``agent.server.show_ingest``); its other lines
    keep their message, without a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        """False for a failed job's line; otherwise the line, without its exception."""
        if getattr(record, "action", None) in ("job_error", "job_error_retry"):
            return False
        record.exc_info, record.exc_text = None, None
        return True


async def serve_startup_jobs(settings: Settings) -> None:
    """The worker `cortex serve` runs for the first-start jobs, until cancelled; meant for a thread of its own with
    its own event loop (``agent.startup.ThreadJob``), so its heartbeats never wait for the service's loop. On a
    database connection of its own, it executes the jobs of queue ``STARTUP`` alone, one at a time, with heartbeats,
    their errors kept (``record_errors``), and retries the start-up jobs of stalled workers (a `cortex serve` killed
    mid-ingest) after ``worker_stalled_after_s``. Cancelled, it stops the job it runs at once (the job is due again at
    once: ``Backoff``). A failed job is told in the service's words only (``_InOwnWords``); a worker that fails is
    logged (the process then leaves the jobs to others)."""
    logging.getLogger("procrastinate.worker").addFilter(_InOwnWords())
    try:
        async with Database.open(settings, max_size=2) as db:
            app = await queue_app(db, max_size=4)
            stalled = asyncio.create_task(retry_stalled(app, settings.worker_stalled_after_s, queue=STARTUP))
            try:
                await app.run_worker_async(queues=[STARTUP], concurrency=1, name=f"serve-{os.getpid()}",
                                           update_heartbeat_interval=HEARTBEAT_S,
                                           stalled_worker_timeout=settings.worker_stalled_after_s,
                                           install_signal_handlers=False, worker_middleware=[record_errors],
                                           additional_context={"pool": db.pool}, shutdown_graceful_timeout=0)
            finally:
                stalled.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await stalled
                with contextlib.suppress(KeyError):
                    await _queues.pop(id(db.pool)).close_async()
    except Exception as exc:  # the thread's top: said in the log, the service goes on without its worker
        log.error("The first-start jobs' worker of this process stopped (%s): another `cortex serve` or `cortex "
                  "worker` runs them.", exc)
