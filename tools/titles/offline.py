"""generate_titles' offline-engine spec: the example requests, the argument extractor (a described video idea as
``topic`` when there is no transcript), the question it asks, the claim on a message that carries a transcript
(analyze_script's, ``tools.scripts.offline.claim``, unless the request says it wants no titles) and the resolver:
both tools need the same transcript, read the same way (``tools.scripts.transcript``)."""

from __future__ import annotations

import re
from typing import Any

from langchain_core.messages import BaseMessage

from tools import extract
from tools.base import context_of
from tools.scripts.offline import claim as transcript_claim
from tools.scripts.parsing import split_message
from tools.scripts.transcript import find_transcript

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

_IDEA = re.compile(
    r"\b(?:video|short|vlog|episode|reel)s?\s+(?:where|in which|that|about|on)\s+(?P<a>.+)"
    r"|\btitles?(?:\s+ideas?)?\s+(?:for|about|on)\s+(?!(?:this|my|the)\s+(?:script|transcript|captions|srt)\b)"
    r"(?:(?:a|an|my|the)\s+)?(?:(?:new|next|youtube)\s+)?(?:video\s+)?(?:(?:about|on|where|in which)\s+)?(?P<b>.+)"
    r"|\b(?:call|title|name)\s+(?:a|my)\s+video\s+(?:about|where|on)\s+(?P<c>.+)",
    re.IGNORECASE | re.DOTALL,
)
_FOR_CHANNEL = re.compile(r"[,;]?\s*\bfor my channel\b.*$|\bon my channel\b.*$", re.IGNORECASE)


def described_idea(request: str) -> str:
    """The video idea a request describes ("10 title ideas for a video where I test 5 apps" -> "I test 5 apps"),
    or "" when it describes none (it asks about a transcript, or names nothing)."""
    m = _IDEA.search(request)
    if not m:
        return ""
    idea = _FOR_CHANNEL.sub("", next(g for g in m.groups() if g is not None)).strip(" .?!\"'“”")
    return idea if re.search(r"[A-Za-z]{3,}", idea) and idea.lower() not in {"it", "this", "this video", "that"} else ""


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
