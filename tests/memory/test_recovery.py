"""Database faults: the embedded Postgres killed under a supervised ``Database`` is detected (``outage`` says why),
restarted, and the same pool serves again without reopening; the service answers 503 with the reason meanwhile and
recovers by itself; `cortex serve` stopped with SIGTERM stops the embedded server it started."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
import uuid
from pathlib import Path

import httpx
import psutil
import pytest

from agent.server import spawned_service
from agent.settings import Settings, get_settings
from memory import db as memory_db
from memory.db import Database

from support import in_process, user


def _postmaster_pid(pg_data_dir: Path) -> int | None:
    """The embedded server's postmaster pid (first line of postmaster.pid), when one is running."""
    pid_file = pg_data_dir / "postmaster.pid"
    if not pid_file.exists():
        return None
    pid = int(pid_file.read_text().split()[0])
    return pid if psutil.pid_exists(pid) else None


async def _until(check, timeout_s: float, what: str):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if result := await check():
            return result
        await asyncio.sleep(0.1)
    pytest.fail(f"not within {timeout_s:.0f} s: {what}")


@pytest.mark.integration  # its own embedded server, not the session's
async def test_a_killed_embedded_server_is_restarted_and_the_pool_serves_again(tmp_path, monkeypatch):
    settings = Settings(**{**get_settings().model_dump(), "pg_data_dir": tmp_path / "pgdata", "database_url": None})
    monkeypatch.setattr(memory_db, "PROBE_EVERY_S", 0.2)
    released = threading.Event()
    real_restart = memory_db.restart_embedded

    def held_restart(pg_data_dir: Path) -> None:  # the outage lasts until the test has looked at it
        released.wait(60)
        real_restart(pg_data_dir)

    monkeypatch.setattr(memory_db, "restart_embedded", held_restart)
    async with Database.open(settings, max_size=2, supervise=True) as db:
        thread = str(uuid.uuid4())
        config = {"configurable": {"thread_id": thread, "checkpoint_ns": ""}}
        async with db.pool.connection() as conn:
            await conn.execute("CREATE TABLE drill (n int)")
            await conn.execute("INSERT INTO drill VALUES (1)")
        first = _postmaster_pid(settings.pg_data_dir)
        os.kill(first, signal.SIGKILL)

        async def down():
            return db.outage

        reason = await _until(down, 15, "the supervisor notices the outage")
        assert reason and "Error" in reason  # the driver's words for what failed, one line
        released.set()

        async def back():
            if db.outage is not None:
                return None
            async with db.pool.connection() as conn:  # the same pool: broken connections were replaced
                return (await (await conn.execute("SELECT count(*) AS n FROM drill")).fetchone())["n"]

        assert await _until(back, 30, "service resumes without reopening the database") == 1
        assert _postmaster_pid(settings.pg_data_dir) not in (None, first)
        assert await db.checkpointer.aget_tuple(config) is None  # the checkpointer's queries work again too
    memory_db._servers.pop(settings.pg_data_dir.resolve()).cleanup()  # stop this test's server now


async def test_during_an_outage_the_api_answers_503_with_the_reason(app, db, keys_for_outage):
    client = in_process(app, keys_for_outage)
    tid = (await client.threads.create())["thread_id"]
    db.outage = "OperationalError: connection refused"
    try:
        response = await client.http.client.post(f"/threads/{tid}/runs/wait", json={"assistant_id": "agent",
                                                                                      "input": user("hello")})
        assert response.status_code == 503 and response.headers["retry-after"] == "5"
        assert "connection refused" in response.json()["detail"] and "recovering by itself" in response.json()["detail"]
    finally:
        db.outage = None
    assert (await client.http.client.get(f"/threads/{tid}")).status_code == 200


@pytest.fixture
async def keys_for_outage(db) -> str:
    from agent import auth

    return (await auth.create_key(db.pool, "outage-drill", label="tests"))[1]


def test_the_service_recovers_from_a_killed_database_and_stops_it_on_sigterm(tmp_path):
    pg_data_dir = tmp_path / "pgdata"
    env = {"CORTEX_PG_DATA_DIR": str(pg_data_dir), "CORTEX_STATE_DIR": str(tmp_path / "state"),
           "CORTEX_AUTO_INGEST": "false", "CORTEX_ENGINE": "offline"}
    with spawned_service(env) as service:
        first = _postmaster_pid(pg_data_dir)
        os.kill(first, signal.SIGKILL)
        deadline, statuses = time.monotonic() + 30, []
        while time.monotonic() < deadline:
            response = httpx.get(f"{service.url}/health", timeout=10)
            statuses.append(response.status_code)
            if response.status_code == 503:
                assert response.json()["status"] == "degraded" and response.json()["reason"]
            if response.status_code == 200 and _postmaster_pid(pg_data_dir) not in (None, first):
                break
            time.sleep(0.2)
        assert statuses[-1] == 200 and set(statuses) <= {200, 503}, statuses  # never a bare 500
        second = _postmaster_pid(pg_data_dir)
        assert second not in (None, first)
    # spawned_service stops it with SIGTERM: the embedded server it started stops with it
    for _ in range(100):
        if not psutil.pid_exists(second):
            break
        time.sleep(0.1)
    assert not psutil.pid_exists(second)
