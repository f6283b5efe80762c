"""score_title: the title scorer as a tool (one title, several, two compared, or against a channel)."""

from __future__ import annotations

from typing import Annotated, Any

from langgraph.prebuilt import ToolRuntime
from pydantic import Field

from memory.learning import get_block
from tools.base import context_of, cortex_tool
from tools.scoring import offline
from tools.scoring.report import score_report


async def score_title(
    runtime: ToolRuntime[Any, Any],
    titles: Annotated[list[Annotated[str, Field(max_length=300)]], Field(
        min_length=1, max_length=20, description="The titles to score, verbatim (1-20).")],
    channel: Annotated[str | None, Field(max_length=200, description=(
        "A channel's name: also predict how each title would do as its next upload."))] = None,
    compare: Annotated[bool, Field(description="True with exactly two titles: say which is stronger and why.")] = False,
    my_channel: Annotated[bool, Field(description=(
        "True when the creator asks how a title would do on their own channel (from their imported analytics)."))] = False,
) -> tuple[str, dict]:
    """Score YouTube titles 0-100 with a grade (A+ to F), a breakdown by component with reasons, and
    concrete improvements.

    Args: titles (one or more titles, verbatim), channel (optional channel name: also predict how each title
    would do as that channel's next upload and score it against the channel's outliers), compare (true with
    exactly two titles: say which is stronger and why), my_channel (true when the creator asks how a title
    would do on their own channel: predicted from their imported analytics).
    """
    ctx = context_of(runtime.context)
    if not channel and not my_channel:  # scoring alone needs no database
        return await score_report(titles, compare=compare)
    db = await ctx.database()
    calibration = await get_block(db.store, ctx.creator_id, "calibration") if ctx.creator_id else None
    return await score_report(titles, channel, compare, known_channels=await ctx.channel_names(), pool=db.pool,
                              my_channel=my_channel, creator_id=ctx.creator_id, calibration=calibration)


tool = cortex_tool(score_title, examples=offline.EXAMPLES, extract=offline.extract_args, ask=offline.ASK,
                   action=offline.ACTION, resolve=offline.resolve)
