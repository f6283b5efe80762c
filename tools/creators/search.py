"""Creator search: hard filters, keyword and semantic candidates, fusion, and why each creator matched (storage and
queries in ``memory.creators``; the tool is ``tools.creators.tool``).

Hard filters (platform, niche, followers, country, engagement), keyword candidates (Postgres full-text over names,
handles, niches, bios and content titles) and semantic candidates (pgvector over bio and content vectors), fused by
a convex combination of min-max normalised scores plus quality signals (within-platform percentiles of engagement
and activity), weights in settings (``CORTEX_CREATOR_W_*``, ``FusionWeights.from_settings``). Convex combination
rather than reciprocal-rank fusion: Bruch, Gai & Ingber 2023 ("An Analysis of Fusion Functions for Hybrid
Retrieval", ACM TOIS) find it at least as good once tuned, and its scores explain themselves. Each result says why
it matched.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

import numpy as np
from psycopg_pool import AsyncConnectionPool

from agent.embeddings import MINILM, MINILM_STATIC, Embedder
from agent.settings import Settings
from memory.creators.identity import creator_links_of
from memory.creators.search import (
    MATCHES_RANKED,
    CreatorFilters,
    accounts_by_niche,
    candidate_details,
    capped_niche_counts,
    find_account_by_name,
    keyword_candidates,
    semantic_candidates,
    words_in_no_account,
)
from memory.creators.vectors import account_vectors, creator_vector_table
from memory.niches import CREATOR_NICHES, is_generic, niche_texts, niches_named
from tools.creators.audience import audience, short_count

Mode = Literal["hybrid", "keyword", "semantic"]
"""How candidates are ranked: fused (hybrid), keyword rank only, or semantic similarity only."""
CANDIDATES = 100
"""Candidates taken from each retriever before fusion."""


@dataclass(frozen=True)
class FusionWeights:
    """Weights of the fused score: keyword, semantic, engagement percentile, activity percentile."""

    keyword: float
    semantic: float
    engagement: float
    activity: float

    @classmethod
    def from_settings(cls, settings: Settings) -> FusionWeights:
        """The weights of ``CORTEX_CREATOR_W_KEYWORD`` / ``_SEMANTIC`` / ``_ENGAGEMENT`` / ``_ACTIVITY``."""
        return cls(settings.creator_w_keyword, settings.creator_w_semantic, settings.creator_w_engagement,
                   settings.creator_w_activity)


@dataclass
class CreatorQuery:
    """A search: free text, filters, and an example creator ('like Veritasium')."""

    text: str = ""
    filters: CreatorFilters = field(default_factory=CreatorFilters)
    similar_to: str | None = None
    smaller_than_example: bool = False
    larger_than_example: bool = False


@dataclass
class CreatorHit:
    """One ranked creator with the account that matched and why; ``matched``: the request's words its text contains,
    ``profile_matched``: those of them that say what it is about (``memory.creators.search.candidate_details``)."""

    creator_id: str
    name: str
    platform: str
    handle: str | None
    followers: int | None
    country: str | None
    niche: str | None
    secondary_niches: list[str]
    summary: str | None
    score: float
    reasons: list[str]
    also_on: list[str]
    account_id: str
    components: dict[str, float]
    matched: list[str] = field(default_factory=list)
    profile_matched: list[str] = field(default_factory=list)


@dataclass
class SearchResult:
    """Hits best first, the filters applied (example creator resolved) and the retrieval plan used; the niches the
    request's words name (``topic_niches``); and, when nothing matched, ``absent_words``: the request's words
    that say what it is about, when no account contains any of them (then nothing is a good match), ``closest``: the niches
    that do have accounts under the same filters, nearest to the request first, with their counts, and ``elsewhere``: the named niche's
    accounts with one filter relaxed ({'without the platform filter': n, 'at any audience size': n})."""

    hits: list[CreatorHit]
    filters: dict[str, Any]
    example: dict | None
    plan: dict[str, Any]
    topic_niches: tuple[str, ...] = ()
    closest: list[tuple[str, int]] = field(default_factory=list)
    elsewhere: dict[str, int] = field(default_factory=dict)
    absent_words: list[str] = field(default_factory=list)


SEMANTIC_FLOOR: dict[str, float] = {MINILM: 0.42, MINILM_STATIC: 0.37}
"""Cosine similarity (request vs bio or content vector) under which semantic closeness alone does not make a creator a
match, per embedding model. Chosen on the dev split of ``evals/creator_queries.jsonl`` only
(``python -m evals.creators floor``, with ``CORTEX_CREATOR_EMBEDDING_MODEL`` set to the model: the floor maximising F1
of relevance among each dev query's top 20 semantic candidates, every candidate of an absent-niche query irrelevant,
``evals.retrieval.fit_similarity_floor``; MiniLM's was 0.32 before the dev split had absent niches beyond three).
Models without an entry get no floor."""
CLOSEST_SHOWN = 3
"""Niches offered when nothing matches."""
SECONDARY_AGREEMENT = 0.5
"""A secondary niche's agreement with the named niche (a primary niche counts 1); added to the fused score (0..1), so
an account of the named niche ranks above any account outside it."""


def content_words(text: str) -> list[str]:
    """The words of a request that say what it is about: not generic (``memory.niches.GENERIC_WORDS``), three
    letters or more."""
    return [w for w in dict.fromkeys(re.findall(r"[a-z0-9']+", text.lower())) if len(w) > 2 and not is_generic(w)]


def relevant(hit: CreatorHit, topic: tuple[str, ...], text: str, floor: float | None) -> bool:
    """Whether a hit is a match a creator would accept: its niche is the one the request names, or its semantic
    similarity is at or above ``floor``, or more than half of the request's content words (``content_words``;
    'personal' alone does not make a pets account a personal finance match) say what the account is about: they are
    in its name, handle, niches or category, or recur in its bio and titles (``CreatorHit.profile_matched``)."""
    if topic and hit.components.get("agreement", 0.0) > 0:
        return True
    if hit.components.get("cosine") is not None and (floor is None or hit.components["cosine"] >= floor):
        return True
    content = content_words(text)
    shared = [w for w in hit.profile_matched if w.lower() in content]
    return bool(content) and len(shared) > len(content) / 2


async def search(pool: AsyncConnectionPool, query: CreatorQuery, embedder: Embedder, weights: FusionWeights,
                 limit: int = 10, mode: Mode = "hybrid") -> SearchResult:
    """Ranked creators for a query (module docstring): the query text embedded with ``embedder`` (the model of the
    stored account vectors), hybrid scores fused with ``weights``, at most ``limit`` hits. Raises ValueError naming
    what to fix when the example creator is unknown or a filter is invalid (an unknown platform or niche, min > max)."""
    f = query.filters
    if f.niche and f.niche not in CREATOR_NICHES:
        raise ValueError(f"Unknown niche {f.niche!r}. Niches: {', '.join(CREATOR_NICHES)}.")
    topic = () if f.niche else tuple(m.niche for m in niches_named(query.text, "creator"))
    specific = [w for w in content_words(query.text) if not niches_named(w, "creator")]
    absent = await words_in_no_account(pool, specific) if mode == "hybrid" else []
    if specific and len(absent) == len(specific):  # no account mentions anything the request is about
        request = await asyncio.to_thread(embedder.embed_one, query.text)
        closest, _ = await _alternatives(pool, f, (), request, embedder)
        return SearchResult([], {k: v for k, v in asdict(f).items() if v not in (None, ())}, None,
                            {"absent_words": absent}, topic, closest, {}, absent)
    example = None
    table = await creator_vector_table(pool, embedder.name)
    example_vecs: list[np.ndarray] = []
    if query.similar_to:
        example = await find_account_by_name(pool, query.similar_to)
        if example is None:
            raise ValueError(f"No creator named {query.similar_to!r} in the data; give a channel name or Instagram handle.")
        f = CreatorFilters(**{**asdict(f), "exclude_creators": (*f.exclude_creators, example["creator_id"])})
        if query.smaller_than_example and example["followers"]:
            f = CreatorFilters(**{**asdict(f), "max_followers": min(f.max_followers or example["followers"], example["followers"])})
        if query.larger_than_example and example["followers"]:
            f = CreatorFilters(**{**asdict(f), "min_followers": max(f.min_followers or 0, example["followers"] + 1)})
        if table:
            example_vecs = await account_vectors(pool, table, example["creator_id"])
    if f.min_followers is not None and f.max_followers is not None and f.min_followers >= f.max_followers:
        raise ValueError(f"The follower range is empty (at least {f.min_followers:,} and under {f.max_followers:,}).")
    # the keyword query runs in Postgres while the query is embedded (and then searched by vector) here
    keyword = (asyncio.create_task(keyword_candidates(pool, query.text, f, CANDIDATES))
               if mode != "semantic" and query.text.strip() else None)
    vector = None
    t0 = time.perf_counter()
    if table and (query.text.strip() or example_vecs) and mode != "keyword":
        parts = []
        if query.text.strip():
            parts.append(await asyncio.to_thread(embedder.embed_one, query.text))
        if example_vecs:
            ex = np.mean(example_vecs, axis=0)
            parts.append(ex / max(float(np.linalg.norm(ex)), 1e-12))
        vector = np.mean(parts, axis=0)
        vector = (vector / max(float(np.linalg.norm(vector)), 1e-12)).astype(np.float32)
    plan: dict[str, Any] = {"embed_ms": round((time.perf_counter() - t0) * 1000, 1)}
    # the named niche's accounts are candidates whatever their words, most engaged first; each retriever has its own
    # connection, so Postgres runs them side by side
    niche_tasks = [asyncio.create_task(_browse(pool, replace(f, niche=niche), CANDIDATES)) for niche in topic]
    sem_rows: list[dict] = []
    if mode != "keyword" and vector is not None:
        sem_rows, plan["semantic"] = await semantic_candidates(pool, table, vector, f, CANDIDATES)
    kw_rows: list[dict] = await keyword if keyword else []
    ids = list(dict.fromkeys([r["account_id"] for r in kw_rows] + [r["account_id"] for r in sem_rows]))
    if not ids and not query.text.strip() and vector is None:
        ids = [r["account_id"] for r in await _browse(pool, f, CANDIDATES)]
        plan["browse"] = True
    niche_rows = [r for rows in await asyncio.gather(*niche_tasks) for r in rows]
    ids = list(dict.fromkeys([*ids, *(r["account_id"] for r in niche_rows)]))
    plan.update(keyword_candidates=len(kw_rows), semantic_candidates=len(sem_rows), niche_candidates=len(niche_rows),
                topic_niches=list(topic))
    details = await candidate_details(pool, table, ids, query.text, vector) if ids else []
    hits = _fuse(details, mode, weights, query, example, topic)
    if query.text.strip() and mode == "hybrid":
        floor = SEMANTIC_FLOOR.get(embedder.name)
        hits = [h for h in hits if relevant(h, topic, query.text, floor)]
    hits = await _with_links(pool, hits[:limit])
    shown = {k: v for k, v in asdict(f).items() if v not in (None, ())}
    closest, elsewhere = ([], {}) if hits or not query.text.strip() else await _alternatives(pool, f, topic, vector, embedder)
    return SearchResult(hits=hits, filters=shown, example=example, plan=plan, topic_niches=topic, closest=closest,
                        elsewhere=elsewhere)


_niche_vector_cache: dict[str, dict[str, np.ndarray]] = {}


def _niche_vectors(embedder: Embedder) -> dict[str, np.ndarray]:
    """Each creator niche's text (``memory.niches.niche_texts``) embedded with ``embedder``, once per model."""
    if embedder.name not in _niche_vector_cache:
        vecs = embedder.embed(niche_texts(CREATOR_NICHES))
        _niche_vector_cache[embedder.name] = dict(zip(CREATOR_NICHES, vecs, strict=True))
    return _niche_vector_cache[embedder.name]


