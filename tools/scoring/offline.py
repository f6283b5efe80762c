"""The offline engine's spec of score_title: its example requests, the argument extractor and the question it
asks when a request gives no title."""

from __future__ import annotations

import re
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage

from tools import extract
from tools.base import context_of
from tools.learning.choices import generated_titles

EXAMPLES = [
    "Score this title: I Built a Giant Lego Volcano",
    "Which is better: \"I tried yoga for 30 days\" or \"30 days of yoga\"?",
]
"""Requests a creator can send as they are (shown in the greeting and the help text)."""
ACTION = "score a title or compare two"
"""What the tool does, in a creator's words."""

ASK = "Which title should I score? Paste it in quotes, e.g. Score “I Built a Giant Lego Volcano”."


async def extract_args(text: str, context: Any = None) -> dict:
    """Offline engine: the titles in a request (quoted spans, else the text after a colon or an arrow, split in two
    at 'A or B'), the channel named with 'for/on <channel>', whether two titles are to be compared, and whether the
    creator asks about their own channel ("my channel")."""
    titles = extract.quoted(text)
    if not titles:
        one = extract.pasted_title(text)
        titles = extract.alternatives(one) if one and not _POINTER.match(one) else []
    args: dict = {"titles": titles} if titles else {}
    lowered = text.lower()
    if len(titles) == 2 and (any(w in lowered for w in (" vs", "versus", "compare", "which is better", "or "))
                             or len(extract.alternatives(f"{titles[0]} or {titles[1]}")) == 2 and " or " in lowered):
        args["compare"] = True
    if "my channel" in lowered:
        args["my_channel"] = True
    outside = text
    for t in titles:
        outside = outside.replace(t, " ")
    if channels := extract.match_channels(outside, await context_of(context).channel_names()):
        args["channel"] = channels[0]
    return args


_POINTER = re.compile(r"^(?:the\s+)?(?:(?:top|first|second|third|fourth|fifth|last|\d{1,2}(?:st|nd|rd|th))\s+"
                      r"(?:one|title|option|idea)s?|numbers?\s+\d{1,2}|#\s?\d{1,2}|no\.?\s*\d{1,2}|options?\s+\d{1,2}|"
                      r"(?:all|both|each) (?:of )?(?:them|those|these))\b", re.IGNORECASE)
"""A 'title' that points at a listed one instead ("the top one", "number 3"): the conversation resolves it."""
_COMPARE = re.compile(r"\b(?:which (?:one )?is better|which one|better one|compare|versus|vs\.?|or the (?:first|other))\b", re.I)
_ALL = re.compile(r"\b(?:all|each|every one|both) (?:of )?(?:them|those|these|titles?)\b|\bscore them\b", re.I)


def resolve(text: str, args: dict, messages: list[BaseMessage]) -> dict | None:
    """Titles from the conversation when the request names none of its own: the generated titles it points at
    ("rate number 3", "which is better, 2 or 4?", "score the top one", "score all of them"), compared when two; a
    new title asked "which one is better?" against the title scored just before. None when no title is found (the
    engine asks, or carries the last scoring call's titles over)."""
    titles = list(args.get("titles") or [])
    if len(titles) == 1 and _COMPARE.search(text):
        for m in reversed(messages):
            calls = [c for c in m.tool_calls if c["name"] == "score_title"] if isinstance(m, AIMessage) else []
            if calls and (before := calls[-1]["args"].get("titles")) and before[-1] != titles[0]:
                return {**args, "titles": [before[-1], titles[0]], "compare": True}
    if titles:
        return args
    shown, _, _ = generated_titles(messages)
    if not shown:
        return None
    if _ALL.search(text):
        return {**args, "titles": shown}
    picked = [shown[i - 1] if i > 0 else shown[i] for i in extract.references(text) if -len(shown) <= i <= len(shown)]
    if not picked:
        return None
    return {**args, "titles": picked, **({"compare": True} if len(picked) == 2 else {})}
