"""retrieve_outliers: real outlier videos about a topic (hybrid search), or what works for a channel or a niche.

- With a topic: hybrid retrieval over the title corpus (``memory.corpus.search.hybrid_search``: pgvector similarity and
  BM25 full-text search fused by reciprocal rank fusion), filtered by channel, niche, format, dates, minimum
  multiplier and views, under a similarity floor; every hit says why it matched, and the patterns the hits share
  come with their lift on the hits' channels.
- Without a topic, for channels or a niche: what works there: the title patterns that lift multipliers
  (``tools.outliers.patterns``) with real examples, and the biggest outliers.

Multipliers are views / the channel's rolling median of nearby same-format uploads (``memory.outliers``).
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Literal

from agent.embeddings import MINILM, MINILM_STATIC, get_title_embedder
from memory.corpus.channels import channel_names, channel_profiles, channel_videos, channels_named
from memory.corpus.search import OutlierFilters, hybrid_search
from memory.db import get_database
from memory.niches import CHANNEL_NICHES as NICHES
from memory.outliers import OUTLIER_FROM, TIERS, multiplier_note, tier_label
from tools import extract
from tools.base import context_of, cortex_tool, trace
from tools.outliers.patterns import PatternLift, channel_lifts, cross_channel, template, title_patterns, winning_patterns

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


def _format(is_short: bool | None) -> str:
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
        similarity=round(float(row["similarity"] or 0.0), 3), published=published, format=_format(row["is_short"]),
        video_id=row["video_id"], tier=tier_label(mult), niche=row["niche"], why=_why(row),
        patterns=title_patterns(row["title"]), note=note, source=row["source"],
    )


async def channels_for(names: list[str] | None) -> list[str]:
    """Corpus channel names for the names a creator typed (see ``resolve_channels``); exact names are looked up
    directly, so the whole channel list is read only for a name that needs fuzzy matching."""
    if not names:
        return []
    db = await get_database()
    exact = await channels_named(db.pool, names)
    if all(n.strip().lower() in exact for n in names):
        return list(dict.fromkeys(exact[n.strip().lower()] for n in names))
    return resolve_channels(names, await channel_names(db.pool))


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
    db = await get_database()
    resolved = await channels_for(channels)
    niches = (resolve_niche(niche),) if niche else ()
    embedder = get_title_embedder()
    vector = embedder.embed_one(query) if embedder.cheap else await asyncio.to_thread(embedder.embed_one, query)
    filters = OutlierFilters(
        tuple(resolved), min_multiplier, video_format, published_after, published_before, niches, min_views
    )
    floor = SIMILARITY_FLOOR.get(embedder.name)
    result = await hybrid_search(db.pool, embedder.name, query, vector, filters, limit=limit, similarity_floor=floor)
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


def _views(v: int | None) -> str:
    return f"{v:,}" if v is not None else "n/a"


def _mult(h: OutlierHit) -> str:
    if h.multiplier is None:
        return "no baseline"
    tier = f" ({h.tier})" if h.tier.endswith("+") else ""
    return f"{h.multiplier:.1f}x{tier}"


def outliers_markdown(query: str, hits: list[OutlierHit], pattern_lines: list[str] | None = None) -> str:
    """A table a creator reads: title, channel, views, multiplier, why it matched; then the shared patterns and
    notes on multipliers that need care (videos too young at the crawl)."""
    if not hits:
        return (
            f"No outliers matched **{query}** with these filters. Try a broader topic, a lower minimum "
            "multiplier, or no channel filter."
        )
    lines = [
        f"**Outliers about “{query}”** ({len(hits)} real videos, multiplier = views / the channel's rolling median "
        "of nearby same-format uploads)",
        "",
        "| # | Title | Channel | Views | Multiplier | Why it matched |",
        "|---|---|---|---:|---:|---|",
    ]
    for i, h in enumerate(hits, 1):
        year = h.published[:4] if h.published else "trending"
        lines.append(f"| {i} | {h.title} | {h.channel} ({h.format}, {year}) | {_views(h.views)} | {_mult(h)} | {h.why} |")
    if pattern_lines:
        lines += ["", *pattern_lines]
    young = [(i, h) for i, h in enumerate(hits, 1) if h.multiplier is not None and "no age-aware" in h.note]
    if young:
        lines += ["", "_Careful:_ " + "; ".join(f"#{i}: {h.note}" for i, h in young) + "."]
    return "\n".join(lines)


async def _lifts_for(channels: list[str]) -> list[PatternLift]:
    db = await get_database()
    rows = await channel_videos(db.pool, channels)
    by_channel: dict[str, list[tuple[str, float]]] = {}
    for r in rows:
        by_channel.setdefault(r["channel"], []).append((r["title"], r["outlier_multiplier"]))
    return [x for ch, vids in by_channel.items() for x in channel_lifts(ch, vids)]


async def _hit_patterns(hits: list[OutlierHit]) -> tuple[list[str], list[dict]]:
    """Lines on the patterns several hits share, with their lift on the hits' channels; and the trace data."""
    counts = Counter(p for h in hits for p in h.patterns)
    shared = [(p, n) for p, n in counts.most_common() if n >= 2][:4]
    if not shared:
        return [], []
    lifts = await _lifts_for(sorted({h.channel for h in hits if h.multiplier is not None}))
    lines, data = ["**Patterns these outliers share** (lift = median multiplier with the pattern / without, on "
                   "that channel; ✓ = significant, BH q ≤ 0.10)"], []
    for p, n in shared:
        on = [x for x in lifts if x.pattern == p]
        measured = ", ".join(f"{x.channel} {x.lift:.2f}x{' ✓' if x.works else ''}" for x in on) or "too few titles to measure"
        lines.append(f"- **{p}** ({template(p)}): {n} of {len(hits)} hits; lift: {measured}")
        data.append({"pattern": p, "hits": n, "lifts": {x.channel: round(x.lift, 3) for x in on}})
    return lines, data


