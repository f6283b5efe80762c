"""The service: one FastAPI process with the HTTP API (LangGraph's threads/runs API, ``agent.api``; OpenAPI page
at /docs), /health, and the chat UI (Chainlit, mounted at the root last, so the API routes win).

On start it opens the database (starting the embedded Postgres unless DATABASE_URL is set), applies
migrations, and ingests the demo corpus when it is empty (``CORTEX_AUTO_INGEST``). On stop it cancels the API
runs in progress (each leaves its thread whole) and flushes Langfuse traces.

``spawned_service`` starts `cortex serve` as a child process on a free port of 127.0.0.1 (for tests and benchmarks).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
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
from agent.models import engine_label
from agent.settings import PROJECT_ROOT, Settings, get_settings

log = logging.getLogger("cortex")

CHAT_PATH = "/"
HEALTH_TIMEOUT_S = 3.0
"""Longest /health waits for the database before it answers 503 ``degraded``."""


def auth_secret(settings: Settings) -> str:
    """The secret that signs chat sessions: from settings, else generated once into the state dir."""
    if settings.auth_secret:
        return settings.auth_secret.get_secret_value()
    path = settings.state_dir / "auth_secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _merged(base: dict, overrides: Mapping) -> dict:
    """``base`` with ``overrides`` laid over it, nested dicts merged key by key."""
    out = dict(base)
    for key, value in overrides.items():
        out[key] = _merged(out.get(key, {}), value) if isinstance(value, Mapping) else value
    return out


def prepare_chainlit(settings: Settings) -> None:
    """Environment Chainlit reads at import: its app root (config from ui/chainlit.toml, uploads) in the
    state dir, the session secret, and the English UI texts: Chainlit's own ``en-US.json`` with the product's
    words laid over it (``ui/translations.json``: the login asks for a creator name, not an e-mail address)."""
    root = Path(os.environ.setdefault("CHAINLIT_APP_ROOT", str(settings.state_dir / "chainlit")))
    (root / ".chainlit" / "translations").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(PROJECT_ROOT / "ui" / "chainlit.toml", root / ".chainlit" / "config.toml")
    bundled = json.loads((resources.files("chainlit") / "translations" / "en-US.json").read_text(encoding="utf-8"))
    ours = json.loads((PROJECT_ROOT / "ui" / "translations.json").read_text(encoding="utf-8"))
    (root / ".chainlit" / "translations" / "en-US.json").write_text(json.dumps(_merged(bundled, ours), indent=2),
                                                                   encoding="utf-8")
    os.environ["CHAINLIT_AUTH_SECRET"] = auth_secret(settings)


async def ensure_corpus(pool, settings: Settings, progress=None) -> None:
    """Ingest the demo corpus when the videos table is empty."""
    from memory.corpus.ingest import corpus_is_empty, ingest_corpus

    if settings.auto_ingest and await corpus_is_empty(pool):
        log.warning("The corpus is empty: ingesting %s (once, about half a minute).", settings.data_dir)
        report = await ingest_corpus(pool, settings.data_dir, progress=progress)
        log.warning("Ingested %d videos of %d channels in %.1f s.", report.videos_read, report.channels, report.seconds)


async def ensure_creators(pool, settings: Settings) -> None:
    """Build the creator-search index when no creator is loaded (once; minutes on 2 cores). The service runs
    it in the background, so the chat is up at once; search_creators says so until it is done."""
    from agent.embeddings import get_embedder
    from memory.creators.store import creators_are_empty
    from tools.creators.enrich import build_creator_index

    if not (settings.auto_ingest and await creators_are_empty(pool)):
        return
    log.warning("No creators yet: building the creator-search index in the background (once, a few minutes).")
    try:
        built = await build_creator_index(pool, settings.data_dir, settings, get_embedder(settings.embedding_model))
    except Exception:  # the service stays up; the log says what to run
        log.exception("Building the creator index failed: run `cortex enrich-creators` to retry.")
        return
    log.warning("Creator search ready: %d accounts, %d creators (%.0f s).", built.load.accounts,
                built.resolution.creators, built.seconds)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The ASGI app: the API (``agent.api``), /health, and the Chainlit UI at the root (registered last, so API
    routes win)."""
    settings = settings or get_settings()
    prepare_chainlit(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from memory.db import Database, use_database

        async with Database.open(settings, supervise=True) as db:
            use_database(db)
            await ensure_corpus(db.pool, settings)
            creators = asyncio.create_task(ensure_creators(db.pool, settings))
            app.state.db = db
            log.warning(
                "Creator Cortex is up: chat at http://%s:%d%s (engine: %s)",
                settings.host, settings.port, CHAT_PATH, engine_label(settings),
            )
            try:
                yield
            finally:
                creators.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await creators
                await RUNS.shutdown()
                tracing.flush()
                use_database(None)

    app = FastAPI(
        title="Creator Cortex",
        version="0.1.0",
        lifespan=lifespan,
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

    @app.get("/health", responses={503: {"description": "The database does not answer (status degraded)."}})
    async def health() -> Response:
        """Liveness and what answers: the engine label and whether the corpus is loaded; 503 with status
        ``degraded`` and the reason while the database does not answer (it recovers by itself)."""
        from memory.corpus.ingest import corpus_is_empty

        outage = app.state.db.outage
        if not outage:
            try:
                loaded = not await asyncio.wait_for(corpus_is_empty(app.state.db.pool), HEALTH_TIMEOUT_S)
            except (TimeoutError, psycopg.OperationalError, psycopg_pool.PoolTimeout) as exc:
                outage = f"no answer within {HEALTH_TIMEOUT_S:g} s" if isinstance(exc, TimeoutError) else str(exc)
        if outage:
            return JSONResponse({"status": "degraded", "reason": f"the database does not answer ({outage}); "
                                 "recovering by itself", "engine": engine_label(settings)}, status_code=503)
        return JSONResponse({"status": "ok", "engine": engine_label(settings), "corpus_loaded": loaded})

    from chainlit.utils import mount_chainlit

    from ui.feedback import router as feedback_router  # after prepare_chainlit: Chainlit reads its env at import

    app.include_router(feedback_router)  # before the mount: these answer before Chainlit's own feedback routes
    mount_chainlit(app=app, target=str(PROJECT_ROOT / "ui" / "app.py"), path=CHAT_PATH)
    return app


# --- `cortex serve` as a child process (tests, benchmarks) --------------------------------------------------------


class ServiceError(RuntimeError):
    """A spawned `cortex serve` exited or did not answer /health in time; the message ends with its output's tail."""


@dataclass
class SpawnedService:
    """A `cortex serve` child process: ``url`` (``http://127.0.0.1:<port>``), ``pid``, and ``output`` (its stdout
    and stderr together, filled in once it has stopped)."""

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
def spawned_service(
    env: Mapping[str, str] | None = None, timeout_s: float = 180.0, tail_lines: int = 40
) -> Iterator[SpawnedService]:
    """Start `cortex serve` on a free port of 127.0.0.1 and yield it once /health answers 200; stop it on exit.

    ``env``: variables set for the process on top of this process's environment. Its stdout and stderr go to a
    temporary file (no pipe to fill up), kept in ``SpawnedService.output`` after the stop: SIGTERM, then SIGKILL
    after 30 s. Raises ServiceError, with the last ``tail_lines`` lines of its output, when it exits before
    answering or does not answer within ``timeout_s`` seconds (/health is polled every 0.1 s); an exception raised
    in the ``with`` body gets that tail as a note.
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as log_file:
        proc = subprocess.Popen(
            [sys.executable, "-m", "agent.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env={**os.environ, **(env or {})}, cwd=PROJECT_ROOT, stdout=log_file, stderr=subprocess.STDOUT,
        )
        service = SpawnedService(url=url, pid=proc.pid)

        def stop() -> str:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            log_file.seek(0)
            service.output = log_file.read()
            return service.output

        try:
            deadline = time.monotonic() + timeout_s
            while True:
                if proc.poll() is not None:
                    raise ServiceError(f"cortex serve exited with code {proc.returncode} before answering /health:\n"
                                       + _tail(stop(), tail_lines))
                try:
                    if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise ServiceError(f"cortex serve did not answer {url}/health within {timeout_s:.0f} s:\n"
                                       + _tail(stop(), tail_lines))
                time.sleep(0.1)
            try:
                yield service
            except BaseException as exc:
                exc.add_note(f"cortex serve output (last {tail_lines} lines):\n" + _tail(stop(), tail_lines))
                raise
        finally:
            stop()
