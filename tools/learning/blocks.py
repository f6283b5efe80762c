"""What the product remembers about a creator, and how it reaches generation.

Four memory blocks, each per creator (storage in ``memory.learning``: the store namespace
``("creators", creator_id, block)``, feedback in ``feedback_events``):

- **preferences**: learned from their feedback on generated titles (``tools.learning.preferences``), rebuilt every
  ``REBUILD_EVERY`` actions by ``tools.learning.signals.record_signal``, the one loop every feedback path goes
  through (record_feedback, use_title, the chat UI's title buttons and thumbs);
- **Creator DNA**: the voice profile built from their own transcripts (``tools.learning.voice``; learn_voice builds it
  and ``remember_voice`` stores it);
- **calibration**: how the titles they used did against the predictions (``tools.learning.outcomes``, stored by
  title_outcomes), given to an LLM's prompt and shown with their memory;
- **performance**: their channel's best and worst uploads by outlier multiplier (the corpus), by CTR where they
  imported or connected analytics, and the title patterns whose lift on the channel is significant
  (``tools.outliers.patterns``). It is computed when asked for, from the data as it is now, and not stored.

``load_memory`` gathers the blocks for a generation run; ``MemoryBlocks`` gives the LLM prompt block, the
offline ranking adjustment (voice fit + performance fit; the preferences adjust through
``tools.learning.ranking.rerank``) and the trace of which blocks were used; ``memory_markdown`` is what the creator
reads ("what have you learned about me?").

Storage is passed in: ``pool`` (the Postgres pool: corpus, analytics, feedback) and ``store`` (the LangGraph store:
the blocks), from the run's context (``tools.base.CortexContext``) or the driver.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from langgraph.store.base import BaseStore
from psycopg_pool import AsyncConnectionPool

from memory.analytics import channel_videos as analytics_videos
from memory.analytics import list_channels
from memory.corpus.channels import channel_names, channel_titles
from memory.learning import get_block, put_block, title_counts
from tools import extract
from tools.base import trace
from tools.learning.preferences import Preferences, preferences_markdown
from tools.learning.voice import VoiceProfile
from tools.learning.voice_fit import voice_fit, voice_markdown, voice_prompt_block
from tools.outliers.patterns import PatternLift, channel_lifts, template, title_patterns

PERFORMANCE_TITLES = 5
"""Best and worst uploads shown and given to generation, by multiplier and by CTR."""

MIN_CTR_IMPRESSIONS = 1_000
"""A video's CTR is compared only from this many impressions (below it one or two clicks swing the rate)."""

MAX_PATTERN_POINTS = 6.0
"""The most a channel pattern adds to a title's offline ranking score (0-100 scale): 4 points per doubling of
the median multiplier (4 x log2(lift)), capped; our choice, small next to the scorer's spread of ~30 points."""


@dataclass
class Performance:
    """A channel's performance memory. ``best``/``worst``: (title, outlier multiplier); ``ctr_best``/``ctr_worst``:
    (title, CTR in percent, impressions) from the creator's analytics (empty without them); ``patterns``: the
    patterns that work on the channel (lift > 1 at BH q <= 0.10, ``tools.outliers.patterns``)."""

    channel: str
    uploads: int
    best: list[tuple[str, float]]
    worst: list[tuple[str, float]]
    ctr_best: list[tuple[str, float, int]] = field(default_factory=list)
    ctr_worst: list[tuple[str, float, int]] = field(default_factory=list)
    ctr_source: str | None = None
    patterns: list[PatternLift] = field(default_factory=list)

    def fit(self, title: str) -> tuple[float, list[str]]:
        """Points (0 to ``MAX_PATTERN_POINTS``) and reasons for a title using patterns that work on the channel."""
        used = set(title_patterns(title))
        points, reasons = 0.0, []
        for p in self.patterns:
            if p.pattern in used:
                gain = min(MAX_PATTERN_POINTS - points, 4 * math.log2(p.lift))
                if gain > 0:
                    points += gain
                    reasons.append(f"+{gain:.0f}: “{p.pattern}” titles get {p.lift:.2f}x the median multiplier on "
                                   f"{self.channel} (q = {p.q_value:.2f})")
        return points, reasons

    def markdown(self) -> str:
        """The block as a creator reads it."""
        lines = [f"**Performance memory: {self.channel}** ({self.uploads} uploads with an outlier multiplier)"]
        lines.append("- best: " + "; ".join(f"“{t}” ({m:.1f}x)" for t, m in self.best))
        lines.append("- worst: " + "; ".join(f"“{t}” ({m:.2f}x)" for t, m in self.worst))
        if self.ctr_best:
            lines.append(f"- best CTR ({self.ctr_source}): " + "; ".join(f"“{t}” ({c:.1f} %)" for t, c, _ in self.ctr_best))
            lines.append("- worst CTR: " + "; ".join(f"“{t}” ({c:.1f} %)" for t, c, _ in self.ctr_worst))
        if self.patterns:
            lines.append("- patterns that lift this channel: " + "; ".join(
                f"{p.pattern} ({template(p.pattern)}): {p.lift:.2f}x, {p.n_with} titles" for p in self.patterns))
        else:
            lines.append("- no title pattern lifts this channel significantly (BH q <= 0.10)")
        return "\n".join(lines)

    def prompt_block(self) -> str:
        """Evidence for an LLM prompt."""
        lines = [f"Channel {self.channel}: best titles " + "; ".join(f"“{t}” ({m:.1f}x)" for t, m in self.best[:3]),
                 "worst titles " + "; ".join(f"“{t}” ({m:.2f}x)" for t, m in self.worst[:3])]
        if self.ctr_best:
            lines.append("highest CTR " + "; ".join(f"“{t}” ({c:.1f} %)" for t, c, _ in self.ctr_best[:3]))
        if self.patterns:
            lines.append("patterns that lift it: " + ", ".join(f"{p.pattern} ({p.lift:.2f}x)" for p in self.patterns))
        return "\n".join(lines)


