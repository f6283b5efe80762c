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
from dataclasses import asdict, dataclass, field
from datetime import date

from psycopg_pool import AsyncConnectionPool

from agent.embeddings import MINILM, MINILM_STATIC, get_title_embedder
from memory.corpus.channels import channel_names, channels_named
from memory.corpus.search import OutlierFilters, hybrid_search
from memory.niches import CHANNEL_NICHES as NICHES
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
    parts = []
    if row.get("vector_rank"):
        parts.append(f"meaning {row['similarity']:.2f} (#{row['vector_rank']})")
    if row.get("keyword_rank"):
        words = ", ".join(row.get("matched_words") or []) or "words"
        parts.append(f"words: {words} (#{row['keyword_rank']})")
    return " + ".join(parts) or f"meaning {row['similarity']:.2f}"


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


_NICHE_WORDS: dict[str, str] = {
    **{w: n for n in NICHES for w in re.findall(r"[a-z]+", n) if len(w) > 3},
    "money": "personal finance", "budgeting": "personal finance", "investing": "personal finance",
    "makeup": "beauty & makeup", "photo": "photography & filmmaking", "camera": "photography & filmmaking",
    "tech": "tech & gadgets", "vlog": "travel & vlogs", "vloggers": "travel & vlogs", "minimalism":
    "self-improvement & lifestyle", "productivity": "self-improvement & lifestyle", "challenge":
    "entertainment & challenges", "physics": "science & engineering", "education": "science & engineering",
    "cooking": "food & cooking", "comedy": "comedy & talk shows", "movies": "film & tv", "games": "gaming",
}


def resolve_niche(text: str) -> str:
    """The niche (a key of ``memory.niches.CHANNEL_NICHES``) a creator's words name: 'science' -> 'science & engineering'.
    Raises ValueError listing the niches when none matches."""
    low = text.lower().strip()
    if low in NICHES:
        return low
    for word in re.findall(r"[a-z][a-z-]+", low):
        for candidate in (word, word.rstrip("s")):
            if candidate in _NICHE_WORDS:
                return _NICHE_WORDS[candidate]
    raise ValueError(f"No niche matches {text!r}. Niches: {', '.join(NICHES)}.")


async def find_outliers(
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
) -> list[OutlierHit]:
    """Videos whose titles match ``query`` by meaning and words (hybrid search), filtered; best first.

    Channel names and the niche are matched fuzzily; an unknown one raises ValueError listing the known ones.
    ``min_multiplier=None`` also returns titles without a channel baseline (trending snapshots).
    """
    resolved = await channels_for(pool, channels)
    niches = (resolve_niche(niche),) if niche else ()
    embedder = get_title_embedder()
    vector = embedder.embed_one(query) if embedder.cheap else await asyncio.to_thread(embedder.embed_one, query)
    filters = OutlierFilters(
        tuple(resolved), min_multiplier, video_format, published_after, published_before, niches, min_views
    )
    floor = SIMILARITY_FLOOR.get(embedder.name)
    result = await hybrid_search(pool, embedder.name, query, vector, filters, limit=limit, similarity_floor=floor)
    trace(
        "rag.retrieval",
        source=f"hybrid: pgvector over {embedder.name} title vectors + BM25 full text, reciprocal rank fusion",
        query=query,
        filters={k: str(v) for k, v in asdict(filters).items() if v not in (None, (), "any")},
        plan=asdict(result.plan) if result.plan else None,
        similarity_floor=floor,
        hits=len(result.hits),
    )
    return [_hit(r) for r in result.hits]

