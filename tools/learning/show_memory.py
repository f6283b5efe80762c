"""show_memory: what the product has learned about the creator ("what have you learned about me?"): their
learned preferences, their Creator DNA and their channel's performance memory (``tools.learning.blocks``)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Literal

from langgraph.prebuilt import ToolRuntime

from memory.db import get_database
from tools import extract
from tools.base import context_of, cortex_tool, trace
from tools.learning.blocks import learned_summary, memory_markdown
from tools.learning.preferences import preferences_markdown
from tools.learning.voice import voice_markdown

Block = Literal["all", "preferences", "dna", "performance"]


async def show_memory(runtime: ToolRuntime[Any, Any], block: Block = "all", channel: str | None = None) -> tuple[str, dict]:
    """Show what you have learned about this creator: their title preferences learned from feedback, their
    Creator DNA (voice profile from their transcripts) and their channel's best and worst performers and the
    patterns that lift it. For "what have you learned about me?", "show my Creator DNA", "what's my voice?".

    Args: block (all | preferences | dna | performance; default all), channel (their channel, when they name one).
    """
    creator = getattr(runtime.context, "creator_id", None) or "anonymous"
    blocks, actions = await learned_summary(creator, channel)
    trace("memory.shown", creator=creator, block=block, blocks=blocks.used(), actions=actions)
    if block == "preferences" and blocks.preferences is not None:
        text = preferences_markdown(blocks.preferences)
    elif block == "dna" and blocks.voice is not None:
        text = voice_markdown(blocks.voice)
    elif block == "performance" and blocks.performance is not None:
        text = blocks.performance.markdown()
    else:
        text = memory_markdown(blocks, actions)
    artifact = {
        "creator_id": creator,
        "blocks": blocks.used(),
        "actions": actions,
        "preferences": blocks.preferences.to_dict() if blocks.preferences else None,
        "dna": blocks.voice.to_dict() if blocks.voice else None,
        "performance": asdict(blocks.performance) if blocks.performance else None,
    }
    return text, artifact


_BLOCK_CUES = {"dna": ("dna", "voice", "style", "how i talk", "how i speak"),
               "performance": ("best", "worst", "perform", "top video", "ctr"),
               "preferences": ("prefer", "preference", "like", "taste")}


async def extract_args(text: str, context: Any = None) -> dict:
    """Offline engine: the block asked about (by its cue words) and a channel named in the request."""
    lower = text.lower()
    args: dict[str, Any] = {}
    if not any(w in lower for w in ("learned", "learnt", "know about me", "remember")):
        for block, cues in _BLOCK_CUES.items():
            if any(c in lower for c in cues):
                args["block"] = block
                break
    if channels := extract.match_channels(text, await context_of(context).channel_names()):
        args["channel"] = channels[0]
    return args


tool = cortex_tool(
    show_memory,
    examples=[
        "What have you learned about me?",
        "what do you know about me and my titles",
        "Show me my Creator DNA",
        "What's my voice profile?",
        "what do you remember about my preferences",
        "Show my learned title preferences",
        "How do I usually talk in my videos?",
    ],
    extract=extract_args,
    ask="Ask me “what have you learned about me?” to see everything I keep about you.",
)
