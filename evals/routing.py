"""Routing: single messages -> the expected tool, or no tool (a clarifying question, small talk, off-topic).

A case (one line of ``evals/datasets/routing/routing.v<N>.jsonl``)::

    {"id": "score-04",
     "inputs": {"message": "which one gets more clicks: \\"A\\" or \\"B\\"", "attachments": ["transcripts_.../captions.srt"]},
     "reference_outputs": {"tool": "score_title", "args": {"titles": ["A", "B"], "compare": true},
                           "also_ok": ["retrieve_outliers"]},
     "metadata": {"splits": ["smoke", "full"], "category": "paraphrase", "intended_tool": "score_title"}}

``tool`` is the expected tool, or null when the right reply calls no tool (``intended_tool`` then names the tool a
missing argument keeps from running). ``also_ok``: other tools that are a right first step of a mixed request.
``args``: only the arguments that matter (matched by ``evals.evaluators.args_matcher``).

Each message runs through the real conversation graph (the run's engine, its system prompt and routing) with an
in-memory checkpointer, stopped before any tool runs (``interrupt_before`` the ``approve`` and ``tools`` nodes):
the eval reads what the model decided, nothing is executed or stored. Cases whose tool is not registered in the
conversation are skipped and reported.

Metrics (Wilson 95 % intervals): ``accuracy`` (right tool, or rightly no tool, over every case run),
``tool_accuracy`` (cases that expect a tool: a tool was called and every tool called is the expected one or an
``also_ok``), ``no_tool_accuracy`` (cases that expect none: nothing called), ``args_accuracy`` (right-tool cases
with reference arguments: the expected call has them), per category, and per class (each tool and "(no tool)":
recall over the cases that expect it; precision over the cases where it was predicted, right when it was also the
expected one), next to the confusion matrix (expected -> predicted).
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from langchain_core.messages import AIMessage, HumanMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph.state import CompiledStateGraph

from agent.turns import run_config
from evals.evaluators import assistant_calls, calls_made_with_args, wilson
from evals.trajectories import DatasetError, Progress, compose_message
from graphs.conversation import build_graph
from tools.base import CortexContext

NO_TOOL = "(no tool)"
ERROR = "(error)"

STOP_BEFORE = ["approve", "tools"]
"""The graph's nodes that act on a tool call: the routing eval stops before them."""


def _validate(case: dict[str, Any]) -> None:
    cid = case.get("id", "?")
    if not isinstance(case.get("inputs", {}).get("message"), str):
        raise DatasetError(f"{cid}: inputs.message must be a string.")
    ref = case.get("reference_outputs", {})
    if "tool" not in ref or not (ref["tool"] is None or isinstance(ref["tool"], str)):
        raise DatasetError(f"{cid}: reference_outputs.tool must be a tool name or null (no tool).")


async def route(graph: CompiledStateGraph, text: str, engine: str | None) -> tuple[AIMessage, list[dict[str, Any]]]:
    """The model's first message for ``text`` on a fresh thread (tools are not run), and the trace events."""
    thread = str(uuid.uuid4())
    config = run_config(thread, "eval:routing")
    events = [
        {"name": chunk.get("name"), "data": chunk.get("data")}
        async for chunk in graph.astream({"messages": [HumanMessage(text)]}, config,
                                         context=CortexContext(creator_id="eval:routing", engine=engine),
                                         stream_mode="custom", interrupt_before=STOP_BEFORE)
    ]
    state = await graph.aget_state(config)
    first = next(m for m in state.values["messages"] if isinstance(m, AIMessage))
    return first, events


def judge_case(reference: dict[str, Any], calls: Sequence[dict[str, Any]], tool_names: Sequence[str]) -> dict[str, Any]:
    """Grade one routing decision: ``{"right": bool, "args_right": bool | None}``. ``args_right`` (agentevals'
    superset match: the expected call with the reference arguments is among the calls) is None when the tool was
    wrong or the reference lists no arguments."""
    expected = reference["tool"]
    names = [c["name"] for c in calls]
    if expected is None:
        return {"right": not names, "args_right": None}
    right = bool(names) and set(names) <= {expected, *reference.get("also_ok", [])}
    args_right = None
    if right and reference.get("args") and expected in names:
        want = [assistant_calls([{"name": expected, "args": reference["args"]}])]
        args_right = calls_made_with_args([assistant_calls(calls)], want, tool_names)
    return {"right": right, "args_right": args_right}


