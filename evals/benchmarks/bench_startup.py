"""Start-up figures of the main job, measured on a fresh embedded Postgres in a temporary folder.

Run from the repository root::

    .venv/bin/python -m evals.benchmarks.bench_startup

Prints (seconds):
- ``ingest``: `cortex ingest` of the whole corpus into an empty database (process start included);
- ``service_start``: `cortex serve` until /health answers, on the now-ingested database;
- ``first_answer``: `cortex ask "Score this title: ..."` in a new process (model load included);
- ``warm_answer``: the median of 5 more scored-title runs in one process (graph run only).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from agent.server import spawned_service

QUESTION = "Score this title: I Built a Giant Lego Volcano"


def _timed(cmd: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def _service_start(env: dict[str, str]) -> float:
    started = time.perf_counter()
    with spawned_service(env):
        return time.perf_counter() - started


async def _warm_answers(n: int = 5) -> float:
    from agent.turns import run_config
    from graphs.conversation import build_graph
    from memory.db import Database, use_database
    from tools.base import CortexContext

    async with Database.open() as db:
        use_database(db)
        graph = build_graph(db.checkpointer, db.store)
        await graph.ainvoke({"messages": [("user", QUESTION)]}, run_config(str(uuid.uuid4()), "bench"),
                            context=CortexContext(creator_id="bench"))  # warm-up: model load
        times = []
        for _ in range(n):
            started = time.perf_counter()
            await graph.ainvoke({"messages": [("user", QUESTION)]}, run_config(str(uuid.uuid4()), "bench"),
                                context=CortexContext(creator_id="bench"))
            times.append(time.perf_counter() - started)
        use_database(None)
    return statistics.median(times)


def main() -> None:
    """Print the seconds of ingest, service start, first answer and a warm answer in a fresh state folder."""
    root = Path(tempfile.mkdtemp(prefix="cortex-bench-"))
    env = {**os.environ, "CORTEX_PG_DATA_DIR": str(root / "pgdata"), "CORTEX_STATE_DIR": str(root / "state"),
           "CORTEX_ENGINE": "offline"}
    os.environ.update(env)
    figures = {
        "ingest": _timed([sys.executable, "-m", "agent.cli", "ingest"], env),
        "service_start": _service_start(env),
        "first_answer": _timed([sys.executable, "-m", "agent.cli", "ask", QUESTION], env),
        "warm_answer": asyncio.run(_warm_answers()),
    }
    for name, seconds in figures.items():
        print(f"{name:14s} {seconds:7.2f} s")


if __name__ == "__main__":
    main()
