"""The agent over HTTP: latency of a scored-title run, and how many concurrent streams the service holds.

Run from the repository root::

    .venv/bin/python -m evals.benchmarks.bench_http [--runs 200] [--max-streams 256] [--pg-data-dir DIR]

Starts `cortex serve` (offline engine) on a free port of 127.0.0.1 with a fresh embedded Postgres in a temporary
folder (the corpus is ingested first, about a minute; ``--pg-data-dir`` reuses a database), creates an API key,
and with the real ``langgraph_sdk`` client:

- **latency**: ``--runs`` scored-title runs one after another ("Score this title: ..." with real titles from
  youtube_channel_uploads), each on a new thread, through ``POST /threads/{id}/runs/stream`` (time until the
  ``end`` event) and as many through ``/runs/wait``; prints p50 / p95 / max in milliseconds (5 warm-up runs
  first, not counted). Percentiles: ``statistics.quantiles(..., n=100, method="inclusive")``.
- **concurrency**: streams started together at 1, 2, 4, ... up to ``--max-streams``, each a scored-title run on
  its own thread; a stream counts as failed on an HTTP error, an ``error`` event or no ``end`` event within
  ``STREAM_TIMEOUT_S``. Prints per level the failures, the wall time and the p50 / p95 of one stream, and the
  largest level with no failure. The load stays on 127.0.0.1 and stops at the first level with failures.
"""

from __future__ import annotations

import asyncio
import csv
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Annotated

import httpx
import typer

from agent.server import ServiceError, spawned_service

STREAM_TIMEOUT_S = 120.0
WARM_UP = 5


