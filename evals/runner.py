"""One runner for every eval suite, one report per run, and the comparison of two runs.

Suites (``SUITES``):

- ``routing`` and ``trajectories``: versioned JSONL datasets in ``evals/datasets/<suite>/<suite>.v<N>.jsonl`` (the
  highest N is used; the report records the file, its version and its SHA-256). Every line is one case
  (``inputs``, ``reference_outputs``, ``metadata``); ``metadata.splits`` says which splits it belongs to:
  ``smoke`` (about 20 cases, no key needed, run in CI) is a subset of ``full``. Run by ``evals.routing`` and
  ``evals.trajectories``.
- ``scorer``, ``retrieval``, ``creators``, ``titles``: the suites of their own issues, imported only when run
  (``evals.scorer.run_scorer_eval``, ``evals.retrieval.run_retrieval_eval``, ``evals.creators.run_creator_eval``,
  ``evals.titles.run_title_eval``). A
  missing module makes the suite "unavailable" in the report, and an exception inside one makes it "error" with the
  message; the other suites still run. Their contract: ``fn(out_dir, [split], [data_dir], [engine])``, sync or async, writes
  its own files into ``out_dir`` (``reports/<run-id>/<suite>/``) and returns a JSON-ready dict; every dict in it that
  holds ``"ci95": [low, high]`` next to exactly one other number, or ``mean``, ``lo`` and ``hi``, becomes a metric of
  the combined report, named by its path (``upworthy_heldout.all.model.accuracy``, ``systems.hybrid.metrics.nDCG@10``). Async ones run on the runner's event loop with the run's
  database as the process database (``memory.db.get_database``); sync ones run in a worker thread.

A run writes ``reports/<run-id>/report.json`` and ``report.md``: per suite its status, dataset version, metrics with
95 % intervals, skipped cases, and failures with their traces; plus the engine and model names, the judge model,
the split, k and the git commit (``evals.report`` renders the markdown and tells two runs apart metric by metric and
case by case); with Langfuse configured, ``publish_to_langfuse`` records each case-level suite as a Langfuse dataset
run.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib
import importlib.util
import inspect
import json
import re
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agent.models import engine_label
from agent.settings import PROJECT_ROOT, Settings, get_settings
from evals.evaluators import judge_model
from evals.report import EvalInputError, render_markdown
from evals.routing import run_routing_suite
from evals.trajectories import DatasetError, Progress, run_trajectory_suite
from graphs.conversation import build_graph
from memory.db import use_database
from tools import all_tools

SUITES = ("routing", "trajectories", "scorer", "retrieval", "creators", "titles")
EXTERNAL = {
    "scorer": ("evals.scorer", "run_scorer_eval"),
    "retrieval": ("evals.retrieval", "run_retrieval_eval"),
    "creators": ("evals.creators", "run_creator_eval"),
    "titles": ("evals.titles", "run_title_eval"),
}
"""Suites whose run function lives in another module: suite -> (module, function)."""
EXTERNAL_SPLITS = {"creators": {"full": "test"}, "retrieval": {"full": "test"}}
"""A suite's own name of a split, where it differs: the full eval of creator search and of outlier retrieval is their
held-out ``test`` split (their ``dev`` split tuned them)."""
SPLITS = ("smoke", "full")
DATASETS_DIR = Path(__file__).resolve().parent / "datasets"
_VERSIONED = re.compile(r"\.v(\d+)\.jsonl$")




# --- datasets --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dataset:
    """The cases of one split of a suite's latest dataset file."""

    suite: str
    path: Path
    version: str
    sha256: str
    split: str
    cases: tuple[dict[str, Any], ...]
    total: int

    def info(self) -> dict[str, Any]:
        """What the report records: file, version, SHA-256 (first 16 hex digits), split, cases in the split / file."""
        return {"path": _where(self.path), "version": self.version, "sha256": self.sha256, "split": self.split,
                "cases": len(self.cases), "cases_in_file": self.total}


