"""What ``score_title`` answers for one request: the titles scored (or two compared) and, with a channel named,
each title scored against that channel's own titles, as chat markdown and JSON-ready data.

The channel's titles and outlier multipliers are read through ``memory.corpus`` with the pool the caller passes
(the tool's run context gives it). Emits the trace events ``score.compare`` and ``score.components`` (nothing
outside a graph run).
"""

from __future__ import annotations

from collections.abc import Sequence

from psycopg_pool import AsyncConnectionPool

from memory.corpus.channels import channel_titles
from tools import extract
from tools.base import trace
from tools.scoring.features import TitleInputError
from tools.scoring.scorer import compare_titles, score_against_channel, score_titles

NO_TITLE = "Give me a title to score, in quotes: e.g. Score “I Built a Giant Lego Volcano”."
"""The answer to a request with no title in it."""


async def score_report(
    titles: Sequence[str],
    channel: str | None = None,
    compare: bool = False,
    *,
    known_channels: Sequence[str] = (),
    pool: AsyncConnectionPool | None = None,
) -> tuple[str, dict]:
    """(markdown, data) for a score request: blank titles dropped (none left: ``NO_TITLE``); with ``compare`` and
    exactly two titles the comparison (``TitleComparison``); else each title's ``TitleScore`` (data
    ``{"scores": [...]}``) and, when ``channel`` matches one of ``known_channels`` (fuzzy, cutoff 80), each title
    against that channel's titles (data ``"against_channel"``; ``pool`` is needed then). An unknown channel is said
    in the markdown, with the known ones."""
    titles = [t for t in titles if t and t.strip()]
    if not titles:
        return NO_TITLE, {}
    if compare and len(titles) == 2:
        result = compare_titles(titles[0], titles[1])
        trace("score.compare", winner=result.winner, margin=result.margin)
        return result.to_markdown(), result.to_dict()
    scores = score_titles(titles)
    parts = [s.to_markdown() for s in scores]
    data: dict = {"scores": [s.to_dict() for s in scores]}
    trace("score.components", scores=[{"title": s.title, "score": s.score, "grade": s.grade} for s in scores])
    if channel:
        match = extract.match_channels(channel, list(known_channels), cutoff=80)
        if not match:
            parts.append(f"_No channel named “{channel}” in the corpus; known: {', '.join(known_channels)}._")
        else:
            if pool is None:
                raise ValueError("score_report needs the database pool to score against a channel")
            history = await channel_titles(pool, match[0])
            for t in titles:
                try:
                    relative = score_against_channel(t, match[0], history)
                except TitleInputError as exc:
                    parts.append(f"_{exc}_")
                    continue
                parts.append(relative.to_markdown())
                data.setdefault("against_channel", []).append(relative.to_dict())
    return "\n\n".join(parts), data