async def run_routing_suite(
    cases: Sequence[dict[str, Any]],
    *,
    data_dir: Path,
    tool_names: Sequence[str],
    engine: str | None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Route every case whose tool is registered; returns ``{"metrics", "confusion": {expected: {predicted: n}},
    "cases": [{"id", "category", "expected", "predicted", "right", "args_right", "args"}], "failures": [with the
    routing trace], "skipped": [{"id", "reason"}]}``. Raises DatasetError for an invalid case or attachment."""
    for c in cases:
        _validate(c)
    registered = set(tool_names)
    graph = build_graph(InMemorySaver())
    runnable = [c for c in cases if c["reference_outputs"]["tool"] in registered | {None}]
    skipped = [{"id": c["id"], "reason": f"tool not registered: {c['reference_outputs']['tool']}"}
               for c in cases if c not in runnable]
    results, failures = [], []
    for i, case in enumerate(runnable, 1):
        ref = case["reference_outputs"]
        text = compose_message(case["inputs"]["message"], case["inputs"].get("attachments", []), data_dir)
        row = {"id": case["id"], "category": case.get("metadata", {}).get("category", ""),
               "expected": ref["tool"] or NO_TOOL}
        try:
            message, events = await route(graph, text, engine)
        except Exception as exc:  # a provider or graph error fails this case; the report says why
            row.update(predicted=[ERROR], args=None, right=False, args_right=None, error=f"{type(exc).__name__}: {exc}")
            message, events = None, []
        else:
            calls = [{"name": c["name"], "args": c["args"]} for c in message.tool_calls]
            row.update(predicted=[c["name"] for c in calls] or [NO_TOOL], args=calls[0]["args"] if calls else None,
                       **judge_case(ref, calls, tool_names))
        results.append(row)
        if not row["right"] or row["args_right"] is False:
            failures.append({**row, "inputs": case["inputs"], "reference": ref,
                             "reply": str(message.content)[:600] if message is not None and not message.tool_calls else None,
                             "trace": [e for e in events if e["name"] == "route"] or events[:5]})
        if progress:
            progress("routing", i, len(runnable))
    return {"metrics": routing_metrics(results), "confusion": confusion(results), "cases": results,
            "failures": failures, "skipped": skipped}


def routing_metrics(results: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The suite's metrics (module docstring) from graded cases."""
    if not results:
        return {}
    tool_cases = [r for r in results if r["expected"] != NO_TOOL]
    none_cases = [r for r in results if r["expected"] == NO_TOOL]
    with_args = [r for r in results if r["args_right"] is not None]
    metrics: dict[str, Any] = {
        "accuracy": wilson(sum(r["right"] for r in results), len(results)),
        "tool_accuracy": wilson(sum(r["right"] for r in tool_cases), len(tool_cases)),
        "no_tool_accuracy": wilson(sum(r["right"] for r in none_cases), len(none_cases)),
        "args_accuracy": wilson(sum(r["args_right"] for r in with_args), len(with_args)),
    }
    for category in sorted({r["category"] for r in results}):
        rows = [r for r in results if r["category"] == category]
        metrics[f"category.{category}"] = wilson(sum(r["right"] for r in rows), len(rows))
    for label in sorted({r["expected"] for r in results}):
        rows = [r for r in results if r["expected"] == label]
        metrics[f"recall.{label}"] = wilson(sum(r["right"] for r in rows), len(rows))
        predicted = [r for r in results if label in r["predicted"]]
        metrics[f"precision.{label}"] = wilson(sum(r["right"] and r["expected"] == label for r in predicted),
                                               len(predicted))
    return metrics


def confusion(results: Sequence[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """``{expected: {predicted: count}}``; a case that called several tools counts once under "a+b"."""
    table: dict[str, Counter[str]] = {}
    for r in results:
        table.setdefault(r["expected"], Counter())["+".join(r["predicted"])] += 1
    return {k: dict(v) for k, v in sorted(table.items())}


BASELINE = Path(__file__).parent / "baselines" / "routing.json"
"""The last recorded routing figure (offline engine, full split): dataset file, version and SHA-256, accuracy as
successes / n. ``tests/evals/test_routing_floor.py`` fails when a run falls below its lower Wilson bound."""


def record_baseline(report_json: Path, path: Path = BASELINE) -> dict[str, Any]:
    """Write the routing suite of a run's ``report.json`` (an offline run of the full split) as the baseline; returns
    it. Raises ValueError when the report has no such routing result."""
    import json

    report = json.loads(Path(report_json).read_text(encoding="utf-8"))
    res = report.get("suites", {}).get("routing", {})
    if res.get("status") != "ok" or res.get("dataset", {}).get("split") != "full" or report["engine"]["name"] != "offline":
        raise ValueError(f"{report_json}: record an offline run of the routing suite on the full split.")
    accuracy = res["metrics"]["accuracy"]
    baseline = {"run_id": report["run_id"], "dataset": res["dataset"], "successes": accuracy["successes"],
                "n": accuracy["n"], "accuracy": round(accuracy["value"], 4),
                "ci95": [round(x, 4) for x in accuracy["ci95"]],
                "command": "cortex eval run routing --split full --engine offline"}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(baseline, indent=2) + "\n", encoding="utf-8")
    return baseline


if __name__ == "__main__":
    import sys

    if len(sys.argv) != 2:
        sys.exit("usage: python -m evals.routing reports/<run-id>/report.json  (records the routing baseline)")
    print(record_baseline(Path(sys.argv[1])))
