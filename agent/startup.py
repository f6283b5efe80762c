"""The service's start-up as background work, so the port answers at once.

`cortex serve` runs ``LaunchApp``, which this light module defines (it imports nothing heavy): the port answers
within a second or two, while ``agent.server.boot`` imports and builds the service in a worker thread, starts the
embedded Postgres and loads the embedding model (worker threads), opens the database, has the corpus ingested when it
is empty (a job of the queue, ``agent.worker.load_corpus``, which runs its work in a ``ThreadJob``: a worker thread with
its own event loop and pool, so parsing files never blocks the service's loop), marks the service ready, then has the
titles embedded and the creator-search index built the same way (``agent.worker.build_indexes``; that embedding
yields the encoder to requests between small batches: ``agent.embeddings.background_work``).

``StartupState`` is what /health, the chat page and `cortex serve`'s progress bars read: the stage, its progress,
and the background jobs still running (from the jobs' progress in Postgres, whichever process runs them). Until the
service is ready ``LaunchApp`` answers every request with 503: a "getting ready" page (the stage and its percentage,
reloading itself) to a browser, JSON to other clients.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import logging
import os
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

log = logging.getLogger("cortex")

Progress = Callable[[str, int, int], None]
"""progress(phase, done, total): called as work advances (the shape ``memory.corpus.vectors.Progress`` has)."""

@dataclass
class Stage:
    """One step of start-up or of a background job: ``phase`` in words, ``done`` of ``total`` (0 when unknown)."""

    phase: str
    done: int = 0
    total: int = 0

    def words(self) -> str:
        """The phase with its count and percentage, e.g. 'embedding titles: 2,580 of 6,012 (43%)'."""
        if self.total <= 1:  # a one-step phase: no count to give
            return self.phase
        return f"{self.phase}: {self.done:,} of {self.total:,} ({100 * self.done // self.total}%)"


@dataclass
class StartupState:
    """Where start-up is. ``status``: 'starting' until the chat can answer, then 'ready' (or 'failed' with
    ``error``); ``stage``: the current step; ``background``: jobs still running after ready (name -> stage);
    ``listeners`` get every progress call of a step with a count (``cortex serve``'s progress bars). Safe to update
    from any thread."""

    status: Literal["starting", "ready", "failed"] = "starting"
    stage: Stage = field(default_factory=lambda: Stage("starting"))
    background: dict[str, Stage] = field(default_factory=dict)
    error: str | None = None
    started: float = field(default_factory=time.monotonic)
    ready_after_s: float | None = None
    listeners: list[Progress] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def progress(self, phase: str, done: int = 0, total: int = 0, job: str | None = None) -> None:
        """Record progress of start-up (``job`` None) or of the background ``job``; log each new phase once."""
        with self._lock:
            current = self.background.get(job) if job else self.stage
            if current is None or current.phase != phase:
                log.warning("%s%s ...", f"{job}: " if job else "Getting ready: ", phase)
            stage = Stage(phase, done, total)
            if job:
                self.background[job] = stage
            else:
                self.stage = stage
        if total:  # steps with a count; the log line above names the others
            for listener in self.listeners:
                listener(f"{job}: {phase}" if job else phase, done, total)

    def reporter(self, job: str | None = None) -> Progress:
        """A ``progress(phase, done, total)`` callback that records into this state (for ``job`` when given)."""
        return lambda phase, done, total: self.progress(phase, done, total, job)

    def ready(self) -> None:
        """Start-up is over: the chat answers from now on."""
        with self._lock:
            self.status = "ready"
            self.ready_after_s = time.monotonic() - self.started

    def finished(self, job: str) -> None:
        """The background ``job`` is done (or gave up)."""
        with self._lock:
            self.background.pop(job, None)

    def failed(self, error: str) -> None:
        """Start-up failed: ``error`` says what to fix."""
        with self._lock:
            self.status, self.error = "failed", error

    def resume(self) -> None:
        """Start-up goes on after a failure (its failed job was retried): 'starting' again, the error gone."""
        with self._lock:
            if self.status == "failed":
                self.status, self.error = "starting", None

    def message(self) -> str:
        """What a creator reads while waiting, e.g. 'Getting ready: embedding titles: 2,580 of 6,012 (43%)'."""
        if self.status == "failed":
            return f"Creator Cortex could not start: {self.error}"
        if self.status == "ready":
            return "Ready."
        return f"Getting ready: {self.stage.words()}"

    def as_json(self) -> dict:
        """The /health fields: status, stage (phase, done, total, percent), message, seconds since launch, the
        background jobs (name -> the same stage fields), ``pid`` (the process that answered: `cortex serve --workers`
        runs several on one port) and, once ready, ``ready_after_s``."""
        def stage(s: Stage) -> dict:
            return {"phase": s.phase, "done": s.done, "total": s.total,
                    "percent": 100 * s.done // s.total if s.total else None}

        with self._lock:
            body = {"status": self.status, "message": self.message(),
                    "uptime_s": round(time.monotonic() - self.started, 1), "pid": os.getpid(),
                    "background": {name: stage(s) for name, s in self.background.items()}}
            if self.status == "starting":
                body["stage"] = stage(self.stage)
            if self.ready_after_s is not None:
                body["ready_after_s"] = round(self.ready_after_s, 1)
            if self.error:
                body["error"] = self.error
        return body


class ThreadJob:
    """A coroutine run to its end in a worker thread with its own event loop (``asyncio.run``), awaited from the
    service's loop with ``await job.wait()`` (which re-raises its exception); ``cancel()`` cancels it from any
    thread. Work that parses files or computes in Python then never blocks the service's loop for long."""

    def __init__(self, name: str, make: Callable[[], Awaitable[object]]):
        self.name = name
        self._make = make
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task | None = None
        self._cancelled = False
        self._done = threading.Event()
        self._result: object = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=f"cortex-{name}", daemon=True)

    def start(self) -> ThreadJob:
        """Start the thread; returns self."""
        self._thread.start()
        return self

    def _run(self) -> None:
        async def main() -> object:
            self._loop, self._task = asyncio.get_running_loop(), asyncio.current_task()
            if self._cancelled:
                raise asyncio.CancelledError
            return await self._make()

        try:
            self._result = asyncio.run(main())
        except BaseException as exc:  # handed to wait(), which re-raises it in the service's loop
            self._error = exc
        finally:
            self._done.set()

    def cancel(self) -> None:
        """Cancel the job's coroutine (it stops at its next await)."""
        self._cancelled = True
        if self._loop and self._task and not self._done.is_set():
            with contextlib.suppress(RuntimeError):  # its loop closed meanwhile: nothing left to cancel
                self._loop.call_soon_threadsafe(self._task.cancel)

    async def wait(self) -> object:
        """The job's result once its thread ends; its exception re-raised (CancelledError when cancelled)."""
        await asyncio.to_thread(self._done.wait)
        if self._error is not None:
            raise self._error
        return self._result

    async def stop(self) -> None:
        """Cancel the job and wait for its thread to end, whatever it raises."""
        self.cancel()
        with contextlib.suppress(BaseException):
            await self.wait()


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="2">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Creator Cortex: getting ready</title>
<style>
body {{ font-family: system-ui, sans-serif; background: #111318; color: #e8e8ea; display: grid; place-items: center;
       min-height: 100vh; margin: 0; }}
