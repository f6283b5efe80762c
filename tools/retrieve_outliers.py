"""retrieve_outliers: semantic search over real outlier titles (pgvector), with filters."""

from __future__ import annotations

import asyncio
import re
from dataclasses import asdict, dataclass
from datetime import date
from typing import Literal

from agent.embeddings import get_embedder
from memory.corpus import OutlierFilters, channel_names, search_titles
from memory.db import get_database
from tools import extract
from tools.base import cortex_tool, trace

DEFAULT_MIN_MULTIPLIER = 2.0
"""An upload is an outlier from twice its channel's rolling median on (the common '2x' cut of creator tools)."""


@dataclass
class OutlierHit:
    """One retrieved video: similarity is cosine similarity of title embeddings (-1..1)."""

    title: str
    channel: str
    views: int | None
    multiplier: float
    similarity: float
    published: str
    format: str
    video_id: str


async def find_outliers(
    query: str,
    channels: list[str] | None = None,
    min_multiplier: float = DEFAULT_MIN_MULTIPLIER,
    video_format: str = "any",
    published_after: date | None = None,
    published_before: date | None = None,
    limit: int = 10,
) -> list[OutlierHit]:
    """Outlier videos whose titles are nearest in meaning to ``query``; best first.

    Channel names are matched to the corpus fuzzily; an unknown name raises ValueError listing the known
    channels.
    """
    db = await get_database()
    known = await channel_names(db.pool)
    resolved: list[str] = []
    for name in channels or []:
        match = extract.match_channels(name, known, cutoff=80) or [n for n in known if n.lower() == name.lower()]
        if not match:
            raise ValueError(f"No channel named {name!r} in the corpus. Known channels: {', '.join(known)}.")
        resolved.extend(match)
    embedder = get_embedder()
    vector = await asyncio.to_thread(embedder.embed_one, query)
    filters = OutlierFilters(tuple(resolved), min_multiplier, video_format, published_after, published_before)
    rows = await search_titles(db.pool, embedder.name, vector, filters, limit=limit)
    trace(
        "rag.retrieval",
        source=f"pgvector HNSW over {embedder.name} title vectors",
        query=query,
        filters={k: str(v) for k, v in asdict(filters).items() if v not in (None, (), "any")},
        hits=len(rows),
    )
    return [
        OutlierHit(
            title=r["title"],
            channel=r["channel"],
            views=r["views"],
            multiplier=round(r["outlier_multiplier"], 2),
            similarity=round(float(r["similarity"]), 3),
            published=r["published_at"].date().isoformat(),
            format="Short" if r["is_short"] else "long-form",
            video_id=r["video_id"],
        )
        for r in rows
    ]


def outliers_markdown(query: str, hits: list[OutlierHit]) -> str:
    """A table a creator reads: title, channel, views, multiplier, similarity."""
    if not hits:
        return (
            f"No outliers matched **{query}** with these filters. Try a broader topic, a lower minimum "
            "multiplier, or no channel filter."
        )
    lines = [
        f"**Outliers about “{query}”** ({len(hits)} real videos, multiplier = views / the channel's rolling median)",
        "",
        "| # | Title | Channel | Views | Multiplier | Similarity |",
        "|---|---|---|---:|---:|---:|",
    ]
    for i, h in enumerate(hits, 1):
        views = f"{h.views:,}" if h.views is not None else "n/a"
        lines.append(
            f"| {i} | {h.title} | {h.channel} ({h.format}, {h.published[:4]}) | {views} | {h.multiplier:.1f}x | {h.similarity:.2f} |"
        )
    return "\n".join(lines)


async def retrieve_outliers(
    query: str,
    channels: list[str] | None = None,
    min_multiplier: float = DEFAULT_MIN_MULTIPLIER,
    video_format: Literal["any", "short", "long"] = "any",
    published_after: date | None = None,
    published_before: date | None = None,
    limit: int = 10,
) -> tuple[str, list[dict]]:
    """Find real outlier videos (views far above their channel's usual) whose titles are about a topic.

    Args: query (the topic in plain words), channels (channel names to restrict to), min_multiplier
    (views / channel rolling median, default 2.0), video_format ("short", "long" or "any"),
    published_after / published_before (ISO dates), limit (1-50).
    """
    try:
        hits = await find_outliers(
            query, channels, min_multiplier, video_format, published_after, published_before, max(1, min(limit, 50))
        )
    except ValueError as exc:
        return str(exc), []
    return outliers_markdown(query, hits), [asdict(h) for h in hits]


_TOPIC = re.compile(r"\b(?:about|on|for|regarding|related to|around|with|like)\s+(.+)$", re.IGNORECASE)
_FILLER = re.compile(
    r"\b(?:show|find|get|give|list|me|some|any|the|top|best|outliers?|videos?|titles?|that|which|"
    r"performed|overperformed|did well|went viral|viral|shorts?|long[- ]?form|since|after|before|in|"
    r"\d+(?:\.\d+)?\s*(?:x|×|times)|(?:19|20)\d\d|at least|over|above|min(?:imum)?|multiplier|please)\b",
    re.IGNORECASE,
)


async def extract_args(text: str) -> dict:
    """Offline engine: the topic, channels, minimum multiplier, format and dates named in a request."""
    db = await get_database()
    known = await channel_names(db.pool)
    channels = extract.match_channels(text, known)
    rest = extract.strip_channels(text, channels)
    m = _TOPIC.search(rest)
    topic = m.group(1) if m else rest
    topic = re.sub(r"\s+", " ", _FILLER.sub(" ", topic)).strip(" ,.?!")
    after, before = extract.date_range(text)
    args: dict = {"query": topic} if topic else {}
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
    return args


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
    ],
    extract=extract_args,
    ask="What topic should I look for outliers about? For example: “outliers about space experiments from Veritasium”.",
)
