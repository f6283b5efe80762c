"""Where the CPU of one scored-title run goes: the service process, Postgres and the client, and inside the service
by part (routing, graph steps, embedding, the scorer, checkpoints, run events, HTTP).

Run from the repository root, with the machine as quiet as you can make it::

    .venv/bin/python -m evals.benchmarks.bench_run_cost [--runs 100] [--pg-data-dir DIR] [--profile]

Starts `cortex serve` (offline engine) like ``bench_scale`` (``bench_http.bench_environment``; ``--pg-data-dir``
reuses a database as it is), creates an API key, sends 5 warm-up runs, then ``--runs`` scored-title runs one after
another through ``/runs/wait`` (``bench_http.LoadClient``, real titles from youtube_channel_uploads, each on a new
thread) and prints per run:

- **CPU, ms per run**: the service process (user + system time of all its threads, ``/proc/<pid>/stat``), Postgres
  (the postmaster, its live children and the children that exited meanwhile) and this client
  (``time.process_time``). CPU time, not wall time, so the figures hold on a busy machine;
- **Postgres work per run**: transactions committed (``pg_stat_database.xact_commit``: with autocommit one per
  statement outside a transaction block) and rows inserted / updated per table (``pg_stat_user_tables``; read 1.5 s
  after the last run, once the backends flushed their statistics);
- with ``--profile`` (needs ``py-spy`` on PATH or next to the Python running this; a dev tool, not a dependency:
  ``pip install py-spy``): the service sampled by py-spy (``--rate`` per second, ``--nonblocking``, idle threads
  left out) and each sample given to the deepest frame of its stack that one of ``PARTS`` claims; ms per run =
  samples / rate / runs. py-spy sees the Python threads only, so a native thread pool's work (torch's intra-op
  threads) counts in the process total but in no part.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from agent.server import ServiceError, spawned_service
from evals.benchmarks.bench_http import LoadClient, api_key, bench_environment, titles_of, wait_idle

WARM_UP = 5

PARTS: list[tuple[str, str]] = [
    ("checkpoint reads and writes", r"\((langgraph/)?(checkpoint|postgres|serde)/|_checkpointer_put|_put_checkpoint|"
                                    r"create_checkpoint"),
    ("run records, events, NOTIFY", r"\((memory/runs|agent/api/runs)\.py"),
    ("graph steps (LangGraph, nodes)", r"\((langgraph/)?(pregel|graph|_internal|channels|prebuilt)/|\(langchain_core/"
                                       r"(runnables|tracers|callbacks|tools)/|\((graphs/conversation|agent/turns)\.py"),
    ("routing + answer (offline engine)", r"\(agent/(offline|intent|models)\.py"),
    ("tools (scorer ...)", r"\(tools/"),
    ("embedding", r"\((torch|transformers|sentence_transformers|model2vec|tokenizers)/|\(agent/embeddings\.py"),
    ("HTTP, auth, JSON", r"\((uvicorn|starlette|fastapi|sse_starlette|h11|httptools)/|\(agent/api/(routes|schemas|"
                         r"guards|__init__)\.py|\(agent/(auth|startup)\.py"),
]
"""(part, regex on a py-spy frame ``function (file:line)``, where py-spy shortens ``file`` to its path under
``site-packages`` or the repository, or its last two parts: ``pregel/_loop.py``, ``postgres/aio.py``): a sample belongs to the part of the deepest frame that
matches. An embedding sample is split by who asked: the router (``agent/intent.py`` on its stack) or the title
scorer (``tools/scoring``). Library frames no pattern names (psycopg, pydantic, asyncio) count for the part that
called them; samples with no part at all (the event loop between tasks, uvloop's C code) are "event loop"."""

IDLE_LEAF = re.compile(r"^(_worker \(concurrent/futures/thread\.py|Condition\.wait|wait \(threading\.py|"
                       r"select \(selectors\.py)")
"""Leaf frames of a thread that waits (py-spy may report one as active for a sample). A sample whose leaf is
``Runner.run`` is uvloop's C code (the event loop's I/O, HTTP parsing) and counts as "event loop"."""

_RULES = [(name, re.compile(pattern)) for name, pattern in PARTS]


def part_of(frames: list[str]) -> str | None:
    """The part of one py-spy stack (frames root first): see ``PARTS``; None for an idle thread."""
    if not frames or IDLE_LEAF.match(frames[-1]):
        return None
    if frames[-1].startswith("Runner.run (asyncio/runners.py"):
        return "event loop"
    part = "event loop"
    for frame in frames:
        for name, rule in _RULES:
            if rule.search(frame):
                part = name
                break
    if part == "embedding":
        if any("(agent/intent.py" in f for f in frames):
            return "embedding: routing (the message)"
        if any("(tools/scoring/" in f for f in frames):
            return "embedding: title scorer"
    return part


def parts_of(raw: Path) -> Counter:
    """Samples per part of a py-spy ``--format raw`` file (lines ``frame;frame;... count``)."""
    parts: Counter = Counter()
    for line in raw.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit() and (part := part_of(stack.split(";"))) is not None:
            parts[part] += int(count)
    return parts


def _ticks(pid: int, children: bool = False) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # after the name: state ppid ... utime(12) stime(13) cutime(14) cstime(15), 0-based from the state field
    return sum(int(f) for f in fields[11:15 if children else 13])


def _postgres_ticks(postmaster: int) -> int:
    total = _ticks(postmaster, children=True)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == postmaster:
            total += sum(int(f) for f in fields[11:13])
    return total


def _postmaster(pg_data_dir: Path) -> int:
    return int((pg_data_dir / "postmaster.pid").read_text().split()[0])


def _pg_counters() -> tuple[int, dict[str, tuple[int, int]]]:
    import psycopg

    from agent.settings import get_settings
    from memory.db import conninfo

    with psycopg.connect(conninfo(get_settings()), autocommit=True) as conn:
        commits = conn.execute("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()").fetchone()[0]
        tables = {r[0]: (r[1], r[2]) for r in conn.execute("SELECT relname, n_tup_ins, n_tup_upd FROM pg_stat_user_tables")}
    return commits, tables


def _py_spy() -> str | None:
    return shutil.which("py-spy") or next((str(p) for p in [Path(sys.executable).parent / "py-spy"] if p.is_file()), None)


class _Profiler:
    """py-spy recording the service (``record`` as a context manager), or nothing when it is not wanted."""

    def __init__(self, pid: int, rate: int, wanted: bool) -> None:
        self.pid, self.rate, self.raw = pid, rate, Path(tempfile.mkdtemp(prefix="cortex-run-cost-")) / "raw.txt"
        self.exe = _py_spy() if wanted else None
        if wanted and self.exe is None:
            raise SystemExit("--profile needs py-spy: `.venv/bin/pip install py-spy` (a dev tool, not a dependency).")

    @contextmanager
    def record(self) -> Iterator[None]:
        """Record the service within the block (nothing without ``--profile``)."""
        if self.exe is None:
            yield
            return
        proc = subprocess.Popen([self.exe, "record", "-p", str(self.pid), "-o", str(self.raw), "-f", "raw",
                                 "-r", str(self.rate), "--nonblocking"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(1.0)  # py-spy attached
        try:
            yield
        finally:
            proc.send_signal(signal.SIGINT)
            _, err = proc.communicate(timeout=60)
            if not self.raw.is_file():
                raise SystemExit(f"py-spy wrote no profile: {err.decode(errors='replace')[-500:]}")


async def _loop(url: str, key: str, titles: list[str]) -> list[float]:
    client = LoadClient(url, key)
    try:
        return [await client.wait(title) for title in titles]
    finally:
        await client.aclose()


def main(
    runs: Annotated[int, typer.Option(help="Measured runs (one after another).")] = 100,
    profile: Annotated[bool, typer.Option(help="Sample the service with py-spy and split its CPU by part.")] = False,
    rate: Annotated[int, typer.Option(help="py-spy samples per second.")] = 200,
    pg_data_dir: Annotated[Path | None, typer.Option(help="Reuse this embedded Postgres as it is (default: a fresh "
                                                     "one, the corpus ingested).")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="The shared data (default: CORTEX_DATA_DIR).")] = None,
) -> None:
    """Measure the CPU of one run (see the module docstring)."""
    from agent.settings import get_settings

    bench_environment("cortex-bench-run-cost-", pg_data_dir, auto_ingest=pg_data_dir is None)
    settings = get_settings()
    titles = titles_of(data_dir or settings.data_dir, runs + WARM_UP)
    hz = os.sysconf("SC_CLK_TCK")
    try:
        with spawned_service(timeout_s=900) as service:
            wait_idle(service.url)
            key = asyncio.run(api_key())
            asyncio.run(_loop(service.url, key, titles[:WARM_UP]))
            postmaster = _postmaster(settings.pg_data_dir)
            profiler = _Profiler(service.pid, rate, profile)
            commits0, tables0 = _pg_counters()
            load = os.getloadavg()[0]
            with profiler.record():
                server0, pg0, client0 = _ticks(service.pid), _postgres_ticks(postmaster), time.process_time()
                ms = asyncio.run(_loop(service.url, key, titles[WARM_UP:]))
                server1, pg1, client1 = _ticks(service.pid), _postgres_ticks(postmaster), time.process_time()
            time.sleep(1.5)
            commits1, tables1 = _pg_counters()
    except ServiceError as exc:
        raise SystemExit(str(exc)) from None
    per = 1000 / runs
    ms.sort()
    print(f"{runs} scored-title runs through /runs/wait, one after another; load average {load:.2f} at the start, "
          f"{os.cpu_count()} CPUs; wall p50 {ms[len(ms) // 2]:.0f} ms")
    print(f"CPU per run: service {(server1 - server0) / hz * per:6.1f} ms   Postgres {(pg1 - pg0) / hz * per:6.1f} ms   "
          f"client {(client1 - client0) * per:6.1f} ms")
    print(f"Postgres per run: {(commits1 - commits0) / runs:.1f} transactions; rows written "
          + ", ".join(f"{t} {(ins - tables0.get(t, (0, 0))[0]) / runs:.1f}+{(upd - tables0.get(t, (0, 0))[1]) / runs:.1f}u"
                      for t, (ins, upd) in sorted(tables1.items())
                      if (ins, upd) != tables0.get(t, (0, 0))))
    if profile:
        parts = parts_of(profiler.raw)
        total = sum(parts.values())
        print(f"service CPU by part (py-spy, {rate}/s, {total} samples; ms per run):")
        for part, samples in parts.most_common():
            print(f"  {part:36s} {samples / rate * per:6.1f} ms   {100 * samples / total:4.0f}%")


if __name__ == "__main__":
    typer.run(main)