async def _alternatives(pool: AsyncConnectionPool, f: CreatorFilters, topic: tuple[str, ...], vector: np.ndarray | None,
                        embedder: Embedder) -> tuple[list[tuple[str, int]], dict[str, int]]:
    """What to offer when nothing matched (``SearchResult.closest`` and ``elsewhere``): niches with accounts under the
    same filters, nearest to the named niche (else to the request's vector, else the largest) first; and the named
    niche's accounts with the platform, then the audience filter dropped."""
    vectors = _niche_vectors(embedder)
    ref = np.mean([vectors[n] for n in topic], axis=0) if topic else vector
    if ref is None:  # the largest niches: every niche counted
        counts = await accounts_by_niche(pool, replace(f, niche=None))
        names = sorted((n for n in CREATOR_NICHES if counts.get(n) and n not in topic), key=lambda n: -counts[n])
    else:  # the nearest niches with accounts: capped counts, a few niches at a time, nearest first
        order = sorted((n for n in CREATOR_NICHES if n not in topic), key=lambda n: -float(vectors[n] @ ref))
        counts, names = {}, []
        for start in range(0, len(order), CLOSEST_SHOWN + 1):
            batch = order[start : start + CLOSEST_SHOWN + 1]
            counts.update(await capped_niche_counts(pool, replace(f, niche=None), batch))
            names = [n for n in order if counts.get(n)]
            if len(names) >= CLOSEST_SHOWN:
                break
    elsewhere: dict[str, int] = {}
    relaxed = {"on any platform": replace(f, niche=None, platform=None) if f.platform else None,
               "at any audience size": replace(f, niche=None, min_followers=None, max_followers=None)
               if f.min_followers is not None or f.max_followers is not None else None}
    for where, wider in relaxed.items():
        if topic and wider is not None:
            wider_counts = await accounts_by_niche(pool, wider, topic)
            elsewhere[where] = sum(wider_counts.get(n, 0) for n in topic)
    return [(n, counts[n]) for n in names[:CLOSEST_SHOWN]], elsewhere