async def what_works(
    channels: list[str], niche: str | None, filters: OutlierFilters, limit: int = 10
) -> tuple[str, list[dict]]:
    """What works for channels or a niche: pattern lifts (per channel; across channels for several) with real
    examples, and the biggest outliers. Returns (markdown, hit dicts). Only full-history channels are measured; the
    format, date and views filters apply, the minimum multiplier does not (lifts compare every upload)."""
    db = await get_database()
    profiles = await channel_profiles(db.pool, tuple(channels), (niche,) if niche else ())
    if not profiles:
        return (f"No channel with a full upload history in the **{niche}** niche yet." if niche else
                "No channel with a full upload history matched."), []
    names = [p["name"] for p in profiles]
    rows = [
        r for r in await channel_videos(db.pool, names)
        if (filters.video_format == "any" or r["is_short"] == (filters.video_format == "short"))
        and (filters.published_after is None or r["published_at"].date() >= filters.published_after)
        and (filters.published_before is None or r["published_at"].date() < filters.published_before)
        and (filters.min_views is None or (r["views"] or 0) >= filters.min_views)
    ]
    by_channel: dict[str, list[tuple[str, float]]] = {}
    for r in rows:
        by_channel.setdefault(r["channel"], []).append((r["title"], r["outlier_multiplier"]))
    lifts = [x for ch, vids in by_channel.items() for x in channel_lifts(ch, vids)]
    if niche:
        subject, about = f"{niche} channels", ", ".join(names)
    else:
        subject, about = ", ".join(names), ", ".join(dict.fromkeys(f"{p['niche']}" for p in profiles))
    lines = [f"**What works for {subject}** ({about}; multiplier = views / the channel's rolling median of nearby "
             "same-format uploads)", ""]
    for p in profiles:
        mults = [m for _, m in by_channel.get(p["name"], [])]
        tiers = ", ".join(f"{sum(m >= t for m in mults)} at {t:g}x+" for t in TIERS)
        lines.append(f"- {p['name']}: {len(mults)} uploads with a multiplier, {sum(m >= OUTLIER_FROM for m in mults)} "
                     f"outliers (2x+): {tiers}")
    lines.append("")
    cross = cross_channel(lifts)
    pattern_data = []
    if len(by_channel) > 1:
        wins = winning_patterns(cross)
        if wins:
            lines += ["**Patterns that win on several channels** (✓ lift > 1 at BH q ≤ 0.10)", "",
                      "| Pattern | Works on | Median lift | Lift per channel | Examples |", "|---|---|---:|---|---|"]
        else:
            lines.append("_No pattern lifts multipliers significantly on two or more of these channels; per channel:_")
        for c in wins:
            per = ", ".join(f"{x.channel} {x.lift:.2f}x{' ✓' if x.works else ''}" for x in c.per_channel)
            ex = "; ".join(f"“{t}” ({ch}, {m:.1f}x)" for t, ch, m in c.examples()[:3])
            lines.append(f"| {c.pattern} ({template(c.pattern)}) | {len(c.works_on)} | {c.median_lift:.2f}x | {per} | {ex} |")
            pattern_data.append({"pattern": c.pattern, "works_on": c.works_on, "median_lift": round(c.median_lift, 3)})
        lines.append("")
    works = [x for x in lifts if x.works]
    promising = [x for x in lifts if not x.works and x.lift >= 1.2 and x.p_value < 0.2]
    if works:
        lines += ["**Patterns that lift multipliers** (median multiplier with / without the pattern; BH q ≤ 0.10)", "",
                  "| Channel | Pattern | Lift | Titles | Median with / without | Best examples |", "|---|---|---:|---:|---|---|"]
        for x in sorted(works, key=lambda x: -x.lift)[:8]:
            ex = "; ".join(f"“{t}” ({m:.1f}x)" for t, m in x.examples[:2])
            lines.append(f"| {x.channel} | {x.pattern} ({template(x.pattern)}) | {x.lift:.2f}x | {x.n_with} | "
                         f"{x.median_with:.2f}x / {x.median_without:.2f}x | {ex} |")
            pattern_data.append({"channel": x.channel, "pattern": x.pattern, "lift": round(x.lift, 3),
                                 "q": round(x.q_value, 4), "n": x.n_with})
    else:
        lines.append("_No title pattern lifts multipliers significantly here (BH q ≤ 0.10)._")
    if promising:
        lines += ["", "Promising but not significant yet: " + "; ".join(
            f"{x.pattern} on {x.channel} ({x.lift:.2f}x, {x.n_with} titles, p = {x.p_value:.2f})"
            for x in sorted(promising, key=lambda x: -x.lift)[:4])]
    top = sorted(rows, key=lambda r: -r["outlier_multiplier"])[:limit]
    lines += ["", "**Biggest outliers**", "", "| # | Title | Channel | Views | Multiplier | Patterns |", "|---|---|---|---:|---:|---|"]
    hits = []
    for i, r in enumerate(top, 1):
        pats = title_patterns(r["title"])
        age = f", age-aware {r['age_multiplier']:.1f}x" if r["age_multiplier"] is not None else ", too young for an age-aware view"
        lines.append(f"| {i} | {r['title']} | {r['channel']} ({_format(r['is_short'])}, {r['published_at']:%Y}) | "
                     f"{_views(r['views'])} | {r['outlier_multiplier']:.1f}x ({tier_label(r['outlier_multiplier'])}{age}) | "
                     f"{', '.join(pats) or '—'} |")
        hits.append(asdict(OutlierHit(
            title=r["title"], channel=r["channel"], views=r["views"], multiplier=round(r["outlier_multiplier"], 2),
            similarity=0.0, published=r["published_at"].date().isoformat(), format=_format(r["is_short"]),
            video_id=r["video_id"], tier=tier_label(r["outlier_multiplier"]),
            niche=next(p["niche"] for p in profiles if p["name"] == r["channel"]),
            why="top multiplier of the channel" + ("s" if len(names) > 1 else ""), patterns=pats, source="",
        )))
    trace("outliers.patterns", channels=names, niche=niche, patterns=pattern_data)
    return "\n".join(lines), hits


