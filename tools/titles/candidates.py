"""What title generation works on and produces: the methods and angles, the hooks it keeps, the title candidates
with their evidence, the cuts, and the judge's verdicts; plus hook selection, the first step of a run.

Vocabulary
----------
- method: where a title's packaging comes from (``METHODS``). ``outlier_patterns`` (the formulas of real outliers
  retrieved for the hook), ``proven_packaging`` (the formulas of the channel's own best titles, or of the strongest
  outliers on the video's topic when no channel is known, avoiding those of its worst titles),
  ``creator_hooks`` (the creator's own words from the hook).
- angle: the emotion or audience a title is written for (``ANGLES``).
- formula: a known title structure (``tools.titles.drafting.FORMULAS``), detected in real titles by a pattern.
- evidence: every title carries its hook, the outlier exemplars it drew on (title, channel, outlier
  multiplier) and its formula.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Literal

from tools.scripts.hooks import Hook

METHODS: dict[str, str] = {
    "outlier_patterns": "the title formulas of real outlier videos retrieved for this hook",
    "proven_packaging": "the formulas of the channel's own best titles (or of the strongest outliers on the topic), "
    "avoiding those of its worst titles",
    "creator_hooks": "the creator's own words from the hook",
}
ANGLES: dict[str, str] = {
    "curiosity": "open a loop the viewer wants closed",
    "stakes": "what the viewer loses or gets wrong without this video",
    "newcomer": "for someone new to the topic: plain words, the promise of understanding",
}

DEFAULT_MAX_HOOKS = 3
MIN_HOOK_STRENGTH = 4.0
"""Quality gate: hooks under this strength (0-10 rubric of ``tools.scripts.hooks``) are not turned into titles."""

DEFAULT_TITLES_PER_HOOK = 3
DEFAULT_MIN_CHARS, DEFAULT_MAX_CHARS = 40, 70
"""Length window: under 40 characters a title rarely says what the video is and how it is special; over 70 it is
cut in most feeds (mobile shows about 50, desktop search about 70)."""


@dataclass(frozen=True)
class Exemplar:
    """A real title used as evidence: its channel and outlier multiplier (views / the channel's rolling median)."""

    title: str
    channel: str
    multiplier: float

    def cite(self) -> str:
        """“Title” (Channel, 5.2x)."""
        return f"“{self.title}” ({self.channel}, {self.multiplier:.1f}x)"


@dataclass(frozen=True)
class Packaging:
    """Proven packaging: ``source`` says where it comes from; ``best`` and ``worst`` are real titles."""

    source: str
    best: tuple[Exemplar, ...]
    worst: tuple[Exemplar, ...] = ()


@dataclass(frozen=True)
class GenerationTask:
    """One generation branch: a method applied to hooks and angles (offline one hook and one angle per task;
    with an LLM all of a method's hooks and angles in one call, to stay within the call budget)."""

    method: str
    hook_ids: tuple[str, ...]
    angles: tuple[str, ...]


@dataclass(frozen=True)
class TitleCandidate:
    """A generated title and its evidence. ``self_score``: the generator's own 0-100 estimate (an LLM's, or
    offline the strength of the hook it drew on x 10). ``generator``: "offline" or the model's name. ``weak``: why it
    is shown although it failed a check (only when no draft passed: ``tools.titles.drafting.weak_drafts``), else ""."""

    title: str
    hook_id: str
    method: str
    angle: str
    formula: str
    exemplars: tuple[Exemplar, ...]
    self_score: float
    generator: str
    weak: str = ""


@dataclass(frozen=True)
class Cut:
    """A title removed in post-processing: the rule that cut it and why."""

    title: str
    rule: Literal["fluency", "length", "near-duplicate", "opener cap"]
    reason: str


@dataclass(frozen=True)
class PairVerdict:
    """A pairwise comparison of titles ``a`` and ``b`` asked in both orders. ``a_first``: the winner when ``a``
    was shown first; ``b_first``: when ``b`` was; ``result``: the winner ("a" / "b") or "tie" (``resolve_pair``)."""

    a: str
    b: str
    a_first: str
    b_first: str
    result: str


@dataclass(frozen=True)
class JudgedTitle:
    """A judged title: ``score`` 0-100 and ``grade`` (A+ to F, ``tools.scoring.results.GRADE_BANDS``), the criteria
    behind it (rubric criteria 1-5, or the scorer's components 0-100), the judge's note, the self-score gap
    (self_score - score) and whether it is flagged (|gap| >= ``tools.titles.judge.GAP_FLAG_POINTS``)."""

    candidate: TitleCandidate
    score: float
    grade: str
    criteria: dict[str, float]
    note: str
    gap: float
    flagged: bool

    def to_dict(self) -> dict:
        """JSON-ready data."""
        return asdict(self)


@dataclass
class Judgement:
    """The judge's ranking: titles best first, the pairwise verdicts, who judged."""

    ranked: list[JudgedTitle]
    pairs: list[PairVerdict] = field(default_factory=list)
    judge: str = "offline scorer"


# ---------------------------------------------------------------------------------------------------------------
# Hook selection
# ---------------------------------------------------------------------------------------------------------------


def select_hooks(
    hooks: Sequence[Hook], max_hooks: int = DEFAULT_MAX_HOOKS, min_strength: float = MIN_HOOK_STRENGTH
) -> tuple[list[Hook], list[tuple[Hook, str]]]:
    """(kept, dropped with reasons): the quality gate (strength >= ``min_strength``), then diversity across time
    buckets (strongest first, one hook per bucket, then the next strongest whatever their bucket) up to
    ``max_hooks``. When no hook passes the gate the strongest one is kept, and its reason says so."""
    ordered = sorted(hooks, key=lambda h: -h.strength)
    passing = [h for h in ordered if h.strength >= min_strength]
    dropped = [
        (h, f"below the quality gate (strength {h.strength:.1f} < {min_strength:.1f})")
        for h in ordered
        if h not in passing
    ]
    if not passing and ordered:
        passing = [ordered[0]]
        dropped = [d for d in dropped if d[0] is not ordered[0]]
    kept: list[Hook] = []
    buckets: set[str] = set()
    for h in passing:
        if h.bucket not in buckets and len(kept) < max_hooks:
            kept.append(h)
            buckets.add(h.bucket)
    for h in passing:
        if h not in kept and len(kept) < max_hooks:
            kept.append(h)
    for h in passing:
        if h not in kept:
            same = next((k for k in kept if k.bucket == h.bucket), None)
            reason = (
                f"bucket {h.bucket} already has the stronger {same.id}" if same else f"over the {max_hooks}-hook limit"
            )
            dropped.append((h, reason))
    kept.sort(key=lambda h: -h.strength)
    return kept, dropped

