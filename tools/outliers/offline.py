"""retrieve_outliers' offline-engine spec: the example requests, the clarifying question, and the extractor of a
request's topic, channels, niche, minimum multiplier, minimum views, format and dates."""

from __future__ import annotations

import re
from typing import Any

from langchain_core.messages import BaseMessage

from agent.dialogue import ShownItem
from tools import extract
from tools.base import context_of
from tools.outliers.search import resolve_niche

EXAMPLES = [
    "Show me outliers about space experiments from Mark Rober or Veritasium",
    "What works for Veritasium?",
]
"""Requests a creator can send as they are (shown in the greeting and the help text)."""
ACTION = "find videos on a topic that beat their channel's usual views"
"""What the tool does, in a creator's words."""
ASK = "What topic should I look for outliers about? For example: “outliers about space experiments from Veritasium”, or “what works for Veritasium?”."
"""The clarifying question when a request names no topic, channel or niche."""

_TOPIC = re.compile(r"\b(?:about|on|for|regarding|related to|around|with|like)\s+(.+)$", re.IGNORECASE)
_FILLER = re.compile(
    r"\b(?:show|find|get|give|list|me|some|any|the|top|best|outliers?|videos?|vids?|titles?|that|which|"
    r"performed|overperformed|did well|went viral|viral|shorts?|long[- ]?form|since|after|before|in|"
    r"\d+(?:\.\d+)?\s*(?:x|×|times)|(?:19|20)\d\d|at least|over|above|min(?:imum)?|multiplier|please|"
    r"same|thing|search|query|instead|now|just|only|ones?|those|these|it|narrow|filter|onwards?|drop|exclude|"
    r"not|no|without|between|last|past|did|blew|blown|months?|years?|weeks?|days?|what|about|ok|okay|but|too|also|"
    r"do|does|repeat|try|again|ignore|ignoring|older|newer|earlier|later|than|stuff|views?|pls|plz|"
    r"remove|leave|out|filter)\b",
    re.IGNORECASE,
)
_SLANG = re.compile(
    r"\b(?:like crazy|crushed it|blew up|blown up|blow up|blows up|exploded|smashed|went viral|did (?:way |really |so )?"
    r"(?:better|well|great)|(?:way |far )?(?:above|better than|past|over) (?:their |the |its )?(?:channel'?s? )?"
    r"(?:average|normal|usual|median)(?: views| numbers)?|than (?:normal|usual)|(?:over|out)perform\w*|"
    r"performed|in the dataset|lately|recently|right now)\b", re.IGNORECASE)
"""Ways of saying "outlier" that are not the topic ("what budgeting videos blew up?")."""
_EDGE_WORDS = re.compile(r"^(?:(?:and|or|to|for|of|with|on|in|at|by|a|an|the|it|its|their|my|your)\b\s*)+|"
                         r"(?:\s*\b(?:and|or|to|for|of|with|on|in|at|by|a|an|the|it|its|their|my|your))+$", re.IGNORECASE)
_WHAT_WORKS = re.compile(
    r"\bwhat(?:'s|\s+is)?\s+(?:works?|working|performs?|performing|wins?|winning)\b|\bwhich (?:title )?patterns?\b",
    re.IGNORECASE,
)
_NICHE_PHRASE = re.compile(
    r"\b([a-z][a-z&\s-]{1,40}?)\s+(?:channels|creators|youtubers|niche)\b", re.IGNORECASE
)


_NOT_A_TOPIC = frozenset(
    "a an the and or but if of to from for with on in at by as up out off into than then so too very more most less "
    "can could would should will may might must do does did done i me my we us our you your it its this that these "
    "those them they there here what which who how when where why is are was were be been am has have had "
    "make filter narrow limit restrict change switch set pls plz please ok okay now just only same again".split())
"""Words that are never a topic on their own: function words, and the words of a request to change a search ("make
it 10x or more", "can you filter to over 1M views")."""


async def extract_args(text: str, context: Any = None) -> dict:
    """Offline engine: the topic, channels, niche, minimum multiplier, minimum views, format and dates named in a request.
    'What works for <channel>' / 'across <niche> channels' carries no topic (the what-works report). The filters
    come back also without a topic (a follow-up: "narrow it to Shorts"); ``resolve`` says whether the call can run."""
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
        rest = _SLANG.sub(" ", extract.MIN_VIEWS.sub(" ", rest))
        m = _TOPIC.search(rest)
        topic = m.group(1) if m else rest
        topic = re.sub(r"\s+", " ", _FILLER.sub(" ", topic)).strip(" ,.?!")
        topic = _EDGE_WORDS.sub("", topic).strip(" ,.?!")
        if all(w in _NOT_A_TOPIC for w in re.findall(r"[a-z']+", topic.lower())):
            topic = ""  # "make it 10x or more", "can you filter to over 1M views": a follow-up's filters, no topic
    after, before = extract.date_range(text)
    if topic:
        args["query"] = topic
    if channels:
        args["channels"] = channels
    if (mult := extract.multiplier(text)) is not None:
        args["min_multiplier"] = mult
    if (views := extract.min_views(text)) is not None:
        args["min_views"] = views
    if (fmt := extract.video_format(text)) != "any":
        args["video_format"] = fmt
    if after:
        args["published_after"] = after.isoformat()
    if before:
        args["published_before"] = before.isoformat()
    return args


def resolve(text: str, args: dict, messages: list[BaseMessage]) -> dict | None:
    """The arguments when they name a topic, a channel or a niche to search; else None (the engine asks, or
    carries the previous search's over)."""
    return args if args.get("query") or args.get("channels") or args.get("niche") else None


def items(artifact: list) -> list[ShownItem]:
    """The videos a retrieve_outliers result listed, numbered as shown, each with its channel, views and multiplier
    (the measure "which did best?" ranks by) and why it stands out: the title patterns it uses (how it matched the
    search is not a reason it did well, so it is left out)."""
    out = []
    for hit in artifact if isinstance(artifact, list) else []:
        if not isinstance(hit, dict) or "title" not in hit:
            continue
        facts = {"channel": f"{hit.get('channel', '')} ({hit.get('format', '')}, {(hit.get('published') or '')[:4] or 'trending'})",
                 "views": f"{hit['views']:,}" if hit.get("views") is not None else "not known"}
        mult = hit.get("multiplier")
        if mult is not None:
            facts["multiplier"] = f"{mult:.1f}x its channel's usual"
        why = f"its title uses these patterns: {', '.join(hit['patterns'])}." if hit.get("patterns") else ""
        out.append(ShownItem(hit["title"], facts, mult, "multiplier", why))
    return out
