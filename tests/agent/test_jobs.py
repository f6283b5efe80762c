"""Scheduled work on the job queue (agent/worker.py, tools/analytics/schedule.py) and `cortex jobs`.

On a database of its own (created on the session's Postgres server, migrations applied, the creator accounts of
``youtube_ai_topic_videos`` loaded from the real data) so the queue holds only this module's jobs and the refreshes
see only its channels. Jobs are executed by procrastinate's real worker, in this process (``run_worker_async`` with
``wait=False``: it takes the jobs due and returns), with the middleware `cortex worker` runs. Google is replayed with
googleapiclient's HttpMockSequence (documented answer shapes), never called: an answer the test did not script ends
the job with an error, so a job that asked YouTube again for what it had would show.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import procrastinate
import pytest
from googleapiclient.http import HttpMockSequence
from psycopg.conninfo import make_conninfo
from typer.testing import CliRunner

from agent import worker
from agent.cli import app as cli
from agent.embeddings import get_title_embedder
from agent.server import spawned_cortex
from agent.settings import get_settings
from memory import analytics as store
from memory import jobs
from memory.corpus.sources import read_channel_uploads
from memory.corpus.vectors import title_vector_table
from memory.creators.store import load_creators
from memory.db import Database, use_database
from tools.analytics.schedule import MAX_INTERVAL, MIN_INTERVAL, TRENDING_SOURCE, refresh_interval
from tools.analytics.sources import AnalyticsConfig
from tools.analytics.youtube import api_key_id, quota_day, quota_reset

from support import google_ok, youtube_channel, youtube_playlist, youtube_videos

API_KEY = "AIza-test-jobs"
runner = CliRunner()


# --- the cadence by activity, on real upload histories -------------------------------------------------------------


def test_cadence_by_activity_on_real_upload_histories(data_dir):
    """youtube_channel_uploads: Matt D'Avella's newest uploads come daily, MrBeast's every 3 days, Rachel & Jun's
    monthly: refreshed daily, every 3 days, and at the longest interval."""
    history = defaultdict(list)
    for row in read_channel_uploads(data_dir):
        if row.published_at:
            history[row.channel_name].append(row.published_at)
    interval = {name: refresh_interval(times) for name, times in history.items()}
    assert timedelta(hours=20) <= interval["Matt D'Avella"] <= timedelta(days=1, hours=4)
    assert timedelta(days=2) <= interval["MrBeast"] <= timedelta(days=4)
    assert interval["Rachel & Jun's Adventures!"] == MAX_INTERVAL
    assert interval["Matt D'Avella"] < interval["MrBeast"] < interval["Rachel & Jun's Adventures!"]
    assert all(MIN_INTERVAL <= i <= MAX_INTERVAL for i in interval.values())


def test_cadence_without_a_history_comes_from_the_activity_figure():
    now = datetime(2024, 5, 1, tzinfo=UTC)
    assert refresh_interval([], uploads_a_month=4) == timedelta(days=30.44 / 4)
    assert refresh_interval([now], uploads_a_month=None) == MAX_INTERVAL
    assert refresh_interval([now - timedelta(hours=h) for h in range(0, 40, 2)]) == MIN_INTERVAL  # every 2 h: floor


# --- the module's database and worker ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
async def jobs_db(db, settings, data_dir):
    """(Database, its URL): a database of its own with the creator accounts of youtube_ai_topic_videos, made the
    process database while the module runs (the job bodies and the worker's middleware reach it through it)."""
    name = "cortex_jobs_" + uuid.uuid4().hex[:8]
    async with db.pool.connection() as conn:
        await conn.execute(f"CREATE DATABASE {name}")
    url = make_conninfo(db.url, dbname=name)
    try:
        async with Database.open(settings.model_copy(update={"database_url": url}), max_size=6) as own:
            await load_creators(own.pool, data_dir, ["youtube_ai_topic_videos"])
            use_database(own)
            try:
                yield own, url
            finally:
                use_database(db)
                await worker.close_queues()
    finally:
        async with db.pool.connection() as conn:
            await conn.execute(f"DROP DATABASE {name} WITH (FORCE)")


def _config(http: HttpMockSequence) -> AnalyticsConfig:
    return AnalyticsConfig(token_key=os.urandom(32), api_keys=(API_KEY,), http=http)


@pytest.fixture
def youtube(monkeypatch):
    """``replay(answers)``: the scheduled jobs reach YouTube through an HttpMockSequence of ``answers`` (returned)."""
    def replay(answers: list) -> HttpMockSequence:
        http = HttpMockSequence(answers)
        monkeypatch.setattr(worker, "analytics_config", lambda: _config(http))
        return http
    return replay


async def _defer(db: Database, task: str) -> int:
    app = await worker.queue_app(db)
    return await app.configure_task(f"cortex:{task}").defer_async()


async def _work(db: Database) -> None:
    """Execute the maintenance jobs due now with procrastinate's worker and `cortex worker`'s middleware."""
    app = await worker.queue_app(db)
    await app.run_worker_async(queues=[worker.MAINTENANCE], wait=False, install_signal_handlers=False,
                               listen_notify=False, worker_middleware=[worker.record_errors])


async def _state(db: Database, job_id: int) -> jobs.JobRow:
    job = await jobs.get_job(db.pool, job_id)
    assert job is not None
    return job


# --- periodic jobs -------------------------------------------------------------------------------------------------


async def test_periodic_jobs_are_deferred_once_per_tick_however_many_workers(jobs_db):
    """Two workers' periodic deferrers defer the same cron tick: one job per task; the next tick, while that job still
    waits, adds none (its queueing lock)."""
    db, _ = jobs_db
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=db.url, min_size=1, max_size=2))
    app.add_tasks_from(worker.blueprint(), namespace="cortex")
    await app.open_async()
    try:
        worker.schedule_jobs(app, get_settings())
        periodic = list(app.periodic_registry.periodic_tasks.values())
        assert {p.task.name: p.cron for p in periodic} == {
            "cortex:channels": "0 */6 * * *", "cortex:outliers": "15 */12 * * *", "cortex:creators": "30 */1 * * *",
            "cortex:trending": "45 */4 * * *", "cortex:prune": "50 */24 * * *"}
        tick = int(datetime(2026, 1, 5, 12, tzinfo=UTC).timestamp())
        for _ in range(2):  # two workers, the same tick
            await procrastinate.periodic.PeriodicDeferrer(app.periodic_registry).defer_jobs(
                [(p, tick) for p in periodic])
        await procrastinate.periodic.PeriodicDeferrer(app.periodic_registry).defer_jobs(
            [(p, tick + 6 * 3600) for p in periodic])  # the next tick, the first jobs still waiting
        waiting = await jobs.list_jobs(db.pool, ("queued",))
        assert sorted(j.task for j in waiting) == ["cortex:channels", "cortex:creators", "cortex:outliers",
                                                   "cortex:prune", "cortex:trending"]
        assert all(j.args == {"timestamp": tick} for j in waiting)
    finally:
        async with db.pool.connection() as conn:
            await conn.execute("DELETE FROM procrastinate_periodic_defers")
            await conn.execute("DELETE FROM procrastinate_jobs WHERE status = 'todo'")
        await app.close_async()


