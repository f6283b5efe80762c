"""The first start of `cortex serve` on a fresh state folder, as a new user sees it (a temporary folder: embedded
Postgres with no corpus, no models distilled, offline engine).

Run from the repository root::

    .venv/bin/python -m evals.benchmarks.bench_startup [--runs N]

An API key is created first (`cortex keys create`, which also creates the empty database); then the clock starts
at the launch of `cortex serve`. Prints (seconds since launch unless said otherwise):
- ``port_answers``: /health answers at all (503 "starting" with the progress);
- ``ready``: /health answers 200 (the corpus is ingested; the chat answers);
- ``first_answer``: a scored-title run ("Score this title: ...", a new thread, ``POST /threads/{id}/runs/wait``),
  sent as soon as the service is ready, has answered;
- ``background_done``: the background jobs (title index, creator index) are finished;
- ``during`` / ``after``: the median and the slowest latency (s) of scored-title runs sent one after another while
  the background jobs run, then as many after them, and their ratio (median during / median after).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Annotated

import httpx
import typer

from agent.server import spawned_service

QUESTION = "Score this title: I Built a Giant Lego Volcano"


def _api_key(env: dict[str, str]) -> str:
    out = subprocess.run([sys.executable, "-m", "agent.cli", "keys", "create", "--creator", "bench"], env=env,
                         check=True, capture_output=True, text=True).stdout
    return out.strip().splitlines()[-1].strip()


def _answer_s(client: httpx.Client) -> float:
    """Seconds of one scored-title run in a new thread (fails unless the answer is a scored title)."""
    started = time.perf_counter()
    thread = client.post("/threads", json={}).raise_for_status().json()["thread_id"]
    values = client.post(f"/threads/{thread}/runs/wait", json={
        "assistant_id": "creator_cortex", "input": {"messages": [{"role": "user", "content": QUESTION}]},
    }).raise_for_status().json()
    if "/100" not in values["messages"][-1]["content"]:
        raise SystemExit(f"not a scored title: {values['messages'][-1]['content'][:300]}")
    return time.perf_counter() - started


def main(
    runs: Annotated[int, typer.Option(help="Scored-title runs after the background jobs (and at most as many "
                                           "during them).")] = 10,
    timeout_s: Annotated[float, typer.Option(help="Give up when not ready or not done within this many seconds.")]
    = 1800.0,
) -> None:
    """Measure the first start (see the module docstring)."""
    root = Path(tempfile.mkdtemp(prefix="cortex-bench-start-"))
    env = {**os.environ, "CORTEX_PG_DATA_DIR": str(root / "pgdata"), "CORTEX_STATE_DIR": str(root / "state"),
           "CORTEX_ENGINE": "offline", "CORTEX_AUTO_INGEST": "true"}
    key = _api_key(env)
    figures: dict[str, float] = {}
    launched = time.perf_counter()
    with spawned_service(env, timeout_s=60, ready=False) as service, \
            httpx.Client(base_url=service.url, headers={"x-api-key": key}, timeout=600) as client:
        figures["port_answers"] = time.perf_counter() - launched
        while (health := client.get("/health")).status_code != 200:
            if health.json().get("status") == "failed" or time.perf_counter() - launched > timeout_s:
                raise SystemExit(f"not ready: {health.text}")
            time.sleep(0.2)
        figures["ready"] = time.perf_counter() - launched
        _answer_s(client)
        figures["first_answer"] = time.perf_counter() - launched
        during = []
        while client.get("/health").json()["background"] and len(during) < runs:
            during.append(_answer_s(client))
        while client.get("/health").json()["background"]:
            if time.perf_counter() - launched > timeout_s:
                raise SystemExit("the background jobs did not finish in time")
            time.sleep(1)
        figures["background_done"] = time.perf_counter() - launched
        after = [_answer_s(client) for _ in range(runs)]
    for name, seconds in figures.items():
        print(f"{name:16s} {seconds:7.1f} s after launch")
    for name, times in (("during", during), ("after", after)):
        if times:
            print(f"{name:16s} median {statistics.median(times):5.2f} s, slowest {max(times):5.2f} s "
                  f"({len(times)} runs)")
    if during and after:
        print(f"{'ratio':16s} {statistics.median(during) / statistics.median(after):5.2f} (median during / after)")
    print(f"machine: {os.cpu_count()} CPUs; state in {root}")


if __name__ == "__main__":
    typer.run(main)
