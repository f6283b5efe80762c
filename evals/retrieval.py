"""Retrieval eval: labelled topic queries -> relevant real outlier titles; MiniLM, the fast static tier, full text
(BM25) alone and the hybrid, on the same queries.

Command::

    cortex eval retrieval [--split smoke|full]     # the runner: full = the test split; reports/<run-id>/retrieval/
    python -m evals.retrieval [--split test|dev|smoke|all] [--out DIR]   # DIR/retrieval_eval.md and .json

Labels (``evals/datasets/retrieval/retrieval.v1.jsonl``, one query per line, each with its label ``version``): 66 topic
queries written from the corpus's outlier titles; for each, the candidates were pooled (TREC-style) from the top
15 of every system evaluated here plus titles found by reading the channels' outlier lists, and judged by hand
by reading each title: grade 2 = squarely on the topic, 1 = related, unlisted = not relevant. The search space
is every upload with an outlier multiplier of at least 2 (the tool's default), so labels are video ids of such
uploads. Split by query with a fixed seed: ``dev`` (30 queries: the only ones used to choose anything, i.e. the
similarity floors) and ``test`` (36); ``smoke`` is 20 of the test queries, for a quick run.

Metrics at k = 10, averaged over queries, with 95 % bootstrap intervals over queries (2,000 resamples):

- recall@10 = relevant titles in the top 10 / relevant titles (grade >= 1); R_cap@10 divides by min(10, relevant
  titles) instead (Thakur et al. 2021, BEIR), since some topics have dozens of relevant titles;
- MRR@10 = 1 / rank of the first relevant title in the top 10 (0 if none);
- nDCG@10 with gains 2^grade - 1 and log2(rank + 1) discounts (Jarvelin & Kekalainen 2002), the ideal ranking
  taken from all labels.

Systems: ``minilm`` and ``static`` (vector search alone with each model), ``fulltext`` (BM25 alone), ``hybrid``
(both, reciprocal rank fusion, with the model's similarity floor, as ``retrieve_outliers`` runs it) with MiniLM
and with the static tier, and ``hybrid (no floor)`` to show what the floor costs.

**Similarity floor** (``fit_similarity_floor``): on the dev split only, the top 20 titles per query by vector
similarity are labelled relevant (grade >= 1) or not; the floor is the cosine similarity that maximises F1 of
"similarity >= floor" as a predictor of relevance (a title under the floor is not shown as evidence). The report
gives both similarity distributions and the fitted floors next to the ones configured in
``tools.outliers.search.SIMILARITY_FLOOR``.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import typer

from agent.embeddings import MINILM, MINILM_STATIC, get_embedder, get_title_embedder
from agent.settings import get_settings
from memory.corpus.ingest import corpus_is_empty, ingest_corpus
from memory.corpus.search import OutlierFilters, hybrid_search
from memory.corpus.vectors import embed_titles
from memory.db import Database
from memory.outliers import OUTLIER_FROM
from tools.outliers.search import IN_NICHE_FLOOR, SIMILARITY_FLOOR, search_outliers

K = 10
FLOOR_DEPTH = 20
N_BOOTSTRAP = 2000
SEED = 20240404
SPLITS = ("dev", "test", "smoke", "all")
DATASET = Path(__file__).resolve().parent / "datasets" / "retrieval" / "retrieval.v1.jsonl"


@dataclass(frozen=True)
class LabelledQuery:
    """One labelled query: id, text, split ('dev' | 'test'), smoke flag, {video_id: grade (1 or 2)}."""

    id: str
    query: str
    split: str
    smoke: bool
    grades: dict[str, int]


def load_queries(split: str = "test", path: Path | None = None) -> list[LabelledQuery]:
    """The labelled queries of a split ('dev', 'test', 'smoke' or 'all'). Raises ValueError for another split."""
    if split not in SPLITS:
        raise ValueError(f"Unknown split {split!r}: choose from {', '.join(SPLITS)}.")
    text = (path or DATASET).read_text(encoding="utf-8")
    out = []
    for line in text.splitlines():
        if not line.strip():
            continue
        r = json.loads(line)
        q = LabelledQuery(r["id"], r["query"], r["split"], bool(r["smoke"]),
                          {x["video_id"]: int(x["grade"]) for x in r["relevant"]})
        if split == "all" or q.split == split or (split == "smoke" and q.smoke):
            out.append(q)
    return out


def recall_at_k(ranked: list[str], grades: dict[str, int], k: int = K) -> float:
    """Relevant ids in the top k / relevant ids (0 when nothing is relevant)."""
    return sum(1 for v in ranked[:k] if v in grades) / len(grades) if grades else 0.0


def r_cap_at_k(ranked: list[str], grades: dict[str, int], k: int = K) -> float:
    """BEIR's capped recall: relevant ids in the top k / min(k, relevant ids)."""
    return sum(1 for v in ranked[:k] if v in grades) / min(k, len(grades)) if grades else 0.0


