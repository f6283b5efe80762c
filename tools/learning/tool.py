"""The six learning tools the model sees: use_title, record_feedback, show_memory, edit_memory, learn_voice,
title_outcomes.

Each takes the run's context from its ``runtime`` (``tools.base.context_of``: the creator, the database, the
settings) and calls its engine: ``choices`` + ``signals`` (use_title, record_feedback), ``blocks`` (show_memory),
``forgetting`` (edit_memory), ``transcripts`` + ``voice`` + ``blocks`` (learn_voice), ``outcomes``
(title_outcomes). Their offline specs are in
``offline``.

use_title and edit_memory change something outside the conversation, so the conversation asks the creator to
approve each call first (``tools.base.cortex_tool(side_effect=...)``: ``choices.describe_use``,
``forgetting.describe_edit``). record_feedback only records what the creator said about a title, so it needs no
approval; what it taught can be shown (show_memory), edited and erased (edit_memory).
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from typing import Annotated, Any, Literal

from langgraph.prebuilt import ToolRuntime
from pydantic import Field

from memory.analytics import AnalyticsInputError, channel_matches, list_channels, window_snapshots
from memory.analytics import channel_videos as analytics_videos
from memory.learning import put_block, used_titles
from tools.base import context_of, cortex_tool, trace
from tools.learning import offline
from tools.learning.blocks import learned_summary, memory_markdown, remember_voice
from tools.learning.choices import describe_use, feedback_reply, feedback_target, resolve_choice
from tools.learning.forgetting import describe_edit, edit_blocks
from tools.learning.outcomes import OutcomeReport, calibrate, match_video, outcomes, outcomes_markdown
from tools.learning.signals import rebuild_preferences, record_signal
from tools.learning.transcripts import creator_transcripts
from tools.learning.voice import build_voice_profile
from tools.learning.voice_fit import voice_markdown

ChatSignal = Literal["save", "copy", "reject", "thumbs_up", "thumbs_down", "edit"]
Block = Literal["all", "preferences", "dna", "performance"]
Action = Literal["forget", "erase_preferences", "erase_dna", "erase_all"]


def _thread(runtime: ToolRuntime[Any, Any]) -> str:
    return runtime.config.get("configurable", {}).get("thread_id", "")


async def use_title(
    runtime: ToolRuntime[Any, Any], choice: int | None = None, title: str | None = None
) -> tuple[str, dict]:
    """Record that the creator is using a title for their video: one of the titles generate_titles wrote in this
    conversation, or their own. Only when the creator says they use or pick a title ("I'm using the second one",
    "I'll go with 'X'"); the creator approves before it is recorded.

    Args: choice (the title's number in the generated list, 1 = first, -1 = the last), title (the title text,
    verbatim, when the creator quotes it). Give one of them.
    """
    resolved = resolve_choice(runtime.state.get("messages", []), choice, title)
    if isinstance(resolved, str):
        return resolved, {}
    ctx = context_of(runtime.context)
    db = await ctx.database()
    creator, thread = ctx.creator_id or "anonymous", _thread(runtime)
    row = (await record_signal(db.pool, db.store, creator, thread, "use", resolved)).row
    trace("title.chosen", title=resolved.title, rank=resolved.rank, generated=resolved.candidate is not None,
          creator=creator, thread=thread)
    artifact = {**asdict(resolved), "creator_id": creator, "thread_id": thread, "choice_id": row["event_id"],
                "chosen_at": row["created_at"].isoformat()}
    return f"Recorded: you are using {resolved.describe()} for this video.", artifact


async def record_feedback(
    runtime: ToolRuntime[Any, Any],
    signal: Annotated[ChatSignal, Field(description="The creator's reaction; edit: they changed the title's words.")],
    choice: Annotated[int | None, Field(ge=-100, le=100, description=(
        "The title's number in the generated list, 1 = first, -1 = the last."))] = None,
    title: Annotated[str | None, Field(max_length=300, description="The generated title's text, when quoted.")] = None,
    edited_title: Annotated[str | None, Field(max_length=300, description=(
        "For edit: the creator's new wording, verbatim."))] = None,
) -> tuple[str, dict]:
    """Record the creator's feedback on a title generate_titles wrote in this conversation: save, copy, reject,
    thumbs_up, thumbs_down, or edit (they changed its words). Only for a reaction to generated titles ("save the
    second one", "thumbs down on #3", "I changed the first one to 'X'"); for the title they will use, use_title.

    Args: signal (save | copy | reject | thumbs_up | thumbs_down | edit), choice (the title's number in the
    generated list, 1 = first, -1 = the last), title (the generated title's text, when quoted), edited_title
    (for edit: the creator's new wording, verbatim). Without choice and title a thumbs applies to the whole list.
    """
    target = feedback_target(runtime.state.get("messages", []), signal, choice, title, edited_title)
    if isinstance(target, str):
        return target, {}
    ctx = context_of(runtime.context)
    db = await ctx.database()
    recorded = await record_signal(db.pool, db.store, ctx.creator_id or "anonymous", _thread(runtime), signal,
                                   target.choice, generation_id=target.generation_id, edited_title=target.edited_title)
    row, actions, rebuilt = recorded.row, recorded.actions, recorded.preferences is not None
    artifact = {"event_id": row["event_id"], "signal": signal, "title": row["title"], "rank": row["candidate_rank"],
                "generation_id": row["generation_id"], "edited_title": row["edited_title"], "actions": actions,
                "rebuilt": rebuilt, "created_at": row["created_at"].isoformat()}
    return feedback_reply(signal, target.choice, row, actions, rebuilt), artifact


async def show_memory(
    runtime: ToolRuntime[Any, Any],
    block: Annotated[Block, Field(description=(
        "all, or one block: preferences (learned from feedback), dna (voice profile), performance (their channel)."))] = "all",
    channel: Annotated[str | None, Field(max_length=200, description="Their channel, when they name one.")] = None,
) -> tuple[str, dict]:
    """Show what you have learned about this creator: their title preferences learned from feedback, their
    Creator DNA (voice profile from their transcripts) and their channel's best and worst performers and the
    patterns that lift it. For "what have you learned about me?", "show my Creator DNA", "what's my voice?".

    Args: block (all | preferences | dna | performance; default all), channel (their channel, when they name one).
    """
    ctx = context_of(runtime.context)
    db = await ctx.database()
    creator = ctx.creator_id or "anonymous"
    blocks, counts, channels = await learned_summary(db.pool, db.store, creator, channel)
    trace("memory.shown", creator=creator, block=block, blocks=blocks.used(), **counts,
          channels=[c.name for c in channels])
    artifact = {
        "creator_id": creator,
        "blocks": blocks.used(),
        **counts,
        "channels": [{**asdict(c), "synced_at": c.synced_at.isoformat() if c.synced_at else None} for c in channels],
        "preferences": blocks.preferences.to_dict() if blocks.preferences else None,
        "dna": blocks.voice.to_dict() if blocks.voice else None,
        "performance": asdict(blocks.performance) if blocks.performance else None,
    }
    return memory_markdown(blocks, counts, block, channels), artifact


async def edit_memory(runtime: ToolRuntime[Any, Any], action: Action, item: str | None = None) -> tuple[str, dict]:
    """Edit or erase what you learned about this creator, when they ask: forget one learned preference (action
    forget, item = their words, e.g. "questions", "numbers in titles"), erase_preferences, erase_dna (their voice
    profile), or erase_all. The creator approves first.

    Args: action (forget | erase_preferences | erase_dna | erase_all), item (for forget: what to forget).
    """
    if action == "forget" and not (item and item.strip()):
        return offline.EDIT_MEMORY_ASK, {}
    ctx = context_of(runtime.context)
    db = await ctx.database()
    try:
        edit = await edit_blocks(db.pool, db.store, ctx.creator_id or "anonymous", action, item)
    except ValueError as exc:
        return str(exc), {}
    return edit.reply, edit.to_dict()


async def learn_voice(runtime: ToolRuntime[Any, Any], channel: str | None = None) -> tuple[str, dict]:
    """Build and remember the creator's Creator DNA (voice profile: vocabulary, signature phrases, sentence length,
    pacing, questions, teaching moves) from their own transcripts: their channel's transcripts in the data, or the
    transcripts they pasted in this conversation. Then show it. For "learn my voice from my channel X", "build my
    Creator DNA from these transcripts".

    Args: channel (their channel's name, when they name one; leave empty to use pasted transcripts).
    """
    ctx = context_of(runtime.context)
    try:
        found = await asyncio.to_thread(creator_transcripts, ctx.config().data_dir, channel,
                                        runtime.state.get("messages", []))
        if found is None:
            return offline.LEARN_VOICE_ASK, {}
        profile = await asyncio.to_thread(build_voice_profile, found.texts, found.source)
    except ValueError as exc:
        return str(exc), {}
    db = await ctx.database()
    await remember_voice(db.store, ctx.creator_id or "anonymous", profile, found.channel)
    return ("Your Creator DNA is saved: I write hooks and titles in this voice from now on.\n\n"
            + voice_markdown(profile)), profile.to_dict()


NO_USED_TITLES = ("You haven't told me which title you used yet. When you pick one, say “I'm using the second one” "
                   "(or “I'll use 'My Title'”), and once the video is out and in your analytics I'll compare.")
NO_ANALYTICS = ("I have no analytics of yours to compare with: attach your YouTube Studio export here (or run "
                "`cortex import-analytics FILE --channel NAME`), or connect your channel with `cortex connect-youtube`.")


async def title_outcomes(runtime: ToolRuntime[Any, Any], channel: str | None = None) -> tuple[str, dict]:
    """How the titles the creator used (use_title) did once their videos were out: per title the predicted score and
    outlier multiplier against the actual multiplier, views and CTR from their analytics (first 7 and 30 days when
    their channel is connected, else the totals of their Studio export), and what that taught (their personal
    calibration). For "how did the titles I used do?", "did my titles perform like you predicted?".

    Args: channel (the analytics channel, when they have several; empty: the one that holds their videos).
    """
    ctx = context_of(runtime.context)
    db = await ctx.database()
    creator = ctx.creator_id or "anonymous"
    used = await used_titles(db.pool, creator)
    if not used:
        return NO_USED_TITLES, {}
    channels = await list_channels(db.pool, creator)
    if not channels:
        return NO_ANALYTICS, {}
    try:
        channels = [channel_matches(channel, channels)] if channel else channels
    except AnalyticsInputError as exc:
        return str(exc), {}
    best = None
    for ch in channels:
        videos = await analytics_videos(db.pool, ch.channel_pk)
        windows = {p: await window_snapshots(db.pool, ch.channel_pk, p) for p in ("d7", "d30")}
        found = await asyncio.to_thread(outcomes, used, videos, windows)
        if best is None or len(found) > len(best[2]):
            best = (ch, videos, found)
    ch, videos, found = best
    waiting = [u["title"] for u in used if match_video(u["title"], videos) is None]
    report = OutcomeReport(ch.name, found, calibrate(found, videos), waiting)
    await put_block(db.store, creator, "calibration", {**report.calibration.to_dict(), "channel": ch.name,
                                                       "outcomes": [o.to_dict() for o in found]})
    trace("outcomes.read", channel=ch.name, outcomes=len(found), waiting=len(waiting),
          factor=report.calibration.factor)
    prefs = await rebuild_preferences(db.pool, db.store, creator)
    weighed = sum(prefs.by_signal.get(s, 0) for s in ("outperformed", "underperformed"))
    return outcomes_markdown(report, weighed), report.to_dict()


use_title_tool = cortex_tool(
    use_title, examples=offline.USE_TITLE_EXAMPLES, extract=offline.extract_use_title, ask=offline.USE_TITLE_ASK,
    action=offline.USE_TITLE_ACTION, claim=offline.claim_use_title, side_effect=describe_use,
    resolve=offline.resolve_use_title,
)
record_feedback_tool = cortex_tool(
    record_feedback, examples=offline.RECORD_FEEDBACK_EXAMPLES, extract=offline.extract_record_feedback,
    ask=offline.RECORD_FEEDBACK_ASK, action=offline.RECORD_FEEDBACK_ACTION, claim=offline.claim_record_feedback, applies=offline.applies_record_feedback,
)
show_memory_tool = cortex_tool(
    show_memory, examples=offline.SHOW_MEMORY_EXAMPLES, extract=offline.extract_show_memory,
    ask=offline.SHOW_MEMORY_ASK, action=offline.SHOW_MEMORY_ACTION,
)
edit_memory_tool = cortex_tool(
    edit_memory, examples=offline.EDIT_MEMORY_EXAMPLES, extract=offline.extract_edit_memory,
    ask=offline.EDIT_MEMORY_ASK, action=offline.EDIT_MEMORY_ACTION, side_effect=describe_edit,
)
learn_voice_tool = cortex_tool(
    learn_voice, examples=offline.LEARN_VOICE_EXAMPLES, extract=offline.extract_learn_voice,
    ask=offline.LEARN_VOICE_ASK, action=offline.LEARN_VOICE_ACTION, claim=offline.claim_learn_voice,
)
title_outcomes_tool = cortex_tool(
    title_outcomes, examples=offline.OUTCOMES_EXAMPLES, extract=offline.extract_title_outcomes,
    ask=offline.OUTCOMES_ASK, action=offline.OUTCOMES_ACTION,
)
