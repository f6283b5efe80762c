"""The idea check: is a video about a topic worth making for this channel? Evidence from the title corpus only.

For a topic (and the creator's channel when known, ``tools.learning.blocks.creator_channel``):

- **outliers on the topic in the niche**: uploads matching the topic (``tools.outliers.search.search_outliers``: hybrid
  search under its similarity floor) with an outlier multiplier of at least 2, in the channel's niche (every niche
  without a channel; every niche, said so, when the niche has none): how many, their median multiplier, the newest,
  and the best as real examples;
- **crowding**: uploads on the topic in the niche published in the last ``RECENT_DAYS`` days before the corpus's newest
  upload (the crawl date stands in for "today": view counts are as of the crawl), and how many channels made them;
- **the channel's own coverage**: its uploads matching the topic, with their multipliers;
- **gaps**: the niche's biggest outliers (other channels, multiplier >= ``GAP_MIN_MULTIPLIER``) whose titles are not
  near any of the channel's titles (MiniLM cosine under the retrieval floor,
  ``tools.outliers.search.SIMILARITY_FLOOR``: under it a title is not about the same thing).

The reading (``reading``) states what the numbers show; it predicts no views. Hits are capped at ``SEARCH_LIMIT``,
so a count at the cap reads "at least".
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

import numpy as np
from psycopg_pool import AsyncConnectionPool

from agent.embeddings import MINILM, get_embedder
from memory.corpus.channels import channel_profiles, channel_titles, channel_videos
from tools.outliers.search import SIMILARITY_FLOOR, OutlierHit, search_outliers

RECENT_DAYS = 365
"""Uploads within this many days of the corpus's newest upload count as recent (crowding)."""

SEARCH_LIMIT = 50
"""Hits read per search (counts at this cap are lower bounds)."""

GAP_MIN_MULTIPLIER = 3.0
"""A niche upload at this multiplier or more is a topic that outperforms (the 3x tier)."""

GAPS_SHOWN = 5
"""Gap topics listed."""

PROVEN_OUTLIERS = 3
"""Outliers on the topic in the niche from which the topic counts as proven (with a median of at least 3x)."""

CROWDED_UPLOADS = 10
"""Recent uploads on the topic in the niche from which it counts as crowded."""


@dataclass
class IdeaCheck:
    """The evidence on one topic. ``niche``: the niche searched (None: every niche); ``channel``: the creator's
    corpus channel (None when unknown); ``scope``: where the outliers were found, "niche" or "corpus" (every niche: no
    channel, or none on the topic in the niche); ``outliers``: topic uploads at 2x or more of other channels, best
    first; ``median_multiplier``:
    theirs (None without any); ``recent``: topic uploads in the last ``RECENT_DAYS`` days (any multiplier),
    ``recent_channels``: how many channels made them; ``since``: the start of that window (ISO date); ``covered``:
    the channel's own uploads on the topic; ``gaps``: niche outliers far from every title of the channel;
    ``reading``: what the numbers show, in words."""

    topic: str
    niche: str | None
    channel: str | None
    scope: str
    outliers: list[OutlierHit]
    median_multiplier: float | None
    newest_outlier: str | None
    recent: int
    recent_channels: int
    since: str
    covered: list[OutlierHit]
    gaps: list[dict] = field(default_factory=list)
    reading: str = ""

    def to_dict(self) -> dict:
        """JSON-ready data (the tool's artifact)."""
        return asdict(self)


def reading(outliers: int, median: float | None, recent: int, covered: list[OutlierHit], where: str = "the niche") -> str:
    """The plain reading of the evidence: proven (``PROVEN_OUTLIERS`` outliers, median >= 3x) or not, crowded
    (``CROWDED_UPLOADS`` recent uploads) or not, and whether the channel did it before and how that went. ``where``:
    where the outliers were found, in words ("the niche", "the corpus")."""
    if outliers >= PROVEN_OUTLIERS and (median or 0) >= 3:
        parts = [f"The topic is proven in {where}: {outliers} outliers at a median {median:.1f}x."]
    elif outliers:
        parts = [f"Some evidence: {outliers} outlier{'s' if outliers > 1 else ''} on the topic"
                 + (f" at a median {median:.1f}x" if median else "") + "."]
    else:
        parts = ["No upload on this topic beat its channel's usual views in the corpus: no evidence it outperforms."]
    parts.append(f"Crowded: {recent} uploads on it in the last year." if recent >= CROWDED_UPLOADS
                 else f"Not crowded: {recent} upload{'s' if recent != 1 else ''} on it in the last year.")
    done = [h for h in covered if h.multiplier is not None]
    if done:
        best = max(done, key=lambda h: h.multiplier or 0)
        parts.append(f"Your channel covered it {len(done)} time{'s' if len(done) > 1 else ''}; the best, "
                     f"“{best.title}”, did {best.multiplier:.1f}x your usual views: a new angle beats a repeat.")
    return " ".join(parts)