async def _browse(pool: AsyncConnectionPool, f: CreatorFilters, limit: int) -> list[dict]:
    """Filters only (no words, no example): the most engaged, then most followed accounts that pass. With a niche, the
    niche's index finds the accounts (the audience range is checked row by row) and at most
    ``memory.creators.search.MATCHES_RANKED`` of them are ordered."""
    where, params = f.sql(range_index=f.niche is None)
    scan = f"LIMIT {int(MATCHES_RANKED)}" if f.niche else ""
    async with pool.connection() as conn:
        cur = await conn.execute(
            f"""SELECT account_id FROM (SELECT account_id, engagement_pct, followers FROM creator_accounts a
                                        WHERE {where} {scan}) a
                ORDER BY engagement_pct DESC NULLS LAST, followers DESC NULLS LAST LIMIT {int(limit)}""",
            params,
        )
        return await cur.fetchall()


def _norm(values: dict[str, float]) -> dict[str, float]:
    """Min-max normalisation to [0, 1] (all equal -> 1)."""
    if not values:
        return {}
    lo, hi = min(values.values()), max(values.values())
    return {k: (v - lo) / (hi - lo) if hi > lo else 1.0 for k, v in values.items()}


def _fuse(details: Sequence[dict], mode: Mode, w: FusionWeights, query: CreatorQuery, example: dict | None,
          topic: tuple[str, ...] = ()) -> list[CreatorHit]:
    """Candidates scored (module docstring) and deduplicated per creator, best first. In hybrid mode, an account
    whose primary niche is one the request names gains 1 and a secondary one ``SECONDARY_AGREEMENT``: niche agreement
    leads, engagement and activity re-rank within it."""
    kw = {d["account_id"]: float(d["kw"]) for d in details if d["kw"] and float(d["kw"]) > 0}
    sem = {d["account_id"]: max(x for x in (d["sem_bio"], d["sem_content"]) if x is not None)
           for d in details if d["sem_bio"] is not None or d["sem_content"] is not None}
    kw_max = max(kw.values(), default=0.0)
    kw_n = {k: v / kw_max for k, v in kw.items()} if kw_max else {}
    sem_n = _norm(sem)
    best: dict[str, CreatorHit] = {}
    for d in details:
        a = d["account_id"]
        eng = d["engagement_pct"] if d["engagement_pct"] is not None else 0.5
        act = d["activity_pct"] if d["activity_pct"] is not None else 0.5
        agreement = 1.0 if d["primary_niche"] in topic else (
            SECONDARY_AGREEMENT if set(d["secondary_niches"] or ()) & set(topic) else 0.0)
        comp = {"keyword": round(kw_n.get(a, 0.0), 4), "semantic": round(sem_n.get(a, 0.0), 4),
                "engagement": round(eng, 4), "activity": round(act, 4), "agreement": agreement}
        if a in sem:
            comp["cosine"] = round(sem[a], 4)
        if mode == "keyword":
            score = kw.get(a, 0.0)
        elif mode == "semantic":
            score = sem.get(a, -1.0)
        else:
            score = (w.keyword * comp["keyword"] + w.semantic * comp["semantic"] + w.engagement * eng + w.activity * act
                     + agreement)
        if (mode == "keyword" and a not in kw) or (mode == "semantic" and a not in sem):
            continue
        cid = d["creator_id"] or a
        if cid in best and best[cid].score >= score:
            continue
        best[cid] = CreatorHit(
            creator_id=cid, name=d["creator_name"] or d["name"], platform=d["platform"], handle=d["handle"],
            followers=d["followers"], country=d["country"], niche=d["primary_niche"],
            secondary_niches=list(d["secondary_niches"] or []), summary=d["summary"], score=round(score, 4),
            reasons=_reasons(d, query, example, kw.get(a), sem, comp, topic), also_on=[], account_id=a, components=comp,
            matched=list(d["matched"] or []), profile_matched=list(d["profile_matched"] or []),
        )
    return sorted(best.values(), key=lambda h: (-h.score, -(h.followers or 0), h.creator_id))


