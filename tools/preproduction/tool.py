"""The pre-production tools the model sees: check_promise (the promise guard, ``promise.py``), check_idea (the
idea check, ``idea.py``), develop_hooks (hook development, ``hooks.py``) and outline_script (outlines,
``outline.py``), and ``guard_titles``: the promise check
the conversation graph adds to every generate_titles result that titles a transcript. Offline-engine specs:
``offline.py``."""

from __future__ import annotations

import asyncio
from functools import lru_cache
from pathlib import Path
from typing import Any

from langchain_core.messages import BaseMessage, ToolMessage
from langgraph.prebuilt import ToolRuntime

from agent.models import chat_model
from memory.corpus.channels import channel_profiles, channel_videos
from memory.learning import get_block
from tools.base import context_of, cortex_tool, trace
from tools.learning.blocks import creator_channel
from tools.learning.transcripts import TRANSCRIPT_CHANNELS, load_channel_videos
from tools.learning.voice import VoiceProfile, build_voice_profile
from tools.outliers.search import search_outliers
from tools.preproduction import offline
from tools.preproduction.hooks import Material, develop_hooks_llm, hooks_markdown, transcript_openers
from tools.preproduction.hooks import develop_hooks as run_develop_hooks
from tools.preproduction.idea import check_idea as run_idea_check
from tools.preproduction.idea import idea_markdown
from tools.preproduction.outline import (
    BEST_VIDEOS,
    DEFAULT_MINUTES,
    FRAMEWORK,
    Shape,
    channel_shape,
    outline,
    outline_markdown,
    video_structure,
)
from tools.preproduction.promise import check_promises, promise_markdown
from tools.scripts.llm import StructuredOutputError, is_offline, model_name
from tools.scripts.offline import claim as transcript_claim
from tools.scripts.parsing import ScriptInputError, parse_script
from tools.scripts.topic import concept_phrases, understand
from tools.scripts.transcript import NO_TRANSCRIPT, find_transcript

GUARDED_TOOL = "generate_titles"
"""The tool whose shown titles get the promise check automatically (``guard_titles``)."""

MAX_GUARDED = 6
"""Shown titles checked automatically (the first ones, as numbered for the creator)."""


def last_shown_titles(messages: list[BaseMessage]) -> list[str]:
    """The titles the last generate_titles result showed, as numbered for the creator ([] when none)."""
    for m in reversed(messages):
        if isinstance(m, ToolMessage) and m.name == GUARDED_TOOL and isinstance(m.artifact, dict):
            if m.artifact.get("shown"):
                return list(m.artifact["shown"])
    return []


async def check_promise(runtime: ToolRuntime[Any, Any], title: str = "", transcript: str = "") -> tuple[str, dict]:
    """Check where a title's promise (its key concepts, names and numbers) is first delivered in the video's
    transcript: kept in the first 30 seconds, late (with the line to move up) or never (with what the opening does
    say, for a title that matches the video). Times are real for SRT/WebVTT/timestamped transcripts, estimated
    otherwise.

    Args: title (the title to check; leave it empty to check the titles just generated), transcript (leave it
    empty: the transcript the creator pasted or attached is read from the conversation).
    """
    messages = runtime.state.get("messages", [])
    text = transcript.strip() or find_transcript(messages) or ""
    if not text:
        return NO_TRANSCRIPT, {}
    titles = [title.strip()] if title.strip() else last_shown_titles(messages)[:MAX_GUARDED]
    if not titles:
        return offline.PROMISE_ASK, {}
    try:
        checks = check_promises(titles, parse_script(text))
    except (ScriptInputError, ValueError) as exc:
        return str(exc), {}
    trace("promise.checked", titles=len(checks), verdicts=[c.verdict for c in checks])
    return promise_markdown(checks), {"checks": [c.to_dict() for c in checks]}


async def check_idea(runtime: ToolRuntime[Any, Any], topic: str, channel: str | None = None) -> tuple[str, dict]:
    """Check whether a video idea is worth making, from real data: how outliers on the topic did in the niche
    (count, median outlier multiplier, newest), how crowded it is (uploads on it in the last year), whether the
    creator's channel already covered it and how that did, and the gaps (topics that outperform in the niche that
    the channel has no video near).

    Args: topic (what the video would be about, e.g. "index funds"), channel (the creator's channel name; empty:
    the channel remembered for them).
    """
    ctx = context_of(runtime.context)
    db = await ctx.database()
    mine = await creator_channel(db.pool, db.store, ctx.creator_id, channel)
    if channel and mine is None:
        return (f"No channel named “{channel}” with a full upload history in the corpus: name one of the tracked "
                "channels, or leave it out for the niche as a whole."), {}
    try:
        result = await run_idea_check(db.pool, topic, mine)
    except ValueError as exc:
        return str(exc), {}
    trace("idea.checked", topic=result.topic, niche=result.niche, outliers=len(result.outliers), recent=result.recent,
          covered=len(result.covered), gaps=len(result.gaps))
    return idea_markdown(result), result.to_dict()