async def find_gaps(pool: AsyncConnectionPool, channel: str, niche: str | None) -> list[dict]:
    """The niche's biggest outliers (other channels, >= ``GAP_MIN_MULTIPLIER``) whose titles are under the retrieval
    floor from every title of ``channel``, best first, one per topic (a gap near an already listed one is skipped):
    dicts with title, channel, multiplier, published, closest (the channel's nearest title) and similarity."""
    own = [t for t, _ in await channel_titles(pool, channel)]
    others = [p["name"] for p in await channel_profiles(pool, niches=(niche,) if niche else ()) if p["name"] != channel]
    if not own or not others:
        return []
    candidates = sorted((v for v in await channel_videos(pool, others)
                         if (v["outlier_multiplier"] or 0) >= GAP_MIN_MULTIPLIER and not v["is_short"]),
                        key=lambda v: -v["outlier_multiplier"])[:200]
    if not candidates:
        return []
    embedder = get_embedder()
    cand_v = embedder.embed([v["title"] for v in candidates])
    sims = cand_v @ embedder.embed(own).T
    floor = SIMILARITY_FLOOR[MINILM]
    gaps: list[dict] = []
    kept: list[np.ndarray] = []
    for v, vec, row in zip(candidates, cand_v, sims):
        best = int(np.argmax(row))
        if float(row[best]) >= floor or any(float(vec @ k) >= 0.6 for k in kept):
            continue
        kept.append(vec)
        gaps.append({"title": v["title"], "channel": v["channel"], "multiplier": round(float(v["outlier_multiplier"]), 1),
                     "published": v["published_at"].date().isoformat() if v["published_at"] else None,
                     "closest": own[best], "similarity": round(float(row[best]), 2)})
        if len(gaps) == GAPS_SHOWN:
            break
    return gaps


async def check_idea(pool: AsyncConnectionPool, topic: str, channel: str | None = None) -> IdeaCheck:
    """The evidence on ``topic`` for ``channel`` (a corpus channel name, or None): the module docstring's four
    parts and their reading. Raises ValueError when the topic is empty."""
    topic = " ".join(topic.split())
    if not topic:
        raise ValueError("Say what the video would be about, e.g. “is a video about index funds worth making?”.")
    profiles = await channel_profiles(pool, channels=(channel,)) if channel else []
    niche = profiles[0]["niche"] if profiles else None
    niches = niche
    outliers = [h for h in (await search_outliers(pool, topic, niche=niches, limit=SEARCH_LIMIT)).hits if h.channel != channel]
    scope = "niche" if niche else "corpus"
    if not outliers and niche:  # none in the niche: what the rest of the corpus shows, said as such
        outliers = [h for h in (await search_outliers(pool, topic, limit=SEARCH_LIMIT)).hits if h.channel != channel]
        scope = "corpus"
    mults = [h.multiplier for h in outliers if h.multiplier is not None]
    newest = max(((p["newest"]) for p in await channel_profiles(pool)), default=None)
    since = (newest.date() if newest else date.today()) - timedelta(days=RECENT_DAYS)
    recent = (await search_outliers(pool, topic, niche=niches, min_multiplier=None, published_after=since,
                                    limit=SEARCH_LIMIT)).hits
    recent = [h for h in recent if h.multiplier is not None or h.channel]
    covered = (await search_outliers(pool, topic, channels=[channel], min_multiplier=None, limit=10)).hits if channel else []
    gaps = await find_gaps(pool, channel, niche) if channel else []
    median = round(statistics.median(mults), 2) if mults else None
    dates = [h.published for h in outliers if h.published]
    return IdeaCheck(
        topic, niche, channel, scope, sorted(outliers, key=lambda h: -(h.multiplier or 0)), median, max(dates, default=None),
        len(recent), len({h.channel for h in recent}), since.isoformat(), covered, gaps,
        reading(len(outliers), median, len(recent), covered, "the niche" if scope == "niche" else "the corpus"),
    )


def _n(count: int) -> str:
    return f"at least {count}" if count >= SEARCH_LIMIT else str(count)


def idea_markdown(c: IdeaCheck, shown: int = 5) -> str:
    """The check as a creator reads it: the reading, then the outliers, crowding, the channel's coverage and the
    gaps, each with real titles and numbers."""
    where = f"in {c.niche}" if c.niche else "across the corpus"
    lines = [f"**Is “{c.topic}” worth making?** {c.reading}", ""]
    if c.niche and c.scope == "corpus" and c.outliers:
        lines += [f"_No outlier on it in {c.niche}: these are from the other niches of the corpus._", ""]
        where = "across the corpus"
    if c.outliers:
        lines += [f"**Outliers on it {where}**: {_n(len(c.outliers))}, median {c.median_multiplier:.1f}x, newest "
                  f"{c.newest_outlier or 'undated'}.", "", "| title | channel | multiplier | published |", "|---|---|---|---|"]
        lines += [f"| {h.title} | {h.channel} | {h.multiplier:.1f}x | {h.published or '—'} |" for h in c.outliers[:shown]]
    else:
        lines.append(f"**Outliers on it {where}**: none at 2x or more in the corpus.")
    lines += ["", f"**Crowding**: {_n(c.recent)} upload{'' if c.recent == 1 else 's'} on it since {c.since} from {c.recent_channels} channel"
              f"{'s' if c.recent_channels != 1 else ''} (the year before the corpus's newest upload)."]
    if c.channel:
        if c.covered:
            lines += ["", f"**{c.channel} already covered it**:"]
            lines += [f"- “{h.title}” ({h.published or 'undated'}): "
                      + (f"{h.multiplier:.1f}x its usual views" if h.multiplier is not None else "no multiplier")
                      for h in c.covered[:shown]]
        else:
            lines += ["", f"**{c.channel} has not covered it** (no upload of the channel matches the topic)."]
        if c.gaps:
            lines += ["", f"**Gaps**: topics that outperform {where} and that {c.channel} has no video near:", ""]
            lines += [f"- “{g['title']}” ({g['channel']}, {g['multiplier']:.1f}x)" for g in c.gaps]
    else:
        lines += ["", "_Tell me your channel (“for my channel Veritasium”) to see what you covered and the niche's gaps._"]
    return "\n".join(lines)
