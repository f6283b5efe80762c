"""Creator search on real data: loaders (raw rows kept, idempotent), identity resolution, offline enrichment,
hybrid search with filters and reasons, the offline engine's extraction, and the chat end to end.

The session fixture loads a slice of the five creator tables (read at test time from the shared data: every
Instagram and top-YouTube row without text, and a few hundred rows with text, so embedding stays small) into
the session database and runs the whole batch job once.
"""

from __future__ import annotations

import csv
import json
import re
import uuid
from types import SimpleNamespace

import pytest
from langchain_core.messages import AIMessage, ToolMessage

from agent.embeddings import get_embedder
from evals.creators import K, load_queries, ndcg_at_k
from memory.creators.search import CreatorFilters, refresh_search_index
from memory.creators.sources import country_code, parse_count, parse_percent
from memory.creators.store import fetch_accounts
from memory.creators.vectors import ensure_creator_vectors
from tools.base import CortexContext
from tools.creators import tool as tool_module
from tools.creators.enrich import build_creator_index, enrich_creators
from tools.creators.identity import resolve_identities
from tools.creators.offline import extract_args, follower_bounds, platform_in
from tools.creators.search import CreatorQuery, FusionWeights, search

SCIENCE_WORDS = ("science", "physics", "math", "space")


def _copy(src, dst, keep, encoding="utf-8"):
    """Copy the CSV rows for which keep(index, row) is true, header and bytes of the kept rows unchanged."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    with src.open(newline="", encoding=encoding) as fi, dst.open("w", newline="", encoding=encoding) as fo:
        reader = csv.DictReader(fi)
        writer = csv.DictWriter(fo, fieldnames=reader.fieldnames)
        writer.writeheader()
        for i, row in enumerate(reader):
            if keep(i, row):
                writer.writerow(row)


@pytest.fixture(scope="session")
def creator_data(data_dir, tmp_path_factory):
    """A slice of the real creator tables: all text-free rows, and the text rows the tests need."""
    out = tmp_path_factory.mktemp("creator-data")
    g = "global_youtube_statistics_2023"
    wanted = {"Veritasium", "Vsauce", "CrashCourse", "TED-Ed", "Supercar Blondie", "Mark Rober", "Justin Bieber", "Adele",
              "Taylor Swift"}
    _copy(data_dir / g / "Global_YouTube_Statistics.csv", out / g / "Global_YouTube_Statistics.csv",
          lambda i, r: i < 30 or r["Youtuber"] in wanted or r["Category"] in ("Education", "Science & Technology"),
          "utf-8-sig")
    a = "youtube_ai_topic_videos"
    _copy(data_dir / a / "channels_ai_search.csv", out / a / "channels_ai_search.csv",
          lambda i, r: i < 40 or r["title"] == "Supercar Blondie"
          or any(w in (r["description"] or "").lower()[:120] for w in SCIENCE_WORDS))
    _copy(data_dir / a / "videos_ai_search.csv", out / a / "videos_ai_search.csv", lambda i, r: True)
    (out / "youtube_channel_uploads").mkdir()
    (out / "youtube_channel_uploads" / "videos.csv").symlink_to(data_dir / "youtube_channel_uploads" / "videos.csv")
    k = "instagram_influencers_kim2020"
    (out / k).mkdir()
    (out / k / "influencers.csv").symlink_to(data_dir / k / "influencers.csv")
    _copy(data_dir / k / "posts_sample_500.csv", out / k / "posts_sample_500.csv", lambda i, r: i < 40)
    t = "instagram_top200_influencers"
    (out / t).mkdir()
    (out / t / "top_insta_influencers_data.csv").symlink_to(data_dir / t / "top_insta_influencers_data.csv")
    return out


@pytest.fixture(scope="session")
async def creators_db(db, settings, creator_data):
    """The session database with the creator slice loaded, embedded, resolved, enriched and indexed."""
    db.creator_build = await build_creator_index(db.pool, creator_data, settings, get_embedder())  # type: ignore[attr-defined]
    return db


# --- parsing and loading ------------------------------------------------------------------------------------
def test_human_formatted_numbers_parse():
    assert parse_count("475.8m") == 475_800_000 and parse_count("3.3k") == 3300
    assert parse_count("2.28E+11") == 228_000_000_000 and parse_count("nan") is None
    assert parse_percent("1.39%") == pytest.approx(0.0139)
    assert country_code("United States") == "US" and country_code("CÃ´te d'Ivoire") == "CI"


async def test_accounts_merge_sources_and_keep_raw_rows(creators_db, creator_data):
    rows = await fetch_accounts(creators_db.pool, "*", "account_id = %s", ("youtube:veritasium",))
    veritasium = rows[0]
    # two sources describe the channel; the freshest (July 2025 uploads) gives the subscribers
    assert veritasium["sources"] == ["global_youtube_statistics_2023", "youtube_channel_uploads"]
    assert veritasium["followers"] == 18_300_000 and veritasium["country"] == "US"
    assert veritasium["engagement_basis"].startswith("likes + comments per view over 44")
    async with creators_db.pool.connection() as conn:
        cur = await conn.execute(
            """SELECT r.row FROM creator_raw_rows r JOIN creator_account_sources s USING (source, source_key)
               WHERE s.account_id = 'instagram:cristiano'"""
        )
        raw = (await cur.fetchone())["row"]
    with (creator_data / "instagram_top200_influencers" / "top_insta_influencers_data.csv").open(encoding="utf-8-sig") as fh:
        first = next(csv.DictReader(fh))
    assert raw == first  # the source row verbatim


async def test_second_build_changes_nothing(creators_db, settings, creator_data):
    again = await build_creator_index(creators_db.pool, creator_data, settings, get_embedder())
    assert again.changed == 0, again


async def test_vector_table_records_model_and_dimension(creators_db):
    from agent.embeddings import get_embedder

    embedder = get_embedder()
    async with creators_db.pool.connection() as conn:
        cur = await conn.execute("SELECT dim, table_name FROM vector_tables WHERE kind = 'creator' AND model = %s",
                                 (embedder.name,))
        row = await cur.fetchone()
    assert row["dim"] == embedder.dim
    with pytest.raises(ValueError, match="dimension"):
        await ensure_creator_vectors(creators_db.pool, embedder.name, embedder.dim + 1)


# --- identity resolution -----------------------------------------------------------------------------------
async def _link(pool, a, b):
    async with pool.connection() as conn:
        cur = await conn.execute("SELECT * FROM creator_links WHERE account_a = %s AND account_b = %s", (a, b))
        return await cur.fetchone()


async def test_bio_link_and_name_merge_accounts_into_one_creator(creators_db):
    link = await _link(creators_db.pool, "youtube:supercar-blondie", "instagram:supercarblondie")
    assert link["accepted"] and link["confidence"] > 0.95
    assert {e["signal"] for e in link["evidence"]} >= {"bio_link", "name"}
    assert "links instagram @supercarblondie" in link["explanation"]
    accounts = await fetch_accounts(creators_db.pool, "account_id, creator_id", "creator_id = %s",
                                          ("youtube:supercar-blondie",))
    assert {a["account_id"] for a in accounts} == {"youtube:supercar-blondie", "instagram:supercarblondie"}


async def test_link_threshold_comes_from_settings(creators_db, settings):
    adele = ("youtube:adele", "instagram:adele")
    assert (await _link(creators_db.pool, *adele))["accepted"]  # 0.84 >= the default 0.8
    try:
        await resolve_identities(creators_db.pool, get_embedder(), threshold=0.9)
        link = await _link(creators_db.pool, *adele)
        assert not link["accepted"] and "threshold 0.90" in link["explanation"]
        rows = await fetch_accounts(creators_db.pool, "creator_id", "account_id = 'instagram:adele'")
        assert rows[0]["creator_id"] == "instagram:adele"  # a creator of its own again
    finally:
        await resolve_identities(creators_db.pool, get_embedder(), settings.creator_link_threshold)
        await enrich_creators(creators_db.pool, settings, get_embedder())
        await refresh_search_index(creators_db.pool)


# --- enrichment --------------------------------------------------------------------------------------------
async def test_offline_enrichment_gives_niches_style_and_summary(creators_db):
    async with creators_db.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT * FROM creators WHERE creator_id IN ('youtube:veritasium', 'instagram:kaigreene', 'youtube:mrbeast')"
        )
        rows = {r["creator_id"]: r for r in await cur.fetchall()}
    assert rows["youtube:veritasium"]["primary_niche"] == "science & education"
    assert rows["instagram:kaigreene"]["primary_niche"] == "fitness"  # from the source's own category
    assert rows["youtube:veritasium"]["content_style"].startswith("long-form videos (median")
    assert rows["youtube:mrbeast"]["content_style"].startswith("mostly Shorts")  # his newest 50 uploads
    assert rows["youtube:veritasium"]["summary"].startswith("Veritasium: science & education creator on YouTube (18.3M")
    assert rows["youtube:veritasium"]["enriched_by"].startswith("offline:")


class _FakeFastTier:
    """Stands in for the fast tier (no network in tests): answers, through structured output, every creator of
    the prompt but the last with a fixed profile, so the skipped one shows the offline fallback."""

    model_name = "fake-fast"

    def with_structured_output(self, schema, method):
        from langchain_core.runnables import RunnableLambda

        assert method == "json_schema"

        def answer(prompt: str):
            ids = re.findall(r'"creator_id": "([^"]+)"', prompt)
            return schema(profiles=[{"creator_id": i, "primary_niche": "music", "secondary_niches": ["music", "gaming"],
                                     "content_style": "music videos", "summary": f"{i} makes music."} for i in ids[:-1]])

        return RunnableLambda(answer)


async def test_llm_enrichment_is_batched_schema_bound_and_falls_back(creators_db, settings):
    ids = ["youtube:justin-bieber", "youtube:veritasium", "youtube:taylor-swift"]
    try:
        report = await enrich_creators(creators_db.pool, settings, get_embedder(), engine="llm", force=True,
                                       model=_FakeFastTier(), creator_ids=ids)
        assert report.creators == 3
        async with creators_db.pool.connection() as conn:
            cur = await conn.execute("SELECT * FROM creators WHERE creator_id = ANY(%s) ORDER BY creator_id", (ids,))
            rows = {r["creator_id"]: r for r in await cur.fetchall()}
        answered = rows["youtube:justin-bieber"]
        assert answered["enriched_by"] == "llm:fake-fast" and answered["secondary_niches"] == ["gaming"]
        skipped = rows["youtube:veritasium"]  # last in the batch (ordered by id): the model left it out
        assert skipped["enriched_by"].startswith("offline:") and skipped["primary_niche"] == "science & education"
    finally:
        await enrich_creators(creators_db.pool, settings, get_embedder(), force=True, creator_ids=ids)


# --- extraction ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "bounds"),
    [
        ("science educators under 500k subscribers", (None, 500_000)),
        ("fitness creators with over 100k followers", (100_000, None)),
        ("between 10k and 50k followers", (10_000, 50_000)),
        ("10k-100k subscribers", (10_000, 100_000)),
        ("micro-influencers in fashion", (10_000, 100_000)),
        ("gaming youtubers with 1M+ subscribers", (1_000_000, None)),
        ("videos from 2019 with over 5 views", (None, None)),
    ],
)
def test_follower_bounds(text, bounds):
    assert follower_bounds(text) == bounds


def test_platform_words():
    assert platform_in("Instagram fitness creators") == "instagram"
    assert platform_in("science youtubers") == "youtube"
    assert platform_in("creators on YouTube and Instagram") == "any"


async def test_example_creator_sets_the_upper_bound_from_the_database(creators_db):
    args = await extract_args("find science educators on YouTube like Veritasium but smaller")
    assert args == {"similar_to": "Veritasium", "smaller_than_similar": True, "platform": "youtube",
                    "query": "science educators"}
    args = await extract_args("gaming channels bigger than Veritasium")
    assert args["similar_to"] == "Veritasium" and args["larger_than_similar"] and args["platform"] == "youtube"
    args = await extract_args("Brazilian travel influencers on Instagram with high engagement")
    assert args["country"] == "BR" and args["high_engagement"] and args["platform"] == "instagram"


# --- search --------------------------------------------------------------------------------------------------
async def test_filters_hold_and_every_hit_says_why(creators_db, settings):
    result = await search(creators_db.pool, CreatorQuery("fitness", CreatorFilters(platform="instagram", min_followers=100_000)),
                          get_embedder(), FusionWeights.from_settings(settings))
    assert len(result.hits) == 10
    for hit in result.hits:
        assert hit.platform == "instagram" and hit.followers >= 100_000
        assert any("Instagram:" in r for r in hit.reasons)
    assert sum("“fitness”" in " ".join(h.reasons) for h in result.hits) >= 8


async def test_the_named_niche_leads_the_ranking(creators_db, settings):
    result = await search(creators_db.pool, CreatorQuery("fitness", CreatorFilters(platform="instagram", min_followers=100_000)),
                          get_embedder(), FusionWeights.from_settings(settings))
    assert result.topic_niches == ("fitness",) and result.plan["niche_candidates"] > 0
    agreement = [h.components["agreement"] for h in result.hits]
    assert agreement == sorted(agreement, reverse=True) and agreement[0] == 1.0
    assert result.hits[0].reasons[0] == "a fitness creator, the niche you asked for"


async def test_a_niche_missing_under_the_filters_is_no_good_match_with_alternatives(creators_db, settings):
    runtime = SimpleNamespace(context=CortexContext(db=creators_db, settings=settings))
    args = await extract_args("find creators in personal finance on Instagram with over 100k followers")
    assert args == {"platform": "instagram", "min_followers": 100_000, "query": "personal finance"}
    content, artifact = await tool_module.search_creators(runtime, **args)
    assert artifact["hits"] == []  # never pets or beauty accounts that mention "personal"
    assert content.startswith("No good match") and "finance & business" in content
    assert "Closest niches that do have creators here:" in content
    content, artifact = await tool_module.search_creators(runtime, "beekeeping")
    assert artifact["hits"] == [] and "no creator in the data mentions “beekeeping”" in content


async def test_smaller_than_example_uses_its_audience(creators_db, settings):
    result = await search(creators_db.pool, CreatorQuery("science educators", CreatorFilters(platform="youtube"),
                                                         similar_to="Veritasium", smaller_than_example=True),
                          get_embedder(), FusionWeights.from_settings(settings))
    assert result.example["followers"] == 18_300_000
    assert result.hits and all(h.followers < 18_300_000 for h in result.hits)
    assert all(h.creator_id != "youtube:veritasium" for h in result.hits)
    assert all("smaller than Veritasium (18.3M)" in " ".join(h.reasons) for h in result.hits)
    niches = [h.niche for h in result.hits]
    assert niches.count("science & education") >= 7


async def test_the_three_modes_rank_differently_and_keyword_needs_words(creators_db, settings):
    query = CreatorQuery("nursery rhymes for toddlers", CreatorFilters(platform="youtube"))
    weights = FusionWeights.from_settings(settings)
    keyword = await search(creators_db.pool, query, get_embedder(), weights, mode="keyword")
    semantic = await search(creators_db.pool, query, get_embedder(), weights, mode="semantic")
    assert keyword.plan["semantic_candidates"] == 0 and semantic.plan["keyword_candidates"] == 0
    assert any("nursery" in h.name.lower() for h in keyword.hits[:3])
    assert all(h.components["semantic"] >= 0 for h in semantic.hits)


async def test_bad_input_gets_a_clear_message(creators_db, settings):
    runtime = SimpleNamespace(context=CortexContext(db=creators_db, settings=settings))
    content, artifact = await tool_module.search_creators(runtime, "fitness", similar_to="Nobody Anywhere 123")
    assert "No creator named 'Nobody Anywhere 123'" in content and artifact["hits"] == []
    content, _ = await tool_module.search_creators(runtime, "fitness", niche="knitting")
    assert "Unknown niche 'knitting'" in content and "fitness" in content
    content, _ = await tool_module.search_creators(runtime, "fitness", min_followers=10_000, max_followers=5_000)
    assert "follower range is empty" in content
    content, _ = await tool_module.search_creators(runtime, "fitness", country="Atlantis")
    assert "Unknown country 'Atlantis'" in content


# --- the chat, offline ---------------------------------------------------------------------------------------
async def _chat(db, text):
    from agent.turns import run_config
    from graphs.conversation import build_graph
    from tools.base import CortexContext

    graph = build_graph(db.checkpointer, db.store)
    thread = str(uuid.uuid4())
    await graph.ainvoke({"messages": [("user", text)]}, run_config(thread, "tester"), context=CortexContext(creator_id="tester"))
    return (await graph.aget_state(run_config(thread, "tester"))).values["messages"]


@pytest.mark.parametrize(
    ("text", "platform"),
    [("find science educators on YouTube like Veritasium but smaller", "youtube"),
     ("Instagram fitness creators with over 100k followers", "instagram")],
)
async def test_offline_chat_returns_real_creators_with_reasons(creators_db, text, platform):
    messages = await _chat(creators_db, text)
    tool_msg = next(m for m in messages if isinstance(m, ToolMessage))
    assert tool_msg.name == "search_creators"
    hits = tool_msg.artifact["hits"]
    assert len(hits) == 10 and all(h["platform"] == platform and h["reasons"] for h in hits)
    known = {a["account_id"] for a in await fetch_accounts(creators_db.pool, "account_id")}
    assert {h["account_id"] for h in hits} <= known  # real accounts from the data, nothing invented
    answer = messages[-1]
    assert isinstance(answer, AIMessage) and "offline engine" in answer.content
    assert hits[0]["name"] in answer.content and "Why it matched" in answer.content


# --- eval data -----------------------------------------------------------------------------------------------
def test_eval_queries_are_split_by_query():
    rows = load_queries("all")
    dev, test, smoke = load_queries("dev"), load_queries("test"), load_queries("smoke")
    assert len(rows) >= 30 and len(dev) + len(test) == len(rows)
    assert not {q["id"] for q in dev} & {q["id"] for q in test}
    assert {q["query"] for q in smoke} <= {q["query"] for q in dev} and smoke
    assert all(set(q["relevant"].values()) <= {1, 2} for q in rows)
    absent = [q for q in rows if not q["relevant"]]  # niches the data lacks: the right answer is no good match
    assert {q["split"] for q in absent} == {"dev", "test"} and len(absent) < len(rows) / 3
    # the dev split holds more of them (the semantic floor is fitted on them); the test split stays mostly present niches
    assert len([q for q in test if not q["relevant"]]) < len(test) / 4
    with pytest.raises(ValueError, match="Unknown split"):
        load_queries("train")


def test_ndcg_matches_a_hand_computation():
    # gains 2^g - 1 = [3, 0, 1], discounts log2(i + 2) = [1, 1.585, 2]; ideal [2, 2, 1] -> [3, 3, 1]
    dcg = 3 / 1 + 0 + 1 / 2
    ideal = 3 / 1 + 3 / 1.5849625 + 1 / 2
    assert ndcg_at_k([2, 0, 1], [2, 2, 1]) == pytest.approx(dcg / ideal)
    assert ndcg_at_k([0] * K, [1]) == 0.0 and ndcg_at_k([1], []) == 0.0
    assert json.loads(json.dumps(load_queries("smoke")[0]))["version"] == 1
