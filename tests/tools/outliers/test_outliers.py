"""Outlier statistics (minimum history, age-aware view, tiers), trending ingestion, niches and title patterns, on
the real corpus."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from memory.outliers import (
    MIN_HISTORY,
    age_baselines,
    is_short,
    multiplier_note,
    rolling_baselines,
    tier,
    tier_label,
)
from tools.outliers.offline import extract_args
from tools.outliers.patterns import MIN_SUPPORT, channel_lifts, cross_channel, title_patterns, winning_patterns
from tools.outliers.search import resolve_niche
from tools.outliers.tool import retrieve_outliers

from support import tool_runtime


def test_a_history_shorter_than_the_minimum_gets_no_multipliers():
    views = [1000 + 10 * i for i in range(MIN_HISTORY - 1)]
    assert all(b.median_views is None for b in rolling_baselines(views))
    full = rolling_baselines([*views, 5000])
    assert all(b.median_views is not None for b in full)
    assert full[-1].multiplier(5000) > 4  # the last upload against its 10 predecessors


def test_age_aware_baselines_drop_neighbours_of_another_age():
    # weekly uploads; the crawl happened 3 days after the last one
    ages = [3 + 7 * i for i in range(30)][::-1]  # publish order: oldest first
    views = [10_000] * 30
    rolling = rolling_baselines(views)
    aged = age_baselines(views, ages)
    assert rolling[-1].median_views == 10_000 and aged[-1].median_views is None  # 3 days old: no peers of its age
    assert aged[0].median_views == 10_000 and aged[0].neighbours == rolling[0].neighbours  # 206 days: all are peers
    note = multiplier_note(True, 30, 0.2, 3, aged[-1].neighbours, None)
    assert "3 days old" in note and "still growing" in note


def test_tiers():
    assert [tier(m) for m in (None, 1.9, 3.0, 4.99, 5.0, 12.0)] == [None, None, 3.0, 3.0, 5.0, 10.0]
    assert [tier_label(m) for m in (None, 1.0, 2.5, 3.2, 10.0)] == ["no baseline", "typical", "outlier", "3x+", "10x+"]


def test_shorts_limit_moved_in_october_2024():
    assert is_short(120, datetime(2024, 10, 15, tzinfo=UTC))
    assert not is_short(120, datetime(2024, 10, 14, tzinfo=UTC))


async def test_trending_snapshots_are_titles_without_a_baseline(db):
    report = db.first_ingest
    assert report.per_source["youtube_trending_us_2017"] > 2000 and report.per_source["youtube_trending_us_2024"] > 300
    assert report.full_history_channels == 13 and report.channels > 1000
    async with db.pool.connection() as conn:
        cur = await conn.execute(
            """SELECT v.source, count(*) AS n, count(v.outlier_multiplier) AS with_mult, count(v.published_at) AS dated,
                      bool_or(c.has_full_history) AS any_full
               FROM videos v JOIN channels c USING (channel_id)
               WHERE v.source LIKE 'youtube_trending%%' GROUP BY v.source"""
        )
        rows = {r["source"]: r for r in await cur.fetchall()}
    assert rows["youtube_trending_us_2017"]["with_mult"] == 0 and rows["youtube_trending_us_2024"]["with_mult"] == 0
    assert rows["youtube_trending_us_2017"]["dated"] == 0  # that snapshot has no publish times: none invented
    assert rows["youtube_trending_us_2024"]["dated"] == rows["youtube_trending_us_2024"]["n"]


async def test_channels_below_the_minimum_history_have_no_multipliers(db):
    async with db.pool.connection() as conn:
        cur = await conn.execute(
            """SELECT c.name, v.is_short, count(*) AS n, count(v.outlier_multiplier) AS with_mult
               FROM videos v JOIN channels c USING (channel_id) WHERE c.has_full_history
               GROUP BY c.name, v.is_short"""
        )
        groups = await cur.fetchall()
    for g in groups:
        if g["n"] < MIN_HISTORY:
            assert g["with_mult"] == 0, g
    assert any(g["name"] == "Nischa" and g["is_short"] and g["n"] < MIN_HISTORY for g in groups)


async def test_newest_uploads_get_no_age_aware_view(db):
    async with db.pool.connection() as conn:
        cur = await conn.execute(
            """SELECT title, age_days, outlier_multiplier, age_multiplier, age_baseline_n FROM videos
               WHERE channel_id = 'nischa' AND NOT is_short ORDER BY published_at"""
        )
        nischa = await cur.fetchall()
    newest, old = nischa[-1], nischa[len(nischa) // 2]
    assert newest["age_days"] < 30 and newest["outlier_multiplier"] is not None and newest["age_multiplier"] is None
    assert old["age_multiplier"] is not None  # a year old: its neighbours are of a similar age


async def test_niches_come_from_categories_and_titles(db):
    async with db.pool.connection() as conn:
        cur = await conn.execute("SELECT name, niche FROM channels WHERE has_full_history")
        niche = {r["name"]: r["niche"] for r in await cur.fetchall()}
    assert niche["Veritasium"] == niche["Mark Rober"] == "science & engineering"
    assert niche["Nischa"] == "personal finance"
    assert niche["NikkieTutorials"] == "beauty & makeup"
    assert niche["Peter McKinnon"] == "photography & filmmaking"
    assert resolve_niche("science") == "science & engineering"


def test_title_patterns():
    assert {"i tried X", "X for N days"} <= set(title_patterns("I tried yoga every day for 30 days."))
    assert "how I X without Y" in title_patterns("How I Save Money Without a Budget")
    assert "numbered list" in title_patterns("9 Things I Stopped Buying to Make More Money")
    assert "X vs Y" in title_patterns("Glitter Bomb 2.0 vs Porch Pirates")
    assert "challenge" in title_patterns("Last To Leave Circle Wins $500,000")
    assert "money stakes" in title_patterns("Last To Leave Circle Wins $500,000")
    assert "question" in title_patterns("Can Silence Actually Drive You Crazy?")
    assert "numbered list" not in title_patterns("2024 Recap") and title_patterns("Storm") == []


def test_lift_needs_support_and_significance():
    rng = np.random.default_rng(7)
    base = [(f"Ordinary upload {i}", float(m)) for i, m in enumerate(rng.lognormal(0, 0.5, 60))]
    boosted = [(f"Thing {i} for 30 days", float(m) * 3) for i, m in enumerate(rng.lognormal(0, 0.5, 20))]
    lifts = {x.pattern: x for x in channel_lifts("A", base + boosted)}
    assert lifts["X for N days"].works and lifts["X for N days"].lift > 2
    few = [(f"Thing {i} for 30 days", 9.0) for i in range(MIN_SUPPORT - 1)]
    assert "X for N days" not in {x.pattern for x in channel_lifts("B", base + few)}
    flat = [(f"Thing {i} for 30 days", float(m)) for i, m in enumerate(rng.lognormal(0, 0.5, 20))]
    assert not {x.pattern: x for x in channel_lifts("C", base + flat)}["X for N days"].works
    cross = cross_channel(channel_lifts("A", base + boosted) + channel_lifts("D", base + boosted))
    assert [c.pattern for c in winning_patterns(cross)] == ["X for N days"]


async def test_what_works_for_veritasium(db):
    content, hits = await retrieve_outliers(tool_runtime(db), "", channels=["veritasium"])
    assert content.startswith("**What works for Veritasium**")
    assert "superlative" in content and "World's Roundest Object!" in content  # its biggest lift, real example
    assert hits and {h["channel"] for h in hits} == {"Veritasium"}
    assert hits == sorted(hits, key=lambda h: -h["multiplier"]) and hits[0]["multiplier"] > 10


async def test_what_works_across_science_channels(db):
    args = await extract_args("What works across science channels?")
    assert args == {"niche": "science & engineering"}
    content, hits = await retrieve_outliers(tool_runtime(db), **args)
    assert "Mark Rober" in content and "Veritasium" in content
    assert {h["channel"] for h in hits} <= {"Mark Rober", "Veritasium"}
    assert await extract_args("What works for Veritasium?") == {"channels": ["Veritasium"]}


async def test_unknown_channel_or_niche_says_what_exists(db):
    content, hits = await retrieve_outliers(tool_runtime(db), "", channels=["No Such Channel At All"])
    assert hits == [] and "Known channels" in content and "Veritasium" in content
    content, hits = await retrieve_outliers(tool_runtime(db), "rockets", niche="underwater basket weaving")
    assert hits == [] and "Niches:" in content


async def test_answers_say_when_the_title_index_is_still_being_built(db, monkeypatch):
    """On a first start the service answers while it embeds the titles in the background: until every title has a
    vector, outlier answers say how far it is (their results cover only those titles)."""
    from tools.outliers import report

    monkeypatch.setattr(report, "_indexed", set())
    assert await report.index_note(db.pool) == ""  # the session's corpus is fully embedded

    async def partial(pool, model):
        return 2580, 8683

    monkeypatch.setattr(report, "_indexed", set())
    monkeypatch.setattr(report, "titles_indexed", partial)
    text, hits = await report.outlier_report(db.pool, "space experiments", ["Mark Rober"])
    assert hits and text.endswith("Ask again in a few minutes for the full picture._")
    assert "Still indexing the corpus on this first start: 2,580 of 8,683 titles so far" in text
