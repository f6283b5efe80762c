"""The pre-production tools the model sees: check_promise (the promise guard, ``promise.py``) and check_idea (the
idea check, ``idea.py``), and ``guard_titles``: the promise check the conversation graph adds to every
generate_titles result that titles a transcript. Offline-engine specs: ``offline.py``."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import BaseMessage, ToolMessage
from langgraph.prebuilt import ToolRuntime

from tools.base import context_of, cortex_tool, trace
from tools.learning.blocks import creator_channel
from tools.preproduction import offline
from tools.preproduction.idea import check_idea as run_idea_check
from tools.preproduction.idea import idea_markdown
from tools.preproduction.promise import check_promises, promise_markdown
from tools.scripts.offline import claim as transcript_claim
from tools.scripts.parsing import ScriptInputError, parse_script
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
check_idea_tool = cortex_tool(
    check_idea, examples=offline.IDEA_EXAMPLES, extract=offline.idea_args, ask=offline.IDEA_ASK,
    action=offline.IDEA_ACTION, resolve=offline.idea_resolve, topic_arg="topic",
)
