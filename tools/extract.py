"""Argument extraction from a creator's words, for the offline engine: quoted or pasted titles, channel
names matched against the corpus, multipliers, a lower bound on views, formats, dates (with ``dateparser`` for "last 6 months" and "since
March 2022") and references to listed items ("number 3", "2 or 4", "the top one")."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import dateparser
from rapidfuzz import fuzz

from agent.dialogue import references  # noqa: F401 (re-exported: the extractors read references to listed items)
from agent.intent import QUOTED


def quoted(text: str) -> list[str]:
    """Every span in double quotes (straight, curly or guillemets) or single quotes, in order."""
    return [a or b for a, b in QUOTED.findall(text)]


def without_quoted(text: str) -> str:
    """``text`` with its quoted spans (titles) blanked, so their words and numbers are not read as the request's."""
    return QUOTED.sub(" ", text)


_TITLE_LEADS = re.compile(
    r"^.*?\b(?:score|rate|grade|check|judge|evaluate|review|how good is|what do you think of)\b"
    r"(?:\s+(?:this|my|the|a|me))*(?:\s+(?:video|youtube))?\s*(?:title|headline)?s?\s*[:\-–—]?\s*",
    re.IGNORECASE | re.DOTALL,
)


_POLITE = re.compile(r"^(?:pls|plz|please|for me|now|again)\b[\s,.!]*|[\s,.!]*\b(?:pls|plz|please|for me)[\s.!?]*$", re.I)
_AFTER = re.compile(r"(?::|→|->|=>|—|–)\s*(.+)$", re.DOTALL)
_ALTERNATIVES = re.compile(r"\s+(?:or|vs\.?|versus)\s+", re.IGNORECASE)


def _title_like(text: str) -> bool:
    words = re.findall(r"[A-Za-z][\w']*", text)
    return len(words) >= 2 and sum(w[0].isupper() for w in words) >= 0.6 * len(words)


def alternatives(title: str) -> list[str]:
    """A pasted 'A or B' (or 'A vs B') as its two titles when both sides read as titles (mostly capitalised
    words), else ``[title]``: 'I Tried Yoga or 30 Days of Yoga' -> both; 'Yes or No Questions' -> itself."""
    parts = _ALTERNATIVES.split(title.strip(" ?"))
    if len(parts) == 2 and all(_title_like(p) for p in parts):
        return [p.strip() for p in parts]
    return [title]


def pasted_title(text: str) -> str | None:
    """The title a request asks about: a quoted span, else the text after a colon or after the verb.

    'Score this title: I Built a Giant Lego Volcano' -> 'I Built a Giant Lego Volcano'; an arrow ('→', '->') or a
    dash works like the colon.
    Returns None when nothing title-like is left.
    """
    spans = quoted(text)
    if spans:
        return spans[0].strip()
    if m := _AFTER.search(text):
        after = m.group(1).strip()
        if after:
            return after.splitlines()[0].strip()
    stripped = _POLITE.sub("", _TITLE_LEADS.sub("", text.strip(), count=1).strip()).strip()
    if stripped and stripped != text.strip() and len(stripped.split()) >= 2:
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
    """``text`` without the mentions of the given channel names (with a possessive "'s") and the words that introduce
    them."""
    out = text
    for name in names:
        pattern = r"\s*(?:\b(?:from|by|on|of|like)\s+)?" + r"\s*".join(map(re.escape, name.split())) + r"(?:['’]s\b)?"
        out = re.sub(pattern, " ", out, flags=re.IGNORECASE)
    out = re.sub(r"\b(?:or|and)\s*(?=$|[?.!,])", "", out.strip(), flags=re.IGNORECASE)
    return re.sub(r"\s+", " ", out).strip(" ,.?!")


CHANNEL_MARK = "<channel>"
"""What ``mark_channels`` puts in place of a channel's name."""


