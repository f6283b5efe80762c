"""Creator search in SQL: the search columns of ``creator_accounts`` (``refresh_search_index``), the hard filters
(``CreatorFilters``), keyword and semantic candidates, the candidates' details and the look-up of a named account.
Fusion and reasons are ``tools.creators.search.search``."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from psycopg_pool import AsyncConnectionPool

from memory.creators.sources import PLATFORMS, name_key
from memory.db import words_in_no_row


async def refresh_search_index(pool: AsyncConnectionPool) -> int:
    """Recompute every account's search columns: niches (its creator's primary + secondary niches), the
    weighted tsvector (A: name and handle, B: niches and source category, C: bio, D: the newest 50 content
    titles; Postgres 'english' configuration) and the within-platform percentiles of engagement rate and
    activity (``percent_rank``, 0..1). Writes only rows that change; returns how many."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            """WITH t AS (
                 SELECT account_id, string_agg(title, ' ') AS titles FROM (
                   SELECT account_id, title, row_number() OVER (PARTITION BY account_id
                          ORDER BY published_at DESC NULLS LAST, item_id) AS rn
                   FROM creator_content_items) x WHERE rn <= 50 GROUP BY account_id),
               n AS (
                 SELECT a.account_id,
                        coalesce(array_remove(array_prepend(c.primary_niche, c.secondary_niches), NULL), '{}') AS niches
                 FROM creator_accounts a LEFT JOIN creators c USING (creator_id)),
               p AS (
                 SELECT account_id,
                        CASE WHEN engagement_rate IS NOT NULL THEN percent_rank() OVER (
                          PARTITION BY platform, engagement_rate IS NULL ORDER BY engagement_rate) END AS e_pct,
                        CASE WHEN activity IS NOT NULL THEN percent_rank() OVER (
                          PARTITION BY platform, activity IS NULL ORDER BY activity) END AS a_pct
                 FROM creator_accounts),
               v AS (
                 SELECT a.account_id, n.niches, p.e_pct, p.a_pct,
                        setweight(to_tsvector('english', a.name || ' ' || coalesce(replace(a.handle, '_', ' '), '')), 'A')
                        || setweight(to_tsvector('english', array_to_string(n.niches, ' ') || ' ' || coalesce(a.category, '')), 'B')
                        || setweight(to_tsvector('english', coalesce(a.bio, '')), 'C')
                        || setweight(to_tsvector('english', coalesce(t.titles, '')), 'D') AS tsv
                 FROM creator_accounts a JOIN n USING (account_id) JOIN p USING (account_id)
                      LEFT JOIN t USING (account_id))
               UPDATE creator_accounts a SET niches = v.niches, engagement_pct = v.e_pct, activity_pct = v.a_pct, tsv = v.tsv
               FROM v WHERE a.account_id = v.account_id
                 AND (a.niches, a.engagement_pct, a.activity_pct, a.tsv) IS DISTINCT FROM (v.niches, v.e_pct, v.a_pct, v.tsv)"""
        )
        changed = cur.rowcount
        await conn.execute("ANALYZE creator_accounts")
        return changed


@dataclass(frozen=True)
class CreatorFilters:
    """Hard filters of a creator search; None = no constraint.

    ``platform``: 'youtube' | 'instagram'; ``niche``: one of the taxonomy's niches (primary or secondary);
    ``min_followers``/``max_followers``: inclusive/exclusive bounds on subscribers or followers; ``country``:
    ISO alpha-2; ``min_engagement_pct``: minimum within-platform engagement percentile (0..1);
    ``exclude_creators``: creator ids left out (the creator a query names as its example).
    """

    platform: str | None = None
    niche: str | None = None
    min_followers: int | None = None
    max_followers: int | None = None
    country: str | None = None
    min_engagement_pct: float | None = None
    exclude_creators: tuple[str, ...] = ()

    def sql(self, alias: str = "a", range_index: bool = True) -> tuple[str, dict[str, Any]]:
        """(WHERE clause, params). The platform is inlined (checked against PLATFORMS) so partial indexes apply.
        ``range_index`` False writes the follower bounds so that no index serves them (``followers + 0``): a query that
        starts from another index (full text) then checks them row by row instead of AND-ing a bitmap of every account
        in the audience range (hundreds of thousands at a million accounts, 45 ms to build)."""
        where, params = ["TRUE"], {}
        followers = f"{alias}.followers" if range_index else f"({alias}.followers + 0)"
        if self.platform:
            if self.platform not in PLATFORMS:
                raise ValueError(f"Unknown platform {self.platform!r}: use one of {', '.join(PLATFORMS)}.")
            where.append(f"{alias}.platform = '{self.platform}'")
        if self.niche:
            where.append(f"{alias}.niches @> ARRAY[%(f_niche)s]::text[]")
            params["f_niche"] = self.niche
        if self.min_followers is not None:
            where.append(f"{followers} >= %(f_min)s")
            params["f_min"] = self.min_followers
        if self.max_followers is not None:
            where.append(f"{followers} < %(f_max)s")
            params["f_max"] = self.max_followers
        if self.country:
            where.append(f"{alias}.country = %(f_country)s")
            params["f_country"] = self.country
        if self.min_engagement_pct is not None:
            where.append(f"{alias}.engagement_pct >= %(f_eng)s")
            params["f_eng"] = self.min_engagement_pct
        if self.exclude_creators:
            where.append(f"{alias}.creator_id <> ALL(%(f_excl)s)")
            params["f_excl"] = list(self.exclude_creators)
        return " AND ".join(where), params

    @property
    def selective(self) -> bool:
        """True when anything beyond the platform constrains the rows."""
        return any(v not in (None, ()) for k, v in asdict(self).items() if k != "platform")


_OR_QUERY = "(SELECT replace(plainto_tsquery('english', %(text)s)::text, ' & ', ' | ')::tsquery AS q) AS qq"
"""Any of the query's words (OR)."""
_AND_QUERY = "(SELECT plainto_tsquery('english', %(text)s) AS q) AS qq"
"""All of the query's words (AND)."""


