"""Routing does not regress: the offline engine's accuracy on the routing eval's full split stays at or above the
lower 95 % Wilson bound of the last recorded figure (``evals/baselines/routing.json``, written by ``python -m
evals.routing reports/<run-id>/report.json``)."""

from __future__ import annotations

import json

from evals.evaluators import wilson
from evals.routing import BASELINE, run_routing_suite
from evals.runner import load_dataset
from tools import all_tools


async def test_routing_accuracy_stays_above_the_recorded_lower_bound(db, data_dir):
    baseline = json.loads(BASELINE.read_text(encoding="utf-8"))
    dataset = load_dataset("routing", "full")
    assert baseline["dataset"]["sha256"] == dataset.sha256, (
        f"The routing dataset changed since the baseline ({baseline['dataset']['path']}, {baseline['dataset']['version']}): "
        "run `cortex eval run routing --split full` and record it with `python -m evals.routing reports/<run>/report.json`.")
    result = await run_routing_suite(dataset.cases, data_dir=data_dir, tool_names=[t.name for t in all_tools()],
                                     engine="offline")
    accuracy = result["metrics"]["accuracy"]
    floor = wilson(baseline["successes"], baseline["n"])["ci95"][0]
    assert accuracy["value"] >= floor, (
        f"routing accuracy {accuracy['value']:.3f} ({accuracy['successes']}/{accuracy['n']}) fell below {floor:.3f}, "
        f"the lower bound of the recorded {baseline['accuracy']} ({baseline['successes']}/{baseline['n']}); failures: "
        + "; ".join(f"{f['id']} -> {'+'.join(f['predicted'])}" for f in result["failures"][:10]))
