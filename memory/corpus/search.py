"""Title search over the corpus: filtered vector search (pgvector HNSW, cosine distance), keyword search
(Postgres full text, BM25-scored) and their fusion.

**Filtered vector search with iterative index scans** (pgvector 0.8: ``hnsw.iterative_scan``). Each title-vector
table carries the video's filter columns (``VECTOR_FILTER_COLUMNS``: channel, publish time, views, format, multiplier,
niche) with B-tree indexes, and HNSW indexes: over every title, a partial one over outliers (multiplier >= 2, the
default search) and a partial one per niche over its outliers (``memory.corpus.vectors.NICHE_INDEXES``).
``_VectorSearch.make`` plans each query from the filter's selectivity, estimated by the Postgres planner (``EXPLAIN``,
under a millisecond):

- a selective filter (at most ``EXACT_MAX_ROWS`` matching rows, e.g. one channel): exact search over the
  filtered rows (B-tree indexes find them, distances are computed for each): exact recall, cheap because the rows
  are few;
- otherwise the smallest HNSW index that holds every row the filter can pass (the niche's when the filter names one
  niche and only outliers, else the outliers' when only outliers can match, else the whole table's) is walked with
  a beam of ``MIN_EF_SEARCH`` and the filter applied during the walk: with ``hnsw.iterative_scan = relaxed_order``
  the scan goes on past the beam until k rows pass (or ``hnsw.max_scan_tuples``, pgvector's default 20,000, are
  visited), so no over-fetch has to be guessed from the selectivity. Relaxed order may return rows slightly out of
  order; they are sorted by distance after. If fewer than k rows come back and rows the walk missed could still
  reach the similarity floor, the exact scan runs instead.

Measured at a million titles (``evals/benchmarks/bench_outliers.py``, load-test copies of the corpus, whose spliced
near-duplicate titles make HNSW's work harder than real ones), SQL alone, 81 labelled queries x 2, k 30: beam 200 with
iterative scans p50 / p95 2.6 / 6.6 ms unfiltered (recall@10 0.954), 3.0 / 11.3 ms for long-form videos since 2020
with 100k+ views among outliers (0.981), 0.8 / 5.3 ms in a niche's index (0.998); beam 100 was faster but missed the
recall target unfiltered (0.878). A niche's outliers walked in the outliers' index instead of its own are 10-50 times
slower (personal finance, 1.6 % of the outliers: p50 56 ms, recall 0.82), hence the per-niche indexes.
``MIN_EF_SEARCH`` 200 was chosen on probes that are not the benchmark's queries (the first four words of 60 real
titles, against exact search on the million-title benchmark database). ``EXACT_MAX_ROWS`` (2,500) keeps an exact scan
near 5 ms with the table in shared buffers.

**Keyword search** scores titles with Okapi BM25 (Robertson & Zaragoza 2009) over Postgres' English lexemes
(``videos.title_tsv``): IDF from ``title_terms`` (document frequencies, refreshed at ingest), term frequency
taken as 1 (titles rarely repeat a word), k1 = 1.2 and b = 0.75 (the usual defaults). The GIN index finds the
titles that share at least one lexeme with the query (at most ``KEYWORD_CANDIDATES`` of them are scored).

**Hybrid search** fuses both rankings with reciprocal rank fusion (Cormack, Clarke & Buettcher 2009):
score = sum over the rankings of 1 / (``RRF_K`` + rank), RRF_K = 60 as in the paper. Each hit says why it
matched: its cosine similarity and rank by meaning, the query words its title shares and its BM25 rank.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from memory.corpus.vectors import (
    FILTER_COLUMNS,
    NICHE_INDEXES,
    niche_predicate,
    title_vector_table,
)
from memory.db import words_in_no_row
from memory.outliers import OUTLIER_FROM

EXACT_MAX_ROWS = 2_500
MIN_EF_SEARCH = 200
RRF_K = 60
QUERY_WORK_MEM = "64MB"
"""work_mem of search queries: enough for exact (not lossy) bitmaps of a few hundred thousand rows, so the filter is
not re-checked page by page (Postgres' default 4MB goes lossy at 1M rows)."""
KEYWORD_CANDIDATES = 2_000
"""Keyword search scores the titles that contain the query's rarest terms, adding terms (rarest first) while their
titles add up to at most this many; terms in more titles still count in the score of those candidates. When even
the rarest term is that common, the candidates are the titles with every term, the first this many of them the
index gives (at a million titles "woodworking projects", whose only word in the corpus is "project", had 42,179
candidates and took 80 ms; a word in 4 % of the titles says little about any one of them). Bounds the cost at a million titles
(each candidate is a heap page read and a BM25 score: 5,000 candidates cost 5-15 ms there, 2,000 about 2 ms at the
median, EXPLAIN ANALYZE); no effect while a query's terms are in fewer titles than this altogether (every labelled
query on the real corpus: its commonest lexeme is in 637 titles)."""
BM25_K1, BM25_B = 1.2, 0.75


# --- term statistics for BM25 -----------------------------------------------------------------------------------


async def refresh_term_stats(pool: AsyncConnectionPool) -> None:
    """Recount ``title_terms`` (lexeme -> titles containing it) and ``title_term_totals`` (titles, mean lexemes
    per title) from ``videos.title_tsv``: the IDF and length statistics of BM25."""
    async with pool.connection() as conn:
        async with conn.transaction():
            await conn.execute("TRUNCATE title_terms")
            await conn.execute(
                "INSERT INTO title_terms (lexeme, ndoc) SELECT word, ndoc FROM ts_stat('SELECT title_tsv FROM videos')"
            )
            await conn.execute("DELETE FROM title_term_totals")
            await conn.execute(
                """INSERT INTO title_term_totals (n_titles, avg_lexemes)
                   SELECT count(*), coalesce(avg(length(title_tsv)), 0) FROM videos"""
            )


# --- search -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutlierFilters:
    """Filters of a title search. Channel names and niches are matched exactly (resolve fuzzy names first);
    ``min_multiplier`` keeps only videos with a multiplier (never trending snapshots); ``video_format`` 'short' or
    'long' drops videos of unknown format; dates drop videos without a publish time."""

    channels: tuple[str, ...] = ()
    min_multiplier: float | None = None
    video_format: str = "any"  # "short" | "long" | "any"
    published_after: date | None = None
    published_before: date | None = None
    niches: tuple[str, ...] = ()
    min_views: int | None = None


@dataclass
class _Where:
    """A filter compiled to SQL clauses over a title-vector table (``vec``) and over ``videos`` (``vid``), each with
    ``{a}`` for the relation's alias (niches are a column of vector tables, a channel sub-select for videos).
    ``none`` when no row can match; ``outliers_only`` when only outliers (multiplier >= ``OUTLIER_FROM``) can, so the
    partial HNSW index serves the search; ``niche``: the one niche the filter names (its partial index then serves
    an outlier search)."""

    vec: list[str] = field(default_factory=list)
    vid: list[str] = field(default_factory=list)
    params: dict = field(default_factory=dict)
    none: bool = False
    outliers_only: bool = False
    niche: str | None = None

    def index(self, table: str) -> tuple[str, str]:
        """(the smallest partial HNSW index whose rows include every row the filter passes, or the table itself;
        its predicate, '' for the table): see the module docstring."""
        if self.outliers_only and self.niche in NICHE_INDEXES:
            return f"{table}_{NICHE_INDEXES[self.niche]}", niche_predicate(self.niche)
        if self.outliers_only:
            return f"{table}_hnsw_outliers", f"outlier_multiplier >= {OUTLIER_FROM}"
        return table, ""

    def add(self, clause: str, videos_clause: str | None = None) -> None:
        self.vec.append(clause)
        self.vid.append(videos_clause or clause)

    def sql(self, alias: str, videos: bool = False) -> str:
        """The clauses over the relation aliased ``alias`` (``videos``: the videos table), AND-ed; TRUE if none."""
        return " AND ".join(c.format(a=alias) for c in (self.vid if videos else self.vec)) or "TRUE"


async def _compile(conn: AsyncConnection, filters: OutlierFilters) -> _Where:
    where = _Where()
    if filters.channels:
        cur = await conn.execute("SELECT channel_id FROM channels WHERE name = ANY(%s)", (list(filters.channels),))
        ids = [r["channel_id"] for r in await cur.fetchall()]
        where.none = not ids
        where.add("{a}.channel_id = ANY(%(cids)s)")
        where.params["cids"] = ids
    if filters.niches:
        where.add("{a}.niche = ANY(%(niches)s)",
                  "(SELECT niche FROM channels ch WHERE ch.channel_id = {a}.channel_id) = ANY(%(niches)s)")
        where.params["niches"] = list(filters.niches)
        where.niche = filters.niches[0] if len(set(filters.niches)) == 1 else None
    if filters.min_multiplier is not None:
        where.add("{a}.outlier_multiplier >= %(min_mult)s")
        where.params["min_mult"] = filters.min_multiplier
        where.outliers_only = filters.min_multiplier >= OUTLIER_FROM
    if filters.video_format in ("short", "long"):
        where.add("{a}.is_short = %(short)s")
        where.params["short"] = filters.video_format == "short"
    if filters.published_after:
        where.add("{a}.published_at >= %(after)s")
        where.params["after"] = filters.published_after
    if filters.published_before:
        where.add("{a}.published_at < %(before)s")
        where.params["before"] = filters.published_before
    if filters.min_views is not None:
        where.add("{a}.views >= %(min_views)s")
        where.params["min_views"] = filters.min_views
    return where


@dataclass(frozen=True)
class SearchPlan:
    """How the vector search ran: 'hnsw', 'hnsw-outliers' (the outliers' partial index), 'hnsw-niche' (the niche's)
    or 'exact'; the planner's estimate of matching rows; the rows the index covers; the ef_search used."""

    method: str
    estimated_rows: int
    index_rows: int
    ef_search: int | None = None


_SIZES_SQL = """SELECT (SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)) AS total,
                        (SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)) AS partial"""
"""Rows of the table and of the partial index a search would use (reltuples: -1 never analysed, NULL no such index)."""

_TERMS_SQL = """SELECT w.word, lx.lexeme, coalesce(t.ndoc, 0) AS ndoc, s.n_titles, s.avg_lexemes
                FROM unnest(%s::text[]) WITH ORDINALITY AS w(word, i)
                CROSS JOIN LATERAL unnest(tsvector_to_array(to_tsvector('english', w.word))) AS lx(lexeme)
                LEFT JOIN title_terms t ON t.lexeme = lx.lexeme LEFT JOIN title_term_totals s ON TRUE
                ORDER BY w.i"""

_HIT_COLUMNS = """v.video_id, v.title, c.name AS channel, c.channel_id, c.niche, c.has_full_history, v.published_at,
    v.views, v.outlier_multiplier, v.age_multiplier, v.age_days, v.age_baseline_n, v.is_short, v.source,
    v.trending_date, tsvector_to_array(v.title_tsv) AS lexemes"""


async def _queue(conn: AsyncConnection, sql: str, params: dict | tuple, ef_search: int | None = None):
    """Queue one query in its own transaction with ``QUERY_WORK_MEM`` set locally (and, for an HNSW scan, the beam
    ``hnsw.ef_search`` and iterative scanning in relaxed order); call inside ``conn.pipeline()`` so that several
    queries travel in one round trip. Returns the cursor."""
    async with conn.transaction():
        await conn.execute(f"SET LOCAL work_mem = '{QUERY_WORK_MEM}'")
        if ef_search:
            await conn.execute(f"SET LOCAL hnsw.ef_search = {int(ef_search)}")
            await conn.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
        return await conn.execute(sql, params)


@dataclass
class _VectorSearch:
    """One planned vector search (see the module docstring): its plan, the SQL of the planned scan and of the exact
    scan it falls back to."""

    plan: SearchPlan
    sql: str
    exact_sql: str
    params: dict

    @classmethod
    def make(cls, table: str, query_vector: np.ndarray, where: _Where, k: int, sizes: dict, estimated: int,
             ef: int = MIN_EF_SEARCH) -> _VectorSearch:
        total = max(int(sizes["total"]), 1) if sizes["total"] is not None and sizes["total"] >= 0 else None
        partial_rows = int(sizes["partial"]) if sizes["partial"] is not None and sizes["partial"] > 0 else None
        params = {**where.params, "q": query_vector, "k": k}
        exact_sql = f"""SELECT t.video_id, 1 - (t.embedding <=> %(q)s) AS similarity FROM {table} t
                        WHERE {where.sql('t')}
                        ORDER BY (t.embedding <=> %(q)s) + 0 LIMIT %(k)s"""  # "+ 0": an order no HNSW index serves
        if total is None or (where.vec and estimated <= EXACT_MAX_ROWS):  # never analysed, or selective
            return cls(SearchPlan("exact", estimated, total or 0), exact_sql, exact_sql, params)
        index, predicate = where.index(table)
        if index != table and partial_rows is None:  # the partial index is missing or empty: the whole table's
            index, predicate = table, ""
        # the literal predicate is the partial index's own, so the planner can prove the index applies; relaxed order
        # may return rows a little out of order, hence the sort after
        scope = " AND ".join(c for c in (predicate, where.sql("t") if where.vec else "") if c) or "TRUE"
        sql = f"""SELECT video_id, 1 - distance AS similarity
                  FROM (SELECT t.video_id, t.embedding <=> %(q)s AS distance FROM {table} t WHERE {scope}
                        ORDER BY t.embedding <=> %(q)s LIMIT %(k)s) c
                  ORDER BY distance"""
        method = "hnsw" if not predicate else "hnsw-niche" if "niche =" in predicate else "hnsw-outliers"
        return cls(SearchPlan(method, estimated, partial_rows if predicate else total, int(max(ef, k))), sql,
                   exact_sql, params)

    def queue(self, conn: AsyncConnection):
        """Queue the planned scan (inside a pipeline); returns its cursor."""
        return _queue(conn, self.sql, self.params, self.plan.ef_search)

    def complete(self, fetched: list[dict], where: _Where, need: int, floor: float | None) -> bool:
        """Whether the scan's rows stand: an exact scan's always; an HNSW scan's unless fewer than ``need`` rows
        passed the filter (the walk stopped at ``hnsw.max_scan_tuples``) and rows it missed could still reach
        ``floor``: its farthest row is at or above the floor (every missed row is farther still), or there is
        no floor."""
        if self.plan.method == "exact" or len(fetched) >= need or not where.vec:
            return True
        return floor is not None and bool(fetched) and fetched[-1]["similarity"] < floor

    async def run(self, conn: AsyncConnection, where: _Where, need: int, floor: float | None,
                  fetched: list[dict] | None = None) -> list[dict]:
        """Rows of the planned scan (``fetched``: its result when already run); the exact scan's when the planned
        one's are not ``complete``. ``plan`` becomes what ran last."""
        if fetched is None:
            async with conn.pipeline():
                cur = await self.queue(conn)
            fetched = await cur.fetchall()
        if self.complete(fetched, where, need, floor):
            return fetched
        async with conn.pipeline():
            cur = await _queue(conn, self.exact_sql, self.params)
        self.plan = SearchPlan("exact", self.plan.estimated_rows, self.plan.index_rows, self.plan.ef_search)
        return await cur.fetchall()


async def _vector_only(
    conn: AsyncConnection, table: str, query_vector: np.ndarray, where: _Where, k: int, ef: int
) -> tuple[list[dict], SearchPlan]:
    async with conn.pipeline():
        c_sizes = await conn.execute(_SIZES_SQL, (table, where.index(table)[0]))
        c_est = await _queue_estimate(conn, table, where)
    sizes = await c_sizes.fetchone()
    search = _VectorSearch.make(table, query_vector, where, k, sizes, await _estimated(c_est, sizes), ef)
    rows = await search.run(conn, where, k, None)
    return rows, search.plan


async def _queue_estimate(conn: AsyncConnection, table: str, where: _Where):
    """Queue the planner's estimate of the rows passing the filter (None without a filter: every row passes)."""
    if not where.vec:
        return None
    return await conn.execute(f"EXPLAIN (FORMAT JSON) SELECT 1 FROM {table} t WHERE {where.sql('t')}", where.params)


async def _estimated(cursor, sizes: dict) -> int:
    if cursor is None:
        return max(int(sizes["total"] or 0), 0)
    return int((await cursor.fetchone())["QUERY PLAN"][0]["Plan"]["Plan Rows"])


_tables: dict[str, str] = {}


async def _vector_table(pool: AsyncConnectionPool, model: str) -> str | None:
    """``title_vector_table``, remembered once found (table names follow from model names)."""
    if model not in _tables and (table := await title_vector_table(pool, model)):
        _tables[model] = table
    return _tables.get(model)


async def search_titles(
    pool: AsyncConnectionPool,
    model: str,
    query_vector: np.ndarray,
    filters: OutlierFilters,
    limit: int = 10,
    ef_search: int = MIN_EF_SEARCH,
) -> list[dict]:
    """Nearest titles to ``query_vector`` by cosine similarity, filtered; best first (vector search only).

    Returns dicts: video_id, title, channel, channel_id, niche, published_at (None for 2017 trending), views,
    outlier_multiplier, age_multiplier, is_short (None: unknown), source, similarity (1 - cosine distance, in
    [-1, 1]). An empty list when the model has no vectors yet. ``ef_search`` is the HNSW beam (hnsw.ef_search) of an index walk.
    """
    table = await _vector_table(pool, model)
    if table is None:
        return []
    async with pool.connection() as conn:
        where = await _compile(conn, filters)
        if where.none:
            return []
        ranked, _ = await _vector_only(conn, table, query_vector, where, limit, ef_search)
        info = await _hits(conn, [r["video_id"] for r in ranked])
    return [{**info[r["video_id"]], "similarity": float(r["similarity"])} for r in ranked]


async def _hits(conn: AsyncConnection, ids: list[str]) -> dict[str, dict]:
    cur = await conn.execute(
        f"SELECT {_HIT_COLUMNS} FROM videos v JOIN channels c USING (channel_id) WHERE v.video_id = ANY(%s)", (ids,)
    )
    return {r["video_id"]: r for r in await cur.fetchall()}


def _words(query: str) -> list[str]:
    return list(dict.fromkeys(re.findall(r"[\w']+", query.lower())))


async def keyword_search(
    pool: AsyncConnectionPool, query: str, filters: OutlierFilters, limit: int = 10
) -> list[dict]:
    """Titles sharing words with ``query``, best BM25 score first (see the module docstring); filtered.

    Returns dicts: video_id, bm25. Empty when the query has no searchable word (only stop words).
    """
    async with pool.connection() as conn:
        where = await _compile(conn, filters)
        words = _words(query)
        if where.none or not words:
            return []
        cur = await conn.execute(_TERMS_SQL, (words,))
        sql = _keyword_sql(await cur.fetchall(), where, limit)
        if sql is None:
            return []
        async with conn.pipeline():
            cur = await _queue(conn, *sql)
        return await cur.fetchall()


def _keyword_sql(query_terms: list[dict], where: _Where, k: int) -> tuple[str, dict] | None:
    """The BM25 query over titles sharing a lexeme with the query (GIN index), filtered, best first, at most k rows
    of {video_id, bm25}; None when no query term is in any title."""
    terms = list({t["lexeme"]: t for t in query_terms if t["ndoc"] > 0}.values())
    if not terms:
        return None
    n, avgdl = terms[0]["n_titles"], max(terms[0]["avg_lexemes"], 1.0)
    params = {**where.params, "k": k, "avgdl": avgdl, "k1": BM25_K1, "b": BM25_B}
    parts, quoted = [], []
    for i, t in enumerate(terms):
        quoted.append("'" + t["lexeme"].replace("'", "''") + "'")  # a tsquery literal of the lexeme as is
        # Okapi BM25's IDF as Lucene computes it (never negative): ln(1 + (N - n + 0.5) / (n + 0.5))
        params[f"idf{i}"] = math.log(1 + (n - t["ndoc"] + 0.5) / (t["ndoc"] + 0.5))
        params[f"t{i}"] = quoted[-1]
        parts.append(f"CASE WHEN v.title_tsv @@ %(t{i})s::tsquery THEN %(idf{i})s ELSE 0 END")
    params["tsq"] = _candidate_query(terms, quoted)
    # the candidates first (GIN index only; the LIMIT also keeps the planner from starting at a filter's index), then the
    # filter on them: a bounded amount of work whatever the filter
    sql = f"""SELECT v.video_id,
                     ({' + '.join(parts)}) * (%(k1)s + 1)
                       / (1 + %(k1)s * (1 - %(b)s + %(b)s * length(v.title_tsv) / %(avgdl)s)) AS bm25
              FROM (SELECT video_id, title_tsv, {', '.join(FILTER_COLUMNS)} FROM videos
                    WHERE title_tsv @@ %(tsq)s::tsquery LIMIT {KEYWORD_CANDIDATES}) v
              WHERE {where.sql('v', videos=True)}
              ORDER BY bm25 DESC, v.video_id LIMIT %(k)s"""
    return sql, params


def _candidate_query(terms: list[dict], quoted: list[str]) -> str:
    """The tsquery that picks keyword candidates (see ``KEYWORD_CANDIDATES``)."""
    order = sorted(range(len(terms)), key=lambda i: terms[i]["ndoc"])
    picked, covered = [], 0
    for i in order:
        if picked and covered + terms[i]["ndoc"] > KEYWORD_CANDIDATES:
            break
        picked.append(i)
        covered += terms[i]["ndoc"]
    if covered > KEYWORD_CANDIDATES:  # even the rarest term is common: titles with every term
        return " & ".join(quoted)
    return " | ".join(quoted[i] for i in picked)


@dataclass(frozen=True)
class HybridResult:
    """A hybrid search's hits (dicts, best first) and the vector search's plan (None without a vector search);
    ``idf``: each query word with a stem -> its BM25 IDF over the titles (a word in no title gets the highest)."""

    hits: list[dict]
    plan: SearchPlan | None
    idf: dict[str, float] = field(default_factory=dict)


async def hybrid_search(
    pool: AsyncConnectionPool,
    model: str,
    query: str,
    query_vector: np.ndarray,
    filters: OutlierFilters,
    limit: int = 10,
    similarity_floor: float | None = None,
    depth: int | None = None,
    legs: tuple[str, ...] = ("vector", "keyword"),
) -> HybridResult:
    """Titles matching ``query`` by meaning and by words, fused with reciprocal rank fusion; best first.

    Each leg ranks up to ``depth`` (default max(3 * limit, 30)) filtered titles; vector candidates under
    ``similarity_floor`` (cosine) are dropped, titles found by words are kept whatever their similarity (they
    say why they matched). ``legs`` picks the rankings fused ('vector', 'keyword'; one of them alone gives that
    ranking). Hits are the dicts of ``search_titles`` plus: vector_rank, keyword_rank (1-based or None), bm25, rrf
    (the fused score) and matched_words (the query's words found in the title). ValueError for unknown legs.

    Round trips: the channel look-up (with a channel filter), then three pipelined batches: term statistics, table
    sizes and the planner's estimate; the vector and keyword searches; similarities and hit details.
    """
    unknown = set(legs) - {"vector", "keyword"}
    if unknown or not legs:
        raise ValueError(f"legs must be 'vector' and/or 'keyword', not {sorted(unknown) or 'nothing'}.")
    depth = depth or max(3 * limit, 30)
    table = await _vector_table(pool, model)
    use_vector = "vector" in legs
    if table is None and use_vector:
        return HybridResult([], None)
    words = _words(query)
    async with pool.connection() as conn:
        where = await _compile(conn, filters)
        if where.none:
            return HybridResult([], None)
        async with conn.pipeline():
            c_terms = await conn.execute(_TERMS_SQL, (words,)) if words else None
            c_sizes = await conn.execute(_SIZES_SQL, (table, where.index(table)[0])) if use_vector else None
            c_est = await _queue_estimate(conn, table, where) if use_vector else None
        terms = await c_terms.fetchall() if c_terms else []
        search = None
        if use_vector:
            sizes = await c_sizes.fetchone()
            search = _VectorSearch.make(table, query_vector, where, depth, sizes, await _estimated(c_est, sizes))
        keyword = _keyword_sql(terms, where, depth) if "keyword" in legs else None
        async with conn.pipeline():
            c_vec = await search.queue(conn) if search else None
            c_kw = await _queue(conn, *keyword) if keyword else None
        vector_rows = []
        if search:
            vector_rows = await search.run(conn, where, limit, similarity_floor, await c_vec.fetchall())
            if similarity_floor is not None:
                vector_rows = [r for r in vector_rows if r["similarity"] >= similarity_floor]
        keyword_rows = await c_kw.fetchall() if c_kw else []
        fused: dict[str, dict] = {}
        for rank, r in enumerate(vector_rows, 1):
            fused[r["video_id"]] = {"vector_rank": rank, "similarity": float(r["similarity"]), "keyword_rank": None,
                                    "bm25": None, "rrf": 1 / (RRF_K + rank)}
        for rank, r in enumerate(keyword_rows, 1):
            entry = fused.setdefault(r["video_id"], {"vector_rank": None, "similarity": None, "rrf": 0.0})
            entry.update(keyword_rank=rank, bm25=float(r["bm25"]))
            entry["rrf"] += 1 / (RRF_K + rank)
        ranked = sorted(fused.items(), key=lambda kv: (-kv[1]["rrf"], kv[0]))[:limit]
        missing = [vid for vid, e in ranked if e["similarity"] is None]
        async with conn.pipeline():
            c_sims = await conn.execute(
                f"SELECT video_id, 1 - (embedding <=> %s) AS similarity FROM {table} WHERE video_id = ANY(%s)",
                (query_vector, missing),
            ) if missing and table is not None else None
            c_hits = await conn.execute(
                f"SELECT {_HIT_COLUMNS} FROM videos v JOIN channels c USING (channel_id) WHERE v.video_id = ANY(%s)",
                ([vid for vid, _ in ranked],),
            )
        for r in await c_sims.fetchall() if c_sims else []:
            fused[r["video_id"]]["similarity"] = float(r["similarity"])
        info = {r["video_id"]: r for r in await c_hits.fetchall()}
    hits = []
    for vid, e in ranked:
        hit = {**info[vid], **e}
        lexemes = set(hit["lexemes"])
        hit["matched_words"] = list(dict.fromkeys(t["word"] for t in terms if t["lexeme"] in lexemes))
        hits.append(hit)
    return HybridResult(hits, search.plan if search else None, _idf(terms))


def _idf(terms: list[dict]) -> dict[str, float]:
    """Query word -> BM25 IDF of its rarest lexeme (Lucene's ln(1 + (N - n + 0.5) / (n + 0.5)))."""
    out: dict[str, float] = {}
    for t in terms:
        n, total = int(t["ndoc"] or 0), int(t["n_titles"] or 0)
        out[t["word"]] = max(out.get(t["word"], 0.0), math.log(1 + (total - n + 0.5) / (n + 0.5)))
    return out


NICHE_COUNT_CAP = 1_000
"""Outliers counted per niche at most (``outlier_counts_by_niche``): enough to tell a creator a niche has plenty, and
a bounded cost at a million titles (counting every outlier of every niche there takes a scan of the corpus)."""


async def outlier_counts_by_niche(pool: AsyncConnectionPool, model: str, filters: OutlierFilters,
                                  cap: int = NICHE_COUNT_CAP, niches: list[str] | None = None) -> dict[str, int]:
    """Titles with ``model`` vectors passing ``filters`` per channel niche (``niches``, default every niche), each count
    stopped at ``cap`` (read ``cap`` as "``cap`` or more"): {niche: count}; niches without a passing title are left
    out, and so is everything when the model has no vectors. Counted in the title-vector table, whose filter columns
    have B-tree indexes."""
    table = await _vector_table(pool, model)
    if table is None:
        return {}
    async with pool.connection() as conn:
        where = await _compile(conn, filters)
        if where.none:
            return {}
        async with conn.transaction():
            # the planner's row estimates for one niche's outliers under date and view filters are far off at a
            # million titles, and a bitmap of every title since a date costs most of a second: keep it on the
            # (niche, multiplier) index, which reads only the niche's outliers, at most ``cap`` passing ones
            await conn.execute("SET LOCAL enable_bitmapscan = off")
            await conn.execute("SET LOCAL enable_seqscan = off")
            cur = await conn.execute(f"""SELECT n.niche, (SELECT count(*) FROM (
                                             SELECT 1 FROM {table} t WHERE t.niche = n.niche AND {where.sql('t')}
                                             LIMIT %(cap)s) s) AS n
                                         FROM unnest(%(all_niches)s::text[]) n(niche)""",
                               {**where.params, "cap": int(cap), "all_niches": list(NICHE_INDEXES if niches is None else niches)})
            return {r["niche"]: int(r["n"]) for r in await cur.fetchall() if r["n"]}


async def words_in_no_title(pool: AsyncConnectionPool, words: list[str]) -> list[str]:
    """The words (in order) whose English stem no title of the corpus contains (GIN index look-ups); stop words, which
    have no stem, never count."""
    return await words_in_no_row(pool, words, "videos", "title_tsv")
