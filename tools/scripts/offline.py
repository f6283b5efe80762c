"""The offline engine's spec of analyze_script: its example requests, the (empty) argument extractor, the
question it asks, and its claim on a message that carries a transcript."""

from __future__ import annotations

from typing import Any

from tools.scripts.parsing import split_message
from tools.scripts.transcript import NO_TRANSCRIPT

EXAMPLES = [
    "Here's my transcript, find the hooks",
    "Analyze my script and find the strongest hooks",
    "What are the hooks in my video script?",
    "Find the best moments in this transcript",
    "Which parts of my video grab attention in the first 30 seconds?",
    "Check the opening of my script: is the hook strong enough?",
    "Break down my transcript by time: what happens in the first minute?",
    "here are my captions (SRT), analyse the intro",
]

ASK = NO_TRANSCRIPT


async def extract_args(text: str, context: Any = None) -> dict:
    """Offline engine: no argument to copy, the tool reads the transcript from the message
    (``tools.scripts.transcript``)."""
    return {}


def claim(text: str) -> str | None:
    """The request's own words when the message carries a transcript (``split_message``), else None."""
    request, transcript = split_message(text)
    return request if transcript is not None else None