async def retrieve_outliers(
    query: str = "",
    channels: list[str] | None = None,
    niche: str | None = None,
    min_multiplier: float | None = DEFAULT_MIN_MULTIPLIER,
    video_format: Literal["any", "short", "long"] = "any",
    published_after: date | None = None,
    published_before: date | None = None,
    min_views: int | None = None,
    limit: int = 10,
) -> tuple[str, list[dict]]:
    """Find real outlier videos (views far above their channel's usual) about a topic, or say what works for
    channels or a niche (title patterns that lift multipliers, with real examples).

    Args: query (the topic in plain words; empty with channels or a niche: what works there), channels (channel
    names), niche (e.g. "science", "personal finance"), min_multiplier (views / channel rolling median, default
    2.0; null includes titles without a baseline), video_format ("short", "long" or "any"), published_after /
    published_before (ISO dates), min_views, limit (1-50).
    """
    limit = max(1, min(limit, 50))
    try:
        query = (query or "").strip()
        if not query:
            if not channels and not niche:
                return _ASK, []
            resolved = await channels_for(channels)
            filters = OutlierFilters(tuple(resolved), min_multiplier, video_format, published_after,
                                     published_before, (), min_views)
            return await what_works(resolved, resolve_niche(niche) if niche else None, filters, limit)
        hits = await find_outliers(query, channels, min_multiplier, video_format, published_after, published_before,
                                   limit, niche, min_views)
    except ValueError as exc:
        return str(exc), []
    pattern_lines, pattern_data = await _hit_patterns(hits)
    if pattern_data:
        trace("outliers.patterns", query=query, patterns=pattern_data)
    return outliers_markdown(query, hits, pattern_lines), [asdict(h) for h in hits]


