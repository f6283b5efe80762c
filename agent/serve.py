"""`cortex serve`'s processes: the app every process runs, and N processes on one port.

``launch_app`` is the ASGI app of one process: ``agent.startup.LaunchApp`` with ``boot``, which imports
``agent.server`` in a worker thread and builds the service behind the open port. `cortex serve` (one process) runs it
in its own process, with progress bars in the terminal.

`cortex serve --workers N` (``run_workers``) runs it in N processes under uvicorn's own supervisor
(``uvicorn.supervisors.Multiprocess``, uvicorn 0.55): the parent binds the port once and starts N spawned children,
each of which builds its app with the factory ``create_app`` (settings from the environment, as every `cortex`
process reads them; the parent exports ``--host``/``--port`` as CORTEX_HOST/CORTEX_PORT first). The kernel hands each
new connection to one of them. The parent opens no database and loads no model: the children share the embedded
Postgres as any `cortex` processes of one machine do (``memory.db.embedded_uri``: the first starts it, the last to
exit stops it), and everything else they share lives in it (runs, API keys, chat threads, the job queue). The
parent restarts a child that dies (or does not answer its ping within ``HEALTHCHECK_TIMEOUT_S``), stops them all on
SIGTERM or Ctrl-C, and stops too, exiting 1, when a child cannot start (its boot failed: the child's log line says
why). While they start it prints what each child is doing, read from /health on the port (``watch_workers``).
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable

import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess

from agent.settings import Settings, get_settings
from agent.startup import LaunchApp, Progress, Stage, StartupState

HEALTHCHECK_TIMEOUT_S = 30
"""Seconds a child has to answer the supervisor's ping (every 0.5 s) before it counts as hung and is restarted;
uvicorn's 5 s default is too short for a child whose first start loads models on a busy 2-core machine."""
WATCH_EVERY_S = 0.5
"""Seconds between the parent's reads of /health while the children start."""

_exit_code: int | None = None
"""``STARTUP_FAILURE`` once this child's boot failed: its exit code (``_after_sigterm``)."""


async def boot(launch: LaunchApp) -> None:
    """Start-up of one `cortex serve` process, run by ``LaunchApp`` once the port answers: import ``agent.server``
    (the heavy imports) in a worker thread, then its ``boot`` on this process's settings (``get_settings``)."""
    launch.state.progress("loading the application")
    service = await asyncio.to_thread(importlib.import_module, "agent.server")
    await service.boot(launch, get_settings())


def launch_app(listeners: Iterable[Progress] = (), on_failure: Callable[[], None] | None = None) -> LaunchApp:
    """The ASGI app of one `cortex serve` process: a ``LaunchApp`` that answers at once and ``boot``s the service.
    ``listeners`` get every counted progress step (the terminal's bars); ``on_failure`` is called when boot fails."""
    return LaunchApp(StartupState(listeners=list(listeners)), boot, on_failure=on_failure)


def create_app() -> LaunchApp:
    """uvicorn's app factory (``agent.serve:create_app``, ``factory=True``) for each child of `cortex serve
    --workers N`: ``launch_app`` reading its settings from the environment. A failed boot stops the child with
    uvicorn's ``STARTUP_FAILURE`` exit code (after a graceful shutdown), which makes the supervisor stop the others
    instead of restarting it forever."""

    def failed() -> None:
        global _exit_code
        _exit_code = STARTUP_FAILURE
        signal.raise_signal(signal.SIGTERM)  # uvicorn's handler: a graceful shutdown, then the signal again (below)

    return launch_app(on_failure=failed)


def _after_sigterm(_signum: int, _frame) -> None:
    """A child's SIGTERM handler outside uvicorn's server (uvicorn raises the signal again after its graceful shutdown,
    and the parent sends it to a child already stopping on Ctrl-C): exit with ``_exit_code`` once when the boot
    failed, else nothing, so the child ends through Python (its exit handlers run, and the last process using the
    embedded Postgres stops it in one) instead of dying of the signal, and a signal arriving while those handlers
    run does not interrupt them."""
    global _exit_code
    code, _exit_code = _exit_code, None
    if code is not None:
        sys.exit(code)