def mark_channels(text: str, names: list[str]) -> str:
    """``text`` with each mention of the given channel names (and a possessive "'s") replaced by ``CHANNEL_MARK``, so
    the words around it keep their places ("meal prep like <channel> best ones": the topic ends before "like")."""
    for name in names:
        pattern = r"\s*".join(map(re.escape, name.split())) + r"(?:['’]s\b)?"
        text = re.sub(pattern, CHANNEL_MARK, text, flags=re.IGNORECASE)
    return text


_MULT = re.compile(r"(\d+(?:\.\d+)?)\s*(?:x|×)(?!\w)|(\d+(?:\.\d+)?)\s+times\s+(?=(?:more|better|bigger|higher|"
                   r"the|their|its|as|above|over|normal|usual|views|median|average)\b)|"
                   r"\bat least\s+(\d+(?:\.\d+)?)\s+times\b", re.IGNORECASE)


def multiplier(text: str) -> float | None:
    """A multiplier such as '5x', '3.5×', '10 times more views' or 'at least 3 times' named in the request; numbers
    inside a quoted title ('The 10 Times I Almost Quit') are not read."""
    m = _MULT.search(without_quoted(text))
    return float(next(g for g in m.groups() if g)) if m else None


_NOT_SHORTS = re.compile(r"\b(?:not|no|without|exclude|excluding|skip|drop|minus|except|but not|ignore|ignoring|remove|"
                         r"leave out|filter out|get rid of|no more)\s+(?:the\s+|any\s+|all\s+)?shorts?\b"
                         r"|\bshorts?\s+(?:out|excluded)\b|\bnon[- ]shorts?\b")
_NOT_LONG = re.compile(r"\b(?:not|no|without|exclude|excluding|skip|drop)\s+(?:the\s+|any\s+)?(?:long[- ]?form|long videos?)\b")


def video_format(text: str) -> str:
    """'short' if the text asks for Shorts, 'long' for long-form (also 'not shorts', 'drop the shorts'), else 'any'."""
    t = without_quoted(text).lower()
    if _NOT_SHORTS.search(t):
        return "long"
    if _NOT_LONG.search(t):
        return "short"
    if re.search(r"\bshorts?\b", t) and not re.search(r"\bshort[- ]form\b.*\blong", t):
        return "short"
    if re.search(r"\blong[- ]?form\b|\blong videos?\b|\bfull[- ]length\b", t):
        return "long"
    return "any"


_COUNT = r"(\d+(?:[.,]\d+)?)\s*(k|m|mil|million|thousand|b|billion)?"
_COUNT_UNITS = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mil": 1e6, "million": 1e6, "b": 1e9, "billion": 1e9}
MIN_VIEWS = re.compile(
    r"\b(?:over|above|more than|at least|min(?:imum)?(?: of)?|past|north of|>)\s*" + _COUNT + r"\s*\+?\s*views?\b"
    r"|(?<![\w.,])" + _COUNT + r"\s*(?:\+\s*views?\b|views?\s*(?:\+|or more|and up|plus|minimum)(?!\w))"
    r"|\bviews?\s*(?:over|above|of more than|more than|of at least|at least|>)\s*" + _COUNT + r"(?!\w)", re.IGNORECASE)
"""A lower bound on views: "over 2 million views", "at least 500k views", "1M+ views", "views above 100k"."""


def min_views(text: str) -> int | None:
    """The fewest views a request asks for ("only ones with over 10 million views" -> 10000000, "500k+ views" ->
    500000), None when it names none; numbers inside a quoted title are not read."""
    m = MIN_VIEWS.search(without_quoted(text))
    if not m:
        return None
    value, unit = next((m.group(i), m.group(i + 1)) for i in (1, 3, 5) if m.group(i))
    return int(float(value.replace(",", "")) * _COUNT_UNITS.get((unit or "").lower(), 1))