def mrr_at_k(ranked: list[str], grades: dict[str, int], k: int = K) -> float:
    """1 / rank of the first relevant id in the top k, 0 if none."""
    return next((1 / i for i, v in enumerate(ranked[:k], 1) if v in grades), 0.0)


def ndcg_at_k(ranked: list[str], grades: dict[str, int], k: int = K) -> float:
    """nDCG@k with gains 2^grade - 1 and 1 / log2(rank + 1) discounts; the ideal ranking from all labels."""
    dcg = sum((2 ** grades.get(v, 0) - 1) / math.log2(i + 1) for i, v in enumerate(ranked[:k], 1))
    ideal = sorted(grades.values(), reverse=True)[:k]
    idcg = sum((2**g - 1) / math.log2(i + 1) for i, g in enumerate(ideal, 1))
    return dcg / idcg if idcg else 0.0


METRICS = {"recall@10": recall_at_k, "R_cap@10": r_cap_at_k, "MRR@10": mrr_at_k, "nDCG@10": ndcg_at_k}
"""Metrics of the queries whose topic is in the corpus (labelled titles); absent topics are graded by the false match
rate alone."""


def false_matches(ranked: list[str], grades: dict[str, int], k: int = K) -> tuple[int, int]:
    """(returned titles in the top k not labelled relevant, returned titles in the top k)."""
    top = ranked[:k]
    return sum(1 for v in top if v not in grades), len(top)


def bootstrap_ci(values: list[float], seed: int = SEED) -> tuple[float, float, float]:
    """(mean, 2.5th, 97.5th percentile) of the mean over ``N_BOOTSTRAP`` resamples of the queries."""
    arr = np.asarray(values, dtype=float)
    if arr.size == 0:
        return 0.0, 0.0, 0.0
    rng = np.random.default_rng(seed)
    means = arr[rng.integers(0, arr.size, (N_BOOTSTRAP, arr.size))].mean(axis=1)
    return float(arr.mean()), float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def fit_similarity_floor(similarities: list[float], relevant: list[bool]) -> dict:
    """The floor in [0.10, 0.70] (steps of 0.01) maximising F1 of 'similarity >= floor' for relevance.

    Returns {floor, f1, precision, recall, n, n_relevant}. ValueError when no candidate is relevant.
    """
    sims, rel = np.asarray(similarities, dtype=float), np.asarray(relevant, dtype=bool)
    if not rel.any():
        raise ValueError("No relevant candidate to fit a similarity floor on.")
    best = None
    for floor in np.round(np.arange(0.10, 0.701, 0.01), 2):
        kept = sims >= floor
        tp = int((kept & rel).sum())
        precision = tp / kept.sum() if kept.any() else 0.0
        recall = tp / rel.sum()
        f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
        if best is None or f1 > best["f1"]:
            best = {"floor": float(floor), "f1": f1, "precision": precision, "recall": recall}
    return {**best, "n": int(sims.size), "n_relevant": int(rel.sum())}


def _quantiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    q = np.percentile(values, [10, 25, 50, 75, 90])
    return {f"p{p}": round(float(v), 3) for p, v in zip((10, 25, 50, 75, 90), q, strict=True)}


SYSTEMS: dict[str, tuple[str, tuple[str, ...], bool]] = {
    "minilm": (MINILM, ("vector",), False),
    "static": (MINILM_STATIC, ("vector",), False),
    "fulltext": (MINILM, ("keyword",), False),
    "hybrid": (MINILM, ("vector", "keyword"), True),
    "hybrid (no floor)": (MINILM, ("vector", "keyword"), False),
    "hybrid static": (MINILM_STATIC, ("vector", "keyword"), True),
}
"""name -> (title embedding model, legs fused, similarity floor applied)."""
TOOL = "retrieve_outliers"
"""The tool's own search (``tools.outliers.search.search_outliers``: hybrid with the floor, the niche the topic names
first, evidence for the others), with the configured title model: what a creator gets."""


async def _prepare(db: Database) -> None:
    """The corpus ingested and every title embedded with both models."""
    settings = get_settings()
    if await corpus_is_empty(db.pool):
        await ingest_corpus(db.pool, settings.data_dir)
    for model in (MINILM, MINILM_STATIC):
        await embed_titles(db.pool, get_embedder(model))


