"""generate_titles' offline-engine spec: the example requests and the argument extractor. Its clarifying question
and its claim on a message that carries a transcript are analyze_script's (``tools.scripts.transcript``: ``NO_TRANSCRIPT``
and ``claim``): both tools need the same transcript, read the same way."""

from __future__ import annotations

from typing import Any

from tools import extract
from tools.base import context_of
from tools.scripts.parsing import split_message

EXAMPLES = [
    "Here's my transcript, write titles for it",
    "Give me title ideas for this video script",
    "Generate YouTube titles from this SRT",
    "What should I call this video? Here's the transcript",
    "Turn the best hooks of my script into titles",
    "Suggest titles for my video based on the transcript",
    "title ideas from my captions for my channel",
    "Write me a title for this script",
]
"""Example requests the offline engine routes by (similarity to the creator's message)."""


async def extract_args(text: str, context: Any = None) -> dict:
    """Offline engine: the channel named in the request's own words ("for my channel Nischa"); the transcript
    is read from the message by the tool (``tools.scripts.transcript`` explains why)."""
    request, _ = split_message(text)
    channels = extract.match_channels(request, await context_of(context).channel_names()) if request else []
    return {"channel": channels[0]} if channels else {}