MATCHES_RANKED = 15_000
"""Accounts ranked at most per keyword query (the first the full-text index finds that pass the filters) and per niche
browse (``tools.creators.search``): each match is a heap row read, so this bounds the cost of a common word or a large
niche at a million accounts (``EXPLAIN ANALYZE`` there, load average 5: 'beauty' on Instagram among the top quarter by
engagement, 44,856 matches, 52 -> 28 ms). Above the commonest stem and the largest niche of the real accounts
('fashion': in 12,018 and 11,995 of 37,105), so it changes no ranking on the real data."""


async def keyword_candidates(pool: AsyncConnectionPool, text: str, filters: CreatorFilters, limit: int) -> list[dict]:
    """Accounts matching the words of ``text`` (Postgres full-text, 'english'), best first: [{account_id, kw}].

    Accounts with all the words come first, then (when fewer than ``limit``) those with any of them; each group
    ordered by ts_rank (field weights D 0.1, C 0.2, B 0.4, A 1.0; normalisation 32: rank / (rank + 1)), which
    ranks tens of thousands of matches 2-3x faster than cover density (ts_rank_cd); at most ``MATCHES_RANKED`` matches
    of each group are ranked. ``kw`` of an any-word match is halved so it stays below the all-word matches. Empty when
    ``text`` has no words."""
    where, params = filters.sql(range_index=False)
    params = {**params, "text": text, "limit": limit, "ranked": MATCHES_RANKED}
    async with pool.connection() as conn:
        cur = await conn.execute("SELECT plainto_tsquery('english', %s)::text AS q", (text,))
        query = (await cur.fetchone())["q"]
        if not query:
            return []
        cur = await conn.execute(
            f"""SELECT account_id, ts_rank(tsv, q, 32) AS kw FROM (
                  SELECT a.account_id, a.tsv, qq.q FROM creator_accounts a, {_AND_QUERY}
                  WHERE a.tsv @@ qq.q AND {where} LIMIT %(ranked)s) m
                ORDER BY kw DESC, account_id LIMIT %(limit)s""",
            params,
        )
        rows = await cur.fetchall()
        if len(rows) < limit and " & " in query:
            cur = await conn.execute(
                f"""SELECT account_id, ts_rank(tsv, q, 32) / 2 AS kw FROM (
                      SELECT a.account_id, a.tsv, qq.q FROM creator_accounts a, {_OR_QUERY}
                      WHERE a.tsv @@ qq.q AND {where} AND a.account_id <> ALL(%(seen)s) LIMIT %(ranked)s) m
                    ORDER BY kw DESC, account_id LIMIT %(rest)s""",
                {**params, "seen": [r["account_id"] for r in rows], "rest": limit - len(rows)},
            )
            rows += await cur.fetchall()
        return rows


EXACT_SCAN_MAX = 5_000
"""Filtered semantic search scans every matching vector exactly when at most this many accounts pass the
filters; above it the platform's HNSW index gives its nearest accounts, filtered after."""


