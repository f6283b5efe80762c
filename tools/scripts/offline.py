"""The offline engine's spec of analyze_script: its example requests, the (empty) argument extractor, the
question it asks, and its claim on a message that carries a transcript."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import BaseMessage

from tools.scripts.parsing import split_message
from tools.scripts.transcript import NO_TRANSCRIPT, find_transcript

EXAMPLES = [
    "Here's my transcript, find the hooks",
]
"""A request a creator can send with a transcript (shown in the help text)."""
ACTION = "find the hooks in a transcript"
"""What the tool does, in a creator's words."""

ASK = NO_TRANSCRIPT


async def extract_args(text: str, context: Any = None) -> dict:
    """Offline engine: no argument to copy, the tool reads the transcript from the message
    (``tools.scripts.transcript``)."""
    return {}


def claim(text: str) -> str | None:
    """The request's own words when the message carries a transcript (``split_message``), else None."""
    request, transcript = split_message(text)
    return request if transcript is not None else None


def resolve(text: str, args: dict, messages: list[BaseMessage]) -> dict | None:
    """The arguments when the conversation holds a transcript (this message or an earlier one), else None (the
    engine asks for one)."""
    return args if find_transcript(messages) else None
