"""Outlier retrieval: real videos whose titles match a topic by meaning and words, filtered, each saying why it
matched; and the resolution of the channel names and niches a creator types.

Hybrid retrieval over the title corpus (``memory.corpus.search.hybrid_search``: pgvector similarity and BM25 full-text
search fused by reciprocal rank fusion), filtered by channel, niche, format, dates, minimum multiplier and views,
under a similarity floor. Multipliers are views / the channel's rolling median of nearby same-format uploads
(``memory.outliers``). Storage is read through ``memory.corpus`` with the pool passed in.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import asdict, dataclass, field, replace
from datetime import date

from psycopg_pool import AsyncConnectionPool

from agent.embeddings import MINILM, MINILM_STATIC, get_title_embedder
from memory.corpus.channels import channel_names, channels_named
from memory.corpus.search import (
    RRF_K,
    OutlierFilters,
    hybrid_search,
    outlier_counts_by_niche,
    words_in_no_title,
)
from memory.niches import CHANNEL_NICHES as NICHES
from memory.niches import is_generic, niche_texts, niches_named, only_niche_words, words_naming
from memory.outliers import OUTLIER_FROM, multiplier_note, tier_label
from tools import extract
from tools.base import trace
from tools.outliers.patterns import title_patterns

DEFAULT_MIN_MULTIPLIER = OUTLIER_FROM
"""An upload is an outlier from twice its channel's rolling median on (the common '2x' cut of creator tools)."""

SIMILARITY_FLOOR: dict[str, float] = {MINILM: 0.36, MINILM_STATIC: 0.52}
"""Cosine similarity under which a title is not returned as a match, per title embedding model. Chosen by
``evals.retrieval.fit_similarity_floor`` on the dev split of the labelled queries (never the test split): the
floor that maximises F1 of "relevant" among the top 20 titles per query by similarity. Models without an entry
get no floor."""

IN_NICHE_FLOOR: dict[str, float] = {MINILM: 0.20, MINILM_STATIC: 0.29}
"""The similarity floor inside the niche a topic names (its channels agree with the topic, so less of the title's
meaning is needed). MiniLM's is chosen on the dev split only by ``evals.retrieval.tune_in_niche_floor`` (``python -m
evals.retrieval --split tune``: the grid floor with the best dev nDCG@10 of the tool, 0.718 at 0.20); the static
tier's is not fitted: MiniLM's scaled by the ratio of the two models' fitted general floors (0.52 / 0.36)."""

TOPIC_FLOOR: dict[str, float] = {MINILM: 0.43, MINILM_STATIC: 0.52}
"""A topic search over the whole corpus (no channel or niche given) whose topic names no niche answers "no good match"
when its closest title is under this cosine similarity: nothing in the corpus is about it, and what is nearest only
shares a word or a mood ("golf swing tips": a golf ball filmed in slow motion). Per title model, chosen on the dev
split only by ``evals.retrieval.fit_topic_floor`` (``python -m evals.retrieval --split topic-floor``)."""


@dataclass
class OutlierHit:
    """One retrieved video. similarity: cosine similarity of title embeddings (-1..1); multiplier: views / the
    channel's rolling median (None for titles without a channel baseline, e.g. trending snapshots)."""

    title: str
    channel: str
    views: int | None
    multiplier: float | None
    similarity: float
    published: str | None
    format: str
    video_id: str
    tier: str = ""
    niche: str | None = None
    why: str = ""
    patterns: list[str] = field(default_factory=list)
    note: str = ""
    source: str = ""


def format_label(is_short: bool | None) -> str:
    """A video's format in words: "Short", "long-form", or "format unknown" (``is_short`` None)."""
    return "format unknown" if is_short is None else "Short" if is_short else "long-form"


def _why(row: dict) -> str:
    parts = [f"a {row['niche']} channel, the niche your topic names"] if row.get("topic_match") else []
    if row.get("vector_rank"):
        parts.append(f"meaning {row['similarity']:.2f} (#{row['vector_rank']})")
    if row.get("keyword_rank"):
        words = ", ".join(row.get("matched_words") or []) or "words"
        parts.append(f"words: {words} (#{row['keyword_rank']})")
    return " + ".join(parts) or f"meaning {row['similarity'] or 0.0:.2f}"


