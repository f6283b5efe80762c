"""generate_titles' offline-engine spec: the example requests, the argument extractor (a described video idea as
``topic`` when there is no transcript), the question it asks, the claim on a message that carries a transcript
(analyze_script's, ``tools.scripts.offline.claim``, unless the request says it wants no titles) and the resolver:
both tools need the same transcript, read the same way (``tools.scripts.transcript``)."""

from __future__ import annotations

import re
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage

from agent.dialogue import ShownItem
from tools import extract
from tools.base import context_of
from tools.learning.choices import generated_titles
from tools.scripts.offline import claim as transcript_claim
from tools.scripts.parsing import split_message
from tools.scripts.transcript import find_transcript
from tools.titles.candidates import DEFAULT_MAX_CHARS, DEFAULT_MIN_CHARS

EXAMPLES = [
    "Here's my transcript, write titles for it",
    "10 title ideas for a video where I test 5 budgeting apps for a month",
]
"""Requests a creator can send as they are (shown in the greeting and the help text)."""
ACTION = "write titles for a video from its transcript or a described idea"
"""What the tool does, in a creator's words."""

ASK = (
    "Which video should I write titles for? Paste or attach its transcript (SRT, WebVTT, timestamped lines or plain "
    "text), or describe it in a sentence: e.g. “10 title ideas for a video where I test 5 budgeting apps”."
)
"""What generate_titles says (and the offline engine asks) when there is neither a transcript nor a described idea."""

_IDEA_LEADS = (
    re.compile(r"\btitles?(?:\s+ideas?)?\s+(?:for|about|on)\s+(?!(?:this|my|the)\s+(?:script|transcript|captions|srt)\b)"
               r"(?:(?:a|an|my|the)\s+)?(?:(?:new|next|youtube)\s+)?(?:video\s+)?(?:(?:about|on|where|in which)\s+)?(?P<t>.+)",
               re.IGNORECASE | re.DOTALL),
)
"""A title request's own way of naming the idea ("10 titles for X"), after ``extract.video_topic``'s."""


def described_idea(request: str) -> str:
    """The video idea a request describes ("10 title ideas for a video where I test 5 apps" -> "I test 5 apps"),
    or "" when it describes none (it asks about a transcript, or names nothing)."""
    return extract.video_topic(request, _IDEA_LEADS)


async def extract_args(text: str, context: Any = None) -> dict:
    """Offline engine: the channel named in the request's own words ("for my channel Nischa"); with no transcript in
    the message, the described video idea as ``topic``. The transcript is read from the conversation by the tool
    (``tools.scripts.transcript`` explains why)."""
    request, transcript = split_message(text)
    args: dict = {}
    if transcript is None and (idea := described_idea(request)):
        args["topic"] = idea
    channels = extract.match_channels(request, await context_of(context).channel_names()) if request else []
    if channels:
        args["channel"] = channels[0]
    return args


def resolve(text: str, args: dict, messages: list[BaseMessage]) -> dict | None:
    """The arguments when there is something to title: a transcript in the conversation, or a described topic
    (``topic``); else None (the engine asks for a transcript)."""
    return args if args.get("topic") or find_transcript(messages) else None


_NO_TITLES = re.compile(r"\b(?:no|not|don'?t|do not|dont|without|skip)\b[^.!?]{0,25}\btitles?\b|\btitles? later\b", re.I)


def claim(text: str) -> str | None:
    """The request's own words when the message carries a transcript and does not turn titles down ("just the
    hooks, no titles yet"), else None."""
    request = transcript_claim(text)
    return None if request is None or _NO_TITLES.search(request) else request


def items(artifact: dict) -> list[ShownItem]:
    """The titles a generate_titles result showed, numbered as shown, each with its score and grade (the measure
    "which did best?" ranks by) and its evidence: the formula, the hook it grew from, the real outliers behind it."""
    judged = {t["candidate"]["title"]: t for t in artifact.get("titles", []) if isinstance(t, dict)}
    out = []
    for title in artifact.get("shown", []):
        t = judged.get(title)
        if t is None:
            out.append(ShownItem(title))
            continue
        c = t["candidate"]
        why = [f"it uses the “{c['formula']}” formula" if c.get("formula") else "",
               f"grew from the hook {c['hook_id']}" if c.get("hook_id") else "",
               "real outliers behind it: " + "; ".join(f"“{e['title']}” ({e['channel']}, {e['multiplier']:.1f}x)"
                                                         for e in c.get("exemplars", [])[:2]) if c.get("exemplars") else "",
               t.get("note", "")]
        out.append(ShownItem(title, {"score": f"{t['score']:.0f}/100 ({t['grade']})"}, float(t["score"]), "score",
                             "; ".join(w for w in why if w)))
    return out


_SHORTER = re.compile(r"\b(?:shorten|shorter|punchier|snappier|tighter|trim|cut (?:them|it|those|these)? ?down|"
                      r"more concise|less wordy|(?:they(?:'re| are)|these are|those are|a bit|way|still) too long)\b", re.IGNORECASE)
SHORTER_BY = 0.8
"""A shortened title's length bound: this share of the length it shortens (the longest shown title for "shorten
them", the named one for "make number 3 punchier"), so the new titles are visibly shorter."""
SHORTEST = 25
"""The lowest length bound a shortening asks for (characters): below it titles lose their topic."""


def refine(text: str, messages: list[BaseMessage]) -> dict | None:
    """A new generate_titles call for "shorten them" / "make them shorter" / "make number 3 punchier" after titles were
    shown: the last call's video (its transcript is read from the conversation again; a described topic, or for one
    named title that title as the idea when there is no transcript) under a length bound of ``SHORTER_BY`` times the
    length it shortens (at least ``SHORTEST``), through the whole title engine and its fluency guard. None when the
    message asks no such thing or no titles were shown."""
    if not _SHORTER.search(text) or extract.quoted(text):
        return None
    previous: dict = {}
    for m in reversed(messages):
        if isinstance(m, AIMessage) and (calls := [c for c in m.tool_calls if c["name"] == "generate_titles"]):
            previous = dict(calls[-1]["args"])
            break
    shown = generated_titles(messages)[0]
    if not shown:
        return None
    picked = [shown[i - 1] if i > 0 else shown[i] for i in extract.references(text) if -len(shown) <= i <= len(shown)]
    longest = max(len(t) for t in (picked or shown))
    bound = max(SHORTEST, round(SHORTER_BY * longest))
    args = {k: v for k, v in previous.items() if k in ("topic", "channel", "titles_per_hook")}
    if picked and not find_transcript(messages):
        args["topic"] = picked[0]
    if not args.get("topic") and not find_transcript(messages):
        return None
    args["max_chars"] = bound
    args["min_chars"] = max(10, min(int(previous.get("min_chars", DEFAULT_MIN_CHARS)), bound - 15))
    args["max_chars"] = min(args["max_chars"], int(previous.get("max_chars", DEFAULT_MAX_CHARS)))
    return args