async def _ranked(db: Database, system: str, q: LabelledQuery, vec, filters: OutlierFilters) -> list[dict]:
    if system == TOOL:
        return [asdict(h) for h in (await search_outliers(db.pool, q.query, limit=K)).hits]
    model, legs, floored = SYSTEMS[system]
    floor = SIMILARITY_FLOOR.get(model) if floored else None
    result = await hybrid_search(db.pool, model, q.query, vec, filters, limit=K, similarity_floor=floor, legs=legs)
    return result.hits


async def evaluate(db: Database, queries: list[LabelledQuery]) -> dict:
    """Run every system on the queries; per-system metrics with intervals over the queries whose topic is in the
    corpus, the false match rate (returned titles not labelled relevant / returned titles, pooled) on those and on
    the absent topics, the share of absent topics answered with nothing, mean latency, and per-query results."""
    filters = OutlierFilters(min_multiplier=OUTLIER_FROM)
    async with db.pool.connection() as conn:
        cur = await conn.execute("SELECT video_id FROM videos WHERE outlier_multiplier >= %s", (OUTLIER_FROM,))
        space = {r["video_id"] for r in await cur.fetchall()}
    vectors = {m: get_embedder(m).embed([q.query for q in queries]) for m in (MINILM, MINILM_STATIC)}
    out: dict = {"systems": {}, "per_query": {q.id: {"query": q.query} for q in queries}}
    tool_model = get_title_embedder().name
    for name in [*SYSTEMS, TOOL]:
        model, legs, floored = SYSTEMS.get(name, (tool_model, ("vector", "keyword"), True))
        scores: dict[str, list[float]] = {m: [] for m in METRICS}
        wrong = {"present": [0, 0], "absent": [0, 0]}
        silent = 0
        elapsed = []
        for q, vec in zip(queries, vectors[model], strict=True):
            started = time.perf_counter()
            hits = await _ranked(db, name, q, vec, filters)
            elapsed.append(time.perf_counter() - started)
            ranked = [h["video_id"] for h in hits]
            bad, shown = false_matches(ranked, q.grades)
            group = "present" if q.grades else "absent"
            wrong[group][0] += bad
            wrong[group][1] += shown
            silent += not q.grades and not ranked
            if q.grades:
                for m, fn in METRICS.items():
                    scores[m].append(fn(ranked, q.grades))
            out["per_query"][q.id][name] = {"nDCG@10": round(ndcg_at_k(ranked, q.grades), 4), "hits": len(ranked),
                                            "false": bad, "top3": [h["title"] for h in hits[:3]]}
        absent = sum(1 for q in queries if not q.grades)
        out["systems"][name] = {
            "model": model, "legs": list(legs), "similarity_floor": SIMILARITY_FLOOR.get(model) if floored else None,
            "metrics": {m: dict(zip(("mean", "lo", "hi"), bootstrap_ci(v), strict=True)) for m, v in scores.items()},
            "false_match_rate": {g: round(b / n, 4) if n else 0.0 for g, (b, n) in wrong.items()},
            "absent_answered_empty": round(silent / absent, 4) if absent else None,
            "mean_latency_ms": 1000 * float(np.mean(elapsed)),
            "mean_hits": float(np.mean([out["per_query"][q.id][name]["hits"] for q in queries])),
            "_ndcg": scores["nDCG@10"],
        }
    base = out["systems"]["minilm"].pop("_ndcg")
    for name, s in out["systems"].items():
        if name != "minilm":
            diff = np.asarray(s.pop("_ndcg")) - np.asarray(base)
            s["ndcg_vs_minilm"] = dict(zip(("mean", "lo", "hi"), bootstrap_ci(diff.tolist()), strict=True))
    labels = [v for q in queries for v in q.grades]
    out["labels"] = {"queries": len(queries), "absent_topics": sum(1 for q in queries if not q.grades),
                     "relevant": len(labels), "outside_search_space": sum(1 for v in labels if v not in space)}
    return out


async def similarity_floors(db: Database) -> dict:
    """Per model: the similarity floor fitted on the dev split and the relevant / irrelevant similarity quantiles."""
    queries = load_queries("dev")
    filters = OutlierFilters(min_multiplier=OUTLIER_FROM)
    out = {}
    for model in (MINILM, MINILM_STATIC):
        vecs = get_embedder(model).embed([q.query for q in queries])
        sims, rel = [], []
        for q, vec in zip(queries, vecs, strict=True):
            result = await hybrid_search(db.pool, model, q.query, vec, filters, limit=FLOOR_DEPTH, legs=("vector",))
            for h in result.hits:
                sims.append(h["similarity"])
                rel.append(h["video_id"] in q.grades)
        fit = fit_similarity_floor(sims, rel)
        out[model] = {
            **fit,
            "configured": SIMILARITY_FLOOR.get(model),
            "relevant": _quantiles([s for s, r in zip(sims, rel, strict=True) if r]),
            "irrelevant": _quantiles([s for s, r in zip(sims, rel, strict=True) if not r]),
        }
    return out


