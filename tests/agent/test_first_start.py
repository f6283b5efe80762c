"""The first start as jobs of the queue (agent/worker.py ``load_corpus``, ``build_indexes``; agent/server.py
``start_up``): real `cortex serve` processes on a database of their own (created on the session's embedded Postgres
server, given as DATABASE_URL), the real corpus, killed by pid.

Several processes starting on one empty database defer one ingest job; its progress, written to Postgres by the
process executing it, shows on /health of a process that does not execute jobs; a process killed mid-ingest leaves
the job to the next one, which runs it again; a data set that cannot be read ends the job dead, with its error in
`cortex jobs` and what to fix on /health and the chat page, no traceback anywhere."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import procrastinate
import psycopg
import pytest
from psycopg.conninfo import make_conninfo
from psycopg.rows import dict_row

from agent.server import show_indexes, show_ingest, spawned_service, warm_up
from agent.settings import PROJECT_ROOT, get_settings
from agent.startup import StartupState
from agent.worker import CREATORS, INGEST, TITLES, Backoff
from memory import jobs
from memory.db import Database, conninfo
from memory.jobs import JobRow, JobStage


@pytest.fixture
def fresh_db(settings):
    """The URL of a new, empty database on the session's embedded Postgres server (dropped after the test)."""
    admin = conninfo(settings.model_copy(update={"database_url": None}))
    name = "cortex_first_" + uuid.uuid4().hex[:8]
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield make_conninfo(admin, dbname=name)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE {name} WITH (FORCE)")


def _query(url: str, sql: str, *params) -> list[dict]:
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        try:
            return conn.execute(sql, params).fetchall()
        except psycopg.errors.UndefinedTable:  # the service has not applied its migrations yet
            return []


async def _until(check, what: str, timeout_s: float = 300.0):
    """Poll ``check()`` (in a thread) every 0.2 s until it returns something truthy (returned); fail naming ``what``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if found := await asyncio.to_thread(check):
            return found
        await asyncio.sleep(0.2)
    pytest.fail(f"{what} did not happen within {timeout_s:.0f} s")


def _health(url: str) -> dict:
    try:
        return httpx.get(f"{url}/health", timeout=5).json()
    except (httpx.HTTPError, ValueError):
        return {}


def _env(url: str, **more: str) -> dict:
    return {"DATABASE_URL": url, "CORTEX_AUTO_INGEST": "true", "CORTEX_ENGINE": "offline",
            "CORTEX_WORKER_STALLED_AFTER_S": "4", **more}


@pytest.fixture
def warmed() -> None:
    """The models the services load, fitted here first into the session's state dir, so each process loads them."""
    warm_up()


@pytest.mark.e2e
async def test_one_ingest_job_for_every_process_run_by_one_and_followed_by_the_others(fresh_db, warmed):
    url = fresh_db
    # a process that executes no first-start job: it defers the ingest and waits for another process to run it
    with spawned_service(_env(url, CORTEX_SERVE_STARTUP_JOBS="false"), timeout_s=120, ready=False) as follower:
        waiting = await _until(lambda: (b := _health(follower.url)).get("stage", {}).get("phase", "").startswith(
            "waiting for the data sets") and b, "the follower waiting for the ingest job")
        assert waiting["status"] == "starting" and "Getting ready: waiting for the data sets" in waiting["message"]
        # the second process defers no second job: it runs the one waiting, and the follower gets ready on its result
        # (how long the ingest runs depends on the machine: on a quiet one it is over before a poll could see it, so
        # its progress relayed between processes is tested by ``show_ingest`` below, not here)
        with spawned_service(_env(url), timeout_s=600) as runner:
            await _until(lambda: httpx.get(f"{follower.url}/health", timeout=5).status_code == 200,
                         "the follower ready")
            jobs = _query(url, "SELECT status::text, attempts FROM procrastinate_jobs WHERE task_name = %s",
                          "cortex:ingest")
            assert jobs == [{"status": "succeeded", "attempts": 1}]
            assert _query(url, "SELECT count(*) AS n FROM videos")[0]["n"] > 8000
            # then one index job for both processes, its two parts on both processes' /health
            await _until(lambda: _query(url, "SELECT 1 FROM procrastinate_jobs WHERE task_name = 'cortex:index'"),
                         "the index job deferred", 60)
            for served in (follower, runner):
                background = _health(served.url)["background"]
                assert set(background) <= {TITLES, CREATORS} and background, background
            assert len(_query(url, "SELECT id FROM procrastinate_jobs WHERE task_name = 'cortex:index'")) == 1
    assert "Traceback" not in follower.output + runner.output


