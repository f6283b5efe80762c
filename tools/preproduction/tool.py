"""The pre-production tools the model sees: check_promise (the promise guard, ``promise.py``), check_idea (the
idea check, ``idea.py``) and develop_hooks (hook development, ``hooks.py``), and ``guard_titles``: the promise check
the conversation graph adds to every generate_titles result that titles a transcript. Offline-engine specs:
``offline.py``."""

from __future__ import annotations

import asyncio
from functools import lru_cache
from pathlib import Path
from typing import Any

from langchain_core.messages import BaseMessage, ToolMessage
from langgraph.prebuilt import ToolRuntime

from tools.base import context_of, cortex_tool, trace
from memory.corpus.channels import channel_profiles
from memory.learning import get_block
from tools.learning.blocks import creator_channel
from tools.learning.transcripts import TRANSCRIPT_CHANNELS, load_channel_videos
from tools.learning.voice import VoiceProfile, build_voice_profile
from tools.outliers.search import find_outliers
from tools.preproduction.hooks import Material, hooks_markdown, transcript_openers
from tools.preproduction.hooks import develop_hooks as run_develop_hooks
from tools.preproduction import offline
from tools.preproduction.idea import check_idea as run_idea_check
from tools.preproduction.idea import idea_markdown
from tools.preproduction.promise import check_promises, promise_markdown
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
    outliers = [h for h in await find_outliers(db.pool, topic, niche=niche, limit=HOOK_OUTLIERS * 3)
                if h.multiplier is not None and h.channel != mine][:HOOK_OUTLIERS]
    material = Material(topic, draft, openers, tuple((h.title, h.channel, h.multiplier) for h in outliers))
    try:
        result = await asyncio.to_thread(run_develop_hooks, material, profile)
    except ValueError as exc:
        return str(exc), {}
    trace("hooks.developed", topic=result.topic, voice=result.voice, draft=draft is not None,
          hooks=[{"kind": h.kind, "strength": h.strength, "source": h.source} for h in result.hooks])
    return hooks_markdown(result), result.to_dict()


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
    action=offline.HOOKS_ACTION, resolve=offline.hooks_resolve, topic_arg="topic",
)
check_idea_tool = cortex_tool(
    check_idea, examples=offline.IDEA_EXAMPLES, extract=offline.idea_args, ask=offline.IDEA_ASK,
    action=offline.IDEA_ACTION, resolve=offline.idea_resolve,
)