IN_NICHE_GRID = (0.20, 0.24, 0.28, 0.32, 0.36, 0.40)


async def tune_in_niche_floor(db: Database, model: str) -> dict:
    """The in-niche floor of ``model`` (``tools.outliers.search.IN_NICHE_FLOOR``) chosen on the dev split only: the
    floor in ``IN_NICHE_GRID`` with the best mean nDCG@10 of the tool on dev topics in the corpus (ties: the higher
    floor). Returns {floor, ndcg, false_match_rate, grid: {floor: ndcg}}; the title model must be ``model``."""
    queries = load_queries("dev")
    present = [q for q in queries if q.grades]
    saved = IN_NICHE_FLOOR.get(model)
    grid: dict[float, dict] = {}
    try:
        for floor in IN_NICHE_GRID:
            IN_NICHE_FLOOR[model] = floor
            ndcg, bad, shown = [], 0, 0
            for q in queries:
                ranked = [h.video_id for h in (await search_outliers(db.pool, q.query, limit=K)).hits]
                if q.grades:
                    ndcg.append(ndcg_at_k(ranked, q.grades))
                b, n = false_matches(ranked, q.grades)
                bad, shown = bad + b, shown + n
            grid[floor] = {"ndcg": round(float(np.mean(ndcg)), 4), "false_match_rate": round(bad / max(shown, 1), 4)}
    finally:
        IN_NICHE_FLOOR[model] = saved
    best = max(grid, key=lambda f: (grid[f]["ndcg"], f))
    return {"floor": best, **grid[best], "queries": len(present), "grid": grid}


TOPIC_GRID = tuple(float(x) for x in np.round(np.arange(0.30, 0.601, 0.01), 2))


async def fit_topic_floor(db: Database, model: str) -> dict:
    """The topic floor of ``model`` (``tools.outliers.search.TOPIC_FLOOR``) fitted on the dev split only: over the dev
    queries whose topic names no niche, the nearest outlier title's similarity (the vector leg, as the tool searches)
    and whether the topic is absent from the corpus; the floor in ``TOPIC_GRID`` that decides "no good match" right
    for the most queries (ties: the middle of the best run). Returns {floor, correct, queries, absent, nearest:
    [{query, absent, similarity}]}."""
    from memory.niches import niches_named

    queries = [q for q in load_queries("dev") if not niches_named(q.query, "channel")]
    vecs = get_embedder(model).embed([q.query for q in queries])
    nearest = []
    for q, vec in zip(queries, vecs, strict=True):
        result = await hybrid_search(db.pool, model, q.query, vec, OutlierFilters(min_multiplier=OUTLIER_FROM), limit=1,
                                     legs=("vector",))
        nearest.append({"query": q.query, "absent": not q.grades,
                        "similarity": round(float(result.hits[0]["similarity"]), 4) if result.hits else 0.0})
    correct = {f: sum((n["similarity"] < f) == n["absent"] for n in nearest) for f in TOPIC_GRID}
    top = max(correct.values())
    best = [f for f in TOPIC_GRID if correct[f] == top]
    return {"floor": best[len(best) // 2], "correct": top, "queries": len(nearest),
            "absent": sum(n["absent"] for n in nearest), "model": model, "nearest": nearest}


def run_retrieval_eval(out_dir: Path, split: str = "test") -> dict:
    """Run the retrieval eval on ``split`` and write ``out_dir/retrieval_eval.md`` and ``.json``; returns the report.

    Opens the configured database (ingesting the corpus when it is empty and embedding titles with both models).
    Raises ValueError for an unknown split.
    """
    queries = load_queries(split)

    async def run() -> dict:
        async with Database.open(get_settings(), max_size=2) as db:
            await _prepare(db)
            return {"split": split, "k": K, "dataset": f"evals/datasets/retrieval/{DATASET.name}",
                    **(await evaluate(db, queries)), "floors": await similarity_floors(db)}

    report = asyncio.run(run())
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "retrieval_eval.json").write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    (out_dir / "retrieval_eval.md").write_text(render_markdown(report), encoding="utf-8")
    return report


def _ci(m: dict) -> str:
    return f"{m['mean']:.3f} [{m['lo']:.3f}, {m['hi']:.3f}]"