_YEAR = r"((?:19|20)\d\d)"
_MONTH_YEAR = r"((?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+(?:19|20)\d\d)"
_RELATIVE = re.compile(r"\b(?:last|past|previous)\s+(\d+|a|one|two|three|six|twelve)?\s*(day|week|month|year)s?\b")
_WORDS = {"a": 1, "one": 1, "two": 2, "three": 3, "six": 6, "twelve": 12}


def _parse_day(phrase: str, today: date, relative: bool = False) -> date | None:
    settings = {"PREFER_DATES_FROM": "past", "RELATIVE_BASE": datetime.combine(today, datetime.min.time())}
    if not relative:
        settings["PREFER_DAY_OF_MONTH"] = "first"
    parsed = dateparser.parse(phrase, languages=["en"], settings=settings)  # type: ignore[arg-type]
    return parsed.date() if parsed else None


def date_range(text: str, today: date | None = None) -> tuple[date | None, date | None]:
    """(published_after, published_before) named in a request: 'since 2020', 'after 2019', '2023 onwards', 'before
    2015', 'in 2023', 'from 2019 to 2021' / 'between 2019 and 2021' (both years whole), 'since March 2022', 'last 6
    months' / 'past year' (counted back from ``today``, default the current date, with dateparser). Quoted titles are
    not read."""
    t = without_quoted(text).lower()
    today = today or date.today()
    if m := re.search(rf"\b(?:from|between)\s+{_YEAR}\s*(?:to|and|-|–|until|through)\s*{_YEAR}\b|\b{_YEAR}\s*(?:-|–|to)\s*{_YEAR}\b", t):
        a, b = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        lo, hi = sorted((int(a), int(b)))
        return date(lo, 1, 1), date(hi + 1, 1, 1)
    if m := _RELATIVE.search(t):
        count = m.group(1) or "1"
        n = int(count) if count.isdigit() else _WORDS[count]
        if m.group(2) == "day":
            return today - timedelta(days=n), None
        return _parse_day(f"{n} {m.group(2)}s ago", today, relative=True) or today - timedelta(days=30 * n), None
    after = before = None
    if m := re.search(rf"\b(?:since|after|from)\s+{_MONTH_YEAR}", t):
        after = _parse_day(m.group(1), today)
    elif m := re.search(rf"\b(?:since|after|from|newer than|later than|post-?)\s*{_YEAR}\b|"
                        rf"\b{_YEAR}\s*(?:onwards?|and later|or later|and after|\+)", t):
        after = date(int(m.group(1) or m.group(2)), 1, 1)
    if m := re.search(rf"\b(?:before|until|prior to|older than|earlier than|pre-?)\s*{_YEAR}\b", t):
        before = date(int(m.group(1)), 1, 1)
    m = re.search(rf"\b(?:in|during|just|only)\s+{_YEAR}\b(?!\s*(?:onwards?|and later|or later|\+))", t)
    if m or (after is None and before is None and (m := re.search(rf"\b{_YEAR}\s+only\b", t))):
        after, before = date(int(m.group(1)), 1, 1), date(int(m.group(1)) + 1, 1, 1)
    return after, before