def _reasons(d: dict, query: CreatorQuery, example: dict | None, kw: float | None, sem: dict[str, float],
             comp: dict[str, float], topic: tuple[str, ...] = ()) -> list[str]:
    out: list[str] = []
    asked = [n for n in [d["primary_niche"], *(d["secondary_niches"] or [])] if n and n in topic]
    if asked:
        out.append(f"a {asked[0]} creator, the niche you asked for")
    if kw:
        words = list(d["matched"] or [])
        if words:
            out.append("mentions " + ", ".join(f"“{w}”" for w in words) + " in its name, niches, bio or titles")
    if d["account_id"] in sem:
        kind = "bio is" if (d["sem_bio"] or -1) >= (d["sem_content"] or -1) else (
            "uploads are" if d["platform"] == "youtube" else "posts are")
        target = f"{example['name']}'s profile" if example and not query.text.strip() else (
            f"your request and {example['name']}'s profile" if example else "your request")
        out.append(f"its {kind} close in meaning to {target} (cosine {sem[d['account_id']]:.2f})")
    if d["primary_niche"]:
        niches = [d["primary_niche"], *(d["secondary_niches"] or [])]
        mark = " (your niche)" if query.filters.niche in niches else ""
        out.append(f"niche: {', '.join(niches)}{mark}")
    size = audience(d)
    if example and example["followers"] and d["followers"] is not None:
        rel = "smaller than" if d["followers"] < example["followers"] else "larger than"
        size += f", {rel} {example['name']} ({short_count(example['followers'])})"
    out.append(f"{'YouTube' if d['platform'] == 'youtube' else 'Instagram'}: {size}" + (f", {d['country']}" if d["country"] else ""))
    if d["engagement_rate"] is not None:
        out.append(f"engagement {d['engagement_rate']:.2%} ({d['engagement_basis']}; top {100 - 100 * comp['engagement']:.0f}% on "
                   f"{'YouTube' if d['platform'] == 'youtube' else 'Instagram'})")
    if d["activity"] is not None:
        act = (f"{d['activity']:.1f} uploads a month" if d["platform"] == "youtube" else f"{d['activity']:,.0f} posts")
        out.append(f"activity: {act} (top {100 - 100 * comp['activity']:.0f}%)")
    return out


async def _with_links(pool: AsyncConnectionPool, hits: list[CreatorHit]) -> list[CreatorHit]:
    """Fill ``also_on`` with each creator's linked accounts and the link's confidence."""
    if not hits:
        return hits
    links = await creator_links_of(pool, [h.account_id for h in hits])
    for h in hits:
        for link in links:
            if h.account_id not in (link["account_a"], link["account_b"]):
                continue
            side = "b" if link["account_a"] == h.account_id else "a"
            label = "Instagram @" + (link[f"handle_{side}"] or link[f"name_{side}"]) \
                if link[f"platform_{side}"] == "instagram" else "YouTube “" + link[f"name_{side}"] + "”"
            h.also_on.append(f"{label} (identity link confidence {link['confidence']:.2f})")
            h.reasons.append(f"also on {label}: {link['explanation'].split(': ', 1)[-1]}")
    return hits
