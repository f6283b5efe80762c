"""Start-up as background work: the progress a creator reads, the gate that answers while the service starts, the
worker-thread jobs, and the embedding turns that put requests before background batches."""

from __future__ import annotations

import asyncio
import threading
import time

import httpx
import numpy as np
import pytest
from fastapi import FastAPI

from agent import embeddings
from agent.embeddings import BACKGROUND_BATCH, _EncoderTurns, background_work, get_embedder
from agent.startup import LaunchApp, StartupState, ThreadJob


def test_progress_in_words_and_in_json():
    state = StartupState()
    state.progress("embedding titles", 2580, 6012)
    assert state.message() == "Getting ready: embedding titles: 2,580 of 6,012 (42%)"
    body = state.as_json()
    assert body["status"] == "starting" and body["stage"] == {"phase": "embedding titles", "done": 2580,
                                                             "total": 6012, "percent": 42}
    state.progress("opening the database")  # a step with no count says only what it does
    assert state.message() == "Getting ready: opening the database"
    state.ready()
    state.progress("embedding creator bios and content", 10, 40, job="creator index")
    body = state.as_json()
    assert body["status"] == "ready" and "stage" not in body and body["ready_after_s"] >= 0
    assert body["background"]["creator index"]["percent"] == 25
    state.finished("creator index")
    assert state.as_json()["background"] == {}


def test_listeners_get_every_progress_call_with_the_job_named():
    calls = []
    state = StartupState(listeners=[lambda *a: calls.append(a)])
    state.reporter()("opening the database", 0, 0)  # no count: only logged
    state.reporter()("writing videos", 0, 1)
    state.reporter("title index")("embedding titles", 5, 10)
    assert calls == [("writing videos", 0, 1), ("title index: embedding titles", 5, 10)]


async def test_the_launch_app_answers_with_the_progress_until_ready():
    """The port answers while the service boots: /health with the stage, a browser with the getting-ready page, other
    clients with JSON; once booted and ready every request goes to the real app, and stopping undoes what boot set."""
    app = FastAPI()

    @app.get("/threads")
    async def threads() -> list:
        return []

    booted, stopped = asyncio.Event(), []

    async def boot(launch: LaunchApp) -> None:
        launch.state.progress("embedding titles", 430, 1000)
        launch.stack.push_async_callback(lambda: asyncio.sleep(0, stopped.append("database closed")))
        await booted.wait()
        launch.app = app
        launch.state.ready()

    launch = LaunchApp(StartupState(), boot)
    lifespan_in, lifespan_out = asyncio.Queue(), asyncio.Queue()
    lifespan = asyncio.create_task(launch({"type": "lifespan"}, lifespan_in.get, lifespan_out.put))
    await lifespan_in.put({"type": "lifespan.startup"})
    assert (await lifespan_out.get())["type"] == "lifespan.startup.complete"  # at once, while boot runs
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=launch), base_url="http://cortex") as client:
        health = await client.get("/health")
        assert health.status_code == 503 and health.json()["stage"]["percent"] == 43
        page = await client.get("/", headers={"accept": "text/html,application/xhtml+xml"})
        assert page.status_code == 503 and page.headers["retry-after"] == "2"
        assert "Creator Cortex" in page.text and "embedding titles: 430 of 1,000 (43%)" in page.text
        assert '<progress value="430" max="1000">' in page.text and 'http-equiv="refresh"' in page.text
        api = await client.get("/threads")
        assert api.status_code == 503 and api.json() == {"detail": "Getting ready: embedding titles: 430 of 1,000 "
                                                                   "(43%)", "status": "starting"}
        booted.set()
        await asyncio.wait_for(launch._task, 10)
        assert (await client.get("/threads")).json() == []
    await lifespan_in.put({"type": "lifespan.shutdown"})
    assert (await lifespan_out.get())["type"] == "lifespan.shutdown.complete"
    await lifespan
    assert stopped == ["database closed"]