def _delta(delta: dict | None) -> str:
    """A difference with its interval ('+0.012 [-0.004, +0.030]'), or '-' when there is none."""
    return "{:+.3f} [{:+.3f}, {:+.3f}]".format(delta["mean"], delta["lo"], delta["hi"]) if delta else "-"


def render_markdown(report: dict) -> str:
    """The report a reader reads: metrics per system with intervals, the floors and how they were chosen."""
    lab = report["labels"]
    lines = [
        f"# Retrieval eval: {report['split']} split ({lab['queries']} queries, {lab['relevant']} relevant titles)",
        "",
        f"Labels: `{report['dataset']}`.",
        "",
        "Search space: uploads with an outlier multiplier >= 2. Means over queries with 95 % bootstrap intervals. "
        "R_cap@10 divides by min(10, relevant titles). Latency: this corpus (~9k titles), one client, warm.",
        "",
        f"Metrics over the {lab['queries'] - lab.get('absent_topics', 0)} topics in the corpus; false match rate = returned "
        f"titles not labelled relevant / returned titles, on those and on the {lab.get('absent_topics', 0)} absent topics "
        "(empty = absent topics answered with nothing).",
        "",
        "| System | Model | recall@10 | R_cap@10 | MRR@10 | nDCG@10 | nDCG vs MiniLM | False matches (present / absent) | "
        "Empty on absent | Hits/query | ms/query |",
        "|---|---|---|---|---|---|---|---|---:|---:|---:|",
    ]
    for name, s in report["systems"].items():
        m = s["metrics"]
        delta = s.get("ndcg_vs_minilm")
        lines.append(
            f"| {name} | {s['model'] if 'vector' in s['legs'] else '-'} | {_ci(m['recall@10'])} | {_ci(m['R_cap@10'])} | "
            f"{_ci(m['MRR@10'])} | {_ci(m['nDCG@10'])} | {_delta(delta)} | "
            f"{s['false_match_rate']['present']:.3f} / {s['false_match_rate']['absent']:.3f} | "
            f"{s['absent_answered_empty'] if s['absent_answered_empty'] is not None else '-'} | "
            f"{s['mean_hits']:.1f} | {s['mean_latency_ms']:.1f} |"
        )
    if lab["outside_search_space"]:
        lines += ["", f"_{lab['outside_search_space']} labelled titles are no longer outliers (definition changed); "
                      "they count as unreachable._"]
    lines += ["", "## Similarity floors (fitted on the dev split only)", "",
              "| Model | Fitted floor | F1 | Precision | Recall | Configured | Relevant p10/p50/p90 | Irrelevant p10/p50/p90 |",
              "|---|---:|---:|---:|---:|---:|---|---|"]
    for model, f in report["floors"].items():
        rel, irr = f["relevant"], f["irrelevant"]
        lines.append(
            f"| {model} | {f['floor']:.2f} | {f['f1']:.3f} | {f['precision']:.3f} | {f['recall']:.3f} | {f['configured']} | "
            f"{rel.get('p10')}/{rel.get('p50')}/{rel.get('p90')} | {irr.get('p10')}/{irr.get('p50')}/{irr.get('p90')} |"
        )
    lines += ["", f"Top {FLOOR_DEPTH} titles per dev query by vector similarity, labelled relevant (grade >= 1) or not; "
              "the floor maximises F1 of 'similarity >= floor'."]
    return "\n".join(lines) + "\n"


def main(
    split: str = typer.Option("test", help="test (the report), dev (fits the similarity floors), smoke, all, tune "
                              "(chooses the in-niche floor on dev) or topic-floor (fits the topic floors on dev)"),
    out: Path = typer.Option(Path("reports/retrieval"), help="folder for retrieval_eval.md and retrieval_eval.json"),
) -> None:
    """Run the retrieval eval on one split and print its report (``--split tune``: choose the in-niche floor on dev;
    ``--split topic-floor``: fit the topic floors on dev)."""
    if split in ("tune", "topic-floor"):
        async def tune() -> dict:
            async with Database.open(get_settings(), max_size=2) as db:
                if split == "tune":
                    return await tune_in_niche_floor(db, get_title_embedder().name)
                await _prepare(db)
                return {m: await fit_topic_floor(db, m) for m in (MINILM, MINILM_STATIC)}

        print(json.dumps(asyncio.run(tune()), indent=1))
        return
    if split not in SPLITS:
        raise typer.BadParameter(f"choose from {', '.join(SPLITS)}", param_hint="--split")
    run_retrieval_eval(out, split)
    print((out / "retrieval_eval.md").read_text(encoding="utf-8"))


if __name__ == "__main__":  # pragma: no cover
    typer.run(main)
