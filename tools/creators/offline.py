"""The offline engine's spec of search_creators: example requests, the clarifying question, and the extractor that
reads platform, follower bounds ("under 500k", "over 100k", "smaller than X" with X's audience read from the
database), niche words, country and engagement from a request."""

from __future__ import annotations

import re
from typing import Any

import pycountry

from memory.creators.search import find_account_by_name
from tools.base import context_of

EXAMPLES = [
    "Find science educators on YouTube like Veritasium but smaller",
    "Instagram fitness creators with over 100k followers",
]
"""Requests a creator can send as they are (shown in the greeting and the help text)."""
ACTION = "find creators to work with"
"""What the tool does, in a creator's words."""
ASK = "What kind of creators should I look for? For example: “science educators on YouTube under 500k subscribers”."
"""The clarifying question, when the extracted arguments do not fit the tool."""

_NUM = r"(\d+(?:[.,]\d+)?)\s*(k|m|mil|million|thousand|b|billion)?\b"
_UNITS = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mil": 1e6, "million": 1e6, "b": 1e9, "billion": 1e9}
_AUDIENCE = r"(?:\s*(?:followers|subscribers|subs|fans))?"
_UPPER = re.compile(r"\b(?:under|below|less than|fewer than|smaller than|up to|at most|max(?:imum)?|<)\s*" + _NUM + _AUDIENCE, re.I)
_LOWER = re.compile(r"\b(?:over|above|more than|at least|bigger than|larger than|min(?:imum)?|>)\s*" + _NUM + _AUDIENCE, re.I)
_PLUS = re.compile(r"\b" + r"(\d+(?:[.,]\d+)?)\s*(k|m|million|thousand)?\s*\+" + _AUDIENCE, re.I)
_RANGE = re.compile(r"\bbetween\s+" + _NUM + r"\s*(?:and|-|to)\s*" + _NUM + _AUDIENCE + r"|\b" + _NUM
                    + r"\s*(?:-|–|to)\s*" + _NUM + r"\s*(?:followers|subscribers|subs)", re.I)
_TIERS = {"nano": (1_000, 10_000), "micro": (10_000, 100_000), "mid-tier": (100_000, 500_000),
          "macro": (100_000, 1_000_000), "mega": (1_000_000, None)}
"""Influencer tiers by audience as marketers name them (nano 1k-10k, micro 10k-100k, macro 100k-1M, mega 1M+)."""
_EXAMPLE = re.compile(r"\b(?:like|similar to|such as|than|alike to|resembling)\s+(@?[\w.'’&-]+(?:\s+[\w.'’&-]+){0,3})", re.I)
_SMALLER = re.compile(r"\b(?:smaller|fewer (?:followers|subscribers)|less (?:famous|known)|up-and-coming|tinier)\b", re.I)
_LARGER = re.compile(r"\b(?:bigger|larger|more (?:followers|subscribers)|more famous)\b", re.I)
_NOT_NAMES = {"this", "that", "these", "those", "me", "mine", "my", "him", "her", "them", "us", "you", "it", "to"}
_HIGH_ENG = re.compile(r"\b(?:high(?:ly)?|strong|great|good|top|best)[\s-]+engag|\bengaged (?:audience|followers)|"
                       r"\bmost engag|\bhigh engagement rate", re.I)
_DEMONYMS = {"american": "US", "british": "GB", "indian": "IN", "brazilian": "BR", "canadian": "CA", "german": "DE",
             "french": "FR", "spanish": "ES", "mexican": "MX", "australian": "AU", "pakistani": "PK",
             "indonesian": "ID", "korean": "KR", "japanese": "JP", "italian": "IT", "colombian": "CO",
             "argentinian": "AR", "argentine": "AR", "turkish": "TR", "russian": "RU", "filipino": "PH",
             "nigerian": "NG", "dutch": "NL", "uk": "GB", "us": "US", "usa": "US"}
_FILLER = re.compile(
    r"\b(?:find|search|show|list|get|give|recommend|suggest|who|which|what|should|could|would|can|i|me|my|us|we|some|"
    r"any|the|a|an|for|to|of|with|and|or|on|in|from|based|please|creators?|influencers?|accounts?|channels?|youtubers?|"
    r"instagrammers?|content|people|collab(?:orat(?:e|ion|ors?))?|partners?|sponsor(?:ship)?s?|brands?|looking|"
    r"youtube|instagram|insta|ig|yt|followers|subscribers|subs|audience|engagement|rate|high|highly|smaller|bigger|"
    r"larger|but|more|less|than|top|best|good|great|similar|like|are|is|that|who|make|makes|making|do|does|"
    r"videos?|posts?|work|working|want|need|new|someone|somebody|about|instead|same|thing|now|just|only|again|"
    r"ones?|too|also|ok|okay|search|narrow|filter|it|pls|plz)\b",
    re.I,
)


def _number(value: str, unit: str | None) -> int:
    return int(float(value.replace(",", "")) * _UNITS.get((unit or "").lower(), 1))