_ASK = "What topic should I look for outliers about? For example: “outliers about space experiments from Veritasium”, or “what works for Veritasium?”."
_TOPIC = re.compile(r"\b(?:about|on|for|regarding|related to|around|with|like)\s+(.+)$", re.IGNORECASE)
_FILLER = re.compile(
    r"\b(?:show|find|get|give|list|me|some|any|the|top|best|outliers?|videos?|titles?|that|which|"
    r"performed|overperformed|did well|went viral|viral|shorts?|long[- ]?form|since|after|before|in|"
    r"\d+(?:\.\d+)?\s*(?:x|×|times)|(?:19|20)\d\d|at least|over|above|min(?:imum)?|multiplier|please)\b",
    re.IGNORECASE,
)
_WHAT_WORKS = re.compile(
    r"\bwhat(?:'s|\s+is)?\s+(?:works?|working|performs?|performing|wins?|winning)\b|\bwhich (?:title )?patterns?\b",
    re.IGNORECASE,
)
_NICHE_PHRASE = re.compile(
    r"\b([a-z][a-z&\s-]{1,40}?)\s+(?:channels|creators|youtubers|niche)\b", re.IGNORECASE
)


async def extract_args(text: str, context: Any = None) -> dict:
    """Offline engine: the topic, channels, niche, minimum multiplier, format and dates named in a request.
    'What works for <channel>' / 'across <niche> channels' carries no topic (the what-works report)."""
    known = await context_of(context).channel_names()
    channels = extract.match_channels(text, known)
    rest = extract.strip_channels(text, channels)
    args: dict = {}
    niche_match = _NICHE_PHRASE.search(rest)
    if niche_match:
        try:
            args["niche"] = resolve_niche(niche_match.group(1))
            rest = (rest[: niche_match.start()] + rest[niche_match.end():]).strip()
        except ValueError:
            pass
    if _WHAT_WORKS.search(text) and (channels or "niche" in args):
        topic = ""
    else:
        m = _TOPIC.search(rest)
        topic = m.group(1) if m else rest
        topic = re.sub(r"\s+", " ", _FILLER.sub(" ", topic)).strip(" ,.?!")
    after, before = extract.date_range(text)
    if topic:
        args["query"] = topic
    if channels:
        args["channels"] = channels
    if (mult := extract.multiplier(text)) is not None:
        args["min_multiplier"] = mult
    if (fmt := extract.video_format(text)) != "any":
        args["video_format"] = fmt
    if after:
        args["published_after"] = after.isoformat()
    if before:
        args["published_before"] = before.isoformat()
    return args if (topic or channels or "niche" in args) else {}


tool = cortex_tool(
    retrieve_outliers,
    examples=[
        "Show me outliers about space experiments",
        "Find outlier videos about budgeting for beginners",
        "What videos went viral about science experiments?",
        "Which titles overperformed on Mark Rober's channel?",
        "outliers about cooking challenges from MrBeast",
        "Find top performing videos about cameras and photography",
        "show me 10x outliers about minimalism",
        "What works in my niche? Show me viral examples about personal finance",
        "Find me successful videos like this topic: building robots",
        "Give me examples of breakout Shorts about makeup",
        "What works for Veritasium?",
        "What works across science channels?",
        "Which title patterns win for MrBeast?",
    ],
    extract=extract_args,
    ask=_ASK,
)
