"""The conversation's state as the offline engine reads it from the thread's messages (no extra storage: the thread's
checkpoint already keeps every message and tool result):

- **references to shown items** ("number 3", "#2", "the second one", "2 or 4"): ``references``;
- **questions about the last result** ("which of those did best?", "what was the multiplier of number 3?", "why did
  #2 work?"): ``result_question`` reads the question and ``answer_about`` answers it from the numbered items the last
  tool result showed (``ShownItem``, given by the tool's ``OfflineSpec.items``), without running anything again;
- **the topic of the conversation** ("I'm making a video about compound interest"): ``stated_topic`` reads it from
  a creator's message, so a later request that needs a topic ("find outliers", "give me titles") can use it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from agent.intent import QUOTED

ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
            "ninth": 9, "tenth": 10, "top": 1, "best": 1, "last": -1}
"""Words that point at a listed item by its place (-1: the last)."""
_REFERENCE = re.compile(
    r"(?:#|\bno\.?\s*|\bnumbers?\s+|\boptions?\s+|\btitles?\s+|\bideas?\s+)(\d{1,2})\b|\b(\d{1,2})(?:st|nd|rd|th)\b"
    r"|\b(" + "|".join(ORDINALS) + r")\b(?=\s+(?:one|title|option|idea|suggestion|two|three)s?\b)"
    r"|\b(?:the\s+)?(" + "|".join(k for k in ORDINALS if k not in ("top", "best")) + r")\b"
    r"|(?<![\w#$])(\d{1,2})(?=\s*(?:,|or|and|vs\.?|versus|\?|$))",
    re.IGNORECASE,
)


def references(text: str) -> list[int]:
    """The listed items a message points at, in order, by number ('number 3', '#2', 'the 3rd', 'which is better,
    2 or 4?') or by place ('the second one', 'the top one', 'the last one' -> -1). Quoted titles are not read."""
    found: list[int] = []
    for m in _REFERENCE.finditer(QUOTED.sub(" ", text)):
        digits = m.group(1) or m.group(2) or m.group(5)
        value = int(digits) if digits else ORDINALS[(m.group(3) or m.group(4)).lower()]
        if value not in found and value != 0:
            found.append(value)
    return found


@dataclass(frozen=True)
class ShownItem:
    """One numbered item of a tool result, as the creator saw it.

    - ``title``: the item's title;
    - ``facts``: what the result said about it, in words, in the order to tell them ({"views": "1,234,567",
      "multiplier": "5.2x", "channel": "Veritasium"}); keys are the words a creator asks with;
    - ``measure``: the number "which did best?" ranks by (higher is better; None when the result has none), named
      ``measure_name`` ("multiplier", "score");
    - ``why``: the result's own reasons the item stands out (the pattern it uses, the hook it grew from), "" if none.
    """

    title: str
    facts: dict[str, str] = field(default_factory=dict)
    measure: float | None = None
    measure_name: str = ""
    why: str = ""


_POINTS_AT_RESULTS = re.compile(r"\b(?:those|these|them|the (?:list|results?|videos|titles|ones)|of (?:all|the))\b"
                                r"|\bwhich\s+(?:one|video|vid|title|upload)s?\b"
                                r"|\bwhich\s+(?=(?:performed|did|was|got|had|went|scored|blew|popped)\b)", re.IGNORECASE)
_BEST = re.compile(
    r"\b(?:did|does|do|performed|went|worked|scored|was|is|blew up|popped off|got|had)\s+(?:the\s+)?"
    r"(?:best|most|highest|well(?:est)?)\b"
    r"|\b(?:best|top)[- ]?perform\w*|\b(?:most|highest|biggest|largest|top)\s+(?:views|multiplier|score)\b"
    r"|\b(?:is|was|are|were|'s)\s+(?:the\s+)?(?:strongest|best|top one)\b"
    r"|\bwinner\b|\bbiggest (?:one|hit|outlier)\b",
    re.IGNORECASE,
)
_WORST = re.compile(r"\b(?:did|does|performed|went|scored|was|is)\s+(?:the\s+)?(?:worst|least|lowest)\b"
                    r"|\b(?:worst|weakest|lowest)\b", re.IGNORECASE)
_FACT = re.compile(r"\b(?:what(?:'s|\s+is|\s+was|\s+were)?|how (?:many|much|high))\s+(?:the\s+|its\s+)?"
                   r"(views?|multiplier|score|grade|channel|format|year|strength|time)\b", re.IGNORECASE)
_WHY = re.compile(r"\bwhy\s+(?:did|does|do|is|was|would)\b|\bwhat made\b|\bhow come\b", re.IGNORECASE)
_FACT_WORDS = {"view": "views", "views": "views", "multiplier": "multiplier", "score": "score", "grade": "score",
               "channel": "channel", "format": "channel", "year": "channel", "strength": "strength", "time": "time"}


@dataclass(frozen=True)
class ResultQuestion:
    """A question about the last result: ``kind`` "best", "worst", "fact" (``fact``: the fact's key, "views") or
    "why", about the items ``items`` points at (numbers as in ``references``; empty: every item)."""

    kind: str
    items: tuple[int, ...] = ()
    fact: str = ""


def result_question(text: str) -> ResultQuestion | None:
    """The question a message asks about the items of the last result, or None when it asks for something else.
    A question must point at the result (a number, "those", "them", "the list", "which one") and ask which did best
    or worst, what
    a fact of an item was, or why an item worked; a request that names something new is not one."""
    plain = QUOTED.sub(" ", text)
    if QUOTED.search(text) or len(plain.split()) > 16:
        return None
    refs = tuple(references(plain))
    points = bool(refs) or bool(_POINTS_AT_RESULTS.search(plain))
    if not points:
        return None
    if (m := _FACT.search(plain)) and refs:
        return ResultQuestion("fact", refs[:1], _FACT_WORDS[m.group(1).lower()])
    if _WHY.search(plain) and refs:
        return ResultQuestion("why", refs[:1])
    if _WORST.search(plain):
        return ResultQuestion("worst", refs)
    if _BEST.search(plain) and re.search(r"\b(?:which|what|who)\b", plain, re.IGNORECASE):
        return ResultQuestion("best", refs)
    return None


def _pick(items: list[ShownItem], number: int) -> ShownItem | None:
    if number > 0 and number <= len(items):
        return items[number - 1]
    if number < 0 and -number <= len(items):
        return items[number]
    return None


def _label(items: list[ShownItem], item: ShownItem) -> str:
    return f"#{items.index(item) + 1} “{item.title}”"


def answer_about(question: ResultQuestion, items: list[ShownItem]) -> str:
    """The answer to ``question`` from the items the last result showed, in a creator's words; says so when the
    result does not hold what is asked (no such number, no measure, no reasons given)."""
    if not items:
        return ("The last result listed nothing to answer from. Try a broader search first, then ask about its "
                "results.")
    if question.kind in ("best", "worst"):
        pool = [p for n in question.items if (p := _pick(items, n))] or items
        ranked = [i for i in pool if i.measure is not None]
        if not ranked:
            return "That result gives no number to compare them by."
        chosen = (max if question.kind == "best" else min)(ranked, key=lambda i: i.measure or 0.0)
        facts = ", ".join(f"{k} {v}" for k, v in chosen.facts.items())
        word = "best" if question.kind == "best" else "least well"
        lead = f"{_label(items, chosen)} did {word} by {chosen.measure_name}" + (f" ({facts})" if facts else "") + "."
        return lead + (f" Why it stands out: {chosen.why}" if chosen.why and question.kind == "best" else "")
    item = _pick(items, question.items[0])
    if item is None:
        return f"The last result shows {len(items)} items; which number do you mean?"
    if question.kind == "fact":
        value = item.facts.get(question.fact)
        if value is None:
            known = ", ".join(item.facts) or "nothing more"
            return f"The result does not give the {question.fact} of {_label(items, item)}; it shows {known}."
        return f"{_label(items, item)}: {question.fact} {value}."
    facts = ", ".join(f"{k} {v}" for k, v in item.facts.items())
    if not item.why:
        return f"{_label(items, item)}" + (f" ({facts})" if facts else "") + ": the result gives no reason beyond its numbers."
    return f"{_label(items, item)}" + (f" ({facts})" if facts else "") + f": {item.why}"


_TOPIC = re.compile(
    r"\b(?:i'?m|i am|we'?re|we are|i'?ll be|planning|going|want|thinking of|working on)\b[^.?!]{0,30}?"
    r"\b(?:video|short|vlog|episode|reel|series)s?\s+(?:about|on|where|covering|explaining)\s+(?P<a>[^.?!\n]+)"
    r"|\bmy (?:next |new |upcoming )?(?:video|short|vlog|episode|channel)\s+(?:is|will be|'s)\s+(?:about|on)\s+"
    r"(?P<b>[^.?!\n]+)",
    re.IGNORECASE,
)


def stated_topic(text: str) -> str:
    """The topic a creator says a video is about ("I'm making a video about compound interest" -> "compound
    interest"), or "" when the message states none."""
    m = _TOPIC.search(QUOTED.sub(" ", text))
    if not m:
        return ""
    topic = re.split(r"\s*(?:,|;|\s+and\s+(?:i|we|can|could|please|give|find|what)\b)", m.group("a") or m.group("b"))[0]
    return topic.strip(" .?!\"'“”")