HOOK_OUTLIERS = 3
"""The niche's outliers on the topic given to hook development (the most relevant, at 2x or more)."""


@lru_cache(maxsize=4)
def channel_voice(data_dir: Path, channel: str) -> tuple[VoiceProfile, tuple[tuple[str, str], ...]]:
    """The Creator DNA of a channel with transcripts in the data (``tools.learning.transcripts``) and the opening
    passages of its videos (``tools.preproduction.hooks.transcript_openers``), built once per process (about 4 s for
    3Blue1Brown's 144 captions). Raises ValueError when the channel has no transcripts."""
    videos = load_channel_videos(data_dir, channel)
    return (build_voice_profile([v.text for v in videos], channel),
            transcript_openers([(v.text, v.title or "") for v in videos]))


async def develop_hooks(runtime: ToolRuntime[Any, Any], topic: str = "", channel: str | None = None) -> tuple[str, dict]:
    """Write five intro hooks (the first 15-30 seconds) for the creator's next video, one of each kind: a question,
    the stakes, a surprising fact, a story and a demonstration, in the creator's voice (their Creator DNA: the "we" /
    "I" balance, signature phrases, teaching moves, pace), each scored with the hook rubric and explained. From a
    topic, or from the draft script the creator pasted (its own best lines come first).

    Args: topic (what the video is about, e.g. "compound interest"; empty: the draft in the conversation gives it),
    channel (whose voice: a channel with transcripts, e.g. "3Blue1Brown"; empty: the creator's saved Creator DNA).
    """
    ctx = context_of(runtime.context)
    text = find_transcript(runtime.state.get("messages", []))
    try:
        draft = parse_script(text) if text else None
    except ScriptInputError as exc:
        return str(exc), {}
    if not topic.strip() and draft is not None:
        topic = next(iter(concept_phrases(understand(" ".join(p.text for p in draft.passages)))), "")
    if not topic.strip():
        return offline.HOOKS_ASK, {}
    db = await ctx.database()
    creator = ctx.creator_id or "anonymous"
    profile, openers = None, ()
    if channel is None:
        stored = await get_block(db.store, creator, "dna")
        profile = VoiceProfile.from_dict(stored) if stored else None
        channel = (await get_block(db.store, creator, "profile") or {}).get("channel")
        if profile is not None and channel not in TRANSCRIPT_CHANNELS:
            channel = None
    if channel:
        try:
            built, openers = await asyncio.to_thread(channel_voice, ctx.config().data_dir, channel)
        except ValueError as exc:
            return str(exc), {}
        profile = profile or built
    mine = await creator_channel(db.pool, db.store, creator, channel) if channel else None
    niche = (await channel_profiles(db.pool, channels=(mine,)))[0]["niche"] if mine else None
    outliers = [h for h in (await search_outliers(db.pool, topic, niche=niche, limit=HOOK_OUTLIERS * 3)).hits
                if h.multiplier is not None and h.channel != mine][:HOOK_OUTLIERS]
    material = Material(topic, draft, openers, tuple((h.title, h.channel, h.multiplier) for h in outliers))
    model = chat_model("premium", settings=ctx.config(), engine=ctx.engine)
    try:
        if is_offline(model):
            result = await asyncio.to_thread(run_develop_hooks, material, profile)
        else:
            try:
                result = await develop_hooks_llm(material, profile, model, model_name(model))
            except StructuredOutputError as exc:
                trace("hooks.fallback", reason=str(exc))
                result = await asyncio.to_thread(run_develop_hooks, material, profile)
    except ValueError as exc:
        return str(exc), {}
    trace("hooks.developed", topic=result.topic, voice=result.voice, draft=draft is not None,
          hooks=[{"kind": h.kind, "strength": h.strength, "source": h.source} for h in result.hooks])
    return hooks_markdown(result), result.to_dict()


OUTLINE_MIN_WORDS = 300
"""Transcripts shorter than this (a Short, a trailer) are not measured for a channel's structure."""


def measured_shape(data_dir: Path, channel: str, multipliers: dict[str, float]) -> Shape:
    """The structure of the channel's best videos (``tools.preproduction.outline.channel_shape``): its
    ``BEST_VIDEOS`` transcripts (``OUTLINE_MIN_WORDS`` words or more, with a title) with the highest outlier
    multiplier (``multipliers``: title -> multiplier, from the corpus), or its newest ones when the corpus has no
    multiplier for them. Raises ValueError when the channel has no transcripts or too few."""
    videos = [v for v in load_channel_videos(data_dir, channel) if v.title and len(v.text.split()) >= OUTLINE_MIN_WORDS]
    ranked = sorted((v for v in videos if v.title in multipliers), key=lambda v: -multipliers[v.title])[:BEST_VIDEOS]
    if len(ranked) >= BEST_VIDEOS // 2:
        basis = f"{channel}'s {len(ranked)} best videos by outlier multiplier ({multipliers[ranked[-1].title]:.1f}x " \
                f"to {multipliers[ranked[0].title]:.1f}x)"
    else:
        ranked = videos[-BEST_VIDEOS:]
        basis = f"{channel}'s {len(ranked)} newest videos with transcripts (the data has no view counts to rank them)"
    return channel_shape([video_structure(parse_script(v.text), v.title or "") for v in ranked], basis)


