"""search_creators: find creators on YouTube and Instagram from plain words, ranked with the reasons.

The tool the model sees and its answer table; the search (filters, keyword + semantic retrieval, fusion, reasons) is
``tools.creators.search``, the offline engine's spec ``tools.creators.offline``.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

from langgraph.prebuilt import ToolRuntime
from pydantic import Field

from agent.embeddings import get_creator_embedder
from memory.creators.search import NICHE_COUNT_CAP, CreatorFilters
from memory.creators.sources import country_code
from memory.creators.store import creators_are_empty
from tools.base import context_of, cortex_tool, trace
from tools.creators.audience import short_count
from tools.creators.offline import ACTION, ASK, EXAMPLES, extract_args
from tools.creators.search import CreatorQuery, FusionWeights, SearchResult, search

HIGH_ENGAGEMENT_PCT = 0.75
"""'High engagement' = the top quarter of the platform's accounts by engagement rate."""


def no_match_markdown(result: SearchResult, shown: str) -> str:
    """The answer when nothing matched: says so, with the named niche's creators under relaxed filters and the closest
    niches that do have creators under these filters (``SearchResult.elsewhere`` and ``closest``)."""
    niche = " or ".join(result.topic_niches)
    if result.absent_words:
        words = ", ".join(f"“{w}”" for w in result.absent_words)
        text = f"No good match ({shown or 'no filters'}): no creator in the data mentions {words}."
    else:
        text = (f"No good match ({shown or 'no filters'}): no creator in the data is about "
                f"{niche or 'this'} with these filters.")
    relaxed = [f"{n:,} {where}" for where, n in result.elsewhere.items() if n]
    if relaxed:
        text += f" {niche.capitalize()} creators: " + ", ".join(relaxed) + "."
    if result.closest:
        text += " Closest niches that do have creators here: " + ", ".join(
            f"{n} ({c:,}{'+' if c >= NICHE_COUNT_CAP else ''})" for n, c in result.closest) + "."
    return text + " Try one of those, fewer filters, or other words for the niche."


def results_markdown(result: SearchResult, limit_reasons: int = 4) -> str:
    """A table a creator or brand reads: creator, platform and audience, niche, why it matched."""
    shown = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in result.filters.items() if k != "exclude_creators")
    if result.example:
        shown = (shown + ", " if shown else "") + f"like {result.example['name']}"
    if not result.hits:
        return no_match_markdown(result, shown)
    lines = [f"**Creators** ({len(result.hits)} real accounts{'; ' + shown if shown else ''})", "",
             "| # | Creator | Platform | Audience | Niche | Why it matched |", "|---|---|---|---:|---|---|"]
    for i, h in enumerate(result.hits, 1):
        who = h.name + (f" (@{h.handle})" if h.platform == "instagram" and h.handle and h.handle != h.name else "")
        platform = "YouTube" if h.platform == "youtube" else "Instagram"
        if h.also_on:
            platform += " + " + ", ".join(a.split(" (")[0] for a in h.also_on)
        why = "; ".join(h.reasons[:limit_reasons]).replace("|", "/")
        lines.append(f"| {i} | {who} | {platform} | {short_count(h.followers)} | {h.niche or 'n/a'} | {why} |")
    return "\n".join(lines)


async def search_creators(
    runtime: ToolRuntime[Any, Any],
    query: Annotated[str, Field(max_length=500, description="What the creators make, in plain words.")] = "",
    platform: Annotated[Literal["any", "youtube", "instagram"], Field(description="Where they publish.")] = "any",
    niche: Annotated[str | None, Field(max_length=100, description=(
        'One of the taxonomy\'s niches, e.g. "science & education", "fitness".'))] = None,
    min_followers: Annotated[int | None, Field(ge=0, description="Fewest subscribers or followers.")] = None,
    max_followers: Annotated[int | None, Field(ge=0, description="Most subscribers or followers.")] = None,
    country: Annotated[str | None, Field(max_length=100, description="Country name or ISO code.")] = None,
    high_engagement: Annotated[bool, Field(description=(
        "Only the top quarter of the platform by engagement rate."))] = False,
    similar_to: Annotated[str | None, Field(max_length=200, description=(
        "A creator's name or handle to find look-alikes of."))] = None,
    smaller_than_similar: Annotated[bool, Field(description="Only creators smaller than similar_to.")] = False,
    larger_than_similar: Annotated[bool, Field(description="Only creators larger than similar_to.")] = False,
    limit: Annotated[int, Field(ge=1, le=50, description="How many creators (1-50).")] = 10,
) -> tuple[str, dict]:
    """Find creators (YouTube channels, Instagram accounts) to collaborate with or sponsor, ranked, with reasons.

    Args: query (what they make, in plain words), platform ("youtube", "instagram" or "any"), niche (one of the
    taxonomy's niches, e.g. "science & education", "fitness"), min_followers / max_followers (subscribers or
    followers), country (name or ISO code), high_engagement (top quarter of the platform by engagement rate),
    similar_to (a creator's name or handle to find look-alikes of), smaller_than_similar / larger_than_similar (only
    creators with a smaller / larger audience than that creator), limit (1-50).
    """
    try:
        code = None
        if country:
            code = country_code(country)
            if code is None:
                raise ValueError(f"Unknown country {country!r}: give a country name or its two-letter ISO code.")
        filters = CreatorFilters(
            platform=None if platform == "any" else platform, niche=niche, min_followers=min_followers,
            max_followers=max_followers, country=code, min_engagement_pct=HIGH_ENGAGEMENT_PCT if high_engagement else None,
        )
        ctx = context_of(runtime.context)
        db = await ctx.database()
        settings = ctx.config()
        if await creators_are_empty(db.pool):
            raise ValueError("The creator index is not built yet: the service builds it in the background on its "
                             "first start (a few minutes), or run `cortex enrich-creators`.")
        result = await search(
            db.pool, CreatorQuery(query, filters, similar_to, smaller_than_example=smaller_than_similar,
                                  larger_than_example=larger_than_similar),
            get_creator_embedder(settings), FusionWeights.from_settings(settings),
            limit=max(1, min(limit, 50)),
        )
    except ValueError as exc:
        return str(exc), {"hits": [], "error": str(exc)}
    trace("creator_search", query=query, filters=result.filters,
          example=result.example["name"] if result.example else None, plan=result.plan, hits=len(result.hits))
    artifact = {"filters": result.filters, "example": result.example, "plan": result.plan,
                "hits": [asdict(h) for h in result.hits]}
    return results_markdown(result), artifact


tool = cortex_tool(search_creators, examples=EXAMPLES, extract=extract_args, ask=ASK, action=ACTION)
