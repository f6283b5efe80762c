"""The held-out routing set: single messages written apart from the project's training set and eval sets, before any
failure of the router on them was looked at, kept for a one-off measure of how the offline router generalises.

``evals/datasets/heldout/routing_unseen.v1.jsonl`` has the routing eval's case format (``evals.routing``), every case
in the ``test`` split only: it is never used to tune the router (templates, thresholds, weights), and
``tests/evals/test_intents.py`` fails when a training request is a near-copy of one of its messages.

``python -m evals.heldout`` routes each message with the offline engine (``agent.offline.OfflineEngine``, every tool
bound, the corpus's channel names from the shared data's upload histories, no database: nothing runs) and prints
accuracy, right tool and right "no tool" with Wilson 95 % intervals (``evals.routing.routing_metrics``) and the
misrouted messages.
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

PATH = Path(__file__).parent / "datasets" / "heldout" / "routing_unseen.v1.jsonl"


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


def main() -> None:
    """Print the held-out figures and the misrouted messages."""
    result = asyncio.run(run_heldout())
    for name in ("accuracy", "tool_accuracy", "no_tool_accuracy"):
        m = result["metrics"][name]
        print(f"{name}: {m['value']:.3f} [{m['ci95'][0]:.3f}, {m['ci95'][1]:.3f}] n={m['n']}")
    for row in result["cases"]:
        if not row["right"]:
            print(f"  {row['id']}: expected {row['expected']}, got {row['predicted']}: {row['message']}")


if __name__ == "__main__":
    main()