class ServeConfig(uvicorn.Config):
    """uvicorn's config for the children of `cortex serve --workers N`. Each spawned child calls
    ``configure_logging`` first, before it runs its server: here it also makes the child's log lines say which
    process wrote them (``process <pid>: ...``) and sets its SIGTERM handler for the time outside the server
    (``_after_sigterm``; while the server runs, uvicorn's own handler shuts it down gracefully)."""

    def configure_logging(self) -> None:
        """uvicorn's logging set-up, and in a child also the log format and the SIGTERM handler (see the class)."""
        super().configure_logging()
        if multiprocessing.parent_process() is not None:
            logging.basicConfig(level=logging.WARNING, format="process %(process)d: %(message)s", force=True)
            signal.signal(signal.SIGTERM, _after_sigterm)


def _local_url(host: str, port: int) -> str:
    """The URL the parent reads /health at: a wildcard address (0.0.0.0, ::) through the loopback address."""
    host = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(host, host)
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def watch_workers(url: str, workers: int, say: Callable[[str], None], stop: threading.Event,
                  every_s: float = WATCH_EVERY_S) -> None:
    """Print the counted progress of the children of `cortex serve --workers N` while they start (each child logs
    its steps in words itself; the counts are in its /health), until all ``workers`` of them answered ready with no
    background job left, or ``stop`` is set: read ``url``/health every ``every_s`` seconds (each read on a new
    connection, so over time every child answers one) and ``say`` a line per child at each tenth of a counted step
    ('process 4242: writing videos: 2,400 of 6,012 (39%)'), then one when all are ready."""
    import httpx

    printed: set[tuple[int, str, int]] = set()
    idle: set[int] = set()
    while not stop.wait(every_s):
        try:
            body = httpx.get(f"{url}/health", timeout=5).json()
        except (httpx.HTTPError, ValueError):
            continue  # not listening yet, or a child restarting: read again
        pid = body.get("pid")
        if pid is None:
            continue
        steps = [("", body["stage"])] if body.get("status") == "starting" and body.get("stage") else []
        steps += [(f"{job}: ", stage) for job, stage in (body.get("background") or {}).items()]
        for prefix, stage in steps:
            counted = (stage.get("total") or 0) > 1  # a one-step phase: the child's own log line names it
            if counted and (pid, prefix + stage["phase"], stage["percent"] // 10) not in printed:
                printed.add((pid, prefix + stage["phase"], stage["percent"] // 10))
                say(f"process {pid}: {prefix}{Stage(stage['phase'], stage['done'], stage['total']).words()}")
        if body.get("status") in ("ok", "degraded") and not body.get("background"):
            idle.add(pid)
        else:
            idle.discard(pid)
        if len(idle) >= workers:
            say(f"All {workers} processes are ready: chat at {url}/")
            return


def run_workers(settings: Settings, workers: int, say: Callable[[str], None]) -> bool:
    """`cortex serve --workers N`: serve ``launch_app`` from ``workers`` child processes on ``settings``' host and
    port under uvicorn's supervisor (see the module docstring), printing their start-up through ``say``
    (``watch_workers``). Blocks until SIGTERM or Ctrl-C (or a child that cannot start); returns False when a child
    could not start."""
    os.environ["CORTEX_HOST"], os.environ["CORTEX_PORT"] = settings.host, str(settings.port)  # the children's settings
    config = ServeConfig("agent.serve:create_app", factory=True, host=settings.host, port=settings.port,
                         workers=workers, log_level="warning", lifespan="on",
                         timeout_worker_healthcheck=HEALTHCHECK_TIMEOUT_S)
    supervisor = Multiprocess(config, sockets=[config.bind_socket()])
    url = _local_url(settings.host, settings.port)
    say(f"Starting {workers} processes on {url} (each loads the service; their progress follows here and on "
        f"{url}/health).")
    stop = threading.Event()
    watcher = threading.Thread(target=watch_workers, args=(url, workers, say, stop), name="cortex-watch", daemon=True)
    watcher.start()
    try:
        supervisor.run()
    finally:
        stop.set()
        watcher.join(timeout=10)
    return not any(p.exitcode == STARTUP_FAILURE for p in supervisor.processes)