async def test_channel_refresh_syncs_connected_channels_once(jobs_db, youtube):
    db, _ = jobs_db
    channel = await store.upsert_channel(db.pool, "jobs-creator", "Jobs Lab", "youtube_api", "UCjobslab000000000000000")
    published = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
    http = youtube([google_ok(youtube_channel("UCjobslab000000000000000", "Jobs Lab")),
                    google_ok(youtube_playlist(["vidJOBS0001"])),
                    google_ok(youtube_videos([("vidJOBS0001", "I Built a Tiny Robot", published, "4200")]))])
    first = await _defer(db, "channels")
    await _work(db)
    assert (await _state(db, first)).state == "done"
    assert not http._iterable  # channels, playlistItems and videos.list were each asked once
    [video] = await store.channel_videos(db.pool, channel.channel_pk)
    assert (video.video_id, video.title, video.views) == ("vidJOBS0001", "I Built a Tiny Robot", 4200)
    [synced] = await store.list_channels(db.pool, "jobs-creator")
    assert synced.synced_at is not None

    youtube([])  # a second run (a double schedule, a retry) must not ask YouTube again
    second = await _defer(db, "channels")
    await _work(db)
    assert (await _state(db, second)).state == "done"


async def test_trending_joins_the_title_corpus_embedded(jobs_db, youtube):
    db, _ = jobs_db
    published = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    chart = youtube_videos([("vidTREND001", "We Tried Every Fast Food Burger in America", published, "1500000"),
                            ("vidTREND002", "I Survived 7 Days in a Desert Bunker", published, "820000")])
    http = youtube([google_ok(chart)])
    job = await _defer(db, "trending")
    await _work(db)
    assert (await _state(db, job)).state == "done" and not http._iterable
    model = get_title_embedder().name
    async with db.pool.connection() as conn:
        cur = await conn.execute("SELECT video_id, title, views, trending_date, is_short FROM videos "
                                 "WHERE source = %s ORDER BY video_id", (TRENDING_SOURCE,))
        rows = await cur.fetchall()
    assert [(r["video_id"], r["views"], r["is_short"]) for r in rows] == [
        ("vidTREND001", 1500000, False), ("vidTREND002", 820000, False)]
    assert all(r["trending_date"] == datetime.now(UTC).date() for r in rows)
    table = await title_vector_table(db.pool, model)
    async with db.pool.connection() as conn:
        cur = await conn.execute(f"SELECT count(*) AS n FROM {table} WHERE video_id LIKE 'vidTREND%%'")
        assert (await cur.fetchone())["n"] == 2  # both titles embedded

    http = youtube([google_ok(chart)])  # the next tick: the same chart changes nothing
    again = await _defer(db, "trending")
    await _work(db)
    assert (await _state(db, again)).state == "done" and not http._iterable
    async with db.pool.connection() as conn:
        cur = await conn.execute("SELECT count(*) AS n FROM videos WHERE source = %s", (TRENDING_SOURCE,))
        assert (await cur.fetchone())["n"] == 2