def _hit(row: dict) -> OutlierHit:
    mult = row["outlier_multiplier"]
    note = multiplier_note(
        row["has_full_history"], None, mult, row["age_days"], row["age_baseline_n"], row["age_multiplier"]
    )
    published = row["published_at"].date().isoformat() if row["published_at"] else None
    return OutlierHit(
        title=row["title"], channel=row["channel"], views=row["views"],
        multiplier=round(mult, 2) if mult is not None else None,
        similarity=round(float(row["similarity"] or 0.0), 3), published=published, format=format_label(row["is_short"]),
        video_id=row["video_id"], tier=tier_label(mult), niche=row["niche"], why=_why(row),
        patterns=title_patterns(row["title"]), note=note, source=row["source"],
    )


async def channels_for(pool: AsyncConnectionPool, names: list[str] | None) -> list[str]:
    """Corpus channel names for the names a creator typed (see ``resolve_channels``); exact names are looked up
    directly, so the whole channel list is read only for a name that needs fuzzy matching."""
    if not names:
        return []
    exact = await channels_named(pool, names)
    if all(n.strip().lower() in exact for n in names):
        return list(dict.fromkeys(exact[n.strip().lower()] for n in names))
    return resolve_channels(names, await channel_names(pool))


KNOWN_SHOWN = 30
"""Channel names listed when a name is not found."""


def resolve_channels(names: list[str] | None, known: list[str]) -> list[str]:
    """Corpus channel names for the names a creator typed: the exact name (any case), else fuzzy matches;
    ValueError listing the known channels."""
    resolved: list[str] = []
    for name in names or []:
        exact = [n for n in known if n.lower() == name.strip().lower()]
        match = exact or extract.match_channels(name, known, cutoff=80)
        if not match:
            shown = ", ".join(known[:KNOWN_SHOWN]) + (f" ... ({len(known)} in all)" if len(known) > KNOWN_SHOWN else "")
            raise ValueError(f"No channel named {name!r} with a full upload history in the corpus. Known channels: {shown}.")
        resolved.extend(m for m in match if m not in resolved)
    return resolved


def resolve_niche(text: str) -> str:
    """The niche (a key of ``memory.niches.CHANNEL_NICHES``) a creator's words name, through the niche vocabulary
    (``memory.niches.niches_named``): 'science' -> 'science & engineering', 'budgeting' -> 'personal finance'.
    Raises ValueError listing the niches when none matches."""
    low = text.lower().strip()
    if low in NICHES:
        return low
    named = niches_named(low, "channel")
    if not named:
        raise ValueError(f"No niche matches {text!r}. Niches: {', '.join(NICHES)}.")
    return named[0].niche


@dataclass
class OutlierSearch:
    """A topic search's answer: ``hits`` best first; ``topic_niches``: the niches the topic itself names (through the
    niche vocabulary; empty when a niche or channels were given, or the topic names none); ``closest``: when nothing
    passed, the niches that do have outliers under the same filters, nearest in meaning to the request first, each
    with its count of outliers (at most ``CLOSEST_SHOWN``); ``absent_words``: the topic's words that say what it is
    about, when no title of the corpus contains any of them (then nothing is a good match)."""

    hits: list[OutlierHit]
    topic_niches: tuple[str, ...] = ()
    closest: list[tuple[str, int]] = field(default_factory=list)
    absent_words: list[str] = field(default_factory=list)


CLOSEST_SHOWN = 3
"""Niches offered when nothing matches."""


def _content_words(query: str) -> list[str]:
    """The words of a request that say what it is about: not generic, at least three letters."""
    return [w for w in dict.fromkeys(re.findall(r"[a-z0-9']+", query.lower())) if len(w) > 2 and not is_generic(w)]