def follower_bounds(text: str) -> tuple[int | None, int | None]:
    """(min_followers, max_followers) named in a request: 'under 500k' -> (None, 500000), 'over 100k' ->
    (100000, None), 'between 10k and 50k' / '10k-50k subscribers' -> both, '1M+' -> (1000000, None), and the
    tiers 'nano', 'micro', 'macro', 'mega' influencers."""
    if m := _RANGE.search(text):
        g = m.groups()
        a, ua, b, ub = g[0:4] if g[0] else g[4:8]
        return _number(a, ua or ub), _number(b, ub)
    lo = hi = None
    for m in _UPPER.finditer(text):
        if m.group(2) or float(m.group(1).replace(",", "")) >= 1000:
            hi = _number(m.group(1), m.group(2))
    for m in _LOWER.finditer(text):
        if m.group(2) or float(m.group(1).replace(",", "")) >= 1000:
            lo = _number(m.group(1), m.group(2))
    if lo is None and (m := _PLUS.search(text)) and (m.group(2) or float(m.group(1).replace(",", "")) >= 1000):
        lo = _number(m.group(1), m.group(2))
    for tier, (tlo, thi) in _TIERS.items():
        if re.search(rf"\b{tier}[\s-]*(?:influencers?|creators?|accounts?|channels?|youtubers?)\b", text, re.I):
            lo, hi = lo if lo is not None else tlo, hi if hi is not None else thi
    return lo, hi


def platform_in(text: str) -> str:
    """'youtube', 'instagram' or 'any' (both or neither named)."""
    yt = re.search(r"\b(?:youtube|youtubers?|yt|channels?|subscribers|subs)\b", text, re.I)
    ig = re.search(r"\b(?:instagram|insta|ig|instagrammers?|reels)\b", text, re.I)
    return "youtube" if yt and not ig else "instagram" if ig and not yt else "any"


def country_in(text: str) -> str | None:
    """ISO alpha-2 of a country a request names: 'in India', 'from the UK', 'Brazilian', 'US-based'."""
    for word in re.findall(r"[A-Za-z]+", text):
        if word.lower() in _DEMONYMS and (word.isupper() or word[0].isupper() or len(word) > 3):
            return _DEMONYMS[word.lower()]
    for m in re.finditer(r"\b(?:in|from|based in)\s+(?:the\s+)?([A-Z][\w]+(?:\s+[A-Z][\w]+){0,2})", text):
        words = m.group(1).split()
        for n in range(len(words), 0, -1):
            try:
                return pycountry.countries.lookup(" ".join(words[:n])).alpha_2
            except LookupError:
                continue
    return None


async def example_in(text: str, context: Any = None) -> dict | None:
    """The creator a request names as its example ('like Veritasium', 'smaller than MrBeast'), looked up in the
    context's database (``tools.base.context_of``; longest run of up to four words after the cue first); None when
    none is named or known."""
    db = await context_of(context).database()
    for m in _EXAMPLE.finditer(text):
        words = m.group(1).split()
        for n in range(len(words), 0, -1):
            name = " ".join(words[:n]).strip(".,!?'’")
            if name.lower() in _NOT_NAMES or len(name) < 2:
                continue
            if (found := await find_account_by_name(db.pool, name)) is not None:
                return {**found, "mention": name}
    return None


async def extract_args(text: str, context: Any = None) -> dict:
    """Offline engine: search_creators arguments from a request (platform, follower bounds, niche, country,
    engagement, example creator, the remaining words as the query)."""
    args: dict = {}
    rest = text
    example = await example_in(text, context)
    if example:
        args["similar_to"] = example["name"]
        rest = re.sub(rf"\b(?:like|similar to|such as|than|alike to|resembling)\s+{re.escape(example['mention'])}", " ", rest, flags=re.I)
        if _SMALLER.search(text):
            args["smaller_than_similar"] = True
        elif _LARGER.search(text):
            args["larger_than_similar"] = True
    if (platform := platform_in(text)) != "any":
        args["platform"] = platform
    lo, hi = follower_bounds(text)
    if lo is not None:
        args["min_followers"] = lo
    if hi is not None:
        args["max_followers"] = hi
    if country := country_in(text):
        args["country"] = country
    if _HIGH_ENG.search(text):
        args["high_engagement"] = True
    for pattern in (_RANGE, _UPPER, _LOWER, _PLUS):
        rest = pattern.sub(" ", rest)
    rest = re.sub(r"\b(?:nano|micro|mid-tier|macro|mega)[\s-]*", " ", rest, flags=re.I)
    if country:
        rest = re.sub(r"\b(?:in|from|based in)\s+(?:the\s+)?[A-Z][\w]+(?:\s+[A-Z][\w]+){0,2}", " ", rest)
        rest = re.sub(rf"\b(?:{'|'.join(_DEMONYMS)})\b", " ", rest, flags=re.I)
    words = re.sub(r"\s+", " ", _FILLER.sub(" ", re.sub(r"[^\w\s&'-]", " ", rest))).strip(" -'&")
    if words:
        args["query"] = words
    return args