_VIDEO = r"(?:video|vid|vlog|short|episode|explainer|tutorial|upload|reel|intro|script|series|deep[- ]dive|breakdown)s?"
_TOPIC_LEADS = (
    # "the video is about X", "it's on X", "this one would be about X"
    re.compile(rf"\b(?:{_VIDEO}|it|this|that|one)\s*(?:is|'s|’s|will be|would be|was)\s+(?:all\s+)?"
               rf"(?:about|on|covering)\s+(?P<t>.+)", re.IGNORECASE | re.DOTALL),
    # "a video about X", "an 8-minute explainer on X", "a vid where I test X"
    re.compile(rf"\b{_VIDEO}\s+(?:about|on|where|in which|covering|explaining|regarding|that covers|to do with)\s+"
               rf"(?P<t>.+)", re.IGNORECASE | re.DOTALL),
    # "topic: X", "the idea is X", "subject - X"
    re.compile(r"\b(?:topic|idea|subject|theme)(?:\s+(?:is|was|would be))?\s*(?:[:=\-–—]|\bis\b)\s*(?:about\s+|on\s+)?"
               r"(?P<t>.+)", re.IGNORECASE | re.DOTALL),
    # "my eigenvalues video", "for my next sourdough vlog"
    re.compile(rf"\bmy\s+(?:(?:next|upcoming|new|latest|planned|own)\s+)*(?P<t>(?!(?:next|upcoming|new|latest|"
               rf"planned|own|first|last|channel|youtube)\b)[\w'’&+-]+(?:\s+[\w'’&+-]+){{0,4}}?)\s+{_VIDEO}\b",
               re.IGNORECASE),
)
"""The ways a request names what a video is about, tried in this order (the first that matches wins)."""
_TOPIC_END = re.compile(
    r"\s*(?:[?!;\n]|\.(?:\s|$)|\s+-\s+|,\s*(?:or|and|but|so|what|which|how|is|are|should|would|could|can|do|does|"
    r"the way|like|in|for|with|that|pls|please|thanks|any|i|i'm|im|because|cause|since)\b"
    r"|\s+(?:in|with|using)\s+(?:(?:my|our|the|his|her|their|<channel>|\S+['’]s)\s+)?(?:own\s+)?(?:voice|style|words|tone)\b"
    r"|\s+(?:the way|like|in the style of|in the structure of|sounding like|shaped like)\s"
    r"|\s+(?:be\s+)?(?:a\s+)?(?:good|bad|smart|viable)\s+idea\b|\s+worth\s+(?:it|making|doing|a\s+video)\b"
    r"|\s+(?:for|on|in)\s+(?:my|our|the)\s+(?:own\s+)?(?:channel|niche|audience)\b"
    r"|\s+(?:for|by|from|of|on|in)\s+<channel>).*$",
    re.IGNORECASE | re.DOTALL,
)
"""Where a topic ends: a sentence end, a clause after a comma ("..., or is that saturated?"), the voice or channel it is
for ("in my voice", "like Nischa's best ones", "for my channel", "for Nischa"), a judgement asked of it ("a good idea", "worth it")."""
_NOT_TOPICS = frozenset({"it", "this", "that", "me", "my video", "this video", "this draft", "my draft", "the draft",
                         "this script", "my script", "the script", "this one", "that one", "video", "my channel"})


def video_topic(text: str, leads: tuple[re.Pattern[str], ...] = ()) -> str:
    """The topic a request names for a video ("hook ideas pls, the video is about learning japanese" -> "learning
    japanese"; "an 8-minute explainer on index funds, what sections?" -> "index funds"; "my eigenvalues video" ->
    "eigenvalues"), or "" when it names none ("outline this draft"). ``leads``: a tool's own ways of introducing a
    topic (a pattern with a group ``t``: "hooks for X"), tried after the common ones. Quoted titles are not read as
    the topic. Channel names in the text should be marked (``mark_channels``): a topic never holds one."""
    text = without_quoted(text)
    for pattern in (*_TOPIC_LEADS, *leads):
        if not (m := pattern.search(text)):
            continue
        topic = _TOPIC_END.sub("", m.group("t")).strip(" ,.?!:;“”\"'")
        topic = re.sub(r"^(?:(?:a|an)\s+)?(?:(?:new|next|youtube)\s+)?(?:video\s+(?:about|on)\s+)?", "", topic,
                       flags=re.IGNORECASE).strip()
        topic = re.sub(r"\s+", " ", topic.replace(CHANNEL_MARK, " ")).strip(" ,.?!:;")
        if re.search(r"[A-Za-z]{3,}", topic) and topic.lower() not in _NOT_TOPICS:
            return topic
    return ""
