"""The held-out sets: single messages and multi-turn scenarios written apart from the project's training set and eval
sets, before any failure of the router on them was looked at, kept for a one-off measure of how the offline engine
generalises.

- ``evals/datasets/heldout/routing_unseen.v<N>.jsonl``: single messages in the routing eval's case format
  (``evals.routing``); v1 (38 messages) and v2 (72: every tool and every kind of message no tool answers) were
  each written in one go by a different session;
- ``evals/datasets/heldout/trajectories_unseen.v<N>.jsonl``: scenarios in the trajectories eval's format
  (``evals.trajectories``): follow-ups that narrow a result by format, views or dates, switch the channel or the
  platform, point at a shown title by its number, typed approvals (``"resume": "wait"``), a topic carried over.

Every case is in the ``test`` split only: never used to tune the engine (templates, thresholds, weights), and
``tests/evals/test_intents.py`` fails when a training request is a near-copy of one of their messages.

``python -m evals.heldout [--set v2]`` routes each message of a single-message set with the offline engine
(``agent.offline.OfflineEngine``, every tool bound, the corpus's channel names from the shared data's upload
histories, no database: nothing runs) and prints accuracy, right tool and right "no tool" with Wilson 95 % intervals
(``evals.routing.routing_metrics``) and the misrouted messages. ``python -m evals.heldout --scenarios`` runs the
scenarios on the offline engine against the project's database (the state folder's embedded Postgres, the corpus
ingested on first use, as ``cortex eval run`` does) and prints pass^1 and the failed checks.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from langchain_core.messages import HumanMessage

from agent.offline import OfflineEngine
from agent.settings import get_settings
from evals.routing import NO_TOOL, judge_case, routing_metrics
from memory.corpus.sources import FULL_HISTORY_SOURCES, SOURCES
from tools import all_tools
from tools.base import CortexContext

HELDOUT = Path(__file__).parent / "datasets" / "heldout"
PATH = HELDOUT / "routing_unseen.v1.jsonl"
SCENARIOS = HELDOUT / "trajectories_unseen.v1.jsonl"


async def run_heldout(path: Path = PATH, data_dir: Path | None = None) -> dict[str, Any]:
    """Route every case of ``path`` with the offline engine; returns ``{"metrics": routing_metrics(...), "cases":
    [{"id", "message", "expected", "predicted", "right"}]}``."""
    data_dir = data_dir or get_settings().data_dir
    channels = tuple(sorted({row.channel_name for source in FULL_HISTORY_SOURCES for row in SOURCES[source](data_dir)}))
    tools = all_tools()
    engine = OfflineEngine(context=CortexContext(channels=channels)).bind_tools(tools)
    names = [t.name for t in tools]
    rows = []
    for line in filter(str.strip, path.read_text(encoding="utf-8").splitlines()):
        case = json.loads(line)
        reply = await engine.respond([HumanMessage(case["inputs"]["message"])])
        calls = [{"name": c["name"], "args": c["args"]} for c in reply.tool_calls]
        rows.append({"id": case["id"], "message": case["inputs"]["message"], "category": "unseen",
                     "expected": case["reference_outputs"]["tool"] or NO_TOOL,
                     "predicted": [c["name"] for c in calls] or [NO_TOOL], **judge_case(case["reference_outputs"], calls, names)})
    return {"metrics": routing_metrics(rows), "cases": rows}


async def run_heldout_scenarios(path: Path = SCENARIOS) -> dict[str, Any]:
    """Run every scenario of ``path`` once with the offline engine on the state folder's database (the corpus
    ingested when it is empty); returns ``evals.trajectories.run_trajectory_suite``'s result. Raises DatasetError
    for an invalid scenario, ``memory.db.DatabaseError`` when the database cannot be opened."""
    from agent.server import ensure_corpus
    from evals.trajectories import run_trajectory_suite
    from graphs.conversation import build_graph
    from memory.db import Database, use_database

    settings = get_settings()
    cases = [json.loads(line) for line in filter(str.strip, path.read_text(encoding="utf-8").splitlines())]
    async with Database.open(settings, max_size=4) as db:
        use_database(db)
        try:
            await ensure_corpus(db.pool, settings)
            return await run_trajectory_suite(cases, graph=build_graph(db.checkpointer, db.store), pool=db.pool,
                                              data_dir=settings.data_dir, tool_names=[t.name for t in all_tools()],
                                              engine="offline")
        finally:
            use_database(None)


def main() -> None:
    """Print the held-out figures: of a single-message set (``--set v1`` or ``v2``, default v1) the metrics and the
    misrouted messages; with ``--scenarios``, pass^1 of the held-out scenarios and each failed check."""
    import argparse

    parser = argparse.ArgumentParser(description="Measure the offline engine on the held-out sets (test only).")
    parser.add_argument("--set", default="v1", help="single-message set version: v1 or v2")
    parser.add_argument("--scenarios", action="store_true", help="run the held-out multi-turn scenarios instead")
    args = parser.parse_args()
    if args.scenarios:
        suite = asyncio.run(run_heldout_scenarios())
        m = suite["metrics"]["pass^1"]
        print(f"pass^1: {m['value']:.3f} [{m['ci95'][0]:.3f}, {m['ci95'][1]:.3f}] n={m['n']}")
        for failure in suite["failures"]:
            print(f"  {failure['id']}: tools {failure['tools']} (expected {failure['expected_tools']})"
                  + (f", error {failure['error']}" if failure.get("error") else ""))
            for check in failure["failed_checks"]:
                print(f"    failed: {check['name']} (got {str(check['value'])[:120]})")
        return
    result = asyncio.run(run_heldout(HELDOUT / f"routing_unseen.{args.set}.jsonl"))
    for name in ("accuracy", "tool_accuracy", "no_tool_accuracy"):
        m = result["metrics"][name]
        print(f"{name}: {m['value']:.3f} [{m['ci95'][0]:.3f}, {m['ci95'][1]:.3f}] n={m['n']}")
    for row in result["cases"]:
        if not row["right"]:
            print(f"  {row['id']}: expected {row['expected']}, got {row['predicted']}: {row['message']}")


if __name__ == "__main__":
    main()
