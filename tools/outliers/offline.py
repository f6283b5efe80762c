"""retrieve_outliers' offline-engine spec: the example requests, the clarifying question, and the extractor of a
request's topic, channels, niche, minimum multiplier, format and dates."""

from __future__ import annotations

import re
from typing import Any

from tools import extract
from tools.base import context_of
from tools.outliers.search import resolve_niche

EXAMPLES = [
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
]
"""Example requests the offline engine routes by (similarity to the creator's message)."""

ASK = "What topic should I look for outliers about? For example: “outliers about space experiments from Veritasium”, or “what works for Veritasium?”."
"""The clarifying question when a request names no topic, channel or niche."""

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
