"""Title score results: the typed answers of the scorer (one title, two compared, one against a channel), the
grade bands, and the chat markdown and JSON-ready data of each.

Plain dataclasses: ``tools.scoring.scorer`` fills them; the tool, the UI, the API and the evals read them.
"""

from __future__ import annotations

from dataclasses import dataclass

from tools.base import md_cell

GRADE_BANDS: tuple[tuple[str, float], ...] = (
    ("A+", 95.0),
    ("A", 85.0),
    ("B", 70.0),
    ("C", 50.0),
    ("D", 30.0),
    ("F", 0.0),
)
"""Grade band lower edges on the 0-100 score, best first: a score ``>= edge`` gets that grade. The score is a
percentile among real trending titles, so A+ is their top 5 %, A the next 10 %, B the next 15 %, C the rest of
the upper half, D the 30th-50th percentile and F the bottom 30 %."""


SOURCE_HEADLINE = "headline A/B tests (Upworthy)"
SOURCE_YOUTUBE = "YouTube channel histories"
SOURCE_CLICKBAIT = "clickbait headlines (Chakraborty et al. 2016)"
"""Where each component's evidence comes from (``Component.source``)."""


@dataclass(slots=True)
class Component:
    """One part of the breakdown.

    ``value``: 0-100 sub-score, the mid-rank percentile of this component's part of the linear score among the
    reference titles (50 = typical). ``weight``: the component's share (0-1; they sum to 1) of the spread of the
    linear score over the reference titles, i.e. how much it can move the overall score; 0 when not applicable.
    ``reason``: what was found, in plain words. ``improvement``: the edit that raises the score most, with its
    gain in points, or None when no tried edit helps. ``gain``: that edit's expected gain in score points (0 when
    there is none), for ranking suggestions. ``source``: the data its evidence comes from (``SOURCE_*``)."""

    name: str
    value: float
    weight: float
    reason: str
    improvement: str | None
    gain: float = 0.0
    source: str = SOURCE_HEADLINE


def grade_for(score: float) -> str:
    """Letter grade of a 0-100 score per ``GRADE_BANDS`` (lower edges inclusive)."""
    for grade, edge in GRADE_BANDS:
        if score >= edge:
            return grade
    return GRADE_BANDS[-1][0]


@dataclass(slots=True)
class TitleScore:
    """The score of one title: ``score`` 0-100 (one decimal; percentile among reference trending titles),
    ``grade`` per ``GRADE_BANDS``, ``components`` (one per ``COMPONENTS`` name, in that order) and ``warnings``
    (over 100 characters, script not supported, no words, invalid input).

    In a batch (``score_titles``) an invalid title is returned as ``score=0.0, grade="F", components=[]`` with the
    error message in ``warnings``; ``valid`` is False for it."""

    title: str
    score: float
    grade: str
    components: list[Component]
    warnings: list[str]

    @property
    def valid(self) -> bool:
        """False for the placeholder of an invalid title in a batch."""
        return bool(self.components)

    def component(self, name: str) -> Component:
        """The component called ``name``; raises KeyError if there is none."""
        for comp in self.components:
            if comp.name == name:
                return comp
        raise KeyError(name)

    def to_dict(self) -> dict:
        """JSON-ready ``{"title", "score", "grade", "components": {name: {"value", "weight", "reason",
        "improvement", "source"}}, "warnings"}``."""
        return {
            "title": self.title,
            "score": self.score,
            "grade": self.grade,
            "components": {
                c.name: {"value": c.value, "weight": c.weight, "reason": c.reason, "improvement": c.improvement,
                         "source": c.source}
                for c in self.components
            },
            "warnings": list(self.warnings),
        }

    def to_markdown(self) -> str:
        """Compact chat markdown: score and grade, warnings, a component table with reasons, "How to improve"."""
        lines = [f"**{md_cell(self.title)}** — **{self.score:.1f}/100 ({self.grade})**", ""]
        lines += [f"> ⚠️ {w}" for w in self.warnings]
        if self.components:
            if self.warnings:
                lines.append("")
            lines += ["| Component | Score | Why | Evidence from |", "|---|---:|---|---|"]
            lines += [f"| {c.name} | {c.value:.0f} | {md_cell(c.reason)} | {c.source} |" for c in self.components]
            tips = sorted((c for c in self.components if c.improvement), key=lambda c: -c.gain)
            if tips:
                lines += ["", "**How to improve**"] + [f"- *{c.name}*: {c.improvement}" for c in tips]
        return "\n".join(lines)


