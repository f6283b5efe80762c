"""Scaling out: scored-title runs per second with one and two `cortex serve` processes on one Postgres, and the
latency of one stream under 50, 100 and 200 concurrent streams spread over both.

Run from the repository root, with the machine as quiet as you can make it::

    .venv/bin/python -m evals.benchmarks.bench_scale [--runs 200] [--clients 16] [--levels 50,100,200] \
        [--two processes|workers]

Starts `cortex serve` (offline engine) on a free port of 127.0.0.1 with a fresh embedded Postgres in a temporary
folder (the corpus is ingested first, a few minutes; ``--pg-data-dir`` reuses a database as it is, nothing
ingested or built), creates an API key, and sends the load with ``bench_http.LoadClient`` (plain httpx on the routes
and bodies the ``langgraph_sdk`` client uses; the SDK's own per-event work would take a share of the 2 cores the
service is measured on, and the API tests already hold the service to the real SDK):

- **single run**: ``--runs`` / 4 scored-title runs one after another through ``/runs/wait`` (each on a new
  thread; 5 warm-up runs first): p50 / p95 / max in ms;
- **throughput, 1 process**: ``--runs`` runs through ``/runs/wait`` by ``--clients`` clients at once, all to the
  first process: runs per second (runs / wall time);
- two processes on the same database (the embedded Postgres is shared, nothing ingested again), 5 warm-up runs
  each. ``--two processes`` (the default): a second `cortex serve` on a port of its own, the load alternated
  between the two ports; ``--two workers``: `cortex serve --workers 2`, two processes on one port, the kernel
  handing each new connection to one of them (the warm-up runs then go on new connections until each process has
  answered 5), the first `cortex serve` left idle;
- **throughput, 2 processes**: the same ``--runs`` runs by the same clients (alternately to each port, or all to the
  one port): runs per second and the ratio to one process (the same benchmark run, so the same machine load);
- **concurrency**: for each level, that many streams (``/runs/stream`` to ``end``) started together (alternately
  on each port, or all to the one): failures (an HTTP error, an ``error`` event, no ``end`` within
  ``STREAM_TIMEOUT_S``), wall time, p50 / p95 of one stream.

Percentiles: ``statistics.quantiles(..., n=100, method="inclusive")``. The titles are real ones from
youtube_channel_uploads (``bench_http.titles_of``).
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Annotated

import typer

from agent.server import ServiceError, spawned_service
from evals.benchmarks.bench_http import LoadClient, api_key, bench_environment, percentiles, titles_of, wait_idle

STREAM_TIMEOUT_S = 120.0
WARM_UP = 5


def _clients(urls: list[str], key: str) -> list[LoadClient]:
    return [LoadClient(url, key, STREAM_TIMEOUT_S) for url in urls]


async def _single(url: str, key: str, titles: list[str]) -> None:
    """Warm the process up (``WARM_UP`` runs), then print the latency of ``titles`` run one after another (none to
    warm up only)."""
    (client,) = _clients([url], key)
    for title in titles[:WARM_UP]:
        await client.wait(title)
    if titles[WARM_UP:]:
        ms = [await client.wait(title) for title in titles[WARM_UP:]]
        print(f"single run (/runs/wait, one after another)   {percentiles(ms)}")
    await client.aclose()


async def _warm_each(url: str, key: str, titles: list[str], processes: int) -> None:
    """``WARM_UP`` runs on each of the ``processes`` processes behind one port (`cortex serve --workers N`): each run
    on a new connection, /health on it first naming the process, until every process has had its ``WARM_UP``."""
    runs: dict[int, int] = {}
    for i in range(WARM_UP * processes * 20):
        if len(runs) == processes and min(runs.values()) >= WARM_UP:
            return
        (client,) = _clients([url], key)
        pid = (await client.http.get("/health")).json()["pid"]
        if runs.get(pid, 0) < WARM_UP:
            await client.wait(titles[i % len(titles)])
            runs[pid] = runs.get(pid, 0) + 1
        await client.aclose()
    raise SystemExit(f"warm-up: only {len(runs)} of {processes} processes answered on {url}")


async def _throughput(urls: list[str], key: str, titles: list[str], clients: int, label: str) -> float:
    """Runs per second of ``titles`` through /runs/wait by ``clients`` workers taking turns over ``urls``; the
    printed line starts with ``label`` (how many processes serve them)."""
    sdk = _clients(urls, key)
    queue = list(enumerate(titles))
    failures: list[BaseException] = []

    async def worker() -> None:
        while queue:
            i, title = queue.pop()
            try:
                await sdk[i % len(sdk)].wait(title)
            except Exception as exc:  # counted and shown; the measurement goes on
                failures.append(exc)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    wall = time.perf_counter() - started
    for client in sdk:
        await client.aclose()
    rate = (len(titles) - len(failures)) / wall
    print(f"throughput, {label} {rate:6.1f} runs/s "
          f"({len(titles)} runs by {clients} clients in {wall:.1f} s, {len(failures)} failed)")
    for failure in failures[:3]:
        print(f"    {type(failure).__name__}: {str(failure)[:200]}")
    return rate


async def _levels(urls: list[str], key: str, titles: list[str], levels: list[int]) -> None:
    for level in levels:
        sdk = _clients(urls, key)
        started = time.perf_counter()
        results = await asyncio.gather(
            *(asyncio.wait_for(sdk[i % len(sdk)].stream(titles[i % len(titles)]), STREAM_TIMEOUT_S)
              for i in range(level)), return_exceptions=True)
        wall = time.perf_counter() - started
        ms = [r for r in results if isinstance(r, float)]
        failures = [r for r in results if not isinstance(r, float)]
        print(f"concurrent {level:4d} streams over 2 processes: {len(failures):3d} failed, wall {wall:6.2f} s"
              f"   {percentiles(ms) if len(ms) > 1 else ''}")
        for failure in failures[:3]:
            print(f"    {type(failure).__name__}: {str(failure)[:200]}")
        for client in sdk:
            await client.aclose()


def main(
    runs: Annotated[int, typer.Option(help="Runs per throughput measurement.")] = 200,
    clients: Annotated[int, typer.Option(help="Concurrent clients of the throughput measurements.")] = 16,
    levels: Annotated[str, typer.Option(help="Concurrent streams to measure, comma-separated.")] = "50,100,200",
    pg_data_dir: Annotated[Path | None, typer.Option(help="Reuse this embedded Postgres as it is (default: a fresh "
                                                     "one, the corpus ingested).")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="The shared data (default: CORTEX_DATA_DIR).")] = None,
    two: Annotated[str, typer.Option(help="The 2-process phase: 'processes' (two `cortex serve` on two ports) or "
                                          "'workers' (`cortex serve --workers 2` on one port).")] = "processes",
) -> None:
    """Measure scaling out (see the module docstring)."""
    from agent.settings import get_settings

    if two not in ("processes", "workers"):
        raise SystemExit(f"--two must be 'processes' or 'workers', not {two!r}.")

    bench_environment("cortex-bench-scale-", pg_data_dir, auto_ingest=pg_data_dir is None)
    titles = titles_of(data_dir or get_settings().data_dir, runs)
    counts = [int(n) for n in levels.split(",") if n.strip()]
    try:
        with spawned_service(timeout_s=900) as first:
            wait_idle(first.url)
            key = asyncio.run(api_key())
            print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; offline engine")
            asyncio.run(_single(first.url, key, titles[: WARM_UP + max(runs // 4, 2)]))
            one = asyncio.run(_throughput([first.url], key, titles, clients, "1 process:  "))
            with spawned_service({"CORTEX_AUTO_INGEST": "false"}, timeout_s=900,
                                 workers=2 if two == "workers" else 1) as second:
                if two == "workers":
                    urls = [second.url]
                    asyncio.run(_warm_each(second.url, key, titles, 2))
                    print("2 processes: `cortex serve --workers 2`, one port")
                else:
                    urls = [first.url, second.url]
                    asyncio.run(_single(second.url, key, titles[:WARM_UP]))
                rate = asyncio.run(_throughput(urls, key, titles, clients, "2 processes:"))
                print(f"ratio 2 processes / 1: {rate / one:.2f}x   (load average {os.getloadavg()[0]:.2f})")
                asyncio.run(_levels(urls, key, titles, counts))
    except ServiceError as exc:
        raise SystemExit(str(exc)) from None


if __name__ == "__main__":
    typer.run(main)
