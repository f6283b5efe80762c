"""generate_titles' offline-engine spec: the example requests, the argument extractor, the claim on a message that
carries a transcript (analyze_script's, ``tools.scripts.offline.claim``, unless the request says it wants no titles)
and the resolver. Its clarifying question is analyze_script's (``tools.scripts.transcript.NO_TRANSCRIPT``): both tools
need the same transcript, read the same way."""

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
]
"""A request a creator can send with a transcript (shown in the help text)."""
ACTION = "write titles for a video (paste its transcript)"
"""What the tool does, in a creator's words."""


async def extract_args(text: str, context: Any = None) -> dict:
    """Offline engine: the channel named in the request's own words ("for my channel Nischa"); the transcript
    is read from the message by the tool (``tools.scripts.transcript`` explains why)."""
    request, _ = split_message(text)
    channels = extract.match_channels(request, await context_of(context).channel_names()) if request else []
    return {"channel": channels[0]} if channels else {}


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
