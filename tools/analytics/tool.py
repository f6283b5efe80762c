"""pull_analytics: the creator's own channel numbers (impressions, CTR, AVD, views...) with a chart.

The tool the model sees; the views, charts and the answer are ``tools.analytics.views``, the offline engine's spec
``tools.analytics.offline``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from langgraph.prebuilt import ToolRuntime
from pydantic import Field

from tools.analytics.offline import ACTION, ASK, EXAMPLES, extract_args
from tools.analytics.views import Metric, channel_analytics
from tools.base import context_of, cortex_tool


async def pull_analytics(
    runtime: ToolRuntime[Any],
    view: Annotated[Literal["recent", "top", "last_vs_usual"], Field(description=(
        "recent: the last uploads; top: the best by metric; last_vs_usual: the last upload against the usual."))] = "recent",
    metric: Annotated[Metric, Field(description="The metric 'top' ranks by.")] = "views",
    limit: Annotated[int, Field(ge=1, le=50, description="How many uploads (1-50).")] = 10,
    channel: Annotated[str | None, Field(max_length=200, description=(
        "One of the creator's channels by name; default the most recently synced."))] = None,
) -> tuple[str, dict]:
    """Numbers from the creator's own YouTube channel (impressions, CTR, AVD, views, subscribers), with a chart.

    Args: view ("recent": how the last `limit` uploads did; "top": the best `limit` videos by `metric` and
    what their titles share; "last_vs_usual": the last upload against the median of the uploads before it),
    metric (for "top": views, impressions, ctr, avd, avg_pct_viewed, watch_time, subscribers_gained, likes,
    comments), limit (1-50, default 10), channel (one of the creator's channels by name; default the most
    recently synced). Without an imported export or a connected channel it explains how to add one.
    """
    ctx = context_of(runtime.context)
    db = await ctx.database()
    return await channel_analytics(db.pool, ctx.config(), ctx.creator_id or "anonymous", view, metric, limit, channel)


tool = cortex_tool(pull_analytics, examples=EXAMPLES, extract=extract_args, ask=ASK, action=ACTION)