async def test_a_failed_boot_says_why_and_stops_the_service():
    async def boot(launch: LaunchApp) -> None:
        raise RuntimeError("Could not prepare Postgres (connection refused).")

    failures = []
    launch = LaunchApp(StartupState(), boot, on_failure=lambda: failures.append(True))
    lifespan_in, lifespan_out = asyncio.Queue(), asyncio.Queue()
    asyncio.create_task(launch({"type": "lifespan"}, lifespan_in.get, lifespan_out.put))
    await lifespan_in.put({"type": "lifespan.startup"})
    await lifespan_out.get()
    await asyncio.wait_for(launch._task, 10)
    assert failures == [True] and launch.state.status == "failed"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=launch), base_url="http://cortex") as client:
        body = (await client.get("/threads")).json()
    assert body["status"] == "failed" and "could not start: Could not prepare Postgres" in body["detail"]
    await lifespan_in.put({"type": "lifespan.shutdown"})
    await lifespan_out.get()


async def test_a_thread_job_runs_in_its_own_thread_and_loop():
    outer = threading.get_ident(), asyncio.get_running_loop()

    async def work() -> tuple:
        await asyncio.sleep(0)
        return threading.get_ident(), asyncio.get_running_loop()

    inner = await ThreadJob("work", work).start().wait()
    assert inner[0] != outer[0] and inner[1] is not outer[1]

    async def fails() -> None:
        raise ValueError("the data folder is missing")

    with pytest.raises(ValueError, match="data folder"):
        await ThreadJob("fails", fails).start().wait()

    started = threading.Event()

    async def forever() -> None:
        started.set()
        await asyncio.sleep(3600)

    job = ThreadJob("forever", forever).start()
    await asyncio.to_thread(started.wait)
    job.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(job.wait(), 10)


def test_a_waiting_request_goes_before_the_next_background_batch():
    turns, order = _EncoderTurns(), []
    holding, release = threading.Event(), threading.Event()

    def background(name: str, hold: bool = False) -> None:
        with turns.turn(background=True):
            order.append(name)
            if hold:
                holding.set()
                release.wait()

    def request() -> None:
        with turns.turn(background=False):
            order.append("request")

    first = threading.Thread(target=background, args=("batch 1", True))
    first.start()
    holding.wait()
    waiting = [threading.Thread(target=request), threading.Thread(target=background, args=("batch 2",))]
    waiting[0].start()
    while turns._waiting == 0:  # the request is queued before the second batch asks
        time.sleep(0.001)
    waiting[1].start()
    time.sleep(0.05)
    release.set()
    for thread in (first, *waiting):
        thread.join(10)
    assert order == ["batch 1", "request", "batch 2"]


def test_background_embedding_is_batched_and_equal_to_a_request(monkeypatch):
    embedder = get_embedder()
    texts = [f"title number {i} about volcanoes" for i in range(BACKGROUND_BATCH + 5)]
    turns = []
    real = embeddings._turns.turn

    def counted(background: bool):
        turns.append(background)
        return real(background)

    monkeypatch.setattr(embeddings._turns, "turn", counted)
    foreground = embedder.embed(texts)
    with background_work():
        behind = embedder.embed(texts)
    assert turns == [False, True, True]  # one turn for the request, one per batch of background work
    np.testing.assert_allclose(foreground, behind, atol=1e-5)


def test_background_batches_hold_back_while_a_turn_runs(monkeypatch):
    """A conversation turn in progress keeps background batches waiting (they would take its CPU), for at most
    MAX_YIELD_S per batch, so background work still advances under a steady stream of turns."""
    monkeypatch.setattr(embeddings, "MAX_YIELD_S", 0.5)
    turns, started = _EncoderTurns(), []

    def background() -> None:
        with turns.turn(background=True):
            started.append(time.monotonic())

    with turns.active():  # a turn runs for longer than a batch may wait
        begun = time.monotonic()
        thread = threading.Thread(target=background)
        thread.start()
        thread.join(10)
        assert started and started[0] - begun >= 0.45  # waited for the turn, up to the limit
    with turns.active():
        thread = threading.Thread(target=background)
        thread.start()
        time.sleep(0.1)
        assert len(started) == 1  # still holding back
        ended = time.monotonic()
    thread.join(10)  # the turn ended before the limit: the batch went then
    assert len(started) == 2 and ended <= started[1] < ended + 0.4
