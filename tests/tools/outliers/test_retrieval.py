"""Hybrid retrieval (pgvector + BM25 full text, reciprocal rank fusion), filtered search plans, the fast static
embedding tier and the retrieval eval, on the real corpus."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from agent.embeddings import MINILM, MINILM_STATIC, STATIC_DIMS, get_embedder, static_model_dir
from evals.retrieval import (
    evaluate,
    fit_similarity_floor,
    load_queries,
    mrr_at_k,
    ndcg_at_k,
    r_cap_at_k,
    recall_at_k,
)
from memory.corpus import search as corpus_search
from memory.corpus.search import OutlierFilters, hybrid_search, keyword_search, search_titles
from memory.corpus.vectors import embed_titles
from tools.outliers.search import SIMILARITY_FLOOR, search_outliers
from tools.outliers.tool import retrieve_outliers

from support import tool_runtime


@pytest.fixture(scope="module")
async def static(db):
    """The fast tier, distilled into the test session's state dir, with every title embedded."""
    embedder = get_embedder(MINILM_STATIC)
    await embed_titles(db.pool, embedder)
    return embedder


async def _hybrid(db, query: str, filters: OutlierFilters, **kw):
    embedder = get_embedder(MINILM)
    return await hybrid_search(db.pool, MINILM, query, embedder.embed_one(query), filters, **kw)


async def test_hybrid_hits_say_why_they_matched(db):
    result = await _hybrid(db, "cold showers for 30 days", OutlierFilters(min_multiplier=2.0), limit=5)
    top = result.hits[0]
    assert top["title"].startswith("I took cold showers for 30 days") and top["channel"] == "Matt D'Avella"
    assert top["vector_rank"] and top["keyword_rank"] and {"cold", "showers"} <= set(top["matched_words"])
    assert top["rrf"] == max(h["rrf"] for h in result.hits)
    content, hits = await retrieve_outliers(tool_runtime(db), "cold showers for 30 days", limit=5)
    assert hits[0]["title"] == top["title"] and "words: cold, showers" in hits[0]["why"]
    assert "Patterns these outliers share" in content and "X for N days" in content


async def test_keyword_search_ranks_rare_words_first(db):
    rows = await keyword_search(db.pool, "lightroom", OutlierFilters(min_multiplier=2.0), limit=20)
    titles = await _titles(db, [r["video_id"] for r in rows])
    assert rows and all("lightroom" in t.lower() for t in titles)
    assert [r["bm25"] for r in rows] == sorted((r["bm25"] for r in rows), reverse=True)
    assert await keyword_search(db.pool, "the of and", OutlierFilters(), limit=5) == []  # stop words only


async def _titles(db, ids: list[str]) -> list[str]:
    async with db.pool.connection() as conn:
        cur = await conn.execute("SELECT video_id, title FROM videos WHERE video_id = ANY(%s)", (ids,))
        by_id = {r["video_id"]: r["title"] for r in await cur.fetchall()}
    return [by_id[i] for i in ids]


async def test_every_filter_holds(db):
    filters = OutlierFilters(
        niches=("beauty & makeup",), min_multiplier=3.0, video_format="long", published_after=date(2015, 1, 1),
        published_before=date(2020, 1, 1), min_views=1_000_000,
    )
    result = await _hybrid(db, "celebrity makeup tutorial", filters, limit=10)
    assert result.hits
    for h in result.hits:
        assert h["niche"] == "beauty & makeup" and h["outlier_multiplier"] >= 3 and h["is_short"] is False
        assert date(2015, 1, 1) <= h["published_at"].date() < date(2020, 1, 1) and h["views"] >= 1_000_000
    only = await _hybrid(db, "makeup", OutlierFilters(channels=("Peter McKinnon",), min_multiplier=2.0), limit=10)
    assert {h["channel"] for h in only.hits} == {"Peter McKinnon"}
    nobody = await _hybrid(db, "makeup", OutlierFilters(channels=("No Such Channel",)), limit=10)
    assert nobody.hits == []


async def test_trending_titles_enrich_search_without_multipliers(db):
    result = await _hybrid(db, "iPhone X introducing", OutlierFilters(), limit=5)
    trending = [h for h in result.hits if h["source"].startswith("youtube_trending")]
    assert trending and all(h["outlier_multiplier"] is None for h in trending)
    assert all(h["outlier_multiplier"] is not None for h in (await _hybrid(db, "iPhone X introducing",
                                                                          OutlierFilters(min_multiplier=2.0))).hits)


