"""Where the tools find the transcript: in the conversation, not in their arguments.

A transcript can be 100,000 words; copying it into a tool call would double it in the checkpoint, in the UI's
step and in the model's output tokens. So the transcript tools (``analyze_script``, ``generate_titles``) read it
from the conversation itself: the latest human message that carries one (a pasted SRT/WebVTT/timestamped/plain
script or an ``[Attached file: NAME]`` block: ``tools.scripts.parsing.split_message``), through LangGraph's
``ToolRuntime`` state (``find_transcript``). An earlier ``analyze_script`` result on the same script is reused
(``previous_analysis``).
"""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.messages import BaseMessage, HumanMessage, ToolMessage

from agent.offline import message_text
from tools.scripts.hooks import ScriptAnalysis
from tools.scripts.parsing import fingerprint, split_message

NO_TRANSCRIPT = (
    "I don't see a transcript in this conversation. Paste it (SRT, WebVTT, timestamped lines like “0:42 text”, or "
    "plain text) or attach the file, and ask again: e.g. “Here's my transcript, find the hooks”."
)
"""What the transcript tools say (and the offline engine asks) when the conversation has no transcript."""


def find_transcript(messages: Sequence[BaseMessage]) -> str | None:
    """The transcript of the latest human message that carries one (``split_message``), or None."""
    for m in reversed(messages):
        if isinstance(m, HumanMessage):
            _, transcript = split_message(message_text(m))
            if transcript is not None:
                return transcript
    return None


def previous_analysis(messages: Sequence[BaseMessage], text: str) -> ScriptAnalysis | None:
    """The artifact of an earlier analyze_script call on the same script (same ``fingerprint``), or None."""
    key = fingerprint(text)
    for m in reversed(messages):
        if isinstance(m, ToolMessage) and m.name == "analyze_script" and isinstance(m.artifact, dict):
            if m.artifact.get("fingerprint") == key:
                return ScriptAnalysis.from_dict(m.artifact)
    return None
