"""retrieve_outliers: real outlier videos about a topic (hybrid search), or what works for a channel or a niche.

The tool the model sees; the search is ``tools.outliers.search``, the answers ``tools.outliers.report``, the title
patterns and their lift ``tools.outliers.patterns``, the offline-engine spec ``tools.outliers.offline``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from langgraph.prebuilt import ToolRuntime
from pydantic import Field

from tools.base import context_of, cortex_tool
from tools.outliers.offline import ACTION, ASK, EXAMPLES, extract_args, items, resolve
from tools.outliers.report import outlier_report
from tools.outliers.search import DEFAULT_MIN_MULTIPLIER


async def retrieve_outliers(
    runtime: ToolRuntime[Any, Any],
    query: Annotated[str, Field(max_length=500, description=(
        "The topic in plain words; empty with channels or a niche: what works there."))] = "",
    channels: Annotated[list[Annotated[str, Field(max_length=200)]] | None, Field(
        max_length=20, description="Channel names to search within.")] = None,
    niche: Annotated[str | None, Field(max_length=100, description='A niche, e.g. "science", "personal finance".')] = None,
    min_multiplier: Annotated[float | None, Field(ge=0, le=1000, description=(
        "Lowest outlier multiplier (views / the channel's rolling median views); null includes titles without a "
        "baseline."))] = DEFAULT_MIN_MULTIPLIER,
    video_format: Annotated[Literal["any", "short", "long"], Field(description="Shorts, long videos, or any.")] = "any",
    published_after: Annotated[date | None, Field(description="Only videos published on or after this ISO date.")] = None,
    published_before: Annotated[date | None, Field(description="Only videos published before this ISO date.")] = None,
    min_views: Annotated[int | None, Field(ge=0, description="Only videos with at least this many views.")] = None,
    limit: Annotated[int, Field(ge=1, le=50, description="How many videos (1-50).")] = 10,
) -> tuple[str, list[dict]]:
    """Find real outlier videos (views far above their channel's usual) about a topic, or say what works for
    channels or a niche (title patterns that lift multipliers, with real examples).

    Args: query (the topic in plain words; empty with channels or a niche: what works there), channels (channel
    names), niche (e.g. "science", "personal finance"), min_multiplier (views / channel rolling median, default
    2.0; null includes titles without a baseline), video_format ("short", "long" or "any"), published_after /
    published_before (ISO dates), min_views, limit (1-50).
    """
    limit = max(1, min(limit, 50))
    query = (query or "").strip()
    if not query and not channels and not niche:
        return ASK, []
    db = await context_of(runtime.context).database()
    try:
        return await outlier_report(db.pool, query, channels, niche, min_multiplier, video_format, published_after,
                                    published_before, min_views, limit)
    except ValueError as exc:
        return str(exc), []


tool = cortex_tool(retrieve_outliers, examples=EXAMPLES, extract=extract_args, ask=ASK, action=ACTION,
                   resolve=resolve, topic_arg="query", items=items)