async def test_plans_pick_exact_or_hnsw_and_hnsw_keeps_recall(db, monkeypatch):
    embedder = get_embedder(MINILM)
    narrow = await _hybrid(db, "black holes", OutlierFilters(channels=("Veritasium",), min_multiplier=2.0))
    assert narrow.plan.method == "exact"
    broad = await _hybrid(db, "black holes", OutlierFilters())
    assert broad.plan.method == "hnsw"
    queries = ["space experiments", "makeup challenge", "minimalist wardrobe", "camera tricks", "our cats"]
    exact = {q: await search_titles(db.pool, MINILM, embedder.embed_one(q), OutlierFilters(min_multiplier=2.0)) for q in queries}
    monkeypatch.setattr(corpus_search, "EXACT_MAX_ROWS", 0)  # force the partial HNSW index on this small corpus
    found = []
    for q in queries:
        async with db.pool.connection() as conn:
            where = await corpus_search._compile(conn, OutlierFilters(min_multiplier=2.0))
            rows, plan = await corpus_search._vector_only(conn, "title_vec_all_minilm_l6_v2", embedder.embed_one(q), where, 10,
                                                   corpus_search.MIN_EF_SEARCH)
        assert plan.method == "hnsw-outliers"
        found.append(len({r["video_id"] for r in rows} & {h["video_id"] for h in exact[q]}) / 10)
    assert np.mean(found) >= 0.9


async def test_a_niche_search_walks_the_niche_index(db, monkeypatch):
    embedder = get_embedder(MINILM)
    niche = OutlierFilters(niches=("science & engineering",), min_multiplier=2.0)
    queries = ["space experiments", "building a robot", "the physics of water"]
    exact = {q: await search_titles(db.pool, MINILM, embedder.embed_one(q), niche) for q in queries}
    assert all(len(exact[q]) == 10 for q in queries)
    monkeypatch.setattr(corpus_search, "EXACT_MAX_ROWS", 0)  # force an index scan on this small corpus
    found = []
    for q in queries:
        async with db.pool.connection() as conn:
            where = await corpus_search._compile(conn, niche)
            rows, plan = await corpus_search._vector_only(conn, "title_vec_all_minilm_l6_v2", embedder.embed_one(q),
                                                          where, 10, corpus_search.MIN_EF_SEARCH)
            async with conn.transaction():  # a sorted scan of the niche's rows is cheaper on this small corpus
                await conn.execute("SET LOCAL enable_sort = off")
                cur = await conn.execute(f"EXPLAIN {_plan_sql(where)}", {**where.params, "q": embedder.embed_one(q),
                                                                          "k": 10})
                explained = " ".join(r["QUERY PLAN"] for r in await cur.fetchall())
        assert plan.method == "hnsw-niche" and "title_vec_all_minilm_l6_v2_hnsw_science" in explained
        assert {r["video_id"] for r in rows} <= {r["video_id"] for r in await _niche_rows(db, "science & engineering")}
        found.append(len({r["video_id"] for r in rows} & {h["video_id"] for h in exact[q]}) / 10)
    assert np.mean(found) >= 0.9
    # two niches: the outliers' index, filtered
    async with db.pool.connection() as conn:
        where = await corpus_search._compile(conn, OutlierFilters(niches=("science & engineering", "gaming"),
                                                                  min_multiplier=2.0))
        _, plan = await corpus_search._vector_only(conn, "title_vec_all_minilm_l6_v2", embedder.embed_one("robots"),
                                                   where, 10, corpus_search.MIN_EF_SEARCH)
    assert plan.method == "hnsw-outliers"


def _plan_sql(where) -> str:
    """The niche-index scan as ``_VectorSearch.make`` writes it (for EXPLAIN)."""
    search = corpus_search._VectorSearch.make("title_vec_all_minilm_l6_v2", np.zeros(384, dtype=np.float32), where, 10,
                                              {"total": 10_000, "partial": 100}, 100)
    return search.sql


async def test_niche_outlier_counts_under_a_filter_are_index_only_scans(db):
    """The count behind "closest niches" reads the covering (niche, multiplier) index, not the vector table's rows."""
    filters = OutlierFilters(min_multiplier=2.0, video_format="long", published_after=date(2015, 1, 1), min_views=10_000)
    counts = await corpus_search.outlier_counts_by_niche(db.pool, MINILM, filters, cap=50)
    async with db.pool.connection() as conn:
        cur = await conn.execute(
            """SELECT c.niche, count(*) AS n FROM videos v JOIN channels c USING (channel_id)
               WHERE v.outlier_multiplier >= 2 AND NOT v.is_short AND v.published_at >= '2015-01-01'
                 AND v.views >= 10000 AND c.niche IS NOT NULL GROUP BY c.niche""")
        expected = {r["niche"]: min(int(r["n"]), 50) for r in await cur.fetchall()}
        async with conn.transaction():
            await conn.execute("SET LOCAL enable_bitmapscan = off")
            await conn.execute("SET LOCAL enable_seqscan = off")
            cur = await conn.execute(
                """EXPLAIN SELECT 1 FROM title_vec_all_minilm_l6_v2 t WHERE t.niche = 'science & engineering'
                   AND t.outlier_multiplier >= 2 AND NOT t.is_short AND t.published_at >= '2015-01-01'
                   AND t.views >= 10000 LIMIT 50""")
            explained = " ".join(r["QUERY PLAN"] for r in await cur.fetchall())
    assert counts == expected and len(counts) >= 3
    assert "Index Only Scan using title_vec_all_minilm_l6_v2_niche_outlier_multiplier_incl" in explained