def _word_evidence(row: dict, query: str, topic: tuple[str, ...], niche_has_hits: bool,
                   idf: dict[str, float] | None) -> bool:
    """Whether the words a title shares with the request carry more than half of the request's weight (BM25 IDF,
    ``idf``: word -> weight, 1 each when missing) among its words that say what it is about (not generic:
    "beginners", "tips"). So "Opening a Condom in a Wind Tunnel" does not match "chess openings" ("chess", in no
    title, weighs most). When the topic's own niche has matches, that niche's words do not count outside it (a
    "budget camera" title shares "budget" with "budgeting for beginners", in another sense, and "This Unstoppable
    Robot Could Save Your Life" shares "saving" with "saving money", whose phrase names the niche)."""
    content = _content_words(query)
    weight = {w: (idf or {}).get(w, 1.0) for w in content}
    own = words_naming(query, "channel", topic) if niche_has_hits else set()
    shared = [w for w in row.get("matched_words") or [] if w in weight and w not in own]
    return bool(shared) and sum(weight[w] for w in shared) > sum(weight.values()) / 2


def _evidence(row: dict, query: str, topic: tuple[str, ...], niche_has_hits: bool, floor: float | None,
              idf: dict[str, float] | None = None) -> bool:
    """Whether a hit outside the topic's niches matched for a reason a creator would accept: its title is close in
    meaning (at or above the floor), or its words match (``_word_evidence``)."""
    if row.get("vector_rank") and (floor is None or (row["similarity"] or 0.0) >= floor):
        return True
    return _word_evidence(row, query, topic, niche_has_hits, idf)


def _ranked(query: str, base: list[dict], in_niche: list[dict], topic: tuple[str, ...],
            floor: float | None, idf: dict[str, float] | None = None) -> list[dict]:
    """Hits of the plain search and of the topic's niche fused by reciprocal rank fusion (a title of the niche found
    by both counts twice, so niche agreement leads); hits outside the niche only with ``_evidence``, and their word
    match counts in the fused score only when it is evidence (``_word_evidence``), so a "budget camera" title does
    not rise on the word "budget"."""
    out: dict[str, dict] = {}
    for r in base:
        if r["niche"] in topic:
            out[r["video_id"]] = {**r, "topic_match": True}
        elif _evidence(r, query, topic, bool(in_niche), floor, idf):
            rrf = 1 / (RRF_K + r["vector_rank"]) if r.get("vector_rank") else 0.0
            if r.get("keyword_rank") and _word_evidence(r, query, topic, bool(in_niche), idf):
                rrf += 1 / (RRF_K + r["keyword_rank"])
            out[r["video_id"]] = {**r, "rrf": rrf, "topic_match": False}
    for rank, r in enumerate(in_niche, 1):
        entry = out.setdefault(r["video_id"], {**r, "rrf": 0.0, "topic_match": True})
        entry["rrf"] += 1 / (RRF_K + rank)
    return sorted(out.values(), key=lambda r: (-r["rrf"], not r["topic_match"], r["video_id"]))


async def _closest_niches(pool: AsyncConnectionPool, vector, filters: OutlierFilters) -> list[tuple[str, int]]:
    """The niches with outliers under ``filters`` (its niches aside), nearest first to the request's vector by the
    cosine of the niche's text (``memory.niches.niche_texts``) in the title model's space; at most CLOSEST_SHOWN.
    Counted a few niches at a time, nearest first, until CLOSEST_SHOWN have outliers (each count is index work at a
    million titles: 76 ms for all 18 niches under a date, format and views filter, ``EXPLAIN ANALYZE``)."""
    embedder = get_title_embedder()
    vectors = _niche_vectors(embedder)
    order = sorted(NICHES, key=lambda n: -float(vectors[n] @ vector))
    counts: dict[str, int] = {}
    for start in range(0, len(order), CLOSEST_SHOWN + 1):
        counts.update(await outlier_counts_by_niche(pool, embedder.name, replace(filters, niches=()),
                                                    niches=order[start : start + CLOSEST_SHOWN + 1]))
        if len(counts) >= CLOSEST_SHOWN:
            break
    return [(n, counts[n]) for n in order if counts.get(n)][:CLOSEST_SHOWN]


_niche_vector_cache: dict[str, dict] = {}


def _niche_vectors(embedder) -> dict:
    """Each corpus niche's text embedded with ``embedder`` (once per model)."""
    if embedder.name not in _niche_vector_cache:
        vecs = embedder.embed(niche_texts(NICHES))
        _niche_vector_cache[embedder.name] = dict(zip(NICHES, vecs, strict=True))
    return _niche_vector_cache[embedder.name]


