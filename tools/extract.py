"""Argument extraction from a creator's words, for the offline engine: quoted or pasted titles, channel
names matched against the corpus, multipliers, formats and dates."""

from __future__ import annotations

import re
from datetime import date

from rapidfuzz import fuzz

_QUOTED = re.compile(r"[\"“”«»]([^\"“”«»]{2,200})[\"“”«»]|(?<!\w)'([^']{2,200})'(?!\w)")


def quoted(text: str) -> list[str]:
    """Every span in double quotes (straight, curly or guillemets) or single quotes, in order."""
    return [a or b for a, b in _QUOTED.findall(text)]


_TITLE_LEADS = re.compile(
    r"^.*?\b(?:score|rate|grade|check|judge|evaluate|review|how good is|what do you think of)\b"
    r"(?:\s+(?:this|my|the|a|me))*(?:\s+(?:video|youtube))?\s*(?:title|headline)?s?\s*[:\-–—]?\s*",
    re.IGNORECASE | re.DOTALL,
)


def pasted_title(text: str) -> str | None:
    """The title a request asks about: a quoted span, else the text after a colon or after the verb.

    'Score this title: I Built a Giant Lego Volcano' -> 'I Built a Giant Lego Volcano'.
    Returns None when nothing title-like is left.
    """
    spans = quoted(text)
    if spans:
        return spans[0].strip()
    if ":" in text:
        after = text.split(":", 1)[1].strip()
        if after:
            return after.splitlines()[0].strip()
    stripped = _TITLE_LEADS.sub("", text.strip(), count=1).strip()
    if stripped and stripped != text.strip() and len(stripped) >= 3:
        return stripped.splitlines()[0].strip(" ?")
    return None


def _norm(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", s.lower().replace("&", " and ")).strip()


def match_channels(text: str, names: list[str], cutoff: float = 88.0) -> list[str]:
    """Channel names from ``names`` mentioned in ``text`` (fuzzy, so 'Mr Beast' finds 'MrBeast').

    Each name is compared (rapidfuzz ratio, 0-100) with every run of words of the same length in the
    text, and with spaces removed; names scoring at least ``cutoff`` are returned in the order of
    ``names``.
    """
    words = _norm(text).split()
    found = []
    for name in names:
        target = _norm(name)
        n = max(1, len(target.split()))
        best = 0.0
        for size in {n, n + 1, max(1, n - 1)}:
            for i in range(len(words) - size + 1):
                window = " ".join(words[i : i + size])
                best = max(best, fuzz.ratio(target, window), fuzz.ratio(target.replace(" ", ""), window.replace(" ", "")))
        if best >= cutoff:
            found.append(name)
    return found


def strip_channels(text: str, names: list[str]) -> str:
    """``text`` without the mentions of the given channel names and the words that introduce them."""
    out = text
    for name in names:
        pattern = r"\s*(?:\b(?:from|by|on|of|like)\s+)?" + r"\s*".join(map(re.escape, name.split()))
        out = re.sub(pattern, " ", out, flags=re.IGNORECASE)
    out = re.sub(r"\b(?:or|and)\s*(?=$|[?.!,])", "", out.strip(), flags=re.IGNORECASE)
    return re.sub(r"\s+", " ", out).strip(" ,.?!")


_MULT = re.compile(r"(\d+(?:\.\d+)?)\s*(?:x|×|times)\b", re.IGNORECASE)


def multiplier(text: str) -> float | None:
    """A multiplier such as '5x', '3.5×' or '10 times' mentioned in the text."""
    m = _MULT.search(text)
    return float(m.group(1)) if m else None


def video_format(text: str) -> str:
    """'short' if the text asks for Shorts, 'long' for long-form, else 'any'."""
    t = text.lower()
    if re.search(r"\bshorts?\b", t) and not re.search(r"\bshort[- ]form\b.*\blong", t):
        return "short"
    if re.search(r"\blong[- ]?form\b|\blong videos?\b|\bfull[- ]length\b", t):
        return "long"
    return "any"


def date_range(text: str) -> tuple[date | None, date | None]:
    """(published_after, published_before) from 'since 2020', 'after 2019', 'before 2015', 'in 2023'."""
    t = text.lower()
    after = before = None
    if m := re.search(r"\b(?:since|after|from)\s+((?:19|20)\d\d)\b", t):
        after = date(int(m.group(1)), 1, 1)
    if m := re.search(r"\b(?:before|until|prior to)\s+((?:19|20)\d\d)\b", t):
        before = date(int(m.group(1)), 1, 1)
    if m := re.search(r"\b(?:in|during)\s+((?:19|20)\d\d)\b", t):
        after, before = date(int(m.group(1)), 1, 1), date(int(m.group(1)) + 1, 1, 1)
    return after, before