def _statistics(channel_id: str, subscribers: str) -> dict:
    """A channels.list part=statistics answer (YouTube Data API v3, documented shape) for one channel."""
    return {"kind": "youtube#channelListResponse", "etag": "e7", "pageInfo": {"totalResults": 1, "resultsPerPage": 50},
            "items": [{"kind": "youtube#channel", "etag": "e8", "id": channel_id,
                       "statistics": {"viewCount": "98765", "subscriberCount": subscribers,
                                      "hiddenSubscriberCount": False, "videoCount": "321"}}]}


async def _accounts_by_cadence(db: Database) -> tuple[dict, dict]:
    """The most and the least active loaded YouTube accounts by their real lifetime upload rate (a daily and a monthly
    or rarer poster); every other account is marked refreshed now, these two three days ago."""
    async with db.pool.connection() as conn:
        cur = await conn.execute("SELECT account_id, platform_id, activity FROM creator_accounts "
                                 "WHERE platform_id LIKE 'UC%' AND activity > 0")
        accounts = await cur.fetchall()
    daily = max(accounts, key=lambda a: a["activity"])
    rare = min(accounts, key=lambda a: a["activity"])
    assert refresh_interval((), daily["activity"]) <= timedelta(days=1)
    assert refresh_interval((), rare["activity"]) >= timedelta(days=7)
    async with db.pool.connection() as conn:
        await conn.execute("UPDATE creator_accounts SET refreshed_at = now()")
        await conn.execute("UPDATE creator_accounts SET refreshed_at = now() - interval '3 days' "
                           "WHERE account_id = ANY(%s)", ([daily["account_id"], rare["account_id"]],))
    return daily, rare


async def _account(db: Database, account_id: str) -> dict:
    async with db.pool.connection() as conn:
        cur = await conn.execute("SELECT followers, posts, total_views, refreshed_at FROM creator_accounts "
                                 "WHERE account_id = %s", (account_id,))
        return await cur.fetchone()


async def test_creator_refresh_follows_each_accounts_cadence(jobs_db, youtube):
    """Refreshed three days ago: the daily poster is due again and refreshed, the rare poster is not yet."""
    db, _ = jobs_db
    daily, rare = await _accounts_by_cadence(db)
    before = await _account(db, rare["account_id"])
    http = youtube([google_ok(_statistics(daily["platform_id"], "123456"))])
    job = await _defer(db, "creators")
    await _work(db)
    assert (await _state(db, job)).state == "done"
    assert not http._iterable
    refreshed = await _account(db, daily["account_id"])
    assert (refreshed["followers"], refreshed["posts"], refreshed["total_views"]) == (123456, 321, 98765)
    assert refreshed["refreshed_at"] > datetime.now(UTC) - timedelta(minutes=5)
    assert await _account(db, rare["account_id"]) == before


