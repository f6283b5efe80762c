"""The eval runner on the smoke splits with the offline engine: correctness properties, not quality thresholds.

The smoke run (routing + trajectories, k=2) runs once for the module on the real corpus in real Postgres. The tests
check that the grader tells the truth (verdicts agree with the stored state and the checkpoints), that approvals were
answered as the scenarios say, and that the report files are complete and consistent; how many cases pass is what
the eval measures and is never asserted.
"""

from __future__ import annotations

import json
import warnings
from math import comb
from pathlib import Path

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.runnables import RunnableLambda
from typer.testing import CliRunner

from agent.turns import run_config
from evals import report as eval_report
from evals import runner
from evals.evaluators import (
    grounded_judge,
    mcnemar,
    pairwise,
    pairwise_judge,
    pass_hat_k,
    pass_k_metrics,
    wilson,
)
from evals.report import EvalInputError, compare_reports, render_comparison
from evals.runner import load_dataset, run_evals
from evals.trajectories import DatasetError
from graphs.conversation import build_graph
from tools import all_tools

K = 2


@pytest.fixture(scope="module")
async def smoke_run(db, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reports")
    return await run_evals(["routing", "trajectories"], split="smoke", engine="offline", k=K, out_dir=out, db=db)


@pytest.fixture(scope="module")
def report(smoke_run) -> dict:
    return json.loads((smoke_run / "report.json").read_text(encoding="utf-8"))


def _registered() -> set[str]:
    return {t.name for t in all_tools()}


def test_report_files_are_well_formed(smoke_run, report):
    assert report["run_id"] == smoke_run.name and report["split"] == "smoke" and report["k"] == K
    assert report["engine"]["name"] == "offline" and "offline engine" in report["engine"]["label"]
    assert report["engine"]["models"] is None and report["judge"] is None  # no key: no LLM, no judge
    assert report["git_commit"] is None or len(report["git_commit"]) == 40
    markdown = (smoke_run / "report.md").read_text(encoding="utf-8")
    assert report["run_id"] in markdown and "## routing" in markdown and "## trajectories" in markdown
    for suite in ("routing", "trajectories"):
        res = report["suites"][suite]
        dataset = load_dataset(suite, "smoke")
        assert res["status"] == "ok"
        assert res["dataset"]["version"] == dataset.version and res["dataset"]["sha256"] == dataset.sha256
        ran = {c["id"] for c in res["cases"]}
        skipped = {s["id"] for s in res["skipped"]}
        assert ran | skipped == {c["id"] for c in dataset.cases} and not ran & skipped
        for name, metric in res["metrics"].items():
            low, high = metric["ci95"]
            if metric["value"] is not None:
                assert 0 <= low <= metric["value"] <= high <= 1, name
        for failure in res["failures"]:
            assert failure["id"] in markdown and failure["trace"]


def test_routing_verdicts_match_the_cases(report):
    res = report["suites"]["routing"]
    cases = {c["id"]: c for c in load_dataset("routing", "smoke").cases}
    registered = _registered()
    for s in res["skipped"]:  # skipped exactly when the expected tool is not in the conversation
        assert cases[s["id"]]["reference_outputs"]["tool"] not in registered
    for row in res["cases"]:
        assert "error" not in row  # the offline engine answers every message
        ref = cases[row["id"]]["reference_outputs"]
        accepted = {ref["tool"], *ref.get("also_ok", [])} if ref["tool"] else {"(no tool)"}
        assert row["right"] == (set(row["predicted"]) <= accepted)
        if row["args_right"] is not None:
            assert row["right"] and ref.get("args")
    accuracy = res["metrics"]["accuracy"]
    assert accuracy["successes"] == sum(r["right"] for r in res["cases"]) and accuracy["n"] == len(res["cases"])
    failed = {f["id"] for f in res["failures"]}
    assert failed == {r["id"] for r in res["cases"] if not r["right"] or r["args_right"] is False}


async def test_trajectory_verdicts_match_the_stored_state(db, report):
    res = report["suites"]["trajectories"]
    scenarios = {c["id"]: c for c in load_dataset("trajectories", "smoke").cases}
    graph = build_graph(db.checkpointer, db.store)
    for case in res["cases"]:
        scenario = scenarios[case["id"]]
        creator = f"eval:{case['id']}"
        assert len(case["trials"]) == K
        for trial in case["trials"]:
            assert "error" not in trial
            assert trial["passed"] == all(c["passed"] for c in trial["checks"])
            state = await graph.aget_state(run_config(trial["thread_id"], creator))
            messages = state.values["messages"]
            assert not state.next  # every turn finished: approvals were answered
            humans = [m for m in messages if m.type == "human"]
            assert len(humans) == len(scenario["inputs"]["turns"])
            called = [c["name"] for m in messages if isinstance(m, AIMessage) for c in m.tool_calls]
            assert sum(trial["tools"], []) == called
            # what side-effect tools stored is exactly what the checkpoint says was approved and done
            async with db.pool.connection() as conn:
                cur = await conn.execute("SELECT title FROM title_choices WHERE creator_id = %s AND thread_id = %s",
                                         (creator, trial["thread_id"]))
                stored = sorted(r["title"] for r in await cur.fetchall())
            done = sorted(m.artifact["title"] for m in messages
                          if isinstance(m, ToolMessage) and m.name == "use_title" and m.status != "error"
                          and m.artifact and "choice_id" in m.artifact)
            assert stored == done
            for turn, asked in zip(scenario["inputs"]["turns"], trial["approvals"]):
                assert all(a["resume"] == turn.get("resume", "approve") for a in asked)
            if any(a["resume"] == "reject" for turn in trial["approvals"] for a in turn):
                assert stored == []
    outcomes = [[t["passed"] for t in c["trials"]] for c in res["cases"]]
    assert res["metrics"]["pass^1"]["value"] >= res["metrics"][f"pass^{K}"]["value"]
    assert res["metrics"]["pass^1"]["value"] == pytest.approx(sum(sum(o) / K for o in outcomes) / len(outcomes))


def test_compare_reports_finds_the_flipped_cases(report):
    later = json.loads(json.dumps(report))
    later["run_id"] = "later"
    rows = later["suites"]["routing"]["cases"]
    flipped = next(r for r in rows if r["right"])
    flipped["right"] = False
    cmp = compare_reports(report, later)
    cases = cmp["suites"]["routing"]["cases"]
    assert cases["regressed"] == [flipped["id"]] and cases["improved"] == []
    assert cases["mcnemar"]["regressed"] == 1 and cases["mcnemar"]["p_value"] == 1.0
    assert all(m["verdict"] == "unchanged" for m in cmp["suites"]["trajectories"]["metrics"].values())
    assert f"Regressed: {flipped['id']}" in render_comparison(cmp)


async def test_a_missing_suite_module_is_reported_unavailable(db, tmp_path, monkeypatch):
    monkeypatch.setitem(runner.EXTERNAL, "retrieval", ("evals.no_such_suite", "run_retrieval_eval"))
    run = await run_evals(["retrieval"], split="smoke", engine="offline", out_dir=tmp_path, db=db)
    res = json.loads((run / "report.json").read_text(encoding="utf-8"))["suites"]["retrieval"]
    assert res["status"] == "unavailable" and "evals.no_such_suite" in res["reason"]
    assert "unavailable" in (run / "report.md").read_text(encoding="utf-8")


def test_bad_input_gets_a_clear_error(tmp_path):
    with pytest.raises(EvalInputError, match="choose from routing, trajectories"):
        runner.check_run_args(["routin"], "smoke", "offline", 1)
    with pytest.raises(EvalInputError, match="at least 1"):
        runner.check_run_args(["routing"], "smoke", "offline", 0)
    (tmp_path / "routing").mkdir()
    (tmp_path / "routing" / "routing.v1.jsonl").write_text('{"id": "a"}\nnot json\n', encoding="utf-8")
    with pytest.raises(DatasetError, match="line 1: a case needs id, inputs, reference_outputs"):
        load_dataset("routing", "smoke", root=tmp_path)


def test_statistics():
    assert pass_hat_k(3, 4, 2) == comb(3, 2) / comb(4, 2)
    assert pass_k_metrics([[True, True], [True, False]])["pass^2"]["value"] == 0.5
    low, high = wilson(8, 10)["ci95"]  # Wilson (1927) interval of 8/10: 0.490 to 0.943
    assert round(low, 3) == 0.490 and round(high, 3) == 0.943
    assert mcnemar([True, True, False], [False, True, True]) == {"improved": 1, "regressed": 1, "p_value": 1.0}


async def test_pairwise_judging_runs_both_orders():
    asked = []

    async def always_first(*, inputs, answer_a, answer_b):  # a judge with pure position bias
        asked.append((answer_a, answer_b))
        return {"preferred": "A"}

    async def prefers_numbers(*, inputs, answer_a, answer_b):
        return {"preferred": "A" if "42.7" in answer_a else "B"}

    assert (await pairwise(always_first, "score my title", "x", "y"))["winner"] == "tie"
    assert asked == [("x", "y"), ("y", "x")]
    assert (await pairwise(prefers_numbers, "score it", "It scores 42.7/100.", "Looks fine."))["winner"] == "x"
    assert (await pairwise(prefers_numbers, "score it", "Looks fine.", "It scores 42.7/100."))["winner"] == "y"


class ScriptedJudge(BaseChatModel):
    """A judge model without a network: its structured answer is read off the prompt openevals sends it."""

    @property
    def _llm_type(self) -> str:
        return "scripted-judge"

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        raise NotImplementedError("only structured output is scripted")

    def with_structured_output(self, schema, **kwargs):
        def answer(messages):
            prompt = messages[-1]["content"]
            if "<answer_a>" in prompt:  # pairwise: prefer the answer that quotes a score
                first = prompt.split("<answer_a>")[1].split("</answer_a>")[0]
                return {"reasoning": "quotes the score", "preferred": "A" if "42.7" in first else "B"}
            return {"reasoning": "the score is in the tool result", "score": "[tool score_title] 42.7" in prompt}

        return RunnableLambda(answer)


async def test_openevals_judges_with_a_scripted_model():
    judge = pairwise_judge(ScriptedJudge())
    assert (await pairwise(judge, "score it", "Looks fine.", "It scores 42.7/100."))["winner"] == "y"
    grounded = grounded_judge(ScriptedJudge())
    verdict = await grounded(outputs="[creator] score it\n\n[tool score_title] 42.7/100\n\n[assistant] 42.7/100")
    assert verdict["key"] == "grounded" and verdict["score"] is True


async def test_compare_judges_the_final_answers_pairwise(report, monkeypatch):
    monkeypatch.setattr(eval_report, "judge_model", lambda settings=None: ScriptedJudge())
    judged = await eval_report.judge_pairwise(report, report)
    scenarios = len(report["suites"]["trajectories"]["cases"])
    assert judged["ties"] == scenarios == len(judged["per_case"])  # the same answers on both sides: never a win
    assert all(v["x_first"] == v["y_first"] for v in judged["per_case"].values())


def test_langfuse_is_a_quiet_no_op_when_unset(report, settings):
    unset = settings.model_copy(update={"langfuse_public_key": None, "langfuse_secret_key": None})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert runner.publish_to_langfuse(report, {}, unset) is None
    assert not caught


def test_cli_compare_and_unknown_suite(smoke_run, tmp_path):
    from agent.cli import app

    cli = CliRunner()
    same = cli.invoke(app, ["eval", "compare", str(smoke_run), str(smoke_run)], terminal_width=200)
    assert same.exit_code == 0, same.output
    assert "Cases compared" in same.output and "improved 0, regressed 0" in same.output
    bad = cli.invoke(app, ["eval", "routin", "--split", "smoke"], terminal_width=200)
    assert bad.exit_code == 1 and "Unknown suite(s) routin" in bad.output