def _where(path: Path) -> str:
    """A path as the report shows it: relative to the project when it is inside it."""
    try:
        return str(path.relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def load_dataset(suite: str, split: str, root: Path = DATASETS_DIR) -> Dataset:
    """The ``split`` of the highest-versioned ``<suite>.v<N>.jsonl`` in ``root/<suite>/``. Raises DatasetError when
    there is no such file, a line is not JSON, an id repeats, or a case lacks ``inputs`` / ``reference_outputs``
    / ``metadata.splits``."""
    if split not in SPLITS:
        raise EvalInputError(f"Unknown split {split!r}; choose one of {', '.join(SPLITS)}.")
    files = sorted((p for p in (root / suite).glob(f"{suite}.v*.jsonl") if _VERSIONED.search(p.name)),
                   key=lambda p: int(_VERSIONED.search(p.name).group(1)))  # type: ignore[union-attr]
    if not files:
        raise DatasetError(f"No dataset for {suite!r}: expected {root / suite}/{suite}.v1.jsonl.")
    path = files[-1]
    raw = path.read_bytes()
    cases, seen = [], set()
    for n, line in enumerate(raw.decode("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            case = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DatasetError(f"{path.name} line {n}: not JSON ({exc}).") from exc
        if not isinstance(case, dict) or not {"id", "inputs", "reference_outputs"} <= case.keys() or not isinstance(
                case.get("metadata", {}).get("splits"), list):
            raise DatasetError(f"{path.name} line {n}: a case needs id, inputs, reference_outputs and metadata.splits.")
        if case["id"] in seen:
            raise DatasetError(f"{path.name} line {n}: the id {case['id']!r} is used twice.")
        seen.add(case["id"])
        cases.append(case)
    chosen = tuple(c for c in cases if split in c["metadata"]["splits"])
    version = "v" + _VERSIONED.search(path.name).group(1)  # type: ignore[union-attr]
    return Dataset(suite, path, version, hashlib.sha256(raw).hexdigest()[:16], split, chosen, len(cases))


# --- provenance ------------------------------------------------------------------------------------------------------


def git_commit(root: Path = PROJECT_ROOT) -> str | None:
    """The commit checked out in ``root`` (read from ``.git``: HEAD, the branch ref or packed-refs), or None."""
    git = root / ".git"
    if git.is_file():  # a worktree: "gitdir: <path>"
        git = Path(git.read_text().split(":", 1)[1].strip())
    try:
        head = (git / "HEAD").read_text().strip()
    except OSError:
        return None
    if not head.startswith("ref: "):
        return head
    ref = head[5:]
    if (git / ref).is_file():
        return (git / ref).read_text().strip()
    packed = git / "packed-refs"
    if packed.is_file():
        for line in packed.read_text().splitlines():
            if line.endswith(" " + ref):
                return line.split()[0]
    return None


def engine_info(settings: Settings, engine: str | None) -> dict[str, Any]:
    """``{"name": "offline" | "llm", "label", "models": {tier: model} | None}`` of the run's engine."""
    use_llm = settings.use_llm if engine in (None, "auto") else engine == "llm"
    models = {"premium": settings.model_premium, "long": settings.model_long, "fast": settings.model_fast}
    return {"name": "llm" if use_llm else "offline", "label": engine_label(settings, engine),
            "models": models if use_llm else None}


def extract_metrics(result: Any, prefix: str = "") -> dict[str, dict[str, Any]]:
    """Metrics of an external suite's result, named by their path: every dict holding ``"ci95": [low, high]`` and
    exactly one other number (``{"accuracy": 0.56, "ci95": [...]}`` -> ``path.accuracy``), or ``"mean"``, ``"lo"``
    and ``"hi"`` (-> ``path``). Returns ``{name: {"value", "ci95", "n"?}}``; lists are not searched."""
    found: dict[str, dict[str, Any]] = {}
    if not isinstance(result, dict):
        return found
    ci = result.get("ci95")
    numbers = {k: v for k, v in result.items()
               if k not in ("ci95", "n") and isinstance(v, (int, float)) and not isinstance(v, bool)}
    if isinstance(ci, (list, tuple)) and len(ci) == 2 and len(numbers) == 1:
        (key, value), = numbers.items()
        found[f"{prefix}.{key}" if prefix else key] = {"value": float(value), "ci95": [float(ci[0]), float(ci[1])]}
    elif {"mean", "lo", "hi"} <= numbers.keys():
        found[prefix or "mean"] = {"value": float(result["mean"]), "ci95": [float(result["lo"]), float(result["hi"])]}
    if (name := next(iter(found), None)) and isinstance(result.get("n"), int):
        found[name]["n"] = result["n"]
    for key, value in result.items():
        if isinstance(value, dict):
            found.update(extract_metrics(value, f"{prefix}.{key}" if prefix else key))
    return found


# --- running -----------------------------------------------------------------------------------------------------------


async def _run_external(suite: str, out_dir: Path, split: str, settings: Settings, engine: str | None = None
                        ) -> dict[str, Any]:
    module_name, function = EXTERNAL[suite]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            return {"status": "unavailable", "reason": f"{module_name} is not installed in this tree"}
        return {"status": "unavailable", "reason": f"{module_name} could not be imported: {exc}"}
    fn = getattr(module, function, None)
    if fn is None:
        return {"status": "unavailable", "reason": f"{module_name} has no {function}()"}
    params = inspect.signature(fn).parameters
    kwargs: dict[str, Any] = {}
    if "split" in params:
        kwargs["split"] = EXTERNAL_SPLITS.get(suite, {}).get(split, split)
    if "data_dir" in params:
        kwargs["data_dir"] = settings.data_dir
    if "engine" in params and engine:
        kwargs["engine"] = engine
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        if inspect.iscoroutinefunction(fn):
            result = await fn(out_dir, **kwargs)
        else:
            result = await asyncio.to_thread(fn, out_dir, **kwargs)
    except Exception as exc:  # a broken suite must not sink the others: the report says what happened
        return {"status": "error", "reason": f"{type(exc).__name__}: {exc}"}
    files = sorted(str(p.relative_to(out_dir.parent)) for p in out_dir.rglob("*") if p.is_file())
    data_dir = DATASETS_DIR / suite
    dataset = None
    if data_dir.is_dir():
        digest = hashlib.sha256()
        for p in sorted(data_dir.rglob("*")):
            if p.is_file():
                digest.update(p.name.encode() + p.read_bytes())
        dataset = {"path": _where(data_dir), "sha256": digest.hexdigest()[:16]}
    notes = [f"split {kwargs['split']!r} of the suite" if "split" in params
             else f"{function}() has no split: it ran in full"]
    if not (metrics := extract_metrics(result)):
        notes.append("its result has no metric with a 95 % interval (a dict with \"ci95\" and one number, or "
                     "mean / lo / hi): see its files")
    return {"status": "ok", "dataset": dataset, "metrics": metrics, "files": files, "notes": notes}


def check_run_args(suites: Sequence[str] | None, split: str, engine: str | None, k: int,
                   settings: Settings | None = None) -> list[str]:
    """The suites to run (default: all, duplicates dropped), after checking every argument of a run. Raises
    EvalInputError saying what to fix: an unknown suite, split or engine, k below 1, or "llm" with no key."""
    settings = settings or get_settings()
    chosen = list(dict.fromkeys(suites or SUITES))
    if unknown := [s for s in chosen if s not in SUITES]:
        raise EvalInputError(f"Unknown suite(s) {', '.join(unknown)}; choose from {', '.join(SUITES)}.")
    if split not in SPLITS:
        raise EvalInputError(f"Unknown split {split!r}; choose one of {', '.join(SPLITS)}.")
    if k < 1:
        raise EvalInputError(f"--k must be at least 1 (trials per multi-turn scenario), got {k}.")
    if engine not in (None, "auto", "offline", "llm"):
        raise EvalInputError(f"Unknown engine {engine!r}; choose offline or llm.")
    if engine == "llm" and not settings.llm_configured:
        raise EvalInputError("--engine llm needs OPENROUTER_API_KEY or OPENAI_API_KEY; use --engine offline without one.")
    return chosen


def suite_catalog() -> list[dict[str, Any]]:
    """Every suite with where it comes from: ``{"suite", "source", "available", "versions": {split: cases}}``
    (dataset suites: the latest file and its cases per split; other suites: their module, importable or not)."""
    rows = []
    for suite in SUITES:
        if suite in EXTERNAL:
            module, function = EXTERNAL[suite]
            rows.append({"suite": suite, "source": f"{module}.{function}()",
                         "available": importlib.util.find_spec(module) is not None, "versions": {}})
            continue
        try:
            per_split = {split: load_dataset(suite, split) for split in SPLITS}
        except DatasetError as exc:
            rows.append({"suite": suite, "source": str(exc), "available": False, "versions": {}})
            continue
        ds = per_split["full"]
        rows.append({"suite": suite, "source": f"{ds.info()['path']} ({ds.version}, sha256 {ds.sha256})",
                     "available": True, "versions": {split: len(d.cases) for split, d in per_split.items()}})
    return rows


async def run_evals(
    suites: Sequence[str] | None = None,
    *,
    split: str = "smoke",
    engine: str | None = None,
    k: int = 1,
    out_dir: Path = Path("reports"),
    db: Any,
    settings: Settings | None = None,
    progress: Progress | None = None,
    judge: bool = True,
) -> Path:
    """Run ``suites`` (default: all) on ``split`` with ``engine`` ("offline", "llm", None = settings), ``k`` trials per
    multi-turn scenario; write ``out_dir/<run-id>/report.json`` and ``report.md`` and return that folder.

    ``db``: the open ``memory.db.Database`` with the corpus (the caller sets it as the process database).
    ``judge``: run the LLM judges when a model is configured. ``progress(phase, done, total)`` is called as cases
    finish. Raises EvalInputError for unknown suites, a bad split or k, or "llm" without a key; DatasetError for an
    invalid dataset.
    """
    settings = settings or get_settings()
    chosen = check_run_args(suites, split, engine, k, settings)
    datasets = {suite: load_dataset(suite, split) for suite in chosen if suite not in EXTERNAL}
    info = engine_info(settings, engine)
    judge_llm = judge_model(settings) if judge else None
    started = datetime.now(UTC)
    run_id = f"{started:%Y%m%d-%H%M%S}-{info['name']}-{uuid.uuid4().hex[:4]}"
    run_dir = Path(out_dir) / run_id
    run_dir.mkdir(parents=True)
    report: dict[str, Any] = {
        "run_id": run_id, "created_at": started.isoformat(), "git_commit": git_commit(), "split": split, "k": k,
        "engine": info, "judge": getattr(judge_llm, "model_name", None), "suites": {},
    }
    tool_names = [t.name for t in all_tools()]
    for suite in chosen:
        t0 = time.perf_counter()
        if suite in EXTERNAL:
            if progress:
                progress(suite, 0, 1)
            result = await _run_external(suite, run_dir / suite, split, settings, engine)
            use_database(db)  # a suite that opened its own database cleared the process's one when it closed
            if progress:
                progress(suite, 1, 1)
        elif suite == "routing":
            result = await run_routing_suite(datasets[suite].cases, data_dir=settings.data_dir, tool_names=tool_names,
                                             engine=engine, progress=progress)
        else:
            result = await run_trajectory_suite(
                datasets[suite].cases, graph=build_graph(db.checkpointer, db.store), pool=db.pool,
                data_dir=settings.data_dir, tool_names=tool_names, engine=engine, k=k, judge=judge_llm,
                progress=progress)
        if suite in datasets:
            result = {"status": "ok", "dataset": datasets[suite].info(), **result}
        result["seconds"] = round(time.perf_counter() - t0, 1)
        report["suites"][suite] = result
    report["seconds"] = round((datetime.now(UTC) - started).total_seconds(), 1)
    write_report(report, run_dir)
    if (published := publish_to_langfuse(report, datasets, settings)) is not None:
        report["langfuse"] = published
        write_report(report, run_dir)
    return run_dir


def write_report(report: dict[str, Any], run_dir: Path) -> None:
    """Write ``report.json`` (everything) and ``report.md`` (``render_markdown``) into ``run_dir``."""
    (run_dir / "report.json").write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    (run_dir / "report.md").write_text(render_markdown(report), encoding="utf-8")


# --- Langfuse --------------------------------------------------------------------------------------------------------


def _case_scores(suite: str, case: dict[str, Any]) -> tuple[dict[str, Any], dict[str, float]]:
    """(output, numeric scores) of one case for a Langfuse dataset run item."""
    if suite == "routing":
        scores = {"right_route": float(case["right"])}
        if case["args_right"] is not None:
            scores["right_args"] = float(case["args_right"])
        return {"predicted": case["predicted"], "args": case["args"]}, scores
    trials = case["trials"]
    scores = {"pass_rate": sum(t["passed"] for t in trials) / len(trials)}
    scores.update({f"trajectory_{m}_match": sum(t["match"][m] for t in trials) / len(trials) for m in trials[0]["match"]})
    return {"tools": trials[0]["tools"], "answers": trials[0]["answers"],
            "checks": [{"name": c["name"], "passed": c["passed"]} for c in trials[0]["checks"]]}, scores


def publish_to_langfuse(report: dict[str, Any], datasets: dict[str, Dataset], settings: Settings | None = None
                        ) -> dict[str, str | None] | None:
    """Record each case-level suite of the run as a Langfuse dataset run when Langfuse is configured
    (``agent.tracing.enabled``); None, with nothing imported or logged, when it is not.

    The dataset ``cortex-<suite>-<version>`` gets one item per case (id: a UUID5 of suite, version and case id, so
    items are upserted, never duplicated; input, expected output and metadata from the JSONL); the run, named by the
    run id, gets each evaluated case's output and scores (``_case_scores``) through Langfuse's experiment runner
    (``Langfuse.run_experiment`` on those dataset items). Returns ``{suite: the run's URL or None}``.
    """
    from agent import tracing

    settings = settings or get_settings()
    if not tracing.enabled(settings):
        return None
    from langfuse import Evaluation

    client = tracing._client(settings.langfuse_public_key.get_secret_value(),  # the process's one client
                             settings.langfuse_secret_key.get_secret_value(), settings.langfuse_host)
    urls: dict[str, str | None] = {}
    for suite, dataset in datasets.items():
        res = report["suites"][suite]
        name = f"cortex-{suite}-{dataset.version}"
        client.create_dataset(name=name, description=f"Creator Cortex eval suite {suite} ({dataset.path.name})",
                              metadata={"sha256": dataset.sha256})
        ids = {}
        for case in dataset.cases:
            item_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"creator-cortex/{suite}/{dataset.version}/{case['id']}"))
            ids[item_id] = case["id"]
            client.create_dataset_item(dataset_name=name, id=item_id, input=case["inputs"],
                                       expected_output=case["reference_outputs"],
                                       metadata={**case.get("metadata", {}), "case_id": case["id"]})
        recorded = {c["id"]: _case_scores(suite, c) for c in res.get("cases", [])}
        items = [i for i in client.get_dataset(name).items if ids.get(i.id) in recorded]

        # the two closures run inside run_experiment below, in this same iteration
        def task(*, item: Any, **_: Any) -> Any:  # noqa: B023
            return {"case_id": ids[item.id], **recorded[ids[item.id]][0]}  # noqa: B023

        def scores(*, output: Any, **_: Any) -> list[Any]:
            return [Evaluation(name=k, value=v) for k, v in recorded[output["case_id"]][1].items()]  # noqa: B023

        result = client.run_experiment(name=f"cortex {suite}", run_name=report["run_id"], data=items, task=task,
                                       evaluators=[scores], metadata={"engine": report["engine"]["label"],
                                                                      "split": report["split"], "k": str(report["k"]),
                                                                      "git_commit": report.get("git_commit") or ""})
        urls[suite] = result.experiment_url
    return urls