async def _niche_rows(db, niche: str) -> list[dict]:
    async with db.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT video_id FROM title_vec_all_minilm_l6_v2 WHERE niche = %s AND outlier_multiplier >= 2", (niche,))
        return await cur.fetchall()


async def test_similarity_floor_keeps_junk_out(db):
    floor = SIMILARITY_FLOOR[MINILM]
    result = await _hybrid(db, "quarterly VAT filing for dental clinics", OutlierFilters(min_multiplier=2.0),
                           similarity_floor=floor)
    assert all(h["similarity"] >= floor or h["keyword_rank"] for h in result.hits)
    assert len(result.hits) < 10


async def test_static_tier_is_distilled_on_first_use(static):
    assert (static_model_dir() / "model.safetensors").is_file()
    assert static.name == MINILM_STATIC and static.dim == STATIC_DIMS
    v = static.embed(["my cat knocks things over", "funny kittens", "how to file a tax return"])
    assert np.allclose(np.linalg.norm(v, axis=1), 1, atol=1e-5)
    assert v[0] @ v[1] > v[0] @ v[2]


def test_metrics_by_hand():
    grades = {"a": 2, "b": 1, "c": 1}
    ranked = ["x", "a", "y", "b"]
    assert recall_at_k(ranked, grades) == pytest.approx(2 / 3) and r_cap_at_k(ranked, grades) == pytest.approx(2 / 3)
    assert mrr_at_k(ranked, grades) == 0.5
    dcg = 3 / np.log2(3) + 1 / np.log2(5)
    idcg = 3 / np.log2(2) + 1 / np.log2(3) + 1 / np.log2(4)
    assert ndcg_at_k(ranked, grades) == pytest.approx(dcg / idcg)
    fit = fit_similarity_floor([0.9, 0.8, 0.5, 0.3, 0.2], [True, True, False, False, False])
    assert 0.5 < fit["floor"] <= 0.8 and fit["f1"] == 1.0


def test_labelled_queries_are_split_by_query():
    dev, test, smoke = load_queries("dev"), load_queries("test"), load_queries("smoke")
    assert len(dev) + len(test) >= 50 and len(smoke) >= 15
    assert not {q.id for q in dev} & {q.id for q in test} and {q.id for q in smoke} <= {q.id for q in test}
    assert all(set(q.grades.values()) <= {1, 2} for q in dev + test)
    absent = [q for q in dev + test if not q.grades]  # topics the corpus lacks: the right answer is no good match
    assert {q.split for q in absent} == {"dev", "test"} and len(absent) < len(dev + test) / 4
    with pytest.raises(ValueError, match="Unknown split"):
        load_queries("train")


async def test_retrieval_eval_smoke(db, static):
    report = await evaluate(db, load_queries("smoke"))
    systems = report["systems"]
    assert report["labels"]["outside_search_space"] == 0
    assert systems["minilm"]["metrics"]["nDCG@10"]["mean"] > 0.5
    assert systems["hybrid static"]["metrics"]["nDCG@10"]["mean"] > systems["static"]["metrics"]["nDCG@10"]["mean"] - 0.05
    for s in systems.values():
        m = s["metrics"]["nDCG@10"]
        assert 0 <= m["lo"] <= m["mean"] <= m["hi"] <= 1


async def test_a_topic_naming_a_niche_gets_that_niche_first_and_no_other_sense_of_its_words(db):
    found = await search_outliers(db.pool, "budgeting for beginners", limit=10)
    assert found.topic_niches == ("personal finance",)
    assert found.hits and found.hits[0].niche == "personal finance" and found.hits[0].channel == "Nischa"
    assert "the niche your topic names" in found.hits[0].why
    floor = SIMILARITY_FLOOR[MINILM]
    others = [h for h in found.hits if h.niche != "personal finance"]
    assert all(h.similarity >= floor for h in others)  # no "budget camera" title on its shared word alone
    # nor a robot that "Could Save Your Life" on the "saving" of "saving money"
    saving = await search_outliers(db.pool, "saving money", limit=10)
    assert saving.hits and all(h.niche == "personal finance" or h.similarity >= floor for h in saving.hits)


async def test_an_absent_topic_is_no_good_match_with_the_closest_niches(db):
    content, hits = await retrieve_outliers(tool_runtime(db), "knitting and crochet")
    assert hits == [] and "No good match" in content and "“knitting”, “crochet”" in content
    assert "Closest niches that do have outliers here:" in content
