"""Title patterns: the structures of outlier titles and how much they lift a channel's multipliers.

A *pattern* is a title structure a creator can reuse ("I tried X for N days", "How I X without Y", numbered
lists, challenges, questions, "X vs Y", ...), detected by a regular expression over the title (English titles;
titles in other languages rarely match).

**Lift on a channel**: the median outlier multiplier of the channel's uploads whose titles use the pattern,
divided by the median multiplier of its uploads that do not (multipliers are already relative to the channel's
rolling median of the same format, see ``memory.outliers``). Only patterns with at least ``MIN_SUPPORT`` (5)
titles on each side are measured. Its significance: a one-sided Mann-Whitney U test (do titles with the pattern
have higher multipliers?), with the Benjamini-Hochberg false discovery rate over the channel's patterns
(``scipy.stats.false_discovery_control``): about 25 patterns are tested per channel, so raw p-values would
declare one or two chance winners on every channel.

A pattern **works** on a channel when its lift is above 1 and its BH q-value is at most ``MAX_Q`` (0.10); it
**works across channels** when it works on at least ``MIN_CHANNELS`` (2) of them. The cross-channel lift is
the median of the per-channel lifts (each channel counts once, however many uploads it has).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from statistics import median

import numpy as np
from scipy.stats import false_discovery_control, mannwhitneyu

from memory.outliers import OUTLIER_FROM

MIN_SUPPORT = 5
MAX_Q = 0.10
MIN_CHANNELS = 2


@dataclass(frozen=True)
class Pattern:
    """A title structure: its name, a template a creator reads, and the regex (over the lower-cased title)."""

    name: str
    template: str
    regex: re.Pattern[str]


def _p(name: str, template: str, regex: str) -> Pattern:
    return Pattern(name, template, re.compile(regex))


_NUMBER = r"(?:\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|twenty|thirty|fifty|hundred|a)"
PATTERNS: tuple[Pattern, ...] = (
    _p("i tried X", "I tried/tested {X}", r"^i (?:tried|tested|try)\b|\bi (?:tried|tested) "),
    _p("X for N days", "{X} for {N} days/hours", rf"\b(?:for|in|after) {_NUMBER}\+? (?:hours?|days?|weeks?|months?|years?)\b"),
    _p("how I X without Y", "How I {X} without {Y}", r"^how i\b.*\bwithout\b"),
    _p("how I X", "How I {X}", r"^how i\b"),
    _p("how to X", "How to {X}", r"^how to\b"),
    _p("why X", "Why {X}", r"^why\b"),
    _p("numbered list", "{N} {things} ...",
       r"^(?:top |the )?(?!(?:19|20)\d\d\b)\d+ (?!%|x\b|years?\b|fps\b|ft\b|mph\b|km\b)[a-z']"),
    _p("challenge", "... challenge / last to leave wins", r"\bchallenge\b|\blast to (?:leave|stop|survive|take)\b"),
    _p("money stakes", "... ${amount} ...", r"\$\s?\d"),
    _p("X vs Y", "{X} vs {Y}", r"\bvs\.?(?=\s|$)|\bversus\b"),
    _p("question", "{question}?", r"\?\s*(?:#\S+\s*)*$"),
    _p("superlative", "World's biggest/most/best {X}", r"\b(?:world'?s|biggest|largest|smallest|fastest|strongest|tallest|deepest|most|best|worst|greatest)\b"),
    _p("I did X", "I built/made/bought {X}", r"^i(?:'ve)? (?:built|made|bought|turned|spent|ate|survived|quit|paid|got|went|gave|found|hired|asked|became)\b"),
    _p("explainer", "{X} explained / what is {X}", r"\bexplain(?:ed|s|ing)?\b|^what (?:is|are)\b"),
    _p("reveal", "The truth/secret about {X}", r"\b(?:truth|secrets?|nobody|no one|hidden|exposed?|exposing|revealing|revealed)\b"),
    _p("mistakes & warnings", "{N} mistakes / stop doing {X}", r"\b(?:mistakes?|stop|never|don'?t|avoid|wrong|keeping you)\b"),
    _p("big number", "{big number} {X}", r"\b\d{1,3}(?:,\d{3})+\b|\b(?!19\d\d|20\d\d)\d{4,}\b|\b(?:million|billion)\b"),
    _p("dated", "{X} in {year}", r"\b(?:19|20)\d\d\b"),
    _p("caps emphasis", "one or two words in CAPS", r"(?-i:\b[A-Z]{4,}\b)"),
    _p("brackets", "{X} (aside) / [tag]", r"[(\[]"),
    _p("topic: hook", "{topic}: {hook} / {topic} - {hook}", r":\s|\s[-–—|]\s"),
    _p("beginner guide", "{X} for beginners / guide / tutorial", r"\bbeginners?\b|\bguide\b|\btutorial\b|\b101\b"),
    _p("transformation", "{X} transformation / before & after", r"\btransformation\b|\bbefore (?:and|&) after\b|\bglow ?up\b|\bmakeover\b"),
    _p("hashtags", "{X} #shorts #tag", r"#\w"),
    _p("emoji", "{X} + emoji", "[\U0001F300-\U0001FAFF\u2600-\u27BF]"),
)
"""The pattern library. The regexes run on the lower-cased title, except where ``(?-i:...)`` says so (caps)."""

_BY_NAME = {p.name: p for p in PATTERNS}


def title_patterns(title: str) -> list[str]:
    """Names of the ``PATTERNS`` a title uses, in library order (a title may use several, or none)."""
    low = title.lower().strip()
    out = []
    for p in PATTERNS:
        text = title if p.name == "caps emphasis" else low
        if p.regex.search(text):
            out.append(p.name)
    if "how I X without Y" in out and "how I X" in out:
        out.remove("how I X")  # the more specific structure says it all
    return out


def template(name: str) -> str:
    """The readable template of a pattern ('How I {X} without {Y}'); KeyError for an unknown name."""
    return _BY_NAME[name].template


@dataclass
class PatternLift:
    """A pattern's lift on one channel (see the module docstring). Multipliers: views / the channel's rolling
    median of the same format. ``examples``: (title, multiplier) of its best uploads using the pattern."""

    pattern: str
    channel: str
    n_with: int
    n_without: int
    median_with: float
    median_without: float
    lift: float
    outlier_share_with: float
    outlier_share_without: float
    p_value: float
    q_value: float = 1.0
    examples: list[tuple[str, float]] = field(default_factory=list)

    @property
    def works(self) -> bool:
        """Lift above 1 at a false discovery rate of at most ``MAX_Q``."""
        return self.lift > 1 and self.q_value <= MAX_Q


def channel_lifts(channel: str, videos: Sequence[tuple[str, float]], examples: int = 3) -> list[PatternLift]:
    """Lifts of every pattern with enough support on one channel, strongest evidence first (q, then lift).

    ``videos``: (title, outlier multiplier) of the channel's uploads that have a multiplier. Patterns used by fewer
    than ``MIN_SUPPORT`` titles, or missing from fewer than that, are left out.
    """
    uses = [set(title_patterns(t)) for t, _ in videos]
    mults = np.array([m for _, m in videos], dtype=float)
    lifts: list[PatternLift] = []
    for p in PATTERNS:
        mask = np.array([p.name in u for u in uses], dtype=bool)
        n_with, n_without = int(mask.sum()), int((~mask).sum())
        if n_with < MIN_SUPPORT or n_without < MIN_SUPPORT:
            continue
        with_, without = mults[mask], mults[~mask]
        med_with, med_without = float(np.median(with_)), float(np.median(without))
        best = sorted((videos[i] for i in np.flatnonzero(mask)), key=lambda v: -v[1])[:examples]
        lifts.append(
            PatternLift(
                pattern=p.name, channel=channel, n_with=n_with, n_without=n_without,
                median_with=med_with, median_without=med_without,
                lift=med_with / med_without if med_without > 0 else float("inf"),
                outlier_share_with=float((with_ >= OUTLIER_FROM).mean()),
                outlier_share_without=float((without >= OUTLIER_FROM).mean()),
                p_value=float(mannwhitneyu(with_, without, alternative="greater").pvalue),
                examples=[(t, float(m)) for t, m in best],
            )
        )
    if lifts:
        for lift, q in zip(lifts, false_discovery_control([x.p_value for x in lifts], method="bh"), strict=True):
            lift.q_value = float(q)
    return sorted(lifts, key=lambda x: (x.q_value, -x.lift))


@dataclass
class CrossChannelPattern:
    """A pattern across channels: per-channel lifts, where it works, its median lift (channels weighted equally)."""

    pattern: str
    per_channel: list[PatternLift]

    @property
    def works_on(self) -> list[str]:
        """Channels where the pattern works (lift > 1, q <= MAX_Q)."""
        return [x.channel for x in self.per_channel if x.works]

    @property
    def median_lift(self) -> float:
        """Median of the per-channel lifts."""
        return float(median(x.lift for x in self.per_channel))

    @property
    def lifts_above_one(self) -> int:
        """Channels where the lift is above 1 (significant or not)."""
        return sum(x.lift > 1 for x in self.per_channel)

    def examples(self, per_channel: int = 1) -> list[tuple[str, str, float]]:
        """(title, channel, multiplier) of the best uploads using the pattern, from the channels where it works
        first."""
        ranked = sorted(self.per_channel, key=lambda x: (not x.works, -x.lift))
        return [(t, x.channel, m) for x in ranked for t, m in x.examples[:per_channel]]


def cross_channel(lifts: Iterable[PatternLift]) -> list[CrossChannelPattern]:
    """Group per-channel lifts by pattern; patterns that work on more channels first, then by median lift."""
    by_pattern: dict[str, list[PatternLift]] = {}
    for x in lifts:
        by_pattern.setdefault(x.pattern, []).append(x)
    out = [CrossChannelPattern(p, sorted(xs, key=lambda x: -x.lift)) for p, xs in by_pattern.items()]
    return sorted(out, key=lambda c: (-len(c.works_on), -c.median_lift))


def winning_patterns(cross: Iterable[CrossChannelPattern], min_channels: int = MIN_CHANNELS) -> list[CrossChannelPattern]:
    """The patterns that work on at least ``min_channels`` channels."""
    return [c for c in cross if len(c.works_on) >= min_channels]