@dataclass
class MemoryBlocks:
    """The memory of one creator that a generation run uses (any block may be missing)."""

    creator_id: str
    preferences: Preferences | None = None
    voice: VoiceProfile | None = None
    performance: Performance | None = None
    calibration: dict[str, Any] | None = None

    def used(self) -> list[str]:
        """The names of the blocks present: "preferences", "dna", "performance", "calibration"."""
        return [name for name, block in (("preferences", self.preferences), ("dna", self.voice),
                                         ("performance", self.performance), ("calibration", self.calibration))
                if block is not None]

    def adjust(self, candidate: Any) -> tuple[float, list[str]]:
        """The offline ranking adjustment from the voice and the channel's performance (points on the 0-100 judge
        scale, and the reasons); the preferences adjust separately (``tools.learning.ranking.rerank``)."""
        points, reasons = 0.0, []
        for block in (self.voice, self.performance):
            if block is None:
                continue
            p, r = voice_fit(candidate.title, block) if block is self.voice else block.fit(candidate.title)
            points += p
            reasons += r
        return points, reasons

    def prompt_block(self) -> str:
        """What an LLM generating hooks or titles is told about the creator ("" without memory)."""
        parts = []
        if self.voice is not None:
            parts.append("Creator DNA (their voice, from their own transcripts):\n" + voice_prompt_block(self.voice))
        if self.preferences is not None and (self.preferences.preferred or self.preferences.rejected):
            liked = ", ".join(p["label"] for p in self.preferences.preferred) or "none yet"
            disliked = ", ".join(p["label"] for p in self.preferences.rejected) or "none yet"
            parts.append(f"Learned from their feedback: they prefer {liked}; they reject {disliked}; their final "
                         f"titles average {self.preferences.avg_final_length or 0:.0f} characters.")
        if self.performance is not None:
            parts.append("Their channel's evidence:\n" + self.performance.prompt_block())
        if self.calibration is not None:
            parts.append("How the titles they used did (their analytics): " + self.calibration["reading"])
        return "\n\n".join(parts)

    def trace_data(self) -> dict[str, Any]:
        """The trace event's data: which blocks were used and what each holds, in short."""
        data: dict[str, Any] = {"creator": self.creator_id, "blocks": self.used()}
        if self.preferences is not None:
            data["preferences"] = {"events": self.preferences.events,
                                   "preferred": [p["label"] for p in self.preferences.preferred],
                                   "rejected": [p["label"] for p in self.preferences.rejected]}
        if self.voice is not None:
            data["dna"] = self.voice.source
        if self.performance is not None:
            data["performance"] = {"channel": self.performance.channel,
                                   "patterns": [p.pattern for p in self.performance.patterns],
                                   "ctr": self.performance.ctr_source}
        return data


