"""What ``score_title`` answers for one request: the titles scored (or two compared) and, with a channel named,
each title scored against that channel's own titles, as chat markdown and JSON-ready data.

The channel's titles and outlier multipliers are read through ``memory.corpus`` with the pool the caller passes
(the tool's run context gives it). Emits the trace events ``score.compare`` and ``score.components`` (nothing
outside a graph run).
"""

from __future__ import annotations

from collections.abc import Sequence

from psycopg_pool import AsyncConnectionPool

from memory.analytics import channel_videos, list_channels
from memory.corpus.channels import channel_history, channel_titles
from tools import extract
from tools.base import trace
from tools.learning.outcomes import calibrated_prediction
from tools.scoring.features import TitleInputError, normalize_title
from tools.scoring.history import HistoryRow, predict_new
from tools.scoring.scorer import compare_titles, default_scorer, score_against_channel, score_titles

NO_TITLE = "Give me a title to score, in quotes: e.g. Score “I Built a Giant Lego Volcano”."
"""The answer to a request with no title in it."""


MAX_TITLE_CHARS = 300
"""Longest text scored as a title (characters): three times YouTube's limit of 100, so a title over the limit still
gets its score and the advice to cut it, while a pasted paragraph or script is refused, not graded."""


def too_long_titles(titles: Sequence[str]) -> str | None:
    """What to do when a title passes ``MAX_TITLE_CHARS``, naming it by its start; None when all fit."""
    for title in titles:
        if len(title) > MAX_TITLE_CHARS:
            return (f"“{title[:60].strip()}…” is {len(title):,} characters: that is not a title (YouTube allows 100). "
                    f"Paste only the title, under {MAX_TITLE_CHARS} characters; for a script or transcript, ask for "
                    "its hooks or titles instead.")
    return None


async def score_report(
    titles: Sequence[str],
    channel: str | None = None,
    compare: bool = False,
    *,
    known_channels: Sequence[str] = (),
    pool: AsyncConnectionPool | None = None,
    my_channel: bool = False,
    creator_id: str | None = None,
    calibration: dict | None = None,
) -> tuple[str, dict]:
    """(markdown, data) for a score request: blank titles dropped (none left: ``NO_TITLE``); with ``compare`` and
    exactly two titles the comparison (``TitleComparison``); else each title's ``TitleScore`` (data
    ``{"scores": [...]}``) and, when ``channel`` matches one of ``known_channels`` (fuzzy, cutoff 80), each title
    against that channel's titles (data ``"against_channel"``; ``pool`` is needed then). An unknown channel is said
    in the markdown, with the known ones. With a channel, or ``my_channel`` (the creator's own channel from their
    imported analytics, ``creator_id`` and ``pool`` needed), each title is also predicted as that channel's next
    upload from its history (``tools.scoring.history.predict_new``; data ``"on_channel"``), read through the
    creator's ``calibration`` (their stored ``calibration`` block, or None) when it is of that channel
    (``tools.learning.outcomes.calibrated_prediction``)."""
    titles = [t for t in titles if t and t.strip()]
    if not titles:
        return NO_TITLE, {}
    if too_long := too_long_titles(titles):
        return too_long, {}
    if compare and len(titles) == 2:
        result = compare_titles(titles[0], titles[1])
        trace("score.compare", winner=result.winner, margin=result.margin)
        return result.to_markdown(), result.to_dict()
    scores = score_titles(titles)
    parts = [s.to_markdown() for s in scores]
    data: dict = {"scores": [s.to_dict() for s in scores]}
    trace("score.components", scores=[{"title": s.title, "score": s.score, "grade": s.grade} for s in scores])
    if my_channel and not channel:
        if pool is None or creator_id is None:
            raise ValueError("score_report needs the database pool and the creator to read their channel")
        parts.append(await _on_own_channel(titles, pool, creator_id, data, calibration))
    if channel:
        match = extract.match_channels(channel, list(known_channels), cutoff=80)
        if not match:
            parts.append(f"_No channel named “{channel}” in the corpus; known: {', '.join(known_channels)}._")
        else:
            if pool is None:
                raise ValueError("score_report needs the database pool to score against a channel")
            uploads = [HistoryRow(t, when, views) for t, when, views in await channel_history(pool, match[0])]
            parts.append(_predictions(titles, match[0], uploads, data, calibration))
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


def _predictions(titles: Sequence[str], channel: str, uploads: list[HistoryRow], data: dict,
                 calibration: dict | None = None) -> str:
    """Markdown of each title predicted as ``channel``'s next upload, corrected by the creator's ``calibration`` of
    that channel (``calibrated_prediction``); the predictions go into ``data`` (with ``"for_you"``: the corrected
    multiplier, and ``"calibration"``: what was done, when the creator has a calibration of the channel)."""
    clean = []
    for t in titles:
        try:
            clean.append(normalize_title(t))
        except TitleInputError:
            continue
    if not clean:
        return ""
    predictions = predict_new(uploads, clean, default_scorer())
    lines = []
    for p in predictions:
        for_you, said = calibrated_prediction(p.predicted_multiplier, calibration, channel)
        row = {"channel": channel, **p.to_dict()}
        if said:
            row |= {"for_you": for_you, "calibration": said}
        data.setdefault("on_channel", []).append(row)
        line = p.to_markdown(channel)
        if said and for_you != p.predicted_multiplier:
            line = (f"**{p.title}** on **{channel}**: about **{for_you:.2f}x** the channel's usual views ({said}; "
                    f"score {p.score:.0f}/100; {p.basis}).")
        elif said:
            line += f" _{said[:1].upper() + said[1:]}._"
        lines.append(line)
    trace("score.on_channel", channel=channel, uploads=len(uploads),
          predictions=[{"title": p.title, "predicted_multiplier": p.predicted_multiplier} for p in predictions],
          calibration=(calibration or {}).get("factor"))
    return "\n".join(lines)


async def _on_own_channel(titles: Sequence[str], pool: AsyncConnectionPool, creator_id: str, data: dict,
                          calibration: dict | None = None) -> str:
    """Each title against the creator's own channel (their imported analytics), read through their ``calibration``,
    or what to do when there is no channel."""
    channels = await list_channels(pool, creator_id)
    if not channels:
        return ("_To predict how a title would do on your channel I need its history: import your YouTube Studio "
                "export (`cortex import-analytics FILE --channel NAME`), connect your channel, or name a channel "
                "(“… on Veritasium”)._")
    own = channels[0]
    videos = await channel_videos(pool, own.channel_pk)
    uploads = [HistoryRow(v.title, v.published_at, v.views) for v in videos if v.views is not None]
    return _predictions(titles, own.name, uploads, data, calibration)