async def semantic_candidates(pool: AsyncConnectionPool, table: str, vector: np.ndarray, filters: CreatorFilters,
                              limit: int, ef_search: int = 400) -> tuple[list[dict], str]:
    """Accounts whose bio or content vector is nearest to ``vector`` (cosine), filtered; best first:
    ([{account_id, sim}], plan).

    Plan 'exact' when at most EXACT_SCAN_MAX accounts with vectors pass the filters: their vectors are read by key
    and compared one by one. Else 'hnsw': the platform's partial HNSW index gives its ``ef_search`` nearest
    vectors, filtered after (each platform searched and merged when no platform is set). The planner is kept on
    the index paths (``enable_seqscan`` off inside the transaction): at a million accounts its row estimates for
    these joins are far off and a sequential scan costs seconds."""
    where, params = filters.sql()
    params = {**params, "q": vector, "limit": limit}
    async with pool.connection() as conn:
        async with conn.transaction():
            await conn.execute("SET LOCAL enable_seqscan = off")
            plan = "hnsw"
            if filters.selective:
                cur = await conn.execute(
                    f"""SELECT count(*) AS n FROM (SELECT 1 FROM creator_accounts a WHERE {where} AND a.has_vector
                        LIMIT {EXACT_SCAN_MAX + 1}) s""",
                    params,
                )
                if (await cur.fetchone())["n"] <= EXACT_SCAN_MAX:
                    plan = "exact"
            if plan == "exact":
                cur = await conn.execute(
                    f"""SELECT v.account_id, max(1 - (v.embedding <=> %(q)s)) AS sim FROM {table} v
                        WHERE v.account_id = ANY(ARRAY(SELECT account_id FROM creator_accounts a WHERE {where} AND a.has_vector))
                        GROUP BY v.account_id ORDER BY sim DESC, v.account_id LIMIT %(limit)s""",
                    params,
                )
                return await cur.fetchall(), plan
            await conn.execute(f"SET LOCAL hnsw.ef_search = {int(ef_search)}")
            rows: dict[str, float] = {}
            for platform in [filters.platform] if filters.platform else PLATFORMS:
                cur = await conn.execute(
                    f"""SELECT n.account_id, 1 - n.d AS sim FROM (
                            SELECT account_id, embedding <=> %(q)s AS d FROM {table} WHERE platform = '{platform}'
                            ORDER BY embedding <=> %(q)s LIMIT {int(ef_search)}) n
                        JOIN creator_accounts a USING (account_id)
                        WHERE {where} ORDER BY n.d LIMIT %(limit)s""",
                    params,
                )
                for r in await cur.fetchall():
                    rows[r["account_id"]] = max(rows.get(r["account_id"], -1.0), float(r["sim"]))
    ranked = sorted(rows.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return [{"account_id": a, "sim": s} for a, s in ranked], plan


RECURRING_WORD = 3
"""Occurrences in an account's bio and newest titles and captions from which a word counts as a topic it returns to."""


async def candidate_details(pool: AsyncConnectionPool, table: str | None, account_ids: Sequence[str], text: str,
                            vector: np.ndarray | None) -> list[dict]:
    """Everything fusion and the reasons need about candidate accounts: account and creator columns, keyword
    rank ``kw`` (0 without a match), cosine similarity of bio and content vectors (``sem_bio``, ``sem_content``,
    None without a vector), the words of ``text`` whose stems the account's text contains (``matched``) and those of
    them that say what the account is about (``profile_matched``): in its name, handle, niches or category, or in at
    least ``RECURRING_WORD`` places of its text (bio, titles and captions: one title about a golf ball does not make
    a golf channel, nor "we hunt down cars" in a bio a hunting one)."""
    sem = ("NULL::float8 AS sem_bio, NULL::float8 AS sem_content" if table is None or vector is None else
           f"""(SELECT 1 - (v.embedding <=> %(q)s) FROM {table} v WHERE v.account_id = a.account_id AND v.kind = 'bio') AS sem_bio,
               (SELECT 1 - (v.embedding <=> %(q)s) FROM {table} v WHERE v.account_id = a.account_id AND v.kind = 'content') AS sem_content""")
    async with pool.connection() as conn:
        cur = await conn.execute(
            f"""WITH qw AS MATERIALIZED (  -- the query's words, in order, with their English stems
                  SELECT w, i, tsvector_to_array(to_tsvector('english', w)) AS lx
                  FROM unnest(%(words)s::text[]) WITH ORDINALITY AS x(w, i))
                SELECT a.account_id, a.creator_id, a.platform, a.name, a.handle, a.followers, a.country, a.category,
                       a.engagement_rate, a.engagement_basis, a.engagement_pct, a.activity, a.activity_pct, a.niches,
                       left(a.bio, 300) AS bio, c.name AS creator_name, c.primary_niche, c.secondary_niches, c.summary,
                       c.content_style,
                       CASE WHEN qq.q::text = '' THEN 0 WHEN a.tsv @@ plainto_tsquery('english', %(text)s)
                            THEN ts_rank(a.tsv, qq.q, 32) ELSE ts_rank(a.tsv, qq.q, 32) / 2 END AS kw,
                       ARRAY(SELECT w FROM qw WHERE qw.lx && m.found ORDER BY qw.i) AS matched,
                       ARRAY(SELECT w FROM qw WHERE qw.lx && m.profile ORDER BY qw.i) AS profile_matched,
                       {sem}
                FROM creator_accounts a LEFT JOIN creators c USING (creator_id), {_OR_QUERY},
                     -- the query's stems found in the account's text, and those of them in its name, handle, niches or
                     -- category (weights A, B) or recurring: one pass over its lexemes
                     LATERAL (SELECT array_agg(u.lexeme) AS found,
                                     array_agg(u.lexeme) FILTER (WHERE u.weights && ARRAY['A', 'B']
                                                                 OR cardinality(u.positions) >= %(recurring)s) AS profile
                              FROM unnest(a.tsv) u
                              WHERE u.lexeme = ANY(ARRAY(SELECT l FROM qw, unnest(qw.lx) l))) m
                WHERE a.account_id = ANY(%(ids)s)""",
            {"ids": list(account_ids), "text": text, "q": vector, "recurring": RECURRING_WORD,
             "words": list(dict.fromkeys(re.findall(r"[\w'-]+", text.lower())))},
        )
        return await cur.fetchall()


async def find_account_by_name(pool: AsyncConnectionPool, name: str, platform: str | None = None) -> dict | None:
    """The most followed account whose name or handle equals ``name`` (letters and digits, case-insensitive),
    with its creator id; None when there is none."""
    key = name_key(name)
    if not key:
        return None
    async with pool.connection() as conn:
        cur = await conn.execute(
            f"""SELECT account_id, creator_id, platform, name, handle, followers FROM creator_accounts
                WHERE (name_key = %(k)s OR account_id = 'instagram:' || %(h)s)
                {"AND platform = %(p)s" if platform else ""}
                ORDER BY followers DESC NULLS LAST LIMIT 1""",
            {"k": key, "h": name.lower().lstrip("@"), "p": platform},
        )
        return await cur.fetchone()


async def accounts_by_niche(pool: AsyncConnectionPool, filters: CreatorFilters,
                            niches: Sequence[str] | None = None) -> dict[str, int]:
    """Accounts passing ``filters`` per niche they carry (primary or secondary): {niche: count}; only ``niches`` when
    given (then the niches' GIN index finds the accounts, instead of a pass over every account the filters pass)."""
    where, params = filters.sql()
    if niches is not None:
        where += " AND a.niches && %(only)s::text[]"
        params = {**params, "only": list(niches)}
    async with pool.connection() as conn:
        cur = await conn.execute(
            f"""SELECT n AS niche, count(*) AS c FROM creator_accounts a, unnest(a.niches) n WHERE {where}
                {"AND n = ANY(%(only)s)" if niches is not None else ""} GROUP BY n""",
            params,
        )
        return {r["niche"]: int(r["c"]) for r in await cur.fetchall()}


NICHE_COUNT_CAP = 1_000
"""Accounts counted per niche at most by ``capped_niche_counts`` (read as "1,000 or more")."""


async def capped_niche_counts(pool: AsyncConnectionPool, filters: CreatorFilters, niches: Sequence[str],
                              cap: int = NICHE_COUNT_CAP) -> dict[str, int]:
    """Accounts passing ``filters`` that carry each of ``niches`` (primary or secondary), each count stopped at
    ``cap``: {niche: count} for the niches with any. Bounded work per niche at a million accounts, where counting
    every niche's accounts (``accounts_by_niche``) takes a pass over all the accounts the filters pass."""
    where, params = filters.sql()
    async with pool.connection() as conn:
        cur = await conn.execute(
            f"""SELECT n.niche, (SELECT count(*) FROM (SELECT 1 FROM creator_accounts a
                                                      WHERE a.niches @> ARRAY[n.niche] AND {where} LIMIT %(cap)s) s) AS c
                FROM unnest(%(niches)s::text[]) n(niche)""",
            {**params, "cap": int(cap), "niches": list(niches)},
        )
        return {r["niche"]: int(r["c"]) for r in await cur.fetchall() if r["c"]}


async def words_in_no_account(pool: AsyncConnectionPool, words: Sequence[str]) -> list[str]:
    """The words (in order) whose English stem no account's name, handle, niches, bio or titles contain (GIN index
    look-ups); stop words, which have no stem, never count."""
    return await words_in_no_row(pool, words, "creator_accounts", "tsv")