async def creator_channel(pool: AsyncConnectionPool, store: BaseStore, creator_id: str,
                          channel: str | None = None) -> str | None:
    """The creator's channel in the corpus: ``channel`` when given (fuzzy-matched to a channel name), else the one
    in their profile block (set when their Creator DNA is built), else their analytics channel's name when it is in
    the corpus. None when there is none."""
    names = await channel_names(pool)
    candidates = [channel] if channel else []
    if not candidates:
        profile = await get_block(store, creator_id, "profile") or {}
        candidates = [profile["channel"]] if profile.get("channel") else []
        candidates += [c.name for c in await list_channels(pool, creator_id)]
    for name in candidates:
        if match := extract.match_channels(name, names, cutoff=80):
            return match[0]
    return None


async def performance_memory(pool: AsyncConnectionPool, store: BaseStore, creator_id: str,
                             channel: str | None = None) -> Performance | None:
    """The performance block of the creator's channel (``creator_channel``), None without one. CTR comes from the
    creator's own analytics channels only (never another creator's), from videos with at least
    ``MIN_CTR_IMPRESSIONS`` impressions."""
    name = await creator_channel(pool, store, creator_id, channel)
    if name is None:
        return None
    titles = await channel_titles(pool, name)
    ranked = sorted(titles, key=lambda t: -t[1])
    perf = Performance(name, len(titles), ranked[:PERFORMANCE_TITLES], ranked[-PERFORMANCE_TITLES:][::-1],
                       patterns=[p for p in channel_lifts(name, titles) if p.works])
    for ch in await list_channels(pool, creator_id):
        videos = [v for v in await analytics_videos(pool, ch.channel_pk)
                  if v.ctr_pct is not None and (v.impressions or 0) >= MIN_CTR_IMPRESSIONS]
        if videos:
            by_ctr = sorted(videos, key=lambda v: -v.ctr_pct)
            perf.ctr_best = [(v.title, v.ctr_pct, v.impressions) for v in by_ctr[:PERFORMANCE_TITLES]]
            perf.ctr_worst = [(v.title, v.ctr_pct, v.impressions) for v in by_ctr[-PERFORMANCE_TITLES:][::-1]]
            perf.ctr_source = f"your analytics for {ch.name}, {len(videos)} videos with {MIN_CTR_IMPRESSIONS:,}+ impressions"
            break
    return perf


async def load_memory(pool: AsyncConnectionPool, store: BaseStore, creator_id: str,
                      channel: str | None = None) -> MemoryBlocks:
    """Every memory block of the creator for a generation run (performance for ``channel``, else theirs)."""
    prefs = await get_block(store, creator_id, "preferences")
    voice = await get_block(store, creator_id, "dna")
    return MemoryBlocks(
        creator_id,
        Preferences.from_dict(prefs) if prefs else None,
        VoiceProfile.from_dict(voice) if voice else None,
        await performance_memory(pool, store, creator_id, channel),
        await get_block(store, creator_id, "calibration"),
    )


SOURCE_WORDS = {"studio_export": "a YouTube Studio export", "youtube_api": "connected with Google"}


@dataclass
class ConnectedChannel:
    """A channel whose numbers the creator gave: its name, where they came from (``SOURCE_WORDS``), the videos
    stored, when they were read, and its best and worst titles by CTR (title, CTR in percent, impressions) among
    videos with ``MIN_CTR_IMPRESSIONS`` impressions or more."""

    name: str
    source: str
    videos: int
    synced_at: Any
    ctr_best: list[tuple[str, float, int]] = field(default_factory=list)
    ctr_worst: list[tuple[str, float, int]] = field(default_factory=list)

    def markdown(self) -> str:
        """The channel as a creator reads it."""
        when = f", read {self.synced_at:%Y-%m-%d}" if self.synced_at else ""
        lines = [f"- **{self.name}**: {self.videos:,} videos from {SOURCE_WORDS.get(self.source, self.source)}{when}"]
        if self.ctr_best:
            lines.append("  - best CTR: " + "; ".join(f"“{t}” ({c:.1f} %)" for t, c, _ in self.ctr_best))
            lines.append("  - worst CTR: " + "; ".join(f"“{t}” ({c:.1f} %)" for t, c, _ in self.ctr_worst))
        return "\n".join(lines)


