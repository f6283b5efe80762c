"""Eval reports: the markdown of one run (``render_markdown``), the comparison of two runs (``compare_reports``,
``render_comparison``, and an LLM's pairwise judgment of their final answers, ``judge_pairwise``).

``evals.runner`` runs the suites and writes ``report.json``; this module reads those reports and only those.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from agent.settings import Settings
from evals.evaluators import judge_model, mcnemar, pairwise, pairwise_judge, wilson

HEADLINE = {
    "routing": ("accuracy", "tool_accuracy", "no_tool_accuracy", "args_accuracy"),
    "scorer": ("upworthy_heldout.all.model.accuracy", "upworthy_heldout.significant.model.accuracy"),
    "retrieval": ("systems.hybrid.metrics.nDCG@10", "systems.minilm.metrics.nDCG@10",
                  "systems.hybrid static.metrics.nDCG@10", "systems.fulltext.metrics.nDCG@10"),
}
"""Metrics shown in the summaries (every metric is in the suite's own section of report.md)."""


class EvalInputError(ValueError):
    """Bad arguments to a run or a comparison; the message says what to fix."""


# --- the report as markdown ------------------------------------------------------------------------------------------


def _fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _metric_row(suite: str, name: str, m: dict[str, Any]) -> str:
    low, high = m.get("ci95", [None, None])
    interval = f"[{_fmt(low)}, {_fmt(high)}]" if low is not None else "n/a"
    n = m.get("n", "")
    hits = f"{m['successes']}/{n}" if "successes" in m else str(n)
    return f"| {suite} | {name} | {_fmt(m.get('value'))} | {interval} | {hits} |"


def headline_metrics(suite: str, metrics: dict[str, Any]) -> list[str]:
    """The names of a suite's metrics for a summary: ``HEADLINE``, else every metric without a dotted qualifier
    (per category, per tool), else all."""
    names = HEADLINE.get(suite) or [n for n in metrics if "." not in n] or list(metrics)
    return [n for n in names if n in metrics]


def render_markdown(report: dict[str, Any]) -> str:
    """The run's report for people: provenance, a summary table, then per suite its metrics, skipped cases and
    failures with their traces (folded)."""
    eng = report["engine"]
    models = ", ".join(f"{t}: {m}" for t, m in (eng.get("models") or {}).items()) or "none (no LLM)"
    lines = [
        f"# Eval run {report['run_id']}", "",
        f"- engine: {eng['label']}",
        f"- models: {models}",
        f"- LLM judge: {report.get('judge') or 'none (no model configured)'}",
        f"- split: {report['split']}; trials per multi-turn scenario (k): {report['k']}",
        f"- git commit: {report.get('git_commit') or 'unknown'}",
        f"- started: {report['created_at']}; {report.get('seconds', '?')} s",
    ]
    if lf := report.get("langfuse"):
        lines.append("- Langfuse dataset runs: " + ", ".join(f"{s}: {u or 'recorded'}" for s, u in lf.items()))
    lines += ["", "Intervals: 95 %; Wilson for proportions, percentile bootstrap over scenarios for means of fractional "
              "per-scenario values (pass^k with k below the trials, match rates).", "",
              "| suite | metric | value | 95 % interval | n |", "|---|---|---:|---|---:|"]
    for suite, res in report["suites"].items():
        if res["status"] != "ok":
            lines.append(f"| {suite} | {res['status']}: {res.get('reason', '')} | | | |")
        elif not (metrics := res.get("metrics", {})):
            lines.append(f"| {suite} | ok: no metric with a 95 % interval, see its section | | | |")
        else:
            lines += [_metric_row(suite, n, metrics[n]) for n in headline_metrics(suite, metrics)]
    for suite, res in report["suites"].items():
        lines += ["", f"## {suite}", ""]
        if res["status"] != "ok":
            lines.append(f"**{res['status']}**: {res.get('reason', '')}")
            continue
        if ds := res.get("dataset"):
            split = f", split {ds['split']}: {ds['cases']} of {ds['cases_in_file']} cases" if "cases" in ds else ""
            lines.append(f"Dataset: `{ds['path']}` {ds.get('version', '')} (sha256 {ds['sha256']}){split}")
        lines.append(f"Time: {res.get('seconds')} s.")
        for note in res.get("notes", []):
            lines.append(f"Note: {note}.")
        if res.get("metrics"):
            lines += ["", "| suite | metric | value | 95 % interval | n |", "|---|---|---:|---|---:|"]
            lines += [_metric_row(suite, n, m) for n, m in res["metrics"].items()]
        if res.get("files"):
            lines += ["", "Files: " + ", ".join(f"`{f}`" for f in res["files"])]
        if res.get("confusion"):
            lines += ["", *confusion_table(res["confusion"])]
        if suite == "trajectories" and res.get("cases"):
            lines += ["", "| scenario | passed trials | tools per turn, first trial (expected) | strict match |",
                      "|---|---:|---|---:|"]
            for c in res["cases"]:
                t0 = c["trials"][0]
                got = " / ".join(",".join(t) or "-" for t in t0["tools"])
                want = " / ".join(",".join(t) or "-" for t in c["expected_tools"])
                passed = sum(t["passed"] for t in c["trials"])
                lines.append(f"| {c['id']} | {passed}/{len(c['trials'])} | {got} ({want}) | "
                             f"{sum(t['match']['strict'] for t in c['trials'])}/{len(c['trials'])} |")
        if res.get("skipped"):
            skipped = "; ".join(f"{s['id']} ({s['reason']})" for s in res["skipped"])
            lines += ["", f"Skipped {len(res['skipped'])}: {skipped}"]
        if res.get("failures"):
            lines += ["", f"### Failures ({len(res['failures'])})", ""]
            traced: set[str] = set()
            for f in res["failures"]:
                lines.append(_failure_md(suite, f, with_trace=f["id"] not in traced))
                traced.add(f["id"])
    return "\n".join(lines) + "\n"


def confusion_table(confusion: dict[str, dict[str, int]]) -> list[str]:
    """The confusion matrix as markdown lines: a row per expected class, a column per predicted class (tools, "(no
    tool)", several tools joined with "+"), counts in the cells, the diagonal in bold."""
    predicted = sorted({p for row in confusion.values() for p in row})
    lines = ["Confusion matrix (rows: expected, columns: predicted):", "",
             "| expected \\ predicted | " + " | ".join(predicted) + " |", "|---|" + "---:|" * len(predicted)]
    for expected, row in confusion.items():
        cells = [(f"**{row[p]}**" if p == expected else str(row[p])) if row.get(p) else "" for p in predicted]
        lines.append(f"| {expected} | " + " | ".join(cells) + " |")
    return lines


def _failure_md(suite: str, f: dict[str, Any], with_trace: bool = True) -> str:
    """One failure as a list item; trajectories with their trace folded (the first failing trial of a scenario only:
    report.json has every trial's)."""
    if suite == "routing":
        msg = f["inputs"]["message"][:160].replace("\n", " ")
        attached = f["inputs"].get("attachments", [])
        attach = f" (+ {', '.join(Path(a).name for a in attached)})" if attached else ""
        route = "; ".join(f"{c['tool']} {c['probability']}" for e in f["trace"]
                          for c in (e.get("data") or {}).get("candidates", []))
        what = f"error: {f['error']}" if f.get("error") else "wrong arguments" if f["right"] else "wrong route"
        want = f" {json.dumps(f['reference']['args'])}" if f["reference"].get("args") else ""
        got = f" {json.dumps(f['args'], default=str)}" if f["args"] else ""
        return (f"- **{f['id']}** ({f['category']}, {what}): “{msg}”{attach} — expected {f['expected']}{want}, got "
                f"{'+'.join(f['predicted'])}{got}" + (f"; routing: {route}" if route else ""))
    checks = "; ".join(f"{c['name']} (`{c['expr']}` -> {json.dumps(c['value'], default=str)[:120]})"
                       for c in f["failed_checks"])
    error = f"error: {f['error']}; " if f.get("error") else ""
    head = f"- **{f['id']}** trial {f['trial']} (thread `{f['thread_id']}`): {error}failed {checks or 'no check'}"
    if not with_trace:
        return head
    trace = "\n".join(f"    {json.dumps(e, ensure_ascii=False, default=str)[:300]}" for e in f["trace"])
    return f"{head}\n  <details><summary>trace</summary>\n\n{trace}\n\n  </details>"


# --- comparing runs ------------------------------------------------------------------------------------------------------


def load_report(ref: str | Path, reports_dir: Path = Path("reports")) -> dict[str, Any]:
    """A run's report.json from a run id (under ``reports_dir``), a run folder or a report.json path. Raises
    EvalInputError naming the runs that exist when it is not found."""
    for candidate in (Path(ref), Path(ref) / "report.json", Path(reports_dir) / str(ref) / "report.json"):
        if candidate.is_file():
            return json.loads(candidate.read_text(encoding="utf-8"))
    runs = sorted(p.parent.name for p in Path(reports_dir).glob("*/report.json"))
    raise EvalInputError(f"No eval run {str(ref)!r} (looked in {reports_dir}); runs there: "
                         f"{', '.join(runs[-10:]) or 'none yet, run `cortex eval` first'}.")


def _case_outcomes(suite: str, res: dict[str, Any]) -> dict[str, float]:
    """Per case: 1/0 for routing (right), the share of passed trials for trajectories."""
    if suite == "routing":
        return {c["id"]: float(c["right"] and c["args_right"] is not False) for c in res.get("cases", [])}
    if suite == "trajectories":
        return {c["id"]: sum(t["passed"] for t in c["trials"]) / len(c["trials"]) for c in res.get("cases", [])}
    return {}


def compare_reports(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """What changed from run ``a`` to run ``b`` (every metric: higher is better).

    Per suite present in both: each common metric with both values, the difference and a verdict ("improved" /
    "regressed" when the two 95 % intervals do not overlap, else "within the intervals"); the cases that went from
    failing to passing ("improved") or back ("regressed"), with McNemar's exact test over the common cases; and
    whether the datasets or splits differ (then only common case ids are compared)."""
    out: dict[str, Any] = {"a": _run_summary(a), "b": _run_summary(b), "suites": {}}
    for suite in [s for s in a["suites"] if s in b["suites"]]:
        ra, rb = a["suites"][suite], b["suites"][suite]
        if ra["status"] != "ok" or rb["status"] != "ok":
            out["suites"][suite] = {"status": f"a: {ra['status']}, b: {rb['status']}"}
            continue
        metrics = {}
        for name in [n for n in ra.get("metrics", {}) if n in rb.get("metrics", {})]:
            ma, mb = ra["metrics"][name], rb["metrics"][name]
            va, vb = ma.get("value"), mb.get("value")
            if va is None or vb is None:
                continue
            (la, ha), (lb, hb) = ma.get("ci95", [va, va]), mb.get("ci95", [vb, vb])
            separate = lb is not None and la is not None and (lb > ha or hb < la)
            verdict = ("improved" if vb > va else "regressed" if vb < va else "unchanged") if separate else (
                "unchanged" if va == vb else "within the intervals")
            metrics[name] = {"a": va, "b": vb, "delta": vb - va, "a_ci95": [la, ha], "b_ci95": [lb, hb],
                             "verdict": verdict}
        oa, ob = _case_outcomes(suite, ra), _case_outcomes(suite, rb)
        common = [c for c in oa if c in ob]
        da, db_ = ra.get("dataset") or {}, rb.get("dataset") or {}
        entry: dict[str, Any] = {"metrics": metrics, "datasets_differ": (da.get("sha256"), da.get("split")) != (
            db_.get("sha256"), db_.get("split"))}
        if common:
            entry["cases"] = {
                "compared": len(common),
                "improved": [c for c in common if ob[c] > oa[c]],
                "regressed": [c for c in common if ob[c] < oa[c]],
                "mcnemar": mcnemar([oa[c] == 1 for c in common], [ob[c] == 1 for c in common]),
                "only_in_a": [c for c in oa if c not in ob], "only_in_b": [c for c in ob if c not in oa],
            }
        out["suites"][suite] = entry
    return out


def _run_summary(r: dict[str, Any]) -> dict[str, Any]:
    return {"run_id": r["run_id"], "engine": r["engine"]["label"], "split": r["split"], "k": r["k"],
            "git_commit": r.get("git_commit")}


async def judge_pairwise(a: dict[str, Any], b: dict[str, Any], settings: Settings | None = None
                         ) -> dict[str, Any] | None:
    """Pairwise LLM judgment of the two runs' final answers per common trajectory scenario (first trial), asked in
    both orders (``evals.evaluators.pairwise``). None when no model is configured. Returns ``{"judge", "a_wins",
    "b_wins", "ties", "b_preferred": Wilson metric of b's wins over all judged, "per_case": {id: verdict}}``."""
    model = judge_model(settings)
    if model is None:
        return None
    judge = pairwise_judge(model)
    ca = {c["id"]: c for c in a["suites"].get("trajectories", {}).get("cases", [])}
    cb = {c["id"]: c for c in b["suites"].get("trajectories", {}).get("cases", [])}
    per_case = {}
    for cid in [c for c in ca if c in cb]:
        x, y = ca[cid]["trials"][0]["answers"][-1], cb[cid]["trials"][0]["answers"][-1]
        inputs = "\n".join(
            f"- {t['message'] or '(a pasted transcript)'}"
            + (f" [attached: {', '.join(Path(p).name for p in t['attachments'])}]" if t.get("attachments") else "")
            for t in ca[cid]["inputs"]["turns"])
        per_case[cid] = await pairwise(judge, inputs, x, y)
    wins = [v["winner"] for v in per_case.values()]
    return {"judge": getattr(model, "model_name", str(model)), "a_wins": wins.count("x"), "b_wins": wins.count("y"),
            "ties": wins.count("tie"), "b_preferred": wilson(wins.count("y"), len(wins)), "per_case": per_case}


def render_comparison(cmp: dict[str, Any]) -> str:
    """The comparison as markdown: per suite the metrics that moved (improved, regressed, within the intervals) and the
    cases that flipped."""
    a, b = cmp["a"], cmp["b"]
    lines = [f"# {a['run_id']} -> {b['run_id']}", "",
             f"- A: {a['engine']}, split {a['split']}, k {a['k']}, commit {a['git_commit'] or 'unknown'}",
             f"- B: {b['engine']}, split {b['split']}, k {b['k']}, commit {b['git_commit'] or 'unknown'}", "",
             "Verdicts: improved / regressed when the 95 % intervals do not overlap; higher is better."]
    for suite, entry in cmp["suites"].items():
        lines += ["", f"## {suite}", ""]
        if "metrics" not in entry:
            lines.append(f"Not compared ({entry['status']}).")
            continue
        if entry["datasets_differ"]:
            lines.append("Note: the datasets or splits differ between the runs; cases are compared on common ids.")
        lines += ["| metric | A | B | delta | verdict |", "|---|---:|---:|---:|---|"]
        order = {"regressed": 0, "improved": 1, "within the intervals": 2, "unchanged": 3}
        for name, m in sorted(entry["metrics"].items(), key=lambda kv: (order[kv[1]["verdict"]], kv[0])):
            lines.append(f"| {name} | {_fmt(m['a'])} | {_fmt(m['b'])} | {m['delta']:+.3f} | {m['verdict']} |")
        if cases := entry.get("cases"):
            mc = cases["mcnemar"]
            lines += ["", f"Cases compared: {cases['compared']}; improved {len(cases['improved'])}, regressed "
                          f"{len(cases['regressed'])} (McNemar exact p = {mc['p_value']:.3f} on the cases that flipped "
                          "between pass and fail)."]
            if cases["regressed"]:
                lines.append("Regressed: " + ", ".join(cases["regressed"]))
            if cases["improved"]:
                lines.append("Improved: " + ", ".join(cases["improved"]))
    if judged := cmp.get("pairwise"):
        m = judged["b_preferred"]
        lines += ["", "## Pairwise judge (final answers of the trajectory scenarios, both orders)", "",
                  f"Judge {judged['judge']}: A wins {judged['a_wins']}, B wins {judged['b_wins']}, ties {judged['ties']} "
                  f"(B preferred {_fmt(m['value'])}, 95 % [{_fmt(m['ci95'][0])}, {_fmt(m['ci95'][1])}])."]
    return "\n".join(lines) + "\n"
