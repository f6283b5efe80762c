"""generate_titles: the tool the model sees. It reads the transcript from the conversation, runs the
title-generation subgraph (``tools.titles.graph``) with the run's database, engine and creator, and records the
titles shown as the creator's "view" signals. The offline-engine spec is ``tools.titles.offline``."""

from __future__ import annotations

from typing import Annotated, Any

from langgraph.prebuilt import ToolRuntime
from pydantic import Field

from memory.db import Database
from memory.learning import get_block, put_block, record_views
from tools.base import context_of, cortex_tool
from tools.scripts.transcript import find_transcript, previous_analysis
from tools.titles.candidates import DEFAULT_MAX_CHARS, DEFAULT_MIN_CHARS, DEFAULT_TITLES_PER_HOOK
from tools.titles.graph import TitleGenContext, TitleGenState, result_artifact, result_markdown, run_title_graph
from tools.titles.offline import ACTION, ASK, EXAMPLES, claim, extract_args, items, refine, resolve


async def generate_titles(
    runtime: ToolRuntime[Any, Any],
    transcript: Annotated[str, Field(description=(
        "The transcript or script text; empty: the one pasted or attached in the conversation."))] = "",
    topic: Annotated[str, Field(max_length=2000, description=(
        "The video idea in plain words, when there is no transcript."))] = "",
    channel: Annotated[str | None, Field(max_length=200, description="The creator's channel name.")] = None,
    titles_per_hook: Annotated[int, Field(ge=1, le=5, description="Titles written per hook (1-5).")] = DEFAULT_TITLES_PER_HOOK,
    min_chars: Annotated[int, Field(description="Shortest title, characters (at least 10).")] = DEFAULT_MIN_CHARS,
    max_chars: Annotated[int, Field(description="Longest title, characters (at most 100, YouTube's limit).")] = DEFAULT_MAX_CHARS,
) -> tuple[str, dict]:
    """Write YouTube titles from a video's transcript, or from a described video idea when there is none: finds
    its hooks (with timestamps) and key concepts, grounds titles in real outlier videos and the channel's own best and
    worst titles, checks each reads as a complete title, judges and ranks them, each with its evidence (hook,
    exemplars with outlier multipliers, formula) and score.

    Args: transcript (leave it empty: the transcript the creator pasted or attached is read from the
    conversation; pass text only for a short script typed inline, never copy a long one), topic (the video idea in
    the creator's words when there is no transcript, e.g. "I test 5 budgeting apps for a month"), channel (the
    creator's channel name, optional), titles_per_hook (1-5, default 3), min_chars / max_chars (the title
    length window, default 40-70).
    """
    text = transcript.strip() or find_transcript(runtime.state.get("messages", [])) or ""
    idea = "" if text else topic.strip()
    if not text and not idea:
        return ASK, {}
    if not 10 <= min_chars < max_chars <= 100:
        return (f"The length window {min_chars}-{max_chars} characters is not usable: pick a minimum of at least 10 "
                "below a maximum of at most 100 (YouTube's limit), e.g. 40-70."), {}
    inputs: TitleGenState = {
        "transcript": text,
        "topic": idea,
        "channel": channel,
        "titles_per_hook": max(1, min(titles_per_hook, 5)),
        "min_chars": min_chars,
        "max_chars": max_chars,
        "analysis": previous_analysis(runtime.state.get("messages", []), text) if text else None,
    }
    ctx = context_of(runtime.context)
    db = await ctx.database()
    creator = ctx.creator_id
    try:
        context = TitleGenContext(db=db, engine=ctx.engine, creator_id=creator)
        result = await run_title_graph(inputs, runtime.config, context, runtime.stream_writer)
    except ValueError as exc:  # the gateway: "llm" asked for with no key
        return str(exc), {}
    if result.get("error"):
        return result["error"], {}
    artifact = {**result_artifact(result), "generation_id": runtime.tool_call_id}
    if creator:
        memory = result.get("memory")
        named = memory.performance.channel if channel and memory and memory.performance else None
        thread = runtime.config.get("configurable", {}).get("thread_id", "")
        await _remember_generation(db, creator, thread, runtime.tool_call_id, artifact, named)
    return result_markdown(result), artifact


async def _remember_generation(
    db: Database, creator: str, thread: str, generation_id: str | None, artifact: dict, channel: str | None
) -> None:
    """Record that the creator was shown these titles (the "view" signals, the denominator of what they pick), and
    remember ``channel`` (the corpus channel they named, as ``recall`` resolved it) as theirs when they have none
    yet."""
    judged = {t["candidate"]["title"]: t for t in artifact["titles"]}
    await record_views(db.pool, creator, thread, generation_id,
                       [(rank, title, judged.get(title)) for rank, title in enumerate(artifact["shown"], 1)])
    if channel and not await get_block(db.store, creator, "profile"):
        await put_block(db.store, creator, "profile", {"channel": channel, "from": "named in a title request"})


tool = cortex_tool(generate_titles, examples=EXAMPLES, extract=extract_args, ask=ASK, action=ACTION, claim=claim,
                   resolve=resolve, topic_arg="topic", channel_arg="channel", items=items, refine=refine)
