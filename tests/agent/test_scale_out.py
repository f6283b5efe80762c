"""Runs across processes on one Postgres (the session's embedded one): two real `cortex serve` processes and
`cortex worker` processes, started here and stopped (or killed) by pid, driven with the real LangGraph SDK.

A second run on a thread is refused (409) whichever process is asked; a run is joined and cancelled from the
process that did not start it; a background run finishes after the process that accepted it is killed; a worker
killed mid-run leaves its run to another worker, which goes on from the last checkpoint; a run whose workers keep
dying ends as an error (its job failed, dead) with the reason kept. The LLM is a stand-in OpenAI-compatible
endpoint that holds the run's third step (the model's answer after the tool) until the test lets it go."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import threading
import time

import httpx
import pytest
from langgraph_sdk import get_client

from agent import auth
from agent.server import spawned_service, spawned_worker, warm_up

from support import JsonHandler, serve_http, tool_calls_answered, user

SCORE = "Score this title: I Built a Giant Lego Volcano"


class _GatedLLM(JsonHandler):
    """A stand-in OpenAI-compatible endpoint (not streamed): the creator's message gets a score_title call; after
    the tool's result it answers in words once ``gate`` is open, and holds the request until then (``held`` counts
    the requests it holds), so a run waits in its third step."""

    gate = threading.Event()
    held = 0

    def do_POST(self) -> None:  # noqa: N802
        request = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
        if request["messages"][-1]["role"] == "tool":
            type(self).held += 1
            self.gate.wait()
            message = {"role": "assistant", "content": "Your title scored well: keep the volcano in it."}
            finish = "stop"
        else:
            call = {"id": "call_gated1", "type": "function", "function": {
                "name": "score_title", "arguments": json.dumps({"titles": ["I Built a Giant Lego Volcano"]})}}
            message, finish = {"role": "assistant", "content": None, "tool_calls": [call]}, "tool_calls"
        self.reply({"id": "chatcmpl-gated", "object": "chat.completion", "created": 0, "model": request["model"],
                    "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})


@pytest.fixture(scope="module")
def env(db):
    """The processes' environment: the session's embedded Postgres (inherited), the stand-in LLM for runs with
    context.engine "llm", and workers that count as dead after 5 s without a heartbeat."""
    llm = serve_http(_GatedLLM)
    yield {"CORTEX_AUTO_INGEST": "false", "CORTEX_ENGINE": "offline", "CORTEX_LLM_MAX_RETRIES": "0",
           "CORTEX_LLM_FALLBACK": "none", "CORTEX_WORKER_STALLED_AFTER_S": "5",
           "OPENAI_API_KEY": "sk-test-gated", "OPENAI_BASE_URL": f"http://127.0.0.1:{llm.server_address[1]}/v1"}
    _GatedLLM.gate.set()
    llm.shutdown()


@pytest.fixture(scope="module")
def services(env):
    """Two `cortex serve` processes on the one database (the models they load fitted here first, into the
    session's state dir, so the processes load them instead of each fitting them at once)."""
    warm_up()
    with spawned_service(env, timeout_s=600) as first, spawned_service(env, timeout_s=600) as second:
        yield first.url, second.url


@pytest.fixture(scope="module")
async def key(db) -> str:
    return (await auth.create_key(db.pool, "scale-out", label="tests"))[1]


async def _until(check, what: str, timeout_s: float = 90.0):
    """Poll ``await check()`` every 0.2 s until it returns something truthy (returned); fail naming ``what``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if found := await check():
            return found
        await asyncio.sleep(0.2)
    pytest.fail(f"{what} did not happen within {timeout_s:.0f} s")


def _held(count: int):
    async def check() -> bool:
        return _GatedLLM.held >= count
    return check


async def _job_status(db, run_id: str) -> str | None:
    async with db.pool.connection() as conn:
        cur = await conn.execute("SELECT status::text FROM procrastinate_jobs WHERE args->>'run_id' = %s "
                                 "ORDER BY id DESC LIMIT 1", (run_id,))
        row = await cur.fetchone()
    return row["status"] if row else None


async def test_one_run_per_thread_across_processes_joined_and_cancelled_from_the_other(services, env, key):
    _GatedLLM.gate.clear()
    held = _GatedLLM.held
    first, second = (get_client(url=url, api_key=key) for url in services)
    tid = (await first.threads.create())["thread_id"]
    run = await first.runs.create(tid, "agent", input=user(SCORE), context={"engine": "llm"}, stream_mode=["updates"])
    # a background run with no worker yet: pending, and it holds the thread in every process
    assert run["status"] == "pending" and (await second.runs.get(tid, run["run_id"]))["status"] == "pending"
    for client in (first, second):
        with pytest.raises(httpx.HTTPStatusError) as busy:
            await client.runs.wait(tid, "agent", input=user(SCORE))
        assert busy.value.response.status_code == 409 and "already running" in busy.value.response.json()["detail"]
    assert (await second.threads.get(tid))["status"] == "busy"

    with spawned_worker(env):
        await _until(_held(held + 1), "the run reaching its third step in the worker")
        assert (await second.runs.get(tid, run["run_id"]))["status"] == "running"
        # the second process follows the run's events as the worker writes them
        events = []
        async for part in second.runs.join_stream(tid, run["run_id"]):
            events.append(part.event)
            if events.count("updates") == 2:
                break
        assert events[0] == "metadata"
        await second.runs.cancel(tid, run["run_id"], wait=True)  # from the process that did not accept it
    cancelled = await first.runs.get(tid, run["run_id"])
    assert cancelled["status"] == "interrupted"
    state = await first.threads.get_state(tid)
    messages = state["values"]["messages"]
    assert state["next"] == [] and tool_calls_answered(messages) and [m["type"] for m in messages] == \
        ["human", "ai", "tool", "ai"]
    assert (await second.threads.get(tid))["status"] == "idle"
    _GatedLLM.gate.set()


async def test_a_background_run_outlives_the_process_that_accepted_it(services, env, key, db):
    _GatedLLM.gate.set()
    with spawned_service(env, timeout_s=600) as doomed:
        accepting = get_client(url=doomed.url, api_key=key)
        tid = (await accepting.threads.create())["thread_id"]
        run = await accepting.runs.create(tid, "agent", input=user(SCORE))
        os.kill(doomed.pid, signal.SIGKILL)
    other = get_client(url=services[1], api_key=key)
    with spawned_worker(env):
        values = await asyncio.wait_for(other.runs.join(tid, run["run_id"]), 120)
    assert "offline engine" in values["messages"][-1]["content"] and tool_calls_answered(values["messages"])
    assert (await other.runs.get(tid, run["run_id"]))["status"] == "success"
    assert await _job_status(db, run["run_id"]) == "succeeded"


async def test_a_worker_killed_mid_run_is_retried_from_the_last_checkpoint(services, env, key, db):
    _GatedLLM.gate.clear()
    held = _GatedLLM.held
    client = get_client(url=services[0], api_key=key)
    tid = (await client.threads.create())["thread_id"]
    run = await client.runs.create(tid, "agent", input=user(SCORE), context={"engine": "llm"},
                                   stream_mode=["updates"])
    with spawned_worker(env) as doomed:
        await _until(_held(held + 1), "the run reaching its third step in the first worker")
        os.kill(doomed.pid, signal.SIGKILL)
    _GatedLLM.gate.set()
    with spawned_worker(env):
        values = await asyncio.wait_for(client.runs.join(tid, run["run_id"]), 120)
    messages = values["messages"]
    # the model call and the tool ran once, in the first worker; the second went on from the saved step
    assert [m["type"] for m in messages] == ["human", "ai", "tool", "ai"]
    assert messages[-1]["content"].startswith("Your title scored well: keep the volcano in it.")
    parts = [p async for p in client.runs.join_stream(tid, run["run_id"])]
    attempts = [p.data["attempt"] for p in parts if p.event == "metadata"]
    assert attempts == [1, 2] and parts[-1].event == "end"
    assert [next(iter(p.data)) for p in parts if p.event == "updates"] == ["model", "tools", "model", "answer"]
    assert (await client.runs.get(tid, run["run_id"]))["status"] == "success"


async def test_a_run_whose_workers_keep_dying_ends_dead_with_its_error(services, env, key, db):
    _GatedLLM.gate.clear()
    held = _GatedLLM.held
    client = get_client(url=services[0], api_key=key)
    tid = (await client.threads.create())["thread_id"]
    run = await client.runs.create(tid, "agent", input=user(SCORE), context={"engine": "llm"})
    with spawned_worker({**env, "CORTEX_RUN_MAX_ATTEMPTS": "1"}) as doomed:
        await _until(_held(held + 1), "the run reaching its third step")
        os.kill(doomed.pid, signal.SIGKILL)
    with spawned_worker({**env, "CORTEX_RUN_MAX_ATTEMPTS": "1"}):
        values = await asyncio.wait_for(client.runs.join(tid, run["run_id"]), 120)
        await _until(lambda: _is_failed(db, run["run_id"]), "the job failing")
    _GatedLLM.gate.set()
    assert values["__error__"]["error"] == "RunDead" and "did not finish after 1 attempt " in values["__error__"]["message"]
    assert (await client.runs.get(tid, run["run_id"]))["status"] == "error"
    assert (await client.threads.get(tid))["status"] != "busy"  # the thread is free for the next run


async def _is_failed(db, run_id: str) -> bool:
    return await _job_status(db, run_id) == "failed"


async def test_multitask_strategies_enqueue_interrupt_and_rollback(services, env, key):
    first, second = (get_client(url=url, api_key=key) for url in services)
    tid = (await first.threads.create())["thread_id"]
    with spawned_worker(env):
        async def held_run() -> dict:
            """A background run held in its third step (after the tool), started from the first process."""
            _GatedLLM.gate.clear()
            held = _GatedLLM.held
            run = await first.runs.create(tid, "agent", input=user(SCORE), context={"engine": "llm"},
                                          multitask_strategy="enqueue")
            await _until(_held(held + 1), "the run reaching its third step")
            return run

        # enqueue: the second run waits for the first, then runs
        running = await held_run()
        queued = await second.runs.create(tid, "agent", input=user("Score this title: Lego Volcano Part 2"),
                                          multitask_strategy="enqueue")
        assert queued["status"] == "pending" and (await first.runs.get(tid, running["run_id"]))["status"] == "running"
        _GatedLLM.gate.set()
        values = await asyncio.wait_for(second.runs.join(tid, queued["run_id"]), 120)
        assert [m["type"] for m in values["messages"]] == ["human", "ai", "tool", "ai"] * 2
        assert (await first.runs.get(tid, running["run_id"]))["status"] == "success"

        # interrupt: the held run stops, keeping its finished steps; the new one runs after it (from the other process)
        running = await held_run()
        values = await asyncio.wait_for(second.runs.wait(tid, "agent", input=user(SCORE),
                                                         multitask_strategy="interrupt"), 120)
        assert (await first.runs.get(tid, running["run_id"]))["status"] == "interrupted"
        turns = [m for m in values["messages"] if m["type"] == "human"]
        assert len(turns) == 4 and tool_calls_answered(values["messages"])
        assert any("stopped before it finished" in str(m["content"]) for m in values["messages"][8:])

        # rollback: the held run and every checkpoint it wrote are gone; the thread goes on from before it
        running = await held_run()
        before = len(values["messages"])
        values = await asyncio.wait_for(second.runs.wait(tid, "agent", input=user(SCORE),
                                                         multitask_strategy="rollback"), 120)
        _GatedLLM.gate.set()
        assert len(values["messages"]) == before + 4 and tool_calls_answered(values["messages"])
        with pytest.raises(httpx.HTTPStatusError) as gone:
            await first.runs.get(tid, running["run_id"])
        assert gone.value.response.status_code == 404