@dataclass(slots=True)
class TitleComparison:
    """Two titles compared on the score's own scale.

    ``winner``: "a" (the first title), "b" (the second) or "tie" (``p_a_wins`` within ``TIE_BAND`` of 0.5); the
    winner never has the lower score. ``p_a_wins``: the model's probability that the first title does better
    (``basis`` "youtube": the higher outlier multiplier of two uploads of one channel; "headline": the higher CTR
    in a headline A/B test). ``margin``: ``a.score - b.score`` in score points. ``reasons``: one line per component
    that differs, largest first."""

    a: TitleScore
    b: TitleScore
    winner: str
    margin: float
    p_a_wins: float
    reasons: list[str]
    basis: str = "headline"

    TIE_BAND = 0.01

    def to_dict(self) -> dict:
        """JSON-ready dict: both ``TitleScore.to_dict()``, winner, margin, p_a_wins, basis, reasons."""
        return {
            "a": self.a.to_dict(),
            "b": self.b.to_dict(),
            "winner": self.winner,
            "margin": self.margin,
            "p_a_wins": self.p_a_wins,
            "basis": self.basis,
            "reasons": list(self.reasons),
        }

    def to_markdown(self) -> str:
        """Compact chat markdown: the verdict named by title (consistent with the scores, with the model's
        probability), a side-by-side table of the two titles, reasons. The options are "first" and "second", never
        "A" and "B", so that no option reads like a grade."""
        outcome = ("gets the higher outlier multiplier on the same channel" if self.basis == "youtube"
                   else "wins a headline A/B test")
        if self.winner == "tie":
            verdict = (f"**Too close to call**: {self.a.score:.1f} vs {self.b.score:.1f}; the model gives the first "
                       f"title a {self.p_a_wins:.0%} chance that it {outcome}.")
        else:
            win, lose = (self.a, self.b) if self.winner == "a" else (self.b, self.a)
            p = self.p_a_wins if self.winner == "a" else 1 - self.p_a_wins
            which = "first" if self.winner == "a" else "second"
            verdict = (f"**Stronger: the {which} title, “{md_cell(win.title)}”** — score {win.score:.1f} vs "
                       f"{lose.score:.1f}; the model gives it a {p:.0%} chance that it {outcome}.")
        lines = [
            verdict,
            "",
            f"| | first: {md_cell(self.a.title)} | second: {md_cell(self.b.title)} |",
            "|---|---:|---:|",
            f"| **score** | {self.a.score:.1f} (grade {self.a.grade}) | {self.b.score:.1f} (grade {self.b.grade}) |",
        ]
        lines += [f"| {ca.name} | {ca.value:.0f} | {cb.value:.0f} |" for ca, cb in zip(self.a.components, self.b.components)]
        if self.reasons:
            lines += ["", "**Why**"] + [f"- {r}" for r in self.reasons]
        return "\n".join(lines)


@dataclass(slots=True)
class ChannelScore:
    """A title scored against one channel's own titles and outlier multipliers.

    ``score`` (0-100): mid-rank percentile, among the channel's own titles, of the title's *channel fit*: the
    projection of its standardised features on the direction from the centroid of the channel's other titles to
    the centroid of its top-decile titles by outlier multiplier (a nearest-centroid rule). ``base``: the general
    ``TitleScore``. ``typical_chars``/``top_decile_chars``: median title length over all / top-decile titles.
    ``top_formats``: ``(format, share in top decile, share overall)`` for formats over-represented in the top
    decile (used by at least 2 top-decile titles and at least 1.5x as often as overall). ``nearest_outliers``: most similar top-decile titles ``(title, multiplier, similarity 0-100)``
    (rapidfuzz ``token_set_ratio``). ``reasons``/``improvements``: plain language. ``warnings``: e.g. too few
    titles (then ``score`` is the general score)."""

    title: str
    channel_name: str
    score: float
    grade: str
    base: TitleScore
    n_channel_titles: int
    typical_chars: float
    top_decile_chars: float
    top_formats: list[tuple[str, float, float]]
    nearest_outliers: list[tuple[str, float, float]]
    reasons: list[str]
    improvements: list[str]
    warnings: list[str]

    def to_dict(self) -> dict:
        """JSON-ready dict of all fields (``base`` through ``TitleScore.to_dict``)."""
        return {
            "title": self.title,
            "channel_name": self.channel_name,
            "score": self.score,
            "grade": self.grade,
            "base": self.base.to_dict(),
            "n_channel_titles": self.n_channel_titles,
            "typical_chars": self.typical_chars,
            "top_decile_chars": self.top_decile_chars,
            "top_formats": [{"format": f, "top_decile_share": t, "channel_share": c} for f, t, c in self.top_formats],
            "nearest_outliers": [
                {"title": t, "outlier_multiplier": m, "similarity": s} for t, m, s in self.nearest_outliers
            ],
            "reasons": list(self.reasons),
            "improvements": list(self.improvements),
            "warnings": list(self.warnings),
        }

    def to_markdown(self) -> str:
        """Compact chat markdown: channel-fit score, general score, reasons, closest outliers, how to improve."""
        lines = [
            f"**{md_cell(self.title)}** on **{md_cell(self.channel_name)}** — channel fit **{self.score:.1f}/100 "
            f"({self.grade})**; general score {self.base.score:.1f} ({self.base.grade})",
            "",
        ]
        lines += [f"> ⚠️ {w}" for w in self.warnings]
        lines += [f"- {r}" for r in self.reasons]
        if self.nearest_outliers:
            lines += ["", "**Closest outliers on this channel**"]
            lines += [f"- “{md_cell(t)}” ({m:.1f}× usual views)" for t, m, _ in self.nearest_outliers]
        if self.improvements:
            lines += ["", "**How to improve**"] + [f"- {i}" for i in self.improvements]
        return "\n".join(lines)