@pytest.mark.e2e
async def test_a_data_set_that_cannot_be_read_ends_dead_with_what_to_fix(fresh_db, warmed, data_dir, tmp_path):
    data = tmp_path / "data"  # the shared data sets, with videos.csv of youtube_channel_uploads missing its titles
    data.mkdir()
    for entry in data_dir.iterdir():
        if entry.name != "youtube_channel_uploads":
            (data / entry.name).symlink_to(entry)
    (data / "youtube_channel_uploads").mkdir()
    (data / "youtube_channel_uploads" / "videos.csv").write_text(
        "video_id,channel_title,published_at\nabcdefghijk,Some Channel,2024-05-01T10:00:00Z\n")
    env = _env(fresh_db, CORTEX_DATA_DIR=str(data), CORTEX_JOB_MAX_ATTEMPTS="2", CORTEX_JOB_RETRY_S="1")
    with spawned_service(env, timeout_s=120, ready=False) as served:
        body = await _until(lambda: (b := _health(served.url)).get("status") == "failed" and b, "the failure", 180)
        assert "youtube_channel_uploads" in body["error"] and "no column 'title'" in body["error"]
        assert "Fix that, then run `cortex jobs retry" in body["error"] and "Traceback" not in str(body)
        page = httpx.get(served.url, headers={"accept": "text/html"}, timeout=5)
        assert page.status_code == 503 and "could not be read (no column &#x27;title&#x27;)" in page.text
        listing = subprocess.run([sys.executable, "-m", "agent.cli", "jobs", "--all"], cwd=PROJECT_ROOT,
                                 env={**os.environ, **env, "COLUMNS": "200"}, capture_output=True, text=True,
                                 timeout=120)
        assert listing.returncode == 0, listing.stderr
        assert "first-start ingest" in listing.stdout and "dead" in listing.stdout
        assert "no column 'title'" in listing.stdout
        errors = _query(fresh_db, "SELECT attempt, error FROM job_errors ORDER BY attempt")
        assert errors == [{"attempt": 0, "error": "ValueError"}, {"attempt": 1, "error": "ValueError"}]
    assert "Traceback" not in served.output and "no column 'title'" in served.output
    assert "cortex:ingest[" not in served.output  # procrastinate's own line: said in the service's words instead


@pytest.mark.integration
async def test_processes_deferring_together_get_one_job_and_a_postponed_one_is_due_at_once(fresh_db, settings):
    """``defer_once`` from eight callers on two connection pools (two processes' worth) at once: one job, every caller
    gets its id; a job postponed by a retry's backoff is made due when a process starts."""
    from agent.worker import INGEST_TASK, close_queues, defer_once

    own = settings.model_copy(update={"database_url": fresh_db})
    async with Database.open(own, max_size=6) as first, Database.open(own, max_size=6) as second:
        try:
            ids = await asyncio.gather(*(defer_once(db, INGEST_TASK) for db in (first, second) * 4))
            assert len(set(ids)) == 1
            rows = _query(fresh_db, "SELECT id, status::text, queue_name FROM procrastinate_jobs")
            assert rows == [{"id": ids[0], "status": "todo", "queue_name": "startup"}]
            _query(fresh_db, "UPDATE procrastinate_jobs SET scheduled_at = now() + interval '1 hour' RETURNING id")
            assert (await jobs.get_job(first.pool, ids[0])).state == "postponed"
            assert await defer_once(second, INGEST_TASK) == ids[0]
            assert (await jobs.get_job(first.pool, ids[0])).state == "queued"
        finally:
            await close_queues()


