"""Creator search eval: nDCG@10 of keyword-only, semantic-only and hybrid search on hand-labelled queries.

Command::

    cortex eval creators [--split test|dev|smoke|all] [--out DIR]   # DIR/creators_eval.md and .json
    python -m evals.creators tune                                   # grid-search fusion weights on dev only
    python -m evals.creators floor                                  # fit the semantic floor on dev only

Data: ``evals/creator_queries.jsonl`` (versioned JSON Lines, one query a line): ``id``, ``version``, ``split``
(``dev`` or ``test``, split by query), ``smoke`` (a few dev queries for a quick check), ``query`` (as a user
types it), ``relevant`` ({account_id: grade}, 2 = highly relevant, 1 = relevant; unlisted = not relevant) and
``notes`` (how it was judged). Labels were made by hand: for each query, the rows passing its hard constraints
and a keyword pool were read (name, audience, country, description) and judged; the systems' top 20 were
pooled in and judged the same way (pooling as in TREC). A hit counts with the best grade of any account of its
creator (identity resolution can merge labelled accounts).

Each query goes through the offline engine's extractor (``tools.creators.offline.extract_args``: platform,
follower bounds, niche, country, example creator) and then ``tools.creators.search.search`` in each mode with the
same filters, so the eval measures what a user gets. nDCG@10 with exponential gain (2^grade - 1) and log2
discount (Järvelin & Kekäläinen 2002; Burges et al. 2005); the ideal ranking is built from all labelled accounts.
Fusion weights are tuned on ``dev`` only (``tune``) and the report's headline is ``test``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import statistics
from dataclasses import asdict
from pathlib import Path
from typing import Any

from agent.embeddings import get_creator_embedder, get_embedder
from agent.settings import get_settings
from memory.creators.search import CreatorFilters
from memory.creators.vectors import creator_vector_table
from tools.creators.offline import extract_args
from tools.creators.search import CreatorQuery, FusionWeights, Mode, search
from tools.creators.tool import HIGH_ENGAGEMENT_PCT

QUERIES_PATH = Path(__file__).with_name("creator_queries.jsonl")
SPLITS = ("dev", "test", "smoke", "all")
MODES: tuple[Mode, ...] = ("keyword", "semantic", "hybrid")
K = 10


def load_queries(split: str = "test", path: Path = QUERIES_PATH) -> list[dict]:
    """The labelled queries of a split ('dev', 'test', 'smoke' = the dev queries marked smoke, 'all').

    Raises ValueError for an unknown split."""
    if split not in SPLITS:
        raise ValueError(f"Unknown split {split!r}: use one of {', '.join(SPLITS)}.")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if split == "all":
        return rows
    if split == "smoke":
        return [r for r in rows if r.get("smoke")]
    return [r for r in rows if r["split"] == split]


def ndcg_at_k(gains: list[int], ideal: list[int], k: int = K) -> float:
    """nDCG@k of a ranking's grades against the ideal grades (exponential gain, log2 discount); 0 when the ideal
    has no relevant item."""
    def dcg(grades: list[int]) -> float:
        return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(grades[:k]))

    best = dcg(sorted(ideal, reverse=True))
    return dcg(gains) / best if best > 0 else 0.0


def query_of(args: dict) -> CreatorQuery:
    """The CreatorQuery of extracted tool arguments (as ``search_creators`` builds it)."""
    filters = CreatorFilters(
        platform=args.get("platform"), niche=args.get("niche"), min_followers=args.get("min_followers"),
        max_followers=args.get("max_followers"), country=args.get("country"),
        min_engagement_pct=HIGH_ENGAGEMENT_PCT if args.get("high_engagement") else None,
    )
    return CreatorQuery(args.get("query", ""), filters, args.get("similar_to"),
                        smaller_than_example=bool(args.get("smaller_than_similar")),
                        larger_than_example=bool(args.get("larger_than_similar")))


async def _members(pool, creator_ids: list[str]) -> dict[str, set[str]]:
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT creator_id, array_agg(account_id) AS ids FROM creator_accounts WHERE creator_id = ANY(%s) GROUP BY 1",
            (creator_ids,),
        )
        return {r["creator_id"]: set(r["ids"]) for r in await cur.fetchall()}


async def evaluate(pool, queries: list[dict], weights: FusionWeights | None = None,
                   modes: tuple[Mode, ...] = MODES) -> dict[str, Any]:
    """Per-query nDCG@10 per mode and the means over queries with labels: {"modes": {mode: mean},
    "false_match_rate": {mode: {"present": r, "absent": r}}, "queries": [...]}. The false match rate is the share of
    returned creators with no relevant account (pooled over the queries); absent-niche queries (no labels) are graded
    by it alone."""
    settings = get_settings()
    embedder = get_creator_embedder(settings)
    weights = weights or FusionWeights.from_settings(settings)
    per_query = []
    for q in queries:
        args = await extract_args(q["query"])
        row = {"id": q["id"], "query": q["query"], "args": args, "ndcg": {}, "top": {}, "false": {}, "shown": {}}
        ideal = list(q["relevant"].values())
        for mode in modes:
            result = await search(pool, query_of(args), embedder, weights, limit=K, mode=mode)
            members = await _members(pool, [h.creator_id for h in result.hits])
            gains = [max((q["relevant"].get(a, 0) for a in members.get(h.creator_id, {h.account_id}) | {h.account_id}),
                         default=0) for h in result.hits]
            row["ndcg"][mode] = round(ndcg_at_k(gains, ideal), 4)
            row["false"][mode] = sum(1 for g in gains if g == 0)
            row["shown"][mode] = len(gains)
            row["top"][mode] = [f"{h.name} ({g})" for h, g in zip(result.hits[:5], gains, strict=False)]
        per_query.append(row)
    present = [r for r, q in zip(per_query, queries, strict=True) if q["relevant"]]
    means = {m: round(statistics.fmean(r["ndcg"][m] for r in present), 4) if present else 0.0 for m in modes}
    fmr = {}
    for m in modes:
        fmr[m] = {}
        for group, rows in (("present", present), ("absent", [r for r, q in zip(per_query, queries, strict=True)
                                                               if not q["relevant"]])):
            shown = sum(r["shown"][m] for r in rows)
            fmr[m][group] = round(sum(r["false"][m] for r in rows) / shown, 4) if shown else 0.0
    return {"modes": means, "false_match_rate": fmr, "queries": per_query}


def _markdown(split: str, report: dict, weights: FusionWeights) -> str:
    lines = [f"# Creator search eval ({split} split, {len(report['queries'])} queries)", "",
             f"nDCG@{K} (exponential gain, hand labels). Fusion weights: {asdict(weights)} (tuned on dev only).", "",
             "False match rate = returned creators judged irrelevant / returned creators, over the queries with relevant "
             "creators (present) and the absent-niche queries (absent; the right answer is no good match).", "",
             "| mode | nDCG@10 | false matches (present) | false matches (absent) |", "|---|---:|---:|---:|"]
    lines += [f"| {m} | {v:.3f} | {report['false_match_rate'][m]['present']:.3f} | "
              f"{report['false_match_rate'][m]['absent']:.3f} |" for m, v in report["modes"].items()]
    lines += ["", "| id | query | keyword | semantic | hybrid | extracted filters |", "|---|---|---:|---:|---:|---|"]
    for r in report["queries"]:
        args = {k: v for k, v in r["args"].items() if k != "query"}
        lines.append(f"| {r['id']} | {r['query']} | {r['ndcg'].get('keyword', 0):.2f} | {r['ndcg'].get('semantic', 0):.2f} | "
                     f"{r['ndcg'].get('hybrid', 0):.2f} | {json.dumps(args)} |")
    return "\n".join(lines) + "\n"


async def _with_db(fn):
    from memory.db import Database, use_database
    from tools.creators.enrich import build_creator_index

    settings = get_settings()
    async with Database.open(settings, max_size=4) as db:
        use_database(db)
        try:
            from memory.creators.store import creators_are_empty

            if await creators_are_empty(db.pool) or not await creator_vector_table(db.pool, get_creator_embedder(settings).name):
                await build_creator_index(db.pool, settings.data_dir, settings, get_embedder(settings.embedding_model))
            return await fn(db.pool)
        finally:
            use_database(None)


def run_creator_eval(out_dir: Path, split: str = "test") -> dict[str, Any]:
    """Evaluate the three modes on a split and write ``out_dir/creators_eval.md`` and ``.json``; returns the
    report. Loads the creators into the configured database first when it has none."""
    queries = load_queries(split)
    weights = FusionWeights.from_settings(get_settings())
    report = asyncio.run(_with_db(lambda pool: evaluate(pool, queries, weights)))
    report.update(split=split, k=K, weights=asdict(weights), n_queries=len(queries))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "creators_eval.json").write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    (out_dir / "creators_eval.md").write_text(_markdown(split, report, weights), encoding="utf-8")
    return report


def fit_semantic_floor() -> dict:
    """The semantic floor (``tools.creators.search.SEMANTIC_FLOOR``) fitted on the dev split only: each dev query's top
    20 semantic candidates (its filters applied), labelled relevant or not (every candidate of an absent-niche query is
    not), and the cosine maximising F1 of 'cosine >= floor' (``evals.retrieval.fit_similarity_floor``). Returns its
    fit."""
    from evals.retrieval import fit_similarity_floor

    queries = load_queries("dev")

    async def run(pool):
        settings = get_settings()
        embedder = get_creator_embedder(settings)
        weights = FusionWeights.from_settings(settings)
        sims, rel = [], []
        for q in queries:
            args = await extract_args(q["query"])
            if not args.get("query"):
                continue
            result = await search(pool, query_of(args), embedder, weights, limit=20, mode="semantic")
            members = await _members(pool, [h.creator_id for h in result.hits])
            for h in result.hits:
                sims.append(h.components["cosine"])
                rel.append(any(a in q["relevant"] for a in members.get(h.creator_id, {h.account_id}) | {h.account_id}))
        return {**fit_similarity_floor(sims, rel), "model": embedder.name}

    return asyncio.run(_with_db(run))


GRID = (0.0, 0.2, 0.4, 0.6, 0.8)
QUALITY_GRID = (0.0, 0.05, 0.1)


def tune_weights() -> tuple[FusionWeights, float]:
    """Grid search of the fusion weights on the dev split only: keyword + semantic in GRID (not both 0), engagement
    and activity in QUALITY_GRID; returns the best weights and their mean hybrid nDCG@10 (ties: the first)."""
    queries = load_queries("dev")

    async def run(pool):
        best = (None, -1.0)
        for wk, ws, we, wa in itertools.product(GRID, GRID, QUALITY_GRID, QUALITY_GRID):
            if wk == ws == 0:
                continue
            w = FusionWeights(wk, ws, we, wa)
            score = (await evaluate(pool, queries, w, modes=("hybrid",)))["modes"]["hybrid"]
            if score > best[1]:
                best = (w, score)
        return best

    return asyncio.run(_with_db(run))


if __name__ == "__main__":  # pragma: no cover
    import sys

    if sys.argv[1:2] == ["floor"]:
        print(json.dumps(fit_semantic_floor()))
    elif sys.argv[1:2] == ["tune"]:
        w, score = tune_weights()
        print(f"best on dev: {asdict(w)} hybrid nDCG@10 = {score:.4f}")
    else:
        split = sys.argv[1] if len(sys.argv) > 1 else "test"
        print(json.dumps(run_creator_eval(Path("reports/creators"), split)["modes"]))