async def outline_script(runtime: ToolRuntime[Any, Any], topic: str = "", minutes: float | None = None,
                         channel: str | None = None) -> tuple[str, dict]:
    """Outline the creator's next video: its sections (hook, setup, body parts, payoff, call to action) with target
    timestamps for the length asked, each saying what it must deliver, shaped like the channel's own best videos
    (where their hook ends, the title's promise is delivered, the payoff and the call to action fall, measured from
    their transcripts) or an educational framework when there is no history.

    Args: topic (what the video is about; empty: the draft in the conversation gives it; with neither, a given length
    gets the structure alone), minutes (target length, default 10), channel (whose structure to follow: a channel with transcripts, e.g. "Nischa"; empty: the creator's
    own channel when known).
    """
    ctx = context_of(runtime.context)
    text = find_transcript(runtime.state.get("messages", []))
    key_points: list[str] = []
    if text:
        try:
            concepts = concept_phrases(understand(" ".join(p.text for p in parse_script(text).passages)))
        except ScriptInputError as exc:
            return str(exc), {}
        key_points = list(concepts[1:6])
        topic = topic.strip() or next(iter(concepts), "")
    if not topic.strip() and minutes is None:
        return offline.OUTLINE_ASK, {}
    db = await ctx.database()
    creator = ctx.creator_id or "anonymous"
    channel = channel or (await get_block(db.store, creator, "profile") or {}).get("channel")
    shape = FRAMEWORK
    if channel:
        mine = await creator_channel(db.pool, db.store, creator, channel)
        multipliers = ({v["title"]: float(v["outlier_multiplier"]) for v in await channel_videos(db.pool, [mine])
                        if v["outlier_multiplier"] is not None} if mine else {})
        try:
            shape = await asyncio.to_thread(measured_shape, ctx.config().data_dir, channel, multipliers)
        except ValueError as exc:
            if "No transcripts" not in str(exc):
                return str(exc), {}
    try:
        result = outline(topic, float(minutes or DEFAULT_MINUTES), shape, key_points)
    except ValueError as exc:
        return str(exc), {}
    trace("outline.made", topic=result.topic, minutes=result.minutes, basis=shape.basis,
          sections=[(s.name, s.span) for s in result.sections])
    return outline_markdown(result), result.to_dict()


def guard_titles(result: ToolMessage, messages: list[BaseMessage]) -> ToolMessage:
    """A generate_titles result with the promise check of its shown titles added (content and
    ``artifact["promise"]``), when the titles come from a transcript in ``messages``; the result unchanged
    otherwise (a described idea has no timeline, a failed run no titles)."""
    artifact = result.artifact if isinstance(result.artifact, dict) else None
    shown = (artifact or {}).get("shown") or []
    text = find_transcript(messages)
    if result.name != GUARDED_TOOL or not shown or not text or artifact.get("analysis", {}).get("format") == "idea":
        return result
    try:
        checks = check_promises(shown[:MAX_GUARDED], parse_script(text))
    except (ScriptInputError, ValueError):
        return result
    trace("promise.checked", titles=len(checks), verdicts=[c.verdict for c in checks])
    content = f"{result.content}\n\n{promise_markdown(checks)}"
    return result.model_copy(update={"content": content,
                                     "artifact": {**artifact, "promise": [c.to_dict() for c in checks]}})


check_promise_tool = cortex_tool(
    check_promise, examples=offline.PROMISE_EXAMPLES, extract=offline.promise_args, ask=offline.PROMISE_ASK,
    action=offline.PROMISE_ACTION, claim=transcript_claim, resolve=offline.promise_resolve,
)
develop_hooks_tool = cortex_tool(
    develop_hooks, examples=offline.HOOKS_EXAMPLES, extract=offline.hooks_args, ask=offline.HOOKS_ASK,
    action=offline.HOOKS_ACTION, resolve=offline.hooks_resolve, topic_arg="topic", channel_arg="channel",
)
outline_script_tool = cortex_tool(
    outline_script, examples=offline.OUTLINE_EXAMPLES, extract=offline.outline_args, ask=offline.OUTLINE_ASK,
    action=offline.OUTLINE_ACTION, resolve=offline.outline_resolve, topic_arg="topic", channel_arg="channel",
)
check_idea_tool = cortex_tool(
    check_idea, examples=offline.IDEA_EXAMPLES, extract=offline.idea_args, ask=offline.IDEA_ASK,
    action=offline.IDEA_ACTION, resolve=offline.idea_resolve, topic_arg="topic", channel_arg="channel",
)