async def test_a_spent_quota_postpones_the_job_to_the_reset(jobs_db, youtube):
    db, url = jobs_db
    daily, _ = await _accounts_by_cadence(db)
    await store.mark_quota_exhausted(db.pool, api_key_id(API_KEY), quota_day())
    try:
        youtube([])  # nothing may be asked of YouTube
        job = await _defer(db, "creators")
        await _work(db)
        assert (await _state(db, job)).state == "done"  # not failed
        [postponed] = await jobs.list_jobs(db.pool, ("postponed",))
        assert postponed.task == "cortex:creators" and postponed.error == "QuotaExhausted"
        assert postponed.scheduled_at == quota_reset() + worker.QUOTA_RESET_MARGIN
        assert "quota" in postponed.message and "resets at midnight Pacific time" in postponed.message
        assert (await _account(db, daily["account_id"]))["refreshed_at"] < datetime.now(UTC) - timedelta(days=2)
    finally:
        async with db.pool.connection() as conn:
            await conn.execute("DELETE FROM api_quota_usage")
    listed = await asyncio.to_thread(_cli, url, ["jobs"])
    assert listed.exit_code == 0, listed.output
    line = next(row for row in listed.output.splitlines() if f" {postponed.id} " in row)
    assert "creator refresh" in line and "postponed" in line and f"{postponed.scheduled_at.astimezone(UTC):%H:%M}" in line
    text = " ".join(listed.output.split())
    assert f"Job {postponed.id}, last error" in text and "after the quota's reset" in text
    retried = await asyncio.to_thread(_cli, url, ["jobs", "retry", str(postponed.id)])
    assert retried.exit_code == 0 and "queued again" in retried.output
    http = youtube([google_ok(_statistics(daily["platform_id"], "777"))])
    await _work(db)
    assert (await _state(db, postponed.id)).state == "done" and not http._iterable
    assert (await _account(db, daily["account_id"]))["followers"] == 777


async def test_a_job_that_keeps_failing_ends_dead_with_its_error_and_can_be_retried(jobs_db, youtube, monkeypatch):
    db, url = jobs_db
    monkeypatch.setattr(get_settings(), "job_max_attempts", 2)
    monkeypatch.setattr(get_settings(), "job_retry_s", 0.2)
    await store.upsert_channel(db.pool, "jobs-creator", "Forbidden Lab", "youtube_api", "UCforbidden0000000000000")
    refused = ({"status": "403"}, '{"error": {"code": 403, "message": "forbidden", "errors": [{"reason": "forbidden"}]}}')
    youtube([refused, refused])
    job = await _defer(db, "channels")
    for _ in range(50):
        await _work(db)
        if (await _state(db, job)).state == "dead":
            break
        await asyncio.sleep(0.1)
    dead = await _state(db, job)
    assert dead.state == "dead" and dead.error == "RefreshFailed"
    assert "Forbidden Lab" in dead.message and "YouTube refused channels.list (forbidden)" in dead.message
    async with db.pool.connection() as conn:
        cur = await conn.execute("SELECT attempt FROM job_errors WHERE job_id = %s ORDER BY attempt", (job,))
        assert [r["attempt"] for r in await cur.fetchall()] == [0, 1]  # each failed execution kept

    listed = await asyncio.to_thread(_cli, url, ["jobs", "--state", "dead"])
    assert listed.exit_code == 0, listed.output
    text = " ".join(listed.output.split())
    assert "channel refresh" in text and "dead" in text and f"Job {job}, last error" in text
    assert "Forbidden Lab: YouTube refused channels.list" in text
    wrong = await asyncio.to_thread(_cli, url, ["jobs", "retry", "987654"])
    assert wrong.exit_code == 1 and "There is no job 987654" in wrong.output
    retried = await asyncio.to_thread(_cli, url, ["jobs", "retry", str(job)])
    assert retried.exit_code == 0 and f"Job {job} is queued again" in retried.output
    again = await asyncio.to_thread(_cli, url, ["jobs", "retry", str(job)])
    assert again.exit_code == 1 and "only a dead or postponed job can be retried" in again.output
    http = youtube([google_ok(youtube_channel("UCforbidden0000000000000", "Forbidden Lab")),
                    google_ok(youtube_playlist([]))])
    await _work(db)
    assert (await _state(db, job)).state == "done" and not http._iterable


