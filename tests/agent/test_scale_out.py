"""Runs across processes on one Postgres (the session's embedded one): two real `cortex serve` processes and
`cortex worker` processes, started here and stopped (or killed) by pid, driven with the real LangGraph SDK; and
`cortex serve --workers 2` (two processes on one port, under one parent) on an embedded Postgres of its own.

A second run on a thread is refused (409) whichever process is asked; a run is joined and cancelled from the
process that did not start it; a background run finishes after the process that accepted it is killed; a worker
killed mid-run leaves its run to another worker, which goes on from the last checkpoint; a run whose workers keep
dying ends as an error (its job failed, dead) with the reason kept. The LLM is a stand-in OpenAI-compatible
endpoint that holds the run's third step (the model's answer after the tool) until the test lets it go."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import psutil
import pytest
from langgraph_sdk import get_client
from playwright.async_api import async_playwright

from agent import auth
from agent.server import free_port, spawned_cortex, spawned_service, spawned_worker, warm_up
from agent.settings import PROJECT_ROOT, get_settings

from support import CHROMIUM, CHROMIUM_ARGS, JsonHandler, login, serve_http, tool_calls_answered, user

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


# --- `cortex serve --workers 2`: one port, two processes, one embedded Postgres -----------------------------------


@pytest.fixture(scope="module")
def workers(env, tmp_path_factory):
    """`cortex serve --workers 2` with an embedded Postgres and a state dir of its own, both new: the children start
    the one Postgres (the parent never opens it) and make the chat's session secret (none in the environment); the
    models fitted here are copied in, so the children load them instead of fitting them. Yields (the parent as
    ``SpawnedService``, the processes' environment, the folder holding pgdata/ and state/)."""
    warm_up()
    root = tmp_path_factory.mktemp("workers").resolve()
    shutil.copytree(get_settings().state_dir / "models", root / "state" / "models")
    own = {**env, "CORTEX_PG_DATA_DIR": str(root / "pgdata"), "CORTEX_STATE_DIR": str(root / "state"),
           "CHAINLIT_AUTH_SECRET": ""}
    with spawned_service(own, timeout_s=600, workers=2) as parent:
        yield parent, own, root
    print(parent.output)  # shown by pytest when a test of this module fails


def _on_each_process(url: str, act, processes: int = 2, timeout_s: float = 300.0) -> dict[int, object]:
    """``act(client)`` once on each of the ``processes`` processes behind ``url``: on new connections (a connection
    stays with the process that accepted it) until each has answered; /health first on the same connection names
    its pid, and a process not ready yet is asked again later. Returns {pid: what act returned}."""
    done: dict[int, object] = {}
    deadline = time.monotonic() + timeout_s
    while len(done) < processes and time.monotonic() < deadline:
        with httpx.Client(base_url=url, timeout=60) as client:
            health = client.get("/health").json()
            if health["status"] == "ok" and health["pid"] not in done:
                done[health["pid"]] = act(client)
            else:
                time.sleep(0.05)
    assert len(done) == processes, f"only {len(done)} of {processes} processes answered within {timeout_s:.0f} s"
    return done


def _postmasters(pg_data_dir: Path) -> list[psutil.Process]:
    """The Postgres servers running from ``pg_data_dir`` (``postgres -D <dir>``)."""
    found = []
    for p in psutil.process_iter(["name", "cmdline"]):
        cmd = p.info["cmdline"] or []
        if p.info["name"] == "postgres" and "-D" in cmd and Path(cmd[cmd.index("-D") + 1]).resolve() == pg_data_dir:
            found.append(p)
    return found


@pytest.mark.e2e
def test_two_processes_answer_on_one_port_and_share_one_postgres_the_parent_never_opens(workers):
    parent, _, root = workers
    pids = _on_each_process(parent.url, lambda client: client.get("/health").json()["pid"])
    assert set(pids) == set(pids.values()) and parent.pid not in pids
    assert set(pids) <= {child.pid for child in psutil.Process(parent.pid).children()}
    assert len(_postmasters(root / "pgdata")) == 1
    users = json.loads((root / "pgdata" / ".handle_pids.json").read_text())  # pgserver's list of its processes
    assert set(pids) <= set(users) and parent.pid not in users


def _new_key(env: dict) -> str:
    """An API key made by `cortex keys create` (a process of its own on the service's database)."""
    made = subprocess.run([sys.executable, "-m", "agent.cli", "keys", "create", "--creator", "workers-test"],
                          env={**os.environ, **env}, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    return made.stdout.strip()


@pytest.mark.e2e
async def test_a_busy_thread_gets_409_from_either_process(workers):
    parent, env, _ = workers
    key = _new_key(env)
    client = get_client(url=parent.url, api_key=key)
    tid = (await client.threads.create())["thread_id"]
    run = await client.runs.create(tid, "agent", input=user(SCORE))  # no `cortex worker`: it waits, holding the thread
    assert run["status"] == "pending"

    def second_run(http: httpx.Client) -> tuple[int, str]:
        answer = http.post(f"/threads/{tid}/runs/wait", json={"assistant_id": "agent", "input": user(SCORE)},
                           headers={"x-api-key": key})
        return answer.status_code, answer.json().get("detail", answer.text)

    answers = await asyncio.to_thread(_on_each_process, parent.url, second_run)
    assert all(status == 409 and "already running" in detail for status, detail in answers.values()), answers
    await client.runs.cancel(tid, run["run_id"], wait=True)
    assert (await client.runs.get(tid, run["run_id"]))["status"] == "interrupted"


@pytest.mark.e2e
def test_a_chat_login_through_one_process_is_valid_on_the_other(workers):
    parent, _, root = workers
    with httpx.Client(base_url=parent.url, timeout=60) as first:
        signed_in_by = first.get("/health").json()["pid"]
        assert first.post("/login", data={"username": "Workers Fan", "password": "cortex"}).status_code == 200
        cookie = "; ".join(f"{name}={value}" for name, value in first.cookies.items())

    def who(http: httpx.Client) -> tuple[int, str | None, int]:
        user_ = http.get("/user", headers={"cookie": cookie})
        return user_.status_code, user_.json().get("identifier"), http.get("/user").status_code

    answers = _on_each_process(parent.url, who)
    other = next(pid for pid in answers if pid != signed_in_by)
    assert answers[other] == (200, "workers-fan", 401)  # signed in there too; without the cookie, not
    assert (root / "state" / "auth_secret").is_file()  # one secret, made by the first process to start


@pytest.mark.e2e
async def test_the_chat_works_in_a_browser_whichever_process_takes_each_request(workers):
    """The page, its login, its Socket.IO connection and a reload each go to whichever process accepts them; the
    conversation goes on and comes back after the reload (its WebSocket lives on one process, its thread in
    Postgres)."""
    parent, _, _ = workers
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = await browser.new_page()
        sockets: list[str] = []
        page.on("websocket", lambda socket: sockets.append(socket.url))
        page.on("request", lambda request: sockets.append(request.url) if "/socket.io/" in request.url else None)
        await login(page, parent.url, "workers-browser")
        await page.locator("#chat-input").fill(SCORE)
        await page.locator("#chat-submit").click()
        await page.get_by_text("offline engine", exact=False).last.wait_for(timeout=90_000)
        await page.wait_for_url("**/thread/*", timeout=30_000)
        for _ in range(3):  # each reload opens new connections: the thread comes back whichever process answers
            await page.reload()
            await page.get_by_text("offline engine", exact=False).last.wait_for(timeout=30_000)
        await browser.close()
    # long-polling would send a session's requests to both processes, and the one that did not open it refuses them
    assert sockets and all("transport=websocket" in url for url in sockets), sockets


@pytest.mark.e2e
def test_sigterm_to_the_parent_stops_every_process_and_the_embedded_postgres(workers):
    parent, _, root = workers
    family = psutil.Process(parent.pid).children(recursive=True)
    assert len(family) >= 2 and _postmasters(root / "pgdata")
    os.kill(parent.pid, signal.SIGTERM)
    assert psutil.Process(parent.pid).wait(timeout=60) == 0
    _, alive = psutil.wait_procs(family, timeout=60)
    assert alive == []
    assert _postmasters(root / "pgdata") == []  # the last child to exit stopped it
    assert json.loads((root / "pgdata" / ".handle_pids.json").read_text()) == []


@pytest.mark.e2e
def test_a_process_that_cannot_start_stops_the_others_and_serve_exits_1():
    """No restart loop when the database cannot be reached: the first child whose start fails stops the parent,
    which stops the other and exits 1; the children's log lines say why."""
    env = {"DATABASE_URL": "postgresql://cortex@127.0.0.1:1/cortex", "CORTEX_AUTO_INGEST": "false"}
    with spawned_cortex(["serve", "--host", "127.0.0.1", "--port", str(free_port()), "--workers", "2"], env) as (
            _, proc, stop):
        assert proc.wait(timeout=300) == 1
        output = stop()
    assert "could not start: Could not prepare Postgres" in output and "Traceback" not in output
    assert "failed to start, stopping the parent process" in output
