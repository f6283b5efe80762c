"""score_title: the title scorer as a tool (one title, several, two compared, or against a channel)."""

from __future__ import annotations

from typing import Any

from memory.corpus.channels import channel_names, channel_titles
from memory.db import get_database
from tools import extract
from tools.base import context_of, cortex_tool, trace
from tools.scoring.engine import TitleInputError, compare_titles, score_against_channel, score_titles


async def score_title(titles: list[str], channel: str | None = None, compare: bool = False) -> tuple[str, dict]:
    """Score YouTube titles 0-100 with a grade (A+ to F), a breakdown by component with reasons, and
    concrete improvements.

    Args: titles (one or more titles, verbatim), channel (optional channel name: also score against that
    channel's own outliers and title style), compare (true with exactly two titles: say which is stronger
    and why).
    """
    titles = [t for t in titles if t and t.strip()]
    if not titles:
        return "Give me a title to score, in quotes: e.g. Score “I Built a Giant Lego Volcano”.", {}
    if compare and len(titles) == 2:
        result = compare_titles(titles[0], titles[1])
        trace("score.compare", winner=result.winner, margin=result.margin)
        return result.to_markdown(), result.to_dict()
    scores = score_titles(titles)
    parts = [s.to_markdown() for s in scores]
    data: dict = {"scores": [s.to_dict() for s in scores]}
    trace("score.components", scores=[{"title": s.title, "score": s.score, "grade": s.grade} for s in scores])
    if channel:
        db = await get_database()
        known = await channel_names(db.pool)
        match = extract.match_channels(channel, known, cutoff=80)
        if not match:
            parts.append(f"_No channel named “{channel}” in the corpus; known: {', '.join(known)}._")
        else:
            history = await channel_titles(db.pool, match[0])
            for t in titles:
                try:
                    relative = score_against_channel(t, match[0], history)
                except TitleInputError as exc:
                    parts.append(f"_{exc}_")
                    continue
                parts.append(relative.to_markdown())
                data.setdefault("against_channel", []).append(relative.to_dict())
    return "\n\n".join(parts), data


async def extract_args(text: str, context: Any = None) -> dict:
    """Offline engine: the titles in a request (quoted spans, else the text after the colon), the channel
    named with 'for/on <channel>', and whether two titles are to be compared."""
    titles = extract.quoted(text)
    if not titles:
        one = extract.pasted_title(text)
        titles = [one] if one else []
    args: dict = {"titles": titles} if titles else {}
    lowered = text.lower()
    if len(titles) == 2 and any(w in lowered for w in (" vs", "versus", "compare", "which is better", "or ")):
        args["compare"] = True
    outside = text
    for t in titles:
        outside = outside.replace(t, " ")
    if channels := extract.match_channels(outside, await context_of(context).channel_names()):
        args["channel"] = channels[0]
    return args


tool = cortex_tool(
    score_title,
    examples=[
        "Score this title: I Built a Giant Lego Volcano",
        "Rate my title \"How I Paid Off $50,000 of Debt in 2 Years\"",
        "How good is this YouTube title?",
        "Grade my video title for me",
        "Which title is better: \"I tried yoga for 30 days\" or \"30 days of yoga\"?",
        "Compare these two titles",
        "Check my headline: Why the Moon Is Drifting Away",
        "Is this a good title for Veritasium?",
        "What do you think of the title 'This Slinky Can Walk Forever'?",
        "score these titles",
    ],
    extract=extract_args,
    ask="Which title should I score? Paste it in quotes, e.g. Score “I Built a Giant Lego Volcano”.",
)