main {{ max-width: 34rem; padding: 2rem; }} h1 {{ font-size: 1.6rem; margin: 0 0 .3rem; }}
p {{ color: #b8b8c0; }} progress {{ width: 100%; height: 1rem; accent-color: #f25c54; }}
</style></head>
<body><main><h1>Creator Cortex</h1><p>Your AI strategist for YouTube titles, hooks and outliers.</p>
<p id="status"><strong>{message}</strong></p>{bar}
<p>This page reloads itself: the chat opens as soon as the data is loaded (once, on the first start).</p>
</main></body></html>
"""


def getting_ready_page(state: StartupState) -> str:
    """The HTML a browser gets while the service starts: the product, the stage in words with its percentage and
    a progress bar, reloading itself every 2 s."""
    stage = state.stage
    bar = f'<progress value="{stage.done}" max="{stage.total}"></progress>' if stage.total > 1 else ""
    return _PAGE.format(message=html.escape(state.message()), bar=bar)


class LaunchApp:
    """The ASGI app `cortex serve` runs: it answers at once and builds the service behind it.

    Its lifespan starts ``boot(self)`` as a task and reports start-up complete at once, so the server listens while
    ``boot`` imports and builds the real app, opens the database and ingests (recording progress in ``state``, and
    what to undo on stop in ``stack``); ``boot`` sets ``app``. Until ``state`` is ready, HTTP requests get 503 with
    ``Retry-After: 2``: /health its JSON (``StartupState.as_json``), a browser the getting-ready page, other clients
    ``{"detail": message, "status": ...}``; websockets are closed. Then every request goes to ``app``. A failing
    ``boot`` is logged, recorded in ``state`` and reported to ``on_failure`` (`cortex serve` then stops)."""

    def __init__(self, state: StartupState, boot: Callable[[LaunchApp], Awaitable[None]],
                 on_failure: Callable[[], None] | None = None):
        self.state = state
        self.app = None
        self.stack = contextlib.AsyncExitStack()
        self._boot = boot
        self._on_failure = on_failure
        self._task: asyncio.Task | None = None

    async def __call__(self, scope, receive, send) -> None:
        """The ASGI interface."""
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif self.app is not None and self.state.status == "ready":
            await self.app(scope, receive, send)
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1013})  # try again later
        else:
            await self._waiting(scope, send)

    async def _lifespan(self, receive, send) -> None:
        await receive()  # lifespan.startup
        self._task = asyncio.create_task(self._run())
        await send({"type": "lifespan.startup.complete"})
        await receive()  # lifespan.shutdown
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        await self.stack.aclose()
        await send({"type": "lifespan.shutdown.complete"})

    async def _run(self) -> None:
        try:
            await self._boot(self)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the log and /health say what to fix; the service stops
            log.error("Creator Cortex could not start: %s", exc)
            log.debug("start-up failed", exc_info=True)
            self.state.failed(str(exc))
            if self._on_failure:
                self._on_failure()

    async def _waiting(self, scope, send) -> None:
        accept = dict(scope.get("headers") or []).get(b"accept", b"").decode("latin-1")
        if scope["path"] == "/health":
            body, kind = json.dumps(self.state.as_json()).encode(), b"application/json"
        elif "text/html" in accept:
            body, kind = getting_ready_page(self.state).encode(), b"text/html; charset=utf-8"
        else:
            body = json.dumps({"detail": self.state.message(), "status": self.state.status}).encode()
            kind = b"application/json"
        await send({"type": "http.response.start", "status": 503,
                    "headers": [(b"content-type", kind), (b"retry-after", b"2"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
