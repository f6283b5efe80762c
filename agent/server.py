"""The service: one FastAPI process with the HTTP API (LangGraph's threads/runs API, ``agent.api``; OpenAPI page
at /docs), the MCP server at /mcp (``agent.mcp_server``), /health, and the chat UI (Chainlit, mounted at the root last, so the API routes win).

`cortex serve` runs it inside ``agent.startup.LaunchApp``, which answers on the port at once; ``boot`` then builds the
app and runs ``start_up``: it opens the database (starting the embedded Postgres unless DATABASE_URL is set), applies
migrations and has the demo corpus ingested when it is empty (``CORTEX_AUTO_INGEST``; a job of the queue,
``agent.worker.load_corpus``), while /health and the chat page show its progress; once ready, the title index and the
creator-search index are built in the background (another job, ``agent.worker.build_indexes``). On stop it
cancels the API runs in progress (each leaves its thread whole) and flushes Langfuse traces.

``spawned_service`` starts `cortex serve` as a child process on a free port of 127.0.0.1, ``spawned_worker`` starts
`cortex worker` (for tests and benchmarks).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import httpx
import psycopg
import psycopg_pool
from fastapi import FastAPI, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from agent import tracing
from agent.api import install as install_api
from agent.api.runs import RUNS
from agent.artifacts import replace_file, write_once
from agent.mcp_server import mount as mount_mcp
from agent.models import engine_label, model_name
from agent.settings import PROJECT_ROOT, Settings, get_settings
from agent.startup import LaunchApp, StartupState, ThreadJob

log = logging.getLogger("cortex")

CHAT_PATH = "/"
HEALTH_TIMEOUT_S = 3.0
"""Longest /health waits for the database before it answers 503 ``degraded``."""


def auth_secret(settings: Settings) -> str:
    """The secret that signs chat sessions: from settings, else generated once into the state dir."""
    if settings.auth_secret:
        return settings.auth_secret.get_secret_value()
    return write_once(settings.state_dir / "auth_secret", lambda: secrets.token_urlsafe(48))


def _merged(base: dict, overrides: Mapping) -> dict:
    """``base`` with ``overrides`` laid over it, nested dicts merged key by key."""
    out = dict(base)
    for key, value in overrides.items():
        out[key] = _merged(out.get(key, {}), value) if isinstance(value, Mapping) else value
    return out


def prepare_chainlit(settings: Settings) -> None:
    """Environment Chainlit reads at import: its app root (config from ui/chainlit.toml, the logo and the welcome
    line's style from ui/public, uploads) in the state dir, the session secret, and the English UI texts:
    Chainlit's own ``en-US.json`` with the product's words laid over it (``ui/translations.json``: the login asks
    for a creator name, not an e-mail address)."""
    root = Path(os.environ.setdefault("CHAINLIT_APP_ROOT", str(settings.state_dir / "chainlit")))
    for source in (PROJECT_ROOT / "ui" / "public").rglob("*"):  # logo, welcome line
        if source.is_file():
            replace_file(root / "public" / source.relative_to(PROJECT_ROOT / "ui" / "public"), source.read_bytes())
    replace_file(root / ".chainlit" / "config.toml", (PROJECT_ROOT / "ui" / "chainlit.toml").read_bytes())
    bundled = json.loads((resources.files("chainlit") / "translations" / "en-US.json").read_text(encoding="utf-8"))
    ours = json.loads((PROJECT_ROOT / "ui" / "translations.json").read_text(encoding="utf-8"))
    replace_file(root / ".chainlit" / "translations" / "en-US.json",
                 json.dumps(_merged(bundled, ours), indent=2).encode())
    os.environ["CHAINLIT_AUTH_SECRET"] = auth_secret(settings)


async def ensure_corpus(pool, settings: Settings) -> None:
    """Ingest the demo corpus with its title vectors when the videos table is empty, for the commands that need it
    (`cortex serve` defers its first-start ingest as a job instead: ``agent.worker.load_corpus``)."""
    from memory.corpus.ingest import corpus_is_empty, ingest_corpus

    if settings.auto_ingest and await corpus_is_empty(pool):
        log.warning("The corpus is empty: ingesting %s (once).", settings.data_dir)
        report = await ingest_corpus(pool, settings.data_dir)
        log.warning("Ingested %d videos of %d channels in %.1f s.", report.videos_read, report.channels, report.seconds)


def warm_up() -> None:
    """Load what a first answer would otherwise wait for: the graph and tool modules, the offline router's intent
    model (fitted once per training set, then loaded from the state dir), the tools' engines (``tools.load_engines``:
    the title scorer, the transcript analysis, the fluency guard's title-likeness model) and, for a custom
    OpenAI-compatible endpoint, the models it lists
    (``agent.models.model_name``); run in a worker thread while the corpus is ingested."""
    from agent.offline import OfflineEngine
    from graphs.conversation import build_graph  # noqa: F401  (imports every tool module)
    from tools import all_tools, load_engines

    settings = get_settings()
    if settings.use_llm and settings.openai_base_url and not settings.openrouter_api_key:
        for tier in ("premium", "long", "fast"):  # asks a custom endpoint which models it serves (once, cached)
            model_name(settings, tier)
    engine = OfflineEngine(tools=all_tools())  # fits (or loads) the intent model, encodes a first request
    engine.intents(["Score this title: I Built a Giant Lego Volcano"], {t.name for t in engine.tools})
    load_engines()


async def boot(launch: LaunchApp, settings: Settings) -> None:
    """`cortex serve`'s start-up, run by ``LaunchApp`` once the port is open: build the app (imports, Chainlit) in a
    worker thread, then ``start_up``; the app takes the requests once ``launch.state`` is ready."""
    launch.app = await asyncio.to_thread(create_app, settings, launch.state)
    await launch.stack.enter_async_context(launch.app.state.mcp_sessions)
    await start_up(settings, launch.state, launch.stack)


async def start_up(settings: Settings, state: StartupState, stack: contextlib.AsyncExitStack) -> None:
    """The service's start-up, after the port is open: start the embedded Postgres and load the embedding model
    (worker threads), open the database (the process database, ``memory.db.use_database``), start this process's
    worker for the first-start jobs (``agent.worker.serve_startup_jobs``, in a ``ThreadJob``; with
    ``CORTEX_AUTO_INGEST`` and ``CORTEX_SERVE_STARTUP_JOBS``), and when the corpus is empty defer the ingest job
    (``agent.worker.defer_once``: one for every process starting on the database) and follow it while loading the
    tools (``warm_up``); then mark
    ``state`` ready, and when titles lack vectors or no creator is loaded, defer the index job and follow it in the
    background. Whichever process executes a job, its progress (in Postgres) goes to ``state`` (``show_ingest``,
    ``show_indexes``); a dead ingest job leaves ``state`` failed with what to fix, and the service up to show it
    until the job is retried. What to undo on stop goes on ``stack`` (the worker stopped, runs in progress
    cancelled, traces flushed, the database closed); errors propagate."""
    from agent import worker
    from agent.embeddings import get_embedder, get_title_embedder
    from memory.corpus.ingest import corpus_is_empty
    from memory.corpus.vectors import titles_indexed
    from memory.creators.store import creators_are_empty
    from memory.db import Database, conninfo, use_database

    state.progress("starting the database")
    await asyncio.to_thread(conninfo, settings)  # pgserver blocks while Postgres starts
    state.progress("loading the embedding model")
    await asyncio.to_thread(get_embedder, settings.embedding_model)
    title_model = (await asyncio.to_thread(get_title_embedder)).name
    state.progress("opening the database")
    db = await stack.enter_async_context(Database.open(settings, supervise=True))
    use_database(db)

    async def stop_runs() -> None:  # before the database closes: each cancelled run leaves its thread whole
        from agent.worker import close_queues

        await RUNS.shutdown()
        await close_queues()
        tracing.flush()
        use_database(None)

    stack.push_async_callback(stop_runs)
    warming = asyncio.create_task(asyncio.to_thread(warm_up))
    if settings.auto_ingest:
        if settings.serve_startup_jobs:
            jobs = ThreadJob("startup jobs", lambda: worker.serve_startup_jobs(settings)).start()
            stack.push_async_callback(jobs.stop)  # before stop_runs closes the queues
        if await corpus_is_empty(db.pool):
            job_id = await worker.defer_once(db, worker.INGEST_TASK)
            await worker.follow_job(db, job_id, lambda job, stages: show_ingest(state, job, stages))
    state.progress("loading the tools")
    await warming
    state.ready()
    log.warning("Creator Cortex is up after %.0f s: chat at http://%s:%d%s (engine: %s)", state.ready_after_s,
                settings.host, settings.port, CHAT_PATH, engine_label(settings))
    if not settings.auto_ingest:
        return
    embedded, videos = await titles_indexed(db.pool, title_model)
    if embedded >= videos and not await creators_are_empty(db.pool):
        return
    job_id = await worker.defer_once(db, worker.INDEX_TASK)
    for name in (worker.TITLES, worker.CREATORS):
        state.progress("waiting", job=name)
    try:
        await worker.follow_job(db, job_id, lambda job, stages: show_indexes(state, job, stages))
    finally:
        state.finished(worker.TITLES)
        state.finished(worker.CREATORS)


def _trouble(job, what: str) -> str | None:
    """What a creator reads about the first-start ``job`` (``memory.jobs.JobRow``) that failed: None while it has no
    trouble; for a dead one, its error and how to go on; for one postponed after a failure, when it tries again."""
    from datetime import UTC

    if job.state in ("dead", "cancelled", "aborted"):
        again = f"run `cortex jobs retry {job.id}` or restart `cortex serve`" if job.state == "dead" else \
            "restart `cortex serve`"
        reason = f": {job.message.rstrip('.')}." if job.message else f" (job {job.id} was {job.state})."
        return f"{what[:1].upper()}{what[1:]} failed{reason} Fix that, then {again}."
    if job.state == "postponed" and job.message and job.scheduled_at:
        return (f"{what} failed ({job.message}); trying again at {job.scheduled_at.astimezone(UTC):%H:%M:%S} UTC "
                f"(attempt {job.attempts + 1})")
    return None


def show_ingest(state: StartupState, job, stages: dict) -> None:
    """Put the first-start ingest ``job`` (``memory.jobs.JobRow``) and its progress (``stages``: name -> stage,
    ``memory.jobs.read_progress``) into ``state``: its stage with the count, 'failed' with what to fix once it is dead
    (and 'starting' again when it is retried), the reason and the next try while it waits for a retry."""
    from agent.worker import INGEST

    trouble = _trouble(job, "loading the data sets")
    if job.state in ("dead", "cancelled", "aborted"):
        if state.status != "failed":
            log.error("%s", trouble)
            state.failed(trouble)
        return
    if state.status == "failed":
        state.resume()
    stage = stages.get(INGEST)
    if trouble:
        state.progress(trouble)
    elif stage:
        state.progress(stage.phase, stage.done, stage.total)
    else:
        state.progress("waiting for the data sets to be loaded" if job.state == "queued" else "reading the data sets")


def show_indexes(state: StartupState, job, stages: dict) -> None:
    """Put the index ``job`` and its progress into ``state``'s background jobs (``TITLES``, ``CREATORS``): each part's
    stage, 'waiting' before it starts, and the failure with what to do on both while the job is in trouble."""
    from agent.worker import CREATORS, TITLES

    trouble = _trouble(job, "building the indexes")
    for name in (TITLES, CREATORS):
        stage = stages.get(name)
        if trouble:
            state.progress(trouble, job=name)
        elif stage and stage.phase == "done":
            state.finished(name)
        elif stage:
            state.progress(stage.phase, stage.done, stage.total, job=name)


def create_app(settings: Settings | None = None, state: StartupState | None = None) -> FastAPI:
    """The ASGI app: the API (``agent.api``), /health, and the Chainlit UI at the root (registered last, so API
    routes win), on the process database (``memory.db.get_database``). ``state``: the start-up /health reports
    (`cortex serve` builds the app inside ``agent.startup.LaunchApp``, see ``boot``); None: always ready (an app on a
    database opened by its host, as the tests' in-process clients)."""
    settings = settings or get_settings()
    prepare_chainlit(settings)
    state = state or StartupState(status="ready")

    app = FastAPI(
        title="Creator Cortex",
        version="0.1.0",
        description="The Creator Cortex agent over HTTP, speaking the LangGraph Platform threads/runs API: use "
        "`langgraph_sdk.get_client(url=..., api_key=...)` or LangGraph JS `useStream` with assistant id "
        "`creator_cortex` (or `agent`). Every route but /health and these docs needs an API key "
        "(`cortex keys create --creator NAME`) in the `x-api-key` header.",
    )
    install_api(app)
    if origins := [o.strip() for o in settings.api_cors_origins.split(",") if o.strip()]:
        # browsers' preflight for x-api-key; the SDK reads Content-Location for the run id
        app.add_middleware(CORSMiddleware, allow_origins=origins, allow_methods=["*"], allow_headers=["*"],
                           expose_headers=["Content-Location"])

    @app.get("/health", responses={503: {"description": "Starting, failed, or the database does not answer (status "
                                                        "degraded, with the reason)."}})
    async def health() -> Response:
        """Liveness and readiness: 200 with status 'ok', the engine label, whether the corpus is loaded and the
        background jobs still running, once the chat answers; 503 with status 'starting' (the stage and its
        progress) or 'failed' (the error) before (``agent.startup.StartupState.as_json``), and 'degraded' with the
        reason while the database does not answer (it recovers by itself, ``memory.db.Database.supervise``)."""
        from memory.corpus.ingest import corpus_is_empty
        from memory.db import get_database

        body = state.as_json()
        if state.status != "ready":
            return JSONResponse(body, status_code=503)
        db = await get_database()
        outage = db.outage
        if not outage:
            try:
                loaded = not await asyncio.wait_for(corpus_is_empty(db.pool), HEALTH_TIMEOUT_S)
            except (TimeoutError, psycopg.OperationalError, psycopg_pool.PoolTimeout) as exc:
                outage = f"no answer within {HEALTH_TIMEOUT_S:g} s" if isinstance(exc, TimeoutError) else str(exc)
        if outage:
            return JSONResponse({**body, "status": "degraded", "reason": f"the database does not answer ({outage}); "
                                 "recovering by itself", "engine": engine_label(settings)}, status_code=503)
        return JSONResponse({**body, "status": "ok", "engine": engine_label(settings), "corpus_loaded": loaded})

    from chainlit.server import app as chainlit_app
    from chainlit.utils import mount_chainlit

    from ui.connect import router as connect_router
    from ui.feedback import router as feedback_router  # after prepare_chainlit: Chainlit reads its env at import
    from ui.storage import router as files_router
    from ui.threads import router as threads_router

    app.include_router(feedback_router)  # before the mount: these answer before Chainlit's own feedback routes
    app.include_router(files_router)
    app.include_router(connect_router)  # connecting YouTube with Google's consent page, from the chat
    app.include_router(threads_router)  # another creator's conversation: "not found" instead of Chainlit's page
    app.state.mcp_sessions = mount_mcp(app)  # MCP at /mcp; `boot` runs its sessions
    chainlit_app.middleware_stack = None  # Chainlit's app is one per process: rebuilt with this mount's middleware
    mount_chainlit(app=app, target=str(PROJECT_ROOT / "ui" / "app.py"), path=CHAT_PATH)
    _without_path_guard(chainlit_app)
    return app


def _without_path_guard(chat: FastAPI) -> None:
    """Drop the middleware ``chainlit.utils.mount_chainlit`` adds to the chat app (``ChainlitMiddleware``: a 404 for
    paths outside the mount path). Mounted at "/" (``CHAT_PATH``) it lets every path through, and as a Starlette
    ``BaseHTTPMiddleware`` it turns a client that leaves before the answer starts (a page closed while its favicon
    loads) into "RuntimeError: No response returned." in the service's log; it is also added again by every
    ``create_app`` in a process (the chat app is Chainlit's module-level app)."""
    assert CHAT_PATH == "/", "the chat is mounted below the root: keep Chainlit's path guard"
    chat.user_middleware = [m for m in chat.user_middleware if getattr(m.cls, "__name__", "") != "ChainlitMiddleware"]


# --- `cortex serve` as a child process (tests, benchmarks) --------------------------------------------------------


class ServiceError(RuntimeError):
    """A spawned `cortex serve` exited or did not answer /health in time; the message ends with its output's tail."""


@dataclass
class SpawnedService:
    """A `cortex` child process (``serve`` or ``worker``): ``url`` (``http://127.0.0.1:<port>`` for ``serve``, ""
    for a worker), ``pid``, and ``output`` (its stdout and stderr together, filled in once it has stopped)."""

    url: str
    pid: int
    output: str = ""


def free_port() -> int:
    """A TCP port of 127.0.0.1 free at the time of the call (the OS picks it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(output: str, lines: int) -> str:
    return "\n".join(output.rstrip().splitlines()[-lines:])


@contextmanager
def spawned_cortex(args: list[str], env: Mapping[str, str] | None = None, url: str = "",
                   tail_lines: int = 40) -> Iterator[tuple[SpawnedService, subprocess.Popen, Callable[[], str]]]:
    """Start ``cortex <args>`` as a child process and yield (the process as ``SpawnedService``, its Popen, a
    ``stop()`` that ends it and returns its output); stopped on exit.

    ``env``: variables set for the process on top of this process's environment. Its stdout and stderr go to a
    temporary file (no pipe to fill up), kept in ``SpawnedService.output`` after the stop: SIGTERM, then SIGKILL
    after 30 s. An exception raised in the ``with`` body gets the last ``tail_lines`` lines of its output as a note.
    """
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as log_file:
        proc = subprocess.Popen([sys.executable, "-m", "agent.cli", *args], env={**os.environ, **(env or {})},
                                cwd=PROJECT_ROOT, stdout=log_file, stderr=subprocess.STDOUT)
        child = SpawnedService(url=url, pid=proc.pid)

        def stop() -> str:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            log_file.seek(0)
            child.output = log_file.read()
            return child.output

        try:
            yield child, proc, stop
        except BaseException as exc:
            exc.add_note(f"cortex {args[0]} output (last {tail_lines} lines):\n" + _tail(stop(), tail_lines))
            raise
        finally:
            stop()


@contextmanager
def spawned_service(
    env: Mapping[str, str] | None = None, timeout_s: float = 180.0, tail_lines: int = 40, ready: bool = True,
    workers: int = 1,
) -> Iterator[SpawnedService]:
    """Start `cortex serve` on a free port of 127.0.0.1 (``spawned_cortex``) and yield it once /health answers 200
    (ready), or once it answers at all when ``ready`` is False (the service still starting); stop it on exit. With
    ``workers`` > 1 it is `cortex serve --workers N`: ``pid`` is the supervising parent's, and the first process
    ready is enough (the others may still be starting).

    Raises ServiceError, with the last ``tail_lines`` lines of its output, when it exits before answering or does
    not answer within ``timeout_s`` seconds (/health is polled every 0.1 s).
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    args = ["serve", "--host", "127.0.0.1", "--port", str(port)] + (["--workers", str(workers)] if workers > 1 else [])
    with spawned_cortex(args, env, url, tail_lines) as (
            service, proc, stop):
        deadline = time.monotonic() + timeout_s
        while True:
            if proc.poll() is not None:
                raise ServiceError(f"cortex serve exited with code {proc.returncode} before answering /health:\n"
                                   + _tail(stop(), tail_lines))
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200 or not ready:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise ServiceError(f"cortex serve did not answer {url}/health within {timeout_s:.0f} s:\n"
                                   + _tail(stop(), tail_lines))
            time.sleep(0.1)
        yield service


@contextmanager
def spawned_worker(env: Mapping[str, str] | None = None, concurrency: int = 4,
                   schedule: bool = False) -> Iterator[SpawnedService]:
    """Start `cortex worker` (``spawned_cortex``) and yield it at once (it takes jobs once it has opened the
    database); stop it on exit (a test may kill it first, by its pid). Without ``schedule`` it defers no periodic job
    (``--no-schedule``: a refresh that falls due while a test or benchmark runs would only add load to it)."""
    args = ["worker", "--concurrency", str(concurrency)] + ([] if schedule else ["--no-schedule"])
    with spawned_cortex(args, env) as (worker, _, _):
        yield worker
