"""Ingestion of the real corpus: idempotent, multipliers as defined, title vectors searchable."""

from __future__ import annotations

import csv
from datetime import datetime
from statistics import median

from agent.embeddings import get_embedder
from memory.corpus.ingest import ingest_corpus
from memory.corpus.search import OutlierFilters, search_titles


async def test_first_ingest_loads_every_source(db):
    report = db.first_ingest
    assert report.per_source["youtube_channel_uploads"] == 4299
    assert report.per_source["youtube_ai_topic_videos"] > 1500
    assert report.full_history_channels == 13  # trending snapshots add channels without a baseline
    assert report.per_source["youtube_trending_us_2017"] > 2000 and report.per_source["youtube_trending_us_2024"] > 300
    async with db.pool.connection() as conn:
        cur = await conn.execute("SELECT count(*) AS n FROM videos")
        assert (await cur.fetchone())["n"] == report.videos_read


async def test_second_ingest_changes_nothing(db, data_dir):
    async with db.pool.connection() as conn:
        cur = await conn.execute("SELECT sum(xmin::text::bigint) AS x FROM videos")
        before = (await cur.fetchone())["x"]
    again = await ingest_corpus(db.pool, data_dir)
    assert (again.videos_inserted, again.videos_updated, again.titles_embedded) == (0, 0, 0)
    async with db.pool.connection() as conn:
        cur = await conn.execute("SELECT sum(xmin::text::bigint) AS x FROM videos")
        assert (await cur.fetchone())["x"] == before  # no row was rewritten


def _hand_multipliers(data_dir, channel: str) -> dict[str, float | None]:
    """Veritasium's long-form multipliers computed by hand from the CSV: views / median of the 10
    previous and 10 next long-form uploads (at least 5 of them)."""
    rows = []
    with (data_dir / "youtube_channel_uploads" / "videos.csv").open(newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["channel_title"] != channel:
                continue
            published = datetime.fromisoformat(r["published_at"].replace("Z", "+00:00"))
            limit = 180 if published.date().isoformat() >= "2024-10-15" else 60
            if int(r["duration_seconds"]) > limit:  # long-form only
                rows.append((published, r["video_id"], int(r["view_count"])))
    rows.sort()
    out = {}
    for i, (_, vid, views) in enumerate(rows):
        neighbours = [v for j, (_, _, v) in enumerate(rows) if j != i and abs(j - i) <= 10]
        out[vid] = views / median(neighbours) if len(neighbours) >= 5 else None
    return out


async def test_multipliers_match_hand_computation(db, data_dir):
    expected = _hand_multipliers(data_dir, "Veritasium")
    async with db.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT video_id, outlier_multiplier FROM videos WHERE channel_id = 'veritasium' AND NOT is_short"
        )
        stored = {r["video_id"]: r["outlier_multiplier"] for r in await cur.fetchall()}
    assert stored.keys() == expected.keys()
    for vid, mult in expected.items():
        if mult is None:
            assert stored[vid] is None, vid
        else:
            assert abs(stored[vid] - mult) < 1e-9, vid
    # the channel's biggest hits are outliers, its median video is not
    values = sorted(v for v in stored.values() if v is not None)
    assert values[-1] > 5 and 0.6 < median(values) < 1.6


async def test_vector_search_returns_real_neighbours(db):
    embedder = get_embedder()
    query = embedder.embed_one("Egg Drop From Space")
    hits = await search_titles(db.pool, embedder.name, query, OutlierFilters(), limit=5)
    assert hits[0]["title"] == "Egg Drop From Space" and hits[0]["channel"] == "Mark Rober"
    assert hits[0]["similarity"] > 0.99
    assert all(h["similarity"] <= hits[0]["similarity"] for h in hits)
    # filters hold: only Veritasium long-form outliers of at least 3x
    filtered = await search_titles(
        db.pool, embedder.name, embedder.embed_one("asteroid impact"),
        OutlierFilters(channels=("Veritasium",), min_multiplier=3.0, video_format="long"), limit=10,
    )
    assert filtered and all(h["channel"] == "Veritasium" and h["outlier_multiplier"] >= 3 and not h["is_short"] for h in filtered)
    assert any("asteroid" in h["title"].lower() for h in filtered[:3])


async def test_vector_registry_migration_keeps_existing_tables(db):
    """A database made before 0008_vector_registry.sql keeps its title and creator vector tables: the rows of the two
    old registries move into ``vector_tables`` under their kind, and the old registries go."""
    from importlib import resources
    from uuid import uuid4

    from psycopg import AsyncConnection
    from psycopg.conninfo import make_conninfo
    from psycopg.rows import dict_row

    from memory.corpus.vectors import title_vector_table
    from memory.creators.vectors import creator_vector_table

    name = f"cortex_migration_{uuid4().hex[:8]}"
    async with await AsyncConnection.connect(db.url, autocommit=True) as admin:
        await admin.execute(f"CREATE DATABASE {name}")
    try:
        async with await AsyncConnection.connect(make_conninfo(db.url, dbname=name), autocommit=True,
                                                 row_factory=dict_row) as conn:
            await conn.execute("CREATE EXTENSION vector")
            files = sorted((f for f in resources.files("memory.migrations").iterdir() if f.name.endswith(".sql")),
                           key=lambda f: f.name)
            for f in files:
                if f.name < "0008":
                    await conn.execute(f.read_text(), prepare=False)
            await conn.execute("INSERT INTO embedding_models (model, dim, table_name) VALUES "
                               "('all-MiniLM-L6-v2', 384, 'title_vec_all_minilm_l6_v2'), "
                               "('minilm-static', 256, 'title_vec_minilm_static')")
            await conn.execute("INSERT INTO creator_embedding_models (model, dim, table_name) VALUES "
                               "('all-MiniLM-L6-v2', 384, 'creator_vec_all_minilm_l6_v2')")
            migration = next(f for f in files if f.name == "0008_vector_registry.sql")
            await conn.execute(migration.read_text(), prepare=False)
            cur = await conn.execute("SELECT kind, model, dim, table_name FROM vector_tables ORDER BY kind, model")
            assert [tuple(r.values()) for r in await cur.fetchall()] == [
                ("creator", "all-MiniLM-L6-v2", 384, "creator_vec_all_minilm_l6_v2"),
                ("title", "all-MiniLM-L6-v2", 384, "title_vec_all_minilm_l6_v2"),
                ("title", "minilm-static", 256, "title_vec_minilm_static"),
            ]
            cur = await conn.execute(
                "SELECT to_regclass('embedding_models') AS a, to_regclass('creator_embedding_models') AS b"
            )
            assert await cur.fetchone() == {"a": None, "b": None}
    finally:
        async with await AsyncConnection.connect(db.url, autocommit=True) as admin:
            await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    # the session's database: the title vectors registered under kind 'title'
    assert await title_vector_table(db.pool, "all-MiniLM-L6-v2") == "title_vec_all_minilm_l6_v2"
    assert await creator_vector_table(db.pool, "no-such-model") is None