def titles_of(data_dir: Path, n: int) -> list[str]:
    """``n`` distinct real titles from the youtube_channel_uploads data set (its first CSV with a title column)."""
    titles: list[str] = []
    for path in sorted((data_dir / "youtube_channel_uploads").rglob("*.csv")):
        with path.open(encoding="utf-8", errors="replace") as f:
            for row in csv.DictReader(f):
                title = (row.get("title") or "").strip()
                if title and title not in titles and '"' not in title:
                    titles.append(title)
                if len(titles) == n:
                    return titles
    if not titles:
        raise SystemExit(f"No titles found under {data_dir / 'youtube_channel_uploads'}; pass --data-dir.")
    return (titles * (n // len(titles) + 1))[:n]


def percentiles(ms: list[float]) -> str:
    """'p50 ... ms   p95 ... ms   max ... ms   (n=...)' of ``ms`` (``statistics.quantiles``, inclusive)."""
    q = statistics.quantiles(ms, n=100, method="inclusive")
    return f"p50 {q[49]:7.0f} ms   p95 {q[94]:7.0f} ms   max {max(ms):7.0f} ms   (n={len(ms)})"


def bench_environment(prefix: str, pg_data_dir: Path | None, auto_ingest: bool = True) -> None:
    """Point this process (and the services it spawns) at a fresh temporary state dir named ``prefix``..., the offline
    engine, and ``pg_data_dir`` (else a new embedded Postgres under it, with the corpus ingested when
    ``auto_ingest``)."""
    from agent.settings import get_settings

    root = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ.update({"CORTEX_PG_DATA_DIR": str(pg_data_dir or root / "pgdata"), "CORTEX_STATE_DIR": str(root / "state"),
                       "CORTEX_ENGINE": "offline", "CORTEX_AUTO_INGEST": "true" if auto_ingest else "false"})
    get_settings.cache_clear()


def wait_idle(url: str) -> None:
    """Wait until the service at ``url`` has no background work left (a first start's ingest and indexes)."""
    while httpx.get(f"{url}/health", timeout=10).json()["background"]:
        time.sleep(2)


async def api_key() -> str:
    """A new API key (creator bench-http) on the database of this process's settings."""
    from agent.auth import create_key
    from memory.db import Database

    async with Database.open(max_size=1) as db:
        return (await create_key(db.pool, "bench-http", label="bench_http.py"))[1]


async def stream_once(client, title: str) -> float:
    """One scored-title run streamed to its ``end``; returns milliseconds. Raises on an error event or no end."""
    thread = await client.threads.create()
    started = time.perf_counter()
    events = [p.event async for p in client.runs.stream(
        thread["thread_id"], "creator_cortex", input={"messages": [{"role": "user", "content": f"Score this title: {title}"}]},
        stream_mode=["updates"],
    )]
    if events[-1:] != ["end"]:
        raise RuntimeError(f"the stream ended with {events[-1:]}")
    return (time.perf_counter() - started) * 1000


async def wait_once(client, title: str) -> float:
    """One scored-title run through /runs/wait on a new thread; returns milliseconds. Raises when it did not answer."""
    thread = await client.threads.create()
    started = time.perf_counter()
    values = await client.runs.wait(thread["thread_id"], "creator_cortex",
                                    input={"messages": [{"role": "user", "content": f"Score this title: {title}"}]})
    if "offline engine" not in values["messages"][-1]["content"]:
        raise RuntimeError("the run did not answer")
    return (time.perf_counter() - started) * 1000


KEEPALIVE_EXPIRY_S = 2.0
"""How long ``LoadClient`` keeps an idle connection for reuse: under uvicorn's keep-alive timeout (5 s), so it never
sends a request on a connection the server is closing (with httpx's default, also 5 s, the two race, and a request
now and then meets a reset connection: an httpx ``ReadError``)."""


class LoadClient:
    """The benchmarks' load generator: the same routes the ``langgraph_sdk`` client calls (``POST /threads``,
    ``POST /threads/{id}/runs/wait``, ``POST /threads/{id}/runs/stream``), with the same JSON bodies, over one plain
    ``httpx.AsyncClient`` and without the SDK's per-event parsing, so the client's CPU per run stays small next to the
    service's (on a 2-core machine the client shares the cores it measures). The API tests keep the real SDK
    (``tests/agent/test_api_protocol_python.py``); ``bench_http``'s latency figures use the SDK too."""

    def __init__(self, url: str, key: str, timeout_s: float = STREAM_TIMEOUT_S) -> None:
        self.http = httpx.AsyncClient(base_url=url, headers={"x-api-key": key},
                                      timeout=httpx.Timeout(timeout_s, connect=30),
                                      limits=httpx.Limits(max_connections=None, max_keepalive_connections=256,
                                                          keepalive_expiry=KEEPALIVE_EXPIRY_S))

    async def _thread(self) -> str:
        response = await self.http.post("/threads", json={})
        response.raise_for_status()
        return response.json()["thread_id"]

    @staticmethod
    def _input(title: str) -> dict:
        return {"assistant_id": "creator_cortex",
                "input": {"messages": [{"role": "user", "content": f"Score this title: {title}"}]}}

    async def wait(self, title: str) -> float:
        """One scored-title run through /runs/wait on a new thread; returns milliseconds. Raises when it did not
        answer (an HTTP error, or no answer by the offline engine)."""
        thread = await self._thread()
        started = time.perf_counter()
        response = await self.http.post(f"/threads/{thread}/runs/wait", json=self._input(title))
        response.raise_for_status()
        if "offline engine" not in response.json()["messages"][-1]["content"]:
            raise RuntimeError("the run did not answer")
        return (time.perf_counter() - started) * 1000

    async def stream(self, title: str) -> float:
        """One scored-title run streamed (stream mode updates) to its ``end`` event on a new thread; returns
        milliseconds. Raises on an HTTP error, an ``error`` event or a stream that ends without ``end``."""
        thread = await self._thread()
        started = time.perf_counter()
        last = None
        async with self.http.stream("POST", f"/threads/{thread}/runs/stream",
                                    json={**self._input(title), "stream_mode": ["updates"]}) as response:
            response.raise_for_status()
            async for line in response.aiter_lines():
                if line.startswith("event:"):
                    last = line[6:].strip()
                    if last == "error":
                        raise RuntimeError("the stream sent an error event")
        if last != "end":
            raise RuntimeError(f"the stream ended with {last!r}")
        return (time.perf_counter() - started) * 1000

    async def aclose(self) -> None:
        """Close the connections."""
        await self.http.aclose()


async def _latency(url: str, key: str, titles: list[str]) -> None:
    from langgraph_sdk import get_client

    client = get_client(url=url, api_key=key)
    for title in titles[:WARM_UP]:
        await stream_once(client, title)
    for name, once in (("stream", stream_once), ("wait", wait_once)):
        ms = [await once(client, title) for title in titles]
        print(f"latency /runs/{name:6s} {percentiles(ms)}")


async def _concurrency(url: str, key: str, titles: list[str], max_streams: int) -> None:
    from langgraph_sdk import get_client

    held, level = 0, 1
    while level <= max_streams:
        client = get_client(url=url, api_key=key, timeout=httpx.Timeout(STREAM_TIMEOUT_S, connect=30))
        started = time.perf_counter()
        results = await asyncio.gather(
            *(asyncio.wait_for(stream_once(client, titles[i % len(titles)]), STREAM_TIMEOUT_S) for i in range(level)),
            return_exceptions=True,
        )
        wall = time.perf_counter() - started
        ms = [r for r in results if isinstance(r, float)]
        failures = [r for r in results if not isinstance(r, float)]
        one = percentiles(ms) if len(ms) > 1 else ""
        print(f"concurrent {level:4d} streams: {len(failures):3d} failed, wall {wall:6.2f} s   {one}")
        for failure in failures[:3]:
            print(f"    {type(failure).__name__}: {str(failure)[:200]}")
        await client.aclose()
        if failures:
            break
        held, level = level, level * 2
    print(f"held without errors: {held} concurrent streams (tried up to {min(level, max_streams)})")


def main(
    runs: Annotated[int, typer.Option(help="Sequential runs per endpoint for the latency figures.")] = 200,
    max_streams: Annotated[int, typer.Option(help="Highest number of concurrent streams to try.")] = 256,
    pg_data_dir: Annotated[Path | None, typer.Option(help="Reuse this embedded Postgres (default: a fresh one).")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="The shared data (default: CORTEX_DATA_DIR).")] = None,
) -> None:
    """Measure the HTTP API (see the module docstring)."""
    from agent.settings import get_settings

    bench_environment("cortex-bench-http-", pg_data_dir)
    titles = titles_of(data_dir or get_settings().data_dir, runs)
    try:
        with spawned_service(timeout_s=600) as service:
            wait_idle(service.url)
            key = asyncio.run(api_key())
            print(f"cortex serve at {service.url} (offline engine), machine: {os.cpu_count()} CPUs")
            asyncio.run(_latency(service.url, key, titles))
            asyncio.run(_concurrency(service.url, key, titles, max_streams))
    except ServiceError as exc:
        raise SystemExit(str(exc)) from None


if __name__ == "__main__":
    typer.run(main)
