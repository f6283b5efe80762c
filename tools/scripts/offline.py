"""The offline engine's spec of analyze_script: its example requests, the (empty) argument extractor, the
question it asks, its claim on a message that carries a transcript, and the hooks it showed (``items``)."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import BaseMessage

from agent.dialogue import ShownItem
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


def items(artifact: dict) -> list[ShownItem]:
    """The hooks an analyze_script result showed, strongest first as numbered there, each with its time, type and
    strength 0-10 (the measure "which hook is the strongest?" ranks by) and what earned the scores."""
    out = []
    for hook in artifact.get("hooks", []) if isinstance(artifact, dict) else []:
        at = f"{int(hook.get('start_s', 0)) // 60}:{int(hook.get('start_s', 0)) % 60:02d}"
        facts = {"time": at, "type": str(hook.get("type", "")), "strength": f"{float(hook.get('strength', 0)):.1f}/10"}
        out.append(ShownItem(str(hook.get("text", "")), facts, float(hook.get("strength", 0)), "strength",
                             str(hook.get("why", ""))))
    return out