async def test_a_cortex_worker_process_runs_a_scheduled_job_and_stops_on_sigterm(jobs_db):
    """A real `cortex worker` on the module's database executes a creator refresh deferred here: with no YouTube Data
    API key it refreshes nothing and its log says why; SIGTERM stops it cleanly."""
    db, url = jobs_db
    async with db.pool.connection() as conn:
        await conn.execute("UPDATE creator_accounts SET refreshed_at = NULL")  # every account due
    job = await _defer(db, "creators")
    env = {"DATABASE_URL": url, "CORTEX_YOUTUBE_API_KEYS": "", "YOUTUBE_API_KEYS": ""}
    with spawned_cortex(["worker", "--no-schedule"], env) as (_, proc, stop):
        for _ in range(600):
            if (await _state(db, job)).state == "done":
                break
            await asyncio.sleep(0.2)
        assert (await _state(db, job)).state == "done"
        output = await asyncio.to_thread(stop)
    assert proc.returncode == 0, output
    assert "YouTube accounts are due, but no YouTube Data API key is set (CORTEX_YOUTUBE_API_KEYS)" in output
    async with db.pool.connection() as conn:
        cur = await conn.execute("SELECT count(*) AS n FROM creator_accounts WHERE refreshed_at IS NOT NULL")
        assert (await cur.fetchone())["n"] == 0


async def test_prune_deletes_old_finished_runs_and_orphaned_job_errors_only(jobs_db):
    """Runs that ended more than CORTEX_RETENTION_DAYS ago go with their events; a run still running, one waiting and
    a recent one stay; the errors kept for jobs the queue no longer holds go, those of a job it holds stay."""
    db, _ = jobs_db
    days = get_settings().retention_days
    rows = {"old-done": ("success", days + 1), "old-error": ("error", days + 5), "old-running": ("running", days + 1),
            "old-queued": ("queued", days + 2), "recent": ("success", days - 1)}
    ids = {name: str(uuid.uuid4()) for name in rows}
    kept_job = await _defer(db, "outliers")
    async with db.pool.connection() as conn:
        for name, (status, age) in rows.items():
            await conn.execute(
                "INSERT INTO runs (run_id, thread_id, creator_id, status, updated_at) "
                "VALUES (%s, %s, 'prune-test', %s, now() - %s)", (ids[name], f"t-{name}", status, timedelta(days=age)))
            await conn.execute("INSERT INTO run_events (run_id, seq, event, data) VALUES (%s, 1, 'values', '{}')",
                               (ids[name],))
    await jobs.record_error(db.pool, 987654321, 0, "cortex:channels", "RuntimeError", "a job deleted long ago")
    await jobs.record_error(db.pool, kept_job, 0, "cortex:outliers", "RuntimeError", "a job the queue still holds")
    try:
        said = await worker.prune()
        async with db.pool.connection() as conn:
            cur = await conn.execute("SELECT run_id::text AS id FROM runs WHERE creator_id = 'prune-test'")
            left = {r["id"] for r in await cur.fetchall()}
            cur = await conn.execute("SELECT count(*) AS n FROM run_events WHERE run_id = ANY(%s::uuid[])",
                                     (list(ids.values()),))
            events = (await cur.fetchone())["n"]
            cur = await conn.execute("SELECT job_id FROM job_errors WHERE job_id IN (987654321, %s)", (kept_job,))
            errors = [r["job_id"] for r in await cur.fetchall()]
        assert left == {ids["old-running"], ids["old-queued"], ids["recent"]} and events == 3
        assert errors == [kept_job] and said.startswith("2 runs and 1 job errors")
    finally:
        async with db.pool.connection() as conn:
            await conn.execute("DELETE FROM runs WHERE creator_id = 'prune-test'")
            await conn.execute("DELETE FROM job_errors WHERE job_id = %s", (kept_job,))
            await conn.execute("DELETE FROM procrastinate_jobs WHERE id = %s", (kept_job,))


@pytest.mark.integration  # it tries a database of its own (none answers)
def test_jobs_without_a_database_says_what_to_check():
    result = _cli("postgresql://cortex@127.0.0.1:1/nothing", ["jobs"])
    assert result.exit_code == 1
    assert "Could not prepare Postgres" in result.output and "DATABASE_URL" in result.output
    assert "Traceback" not in result.output


def _cli(url: str, args: list[str]):
    """`cortex <args>` on the database at ``url`` (DATABASE_URL), in this process (its own event loop)."""
    previous = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()
    try:
        return runner.invoke(cli, args, terminal_width=250)
    finally:
        if previous is None:
            del os.environ["DATABASE_URL"]
        else:
            os.environ["DATABASE_URL"] = previous
        get_settings.cache_clear()