async def connected_channels(pool: AsyncConnectionPool, creator_id: str) -> list[ConnectedChannel]:
    """The creator's channels with analytics (imported exports and channels connected with Google), most recently
    read first, each with its best and worst CTR titles."""
    channels = []
    for ch in await list_channels(pool, creator_id):
        rated = sorted((v for v in await analytics_videos(pool, ch.channel_pk)
                        if v.ctr_pct is not None and (v.impressions or 0) >= MIN_CTR_IMPRESSIONS),
                       key=lambda v: -v.ctr_pct)
        channels.append(ConnectedChannel(
            ch.name, ch.source, ch.videos, ch.synced_at,
            [(v.title, v.ctr_pct, v.impressions) for v in rated[:PERFORMANCE_TITLES]],
            [(v.title, v.ctr_pct, v.impressions) for v in rated[-PERFORMANCE_TITLES:][::-1]] if rated else []))
    return channels


def titles_markdown(counts: dict[str, int]) -> str:
    """The generated titles the creator saw and acted on (``memory.learning.title_counts``), in words."""
    if not counts["seen"] and not counts["actions"]:
        return "**Your titles**: I haven't written titles for you yet."
    return (f"**Your titles**: I've shown you {counts['seen']} generated title(s); you reacted to "
            f"{counts['reacted']} of them ({counts['actions']} reaction(s) in all, thumbs on whole answers included).")


def memory_markdown(blocks: MemoryBlocks, counts: dict[str, int], block: str = "all",
                    channels: list[ConnectedChannel] | None = None) -> str:
    """"What have you learned about me?": every block, what it holds, and how to change it: the titles seen and
    reacted to (``counts``), preferences, Creator DNA, performance memory and the channels whose numbers the
    creator gave (``channels``). ``block`` ("preferences", "dna" or "performance") shows that block alone when the
    creator has it; "all" (or a block they do not have yet) shows every block."""
    if block == "preferences" and blocks.preferences is not None:
        return preferences_markdown(blocks.preferences)
    if block == "dna" and blocks.voice is not None:
        return voice_markdown(blocks.voice)
    if block == "performance" and blocks.performance is not None:
        return blocks.performance.markdown()
    parts = [titles_markdown(counts)]
    if blocks.preferences is not None:
        parts.append(preferences_markdown(blocks.preferences))
    else:
        parts.append(f"**Preferences**: not learned yet ({counts['actions']} reaction(s) to generated titles so "
                     "far; I learn from every 5: save, copy, use, reject, thumbs up or down, or edit a title).")
    parts.append(voice_markdown(blocks.voice) if blocks.voice is not None else
                 "**Creator DNA**: not built yet. Say “learn my voice from my channel 3Blue1Brown” (a channel with "
                 "transcripts in the data), or paste a few of your transcripts and say “learn my voice from these”.")
    if blocks.performance is not None:
        parts.append(blocks.performance.markdown())
    elif not channels:
        parts.append("**Performance memory**: no channel yet: name yours when you ask for titles (“for my channel "
                     "Nischa”), build your Creator DNA from it, or attach your YouTube Studio export here.")
    if blocks.calibration is not None:
        parts.append(f"**How the titles you used did** ({len(blocks.calibration.get('outcomes', []))} with a published "
                     f"video on {blocks.calibration.get('channel')}): {blocks.calibration['reading']}")
    if channels:
        parts.append("**Your channels' numbers**\n" + "\n".join(c.markdown() for c in channels))
    parts.append("_Change it: “forget that I like questions”, “erase my preferences”, “erase my Creator DNA”, or "
                 "`cortex forget --creator <you>` to delete everything kept for you._")
    return "\n\n".join(parts)


async def learned_summary(pool: AsyncConnectionPool, store: BaseStore, creator_id: str,
                          channel: str | None = None) -> tuple[MemoryBlocks, dict[str, int], list[ConnectedChannel]]:
    """The creator's blocks, their title counts (``memory.learning.title_counts``) and their channels with
    analytics (``connected_channels``), for ``memory_markdown``."""
    return (await load_memory(pool, store, creator_id, channel), await title_counts(pool, creator_id),
            await connected_channels(pool, creator_id))


async def remember_voice(store: BaseStore, creator_id: str, profile: VoiceProfile, channel: str | None) -> None:
    """Store the creator's Creator DNA (the ``dna`` block) and, when it was built from their channel in the data,
    that channel as theirs (the ``profile`` block), which their performance memory then follows."""
    await put_block(store, creator_id, "dna", profile.to_dict())
    if channel:
        await put_block(store, creator_id, "profile", {"channel": channel, "from": "Creator DNA"})
    trace("memory.dna_built", creator=creator_id, source=profile.source, transcripts=profile.transcripts,
          words=profile.words)