async def search_outliers(
    pool: AsyncConnectionPool,
    query: str,
    channels: list[str] | None = None,
    min_multiplier: float | None = DEFAULT_MIN_MULTIPLIER,
    video_format: str = "any",
    published_after: date | None = None,
    published_before: date | None = None,
    limit: int = 10,
    niche: str | None = None,
    min_views: int | None = None,
) -> OutlierSearch:
    """Videos whose titles match ``query`` by meaning and words (hybrid search), filtered; best first.

    When the topic names a niche (``memory.niches.niches_named``: 'budgeting' -> personal finance), says nothing
    else (``memory.niches.only_niche_words``) and no niche or channel is given, that niche's outliers are searched on
    their own too (under ``IN_NICHE_FLOOR``) and fused in
    (``_ranked``), and a video of another niche is shown only with evidence (``_evidence``), its title at least as
    close as ``TOPIC_FLOOR``. A topic that names no niche, searched over the whole corpus, gets no hit when its
    nearest title is under ``TOPIC_FLOOR``. When no title contains any of the topic's words
    (``memory.corpus.search.words_in_no_title``; niche words aside), the corpus has nothing about it: no hit. With no hit at all, ``closest`` names the niches that do have
    outliers. Channel names and the niche are matched fuzzily; an unknown one raises ValueError listing
    the known ones. ``min_multiplier=None`` also returns titles without a channel baseline (trending snapshots).
    """
    resolved = await channels_for(pool, channels)
    niches = (resolve_niche(niche),) if niche else ()
    topic = () if niches or resolved else tuple(m.niche for m in niches_named(query, "channel"))
    embedder = get_title_embedder()
    vector = embedder.embed_one(query) if embedder.cheap else await asyncio.to_thread(embedder.embed_one, query)
    filters = OutlierFilters(
        tuple(resolved), min_multiplier, video_format, published_after, published_before, niches, min_views
    )
    floor = SIMILARITY_FLOOR.get(embedder.name)
    specific = [w for w in _content_words(query) if not niches_named(w, "channel")]
    depth = max(3 * limit, 30)
    # the word check and the searches run side by side, each on its own pool connection (the searches' work is
    # wasted only when no title has any of the topic's words)
    searches = [hybrid_search(pool, embedder.name, query, vector, filters, limit=depth, similarity_floor=floor)]
    if topic and only_niche_words(query, "channel"):  # the request is about the niche itself
        searches.append(hybrid_search(pool, embedder.name, query, vector, replace(filters, niches=topic),
                                      limit=depth, similarity_floor=IN_NICHE_FLOOR.get(embedder.name)))
    absent, result, *in_result = await asyncio.gather(words_in_no_title(pool, specific), *searches)
    if specific and len(absent) == len(specific):  # no title has any word the topic is about
        trace("rag.retrieval", query=query, absent_words=absent, hits=0)
        return OutlierSearch([], topic, await _closest_niches(pool, vector, filters), absent)
    in_niche: list[dict] = in_result[0].hits if in_result else []
    nearest = max((h["similarity"] or 0.0 for h in result.hits), default=0.0)
    topic_floor = TOPIC_FLOOR.get(embedder.name)
    if not (niches or resolved or topic) and topic_floor is not None and nearest < topic_floor:
        trace("rag.retrieval", query=query, nearest_similarity=round(nearest, 3), topic_floor=topic_floor, hits=0)
        return OutlierSearch([], topic, await _closest_niches(pool, vector, filters))
    # beside the named niche's own outliers, a title of another niche must be about the topic, not near it in mood
    # ("CHEAP LIGHTING SETUP on a Budget!" for "budgeting for beginners"): the topic floor
    outside = max(floor, topic_floor or floor) if in_niche and floor is not None else floor
    rows = _ranked(query, result.hits, in_niche, topic, outside, result.idf)[:limit]
    closest = await _closest_niches(pool, vector, filters) if not rows else []
    trace(
        "rag.retrieval",
        source=f"hybrid: pgvector over {embedder.name} title vectors + BM25 full text, reciprocal rank fusion",
        query=query,
        filters={k: str(v) for k, v in asdict(filters).items() if v not in (None, (), "any")},
        topic_niches=list(topic),
        plan=asdict(result.plan) if result.plan else None,
        similarity_floor=floor,
        hits=len(rows),
    )
    return OutlierSearch([_hit(r) for r in rows], topic, closest)
