"""Latency of the offline engine's routing on one CPU core: one message in, a tool call (or a reply) out.

Run from the repository root::

    .venv/bin/python -m evals.benchmarks.bench_router [--repeats 5]

Pins the process to one core (``os.sched_setaffinity``, Linux), caps torch and BLAS threads to 1, loads the intent
model (``agent.intent``, fitted or read from the cache first, not timed), then for each of the routing eval's
messages (full split, attachments left out) times ``OfflineEngine.respond`` on a fresh conversation: masking, the
MiniLM embedding, the character n-grams, the classifier and argument extraction (channel names given in the
context, no database). Prints p50 / p95 / max in milliseconds over ``--repeats`` passes. Target: p95 < 30 ms. The
router's kept message vectors (``agent.intent.message_vector``) are cleared before each message (not timed), so every
message pays its encoder call, as a phrasing the process has not seen does.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import asyncio  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import typer  # noqa: E402
from langchain_core.messages import HumanMessage  # noqa: E402

TARGET_P95_MS = 30.0


async def _run(repeats: int) -> dict[str, float]:
    import torch

    from agent.intent import get_intent_model, message_vector
    from agent.offline import OfflineEngine
    from agent.settings import get_settings
    from evals.runner import load_dataset
    from memory.corpus.sources import FULL_HISTORY_SOURCES, SOURCES
    from tools import all_tools
    from tools.base import CortexContext

    torch.set_num_threads(1)
    data_dir = get_settings().data_dir
    channels = sorted({row.channel_name for source in FULL_HISTORY_SOURCES for row in SOURCES[source](data_dir)})
    messages = [c["inputs"]["message"] for c in load_dataset("routing", "full").cases
                if c["inputs"]["message"].strip() and not c["inputs"].get("attachments")
                and c["reference_outputs"]["tool"] != "search_creators"]  # its extractor reads the database
    get_intent_model()
    engine = OfflineEngine(context=CortexContext(channels=channels)).bind_tools(all_tools())
    await engine.respond([HumanMessage("warm up: score my title “A Warm Up”")])
    times = []
    for _ in range(repeats):
        for text in messages:
            message_vector.cache_clear()
            start = time.perf_counter()
            await engine.respond([HumanMessage(text)])
            times.append((time.perf_counter() - start) * 1000)
    ms = np.array(times)
    return {"messages": len(messages), "p50_ms": float(np.percentile(ms, 50)), "p95_ms": float(np.percentile(ms, 95)),
            "max_ms": float(ms.max())}


def main(repeats: int = typer.Option(5, help="Passes over the messages.")) -> None:
    """Print routing latency percentiles on one core."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    result = asyncio.run(_run(repeats))
    verdict = "meets" if result["p95_ms"] < TARGET_P95_MS else "misses"
    print(f"{result['messages']} messages x {repeats}: p50 {result['p50_ms']:.1f} ms, p95 {result['p95_ms']:.1f} ms, "
          f"max {result['max_ms']:.1f} ms on one core ({verdict} the {TARGET_P95_MS:.0f} ms target)")


if __name__ == "__main__":
    typer.run(main)