# --- what a creator reads while the jobs run (no database) ---------------------------------------------------------


def _job(state: str, **more) -> JobRow:
    fields = {"id": 7, "task": "cortex:ingest", "queue": "startup", "state": state, "attempts": 0,
              "scheduled_at": None, "args": {}, "error": None, "message": None, "error_at": None}
    return JobRow(**{**fields, **more})


def test_the_ingest_job_in_the_words_of_the_getting_ready_page():
    state = StartupState()
    show_ingest(state, _job("queued"), {})
    assert state.message() == "Getting ready: waiting for the data sets to be loaded"
    show_ingest(state, _job("running"), {INGEST: JobStage(INGEST, "reading the data sets", 3, 8)})
    assert state.as_json()["stage"] == {"phase": "reading the data sets", "done": 3, "total": 8, "percent": 37}
    due = datetime(2026, 12, 8, 3, 0, 5, tzinfo=UTC)
    show_ingest(state, _job("postponed", attempts=1, message="Data source 'x' could not be read (no column 'title').",
                            scheduled_at=due), {INGEST: JobStage(INGEST, "reading the data sets", 0, 8)})
    assert state.message() == ("Getting ready: loading the data sets failed (Data source 'x' could not be read (no "
                               "column 'title').); trying again at 03:00:05 UTC (attempt 2)")
    show_ingest(state, _job("dead", attempts=2, message="Data source 'x' could not be read (no column 'title')."), {})
    assert state.status == "failed" and state.error == (
        "Loading the data sets failed: Data source 'x' could not be read (no column 'title'). Fix that, then run "
        "`cortex jobs retry 7` or restart `cortex serve`.")
    show_ingest(state, _job("running", attempts=2), {INGEST: JobStage(INGEST, "writing 8,683 videos", 0, 1)})
    assert state.status == "starting" and state.error is None  # retried: starting again
    assert state.message() == "Getting ready: writing 8,683 videos"


def test_the_index_job_in_the_background_jobs_of_health():
    state = StartupState(status="ready")
    for name in (TITLES, CREATORS):
        state.progress("waiting", job=name)
    show_indexes(state, _job("running"), {TITLES: JobStage(TITLES, "embedding titles", 2580, 8683)})
    background = state.as_json()["background"]
    assert background[TITLES]["percent"] == 29 and background[CREATORS]["phase"] == "waiting"
    show_indexes(state, _job("running"), {TITLES: JobStage(TITLES, "done", 1, 1),
                                          CREATORS: JobStage(CREATORS, "embedding creator bios", 5, 10)})
    assert list(state.as_json()["background"]) == [CREATORS]
    show_indexes(state, _job("aborted"), {})
    assert state.background[CREATORS].phase == ("Building the indexes failed (job 7 was aborted). Fix that, then "
                                               "restart `cortex serve`.")


def test_a_job_stopped_by_its_process_is_due_again_at_once_a_failed_one_after_the_backoff(monkeypatch):
    monkeypatch.setenv("CORTEX_JOB_RETRY_S", "60")
    monkeypatch.setenv("CORTEX_JOB_MAX_ATTEMPTS", "3")
    get_settings.cache_clear()
    try:
        job = procrastinate.jobs.Job(id=7, queue="startup", lock=None, queueing_lock="cortex:ingest",
                                     task_name="cortex:ingest", attempts=1)
        now = datetime.now(UTC)
        stopped = Backoff().get_retry_decision(exception=asyncio.CancelledError(), job=job)
        assert stopped.retry_at - now < timedelta(seconds=5)
        failed = Backoff().get_retry_decision(exception=ValueError("no column 'title'"), job=job)
        assert timedelta(seconds=115) < failed.retry_at - now < timedelta(seconds=125)  # 60 s, doubled once
        last = procrastinate.jobs.Job(id=7, queue="startup", lock=None, queueing_lock=None, task_name="cortex:ingest",
                                      attempts=2)
        assert Backoff().get_retry_decision(exception=asyncio.CancelledError(), job=last) is None  # dead
    finally:
        get_settings.cache_clear()
