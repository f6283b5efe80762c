"""analyze_script: a video's transcript -> its format, time buckets, hooks, topic, audience and key entities.

Where the transcript comes from
-------------------------------
A transcript can be 100,000 words; copying it into a tool call would double it in the checkpoint, in the UI's
step and in the model's output tokens. So the ``transcript`` argument is optional: left empty (what the offline
engine's extractor and the tool description ask for), the tool reads the transcript from the conversation itself,
the latest human message that carries one (a pasted SRT/WebVTT/timestamped/plain script or an
``[Attached file: NAME]`` block: ``tools.scripts.engine.split_message``), through LangGraph's ``ToolRuntime``
state. A short script typed inline may still be passed as the argument.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, ToolMessage
from langgraph.prebuilt import ToolRuntime

from agent.models import chat_model
from tools.base import cortex_tool, trace
from tools.scripts.engine import (
    ScriptAnalysis,
    ScriptInputError,
    StructuredOutputError,
    analysis_markdown,
    analyze_offline,
    analyze_with_llm,
    fingerprint,
    parse_script,
    split_message,
)

NO_TRANSCRIPT = (
    "I don't see a transcript in this conversation. Paste it (SRT, WebVTT, timestamped lines like “0:42 text”, or "
    "plain text) or attach the file, and ask again: e.g. “Here's my transcript, find the hooks”."
)


def _text(message: BaseMessage) -> str:
    if isinstance(message.content, str):
        return message.content
    return "\n".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in message.content)


def find_transcript(messages: Sequence[BaseMessage]) -> str | None:
    """The transcript of the latest human message that carries one (``split_message``), or None."""
    for m in reversed(messages):
        if isinstance(m, HumanMessage):
            _, transcript = split_message(_text(m))
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


def is_offline(model: BaseChatModel) -> bool:
    """True for the offline engine (no LLM: the heuristics run instead)."""
    return model._llm_type == "cortex-offline"


def model_name(model: BaseChatModel) -> str:
    """The model's name for labels (e.g. "gpt-4o-mini"), else its type."""
    return str(getattr(model, "model_name", None) or model._llm_type)


async def run_analysis(text: str, model: BaseChatModel, creator_context: str = "") -> ScriptAnalysis:
    """Parse and analyse a script with ``model`` (long tier; ``creator_context``, the creator's memory, goes into
    its prompt) or, for the offline engine, the heuristics; emits the trace events ``script.parsed`` and
    ``hooks.found``. A model whose output stays invalid after a retry
    falls back to the heuristics (said in the notes and in a ``hooks.fallback`` trace). Raises
    ``ScriptInputError`` for a script that cannot be analysed."""
    script = parse_script(text)
    trace(
        "script.parsed",
        format=script.format,
        words=script.words,
        passages=len(script.passages),
        timestamps="real" if script.timed else "estimated from word position",
        duration_s=script.duration_s,
        notes=list(script.notes),
    )
    dropped: list[str] = []
    if is_offline(model):
        analysis = analyze_offline(script, text)
    else:
        try:
            analysis, dropped = await analyze_with_llm(script, text, model, model_name(model), creator_context)
        except StructuredOutputError as exc:
            trace("hooks.fallback", reason=str(exc))
            offline = analyze_offline(script, text)
            note = f"The model's answer was invalid twice ({exc}); these hooks come from the offline heuristics."
            analysis = replace(offline, notes=(*offline.notes, note))
    trace(
        "hooks.found",
        engine=analysis.engine,
        hooks=[
            {
                "id": h.id,
                "at": h.at,
                "bucket": h.bucket,
                "type": h.type,
                "strength": h.strength,
                "specificity": h.specificity,
                "text": h.text[:120],
            }
            for h in analysis.hooks
        ],
        dropped=dropped,
        topic=analysis.topic,
    )
    return analysis


async def analyze_script(runtime: ToolRuntime[Any, Any], transcript: str = "") -> tuple[str, dict]:
    """Analyse a video's script or transcript: its format (SRT, WebVTT, timestamped, paragraphs, plain), the
    hooks with their type, text, timestamp and time bucket, a specificity score (0-8) and a strength score
    (0-10), and the video's topic, audience and key entities.

    Args: transcript (leave it empty: the transcript the creator pasted or attached is read from the
    conversation; pass text only for a short script typed inline, never copy a long one).
    """
    text = transcript.strip() or find_transcript(runtime.state.get("messages", [])) or ""
    if not text:
        return NO_TRANSCRIPT, {}
    try:
        model = chat_model("long", engine=getattr(runtime.context, "engine", None))
        analysis = await run_analysis(text, model)
    except (ScriptInputError, ValueError) as exc:
        return str(exc), {}
    return analysis_markdown(analysis), analysis.to_dict()


async def extract_args(text: str, context: Any = None) -> dict:
    """Offline engine: no argument to copy, the tool reads the transcript from the message (module docstring)."""
    return {}


def claim(text: str) -> str | None:
    """The request's own words when the message carries a transcript (``split_message``), else None."""
    request, transcript = split_message(text)
    return request if transcript is not None else None


tool = cortex_tool(
    analyze_script,
    examples=[
        "Here's my transcript, find the hooks",
        "Analyze my script and find the strongest hooks",
        "What are the hooks in my video script?",
        "Find the best moments in this transcript",
        "Which parts of my video grab attention in the first 30 seconds?",
        "Check the opening of my script: is the hook strong enough?",
        "Break down my transcript by time: what happens in the first minute?",
        "here are my captions (SRT), analyse the intro",
    ],
    extract=extract_args,
    ask=NO_TRANSCRIPT,
    claim=claim,
)
