"""learn_voice: build the creator's Creator DNA, the voice profile of their own transcripts (``tools.learning.voice``), from
their channel's transcripts in the data or from transcripts they paste, and store it in their memory (the store
block ``("creators", creator_id, "dna")``, with their channel in ``profile``). Hook and title generation use it
from then on (``tools.learning.blocks``)."""

from __future__ import annotations

import asyncio
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage
from langgraph.prebuilt import ToolRuntime

from agent.settings import get_settings
from memory.learning import put_block
from memory.db import get_database
from tools import extract
from tools.scripts.offline import claim
from tools.base import cortex_tool, trace
from tools.scripts.parsing import split_message
from tools.learning.voice import TRANSCRIPT_CHANNELS, build_voice_profile, load_channel_transcripts, voice_markdown

ASK = ("Which transcripts are yours? Name your channel (e.g. “learn my voice from my channel 3Blue1Brown”; "
       f"channels with transcripts in the data: {', '.join(TRANSCRIPT_CHANNELS)}), or paste a few of your "
       "transcripts and say “learn my voice from these”.")


def pasted_transcripts(messages: list[BaseMessage]) -> list[str]:
    """Every transcript the creator pasted or attached in this conversation, oldest first."""
    found = []
    for m in messages:
        if isinstance(m, HumanMessage) and isinstance(m.content, str):
            _, transcript = split_message(m.content)
            if transcript is not None:
                found.append(transcript)
    return found


async def learn_voice(runtime: ToolRuntime[Any, Any], channel: str | None = None) -> tuple[str, dict]:
    """Build and remember the creator's Creator DNA (voice profile: vocabulary, signature phrases, sentence length,
    pacing, questions, teaching moves) from their own transcripts: their channel's transcripts in the data, or the
    transcripts they pasted in this conversation. Then show it. For "learn my voice from my channel X", "build my
    Creator DNA from these transcripts".

    Args: channel (their channel's name, when they name one; leave empty to use pasted transcripts).
    """
    creator = getattr(runtime.context, "creator_id", None) or "anonymous"
    if channel:
        try:
            texts = await asyncio.to_thread(load_channel_transcripts, get_settings().data_dir, channel)
        except ValueError as exc:
            return str(exc), {}
        channel = source = next(iter(extract.match_channels(channel, list(TRANSCRIPT_CHANNELS), cutoff=80)), channel)
    else:
        texts = pasted_transcripts(runtime.state.get("messages", []))
        source = f"{len(texts)} transcript(s) pasted in the chat"
        if not texts:
            return ASK, {}
    try:
        profile = await asyncio.to_thread(build_voice_profile, texts, source)
    except ValueError as exc:
        return str(exc), {}
    db = await get_database()
    await put_block(db.store, creator, "dna", profile.to_dict())
    if channel:
        await put_block(db.store, creator, "profile", {"channel": channel, "from": "Creator DNA"})
    trace("memory.dna_built", creator=creator, source=profile.source, transcripts=profile.transcripts,
          words=profile.words)
    return ("Your Creator DNA is saved: I write hooks and titles in this voice from now on.\n\n"
            + voice_markdown(profile)), profile.to_dict()


async def extract_args(text: str, context: Any = None) -> dict:
    """Offline engine: a channel with transcripts named in the request."""
    request, _ = split_message(text)
    found = extract.match_channels(request or "", list(TRANSCRIPT_CHANNELS), cutoff=80)
    return {"channel": found[0]} if found else {}


tool = cortex_tool(
    learn_voice,
    examples=[
        "Learn my voice from my channel 3Blue1Brown",
        "Build my Creator DNA from my transcripts",
        "learn how I talk from these transcripts",
        "Create my voice profile from my channel Nischa",
        "analyze my speaking style across my videos and remember it",
    ],
    extract=extract_args,
    ask=ASK,
    claim=claim,
)
