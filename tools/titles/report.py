"""What a creator reads of a title run: the titles as shown and numbered (``shown_titles``), the ranked titles with
their evidence, the hooks used, and how the creator's memory re-ranked them. Pure functions over
``tools.titles.candidates`` types."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from tools.learning.blocks import MemoryBlocks
from tools.scripts.hooks import Hook, ScriptAnalysis
from tools.titles.candidates import MIN_HOOK_STRENGTH, Cut, JudgedTitle, Judgement
from tools.titles.drafting import OWN_WORDS
from tools.titles.judge import GAP_FLAG_POINTS, trust_note, trust_reason

PERSONAL_REASONS_SHOWN = 3
"""Reasons shown per re-ranked title (all are in the artifact and the trace)."""


MIN_SHOWN = 8
"""Titles shown at least (when that many were judged): with few hooks, the per-hook cap is lifted to reach it."""


def shown_titles(judgement: Judgement, titles_per_hook: int, at_least: int = MIN_SHOWN) -> list[JudgedTitle]:
    """The titles a creator is shown, in the order they are numbered (1 = first): the ranking, at most
    ``titles_per_hook`` from each hook, then the next best of any hook up to ``at_least`` titles."""
    shown: list[JudgedTitle] = []
    per_hook: Counter[str] = Counter()
    for j in judgement.ranked:
        if per_hook[j.candidate.hook_id] < titles_per_hook:
            shown.append(j)
            per_hook[j.candidate.hook_id] += 1
    for j in judgement.ranked:
        if len(shown) >= at_least:
            break
        if j not in shown:
            shown.append(j)
    return sorted(shown, key=judgement.ranked.index)


def titles_markdown(
    analysis: ScriptAnalysis,
    hooks: Sequence[Hook],
    judgement: Judgement,
    cuts: Sequence[Cut],
    titles_per_hook: int,
    channel: str | None,
    weak: str = "",
) -> str:
    """The ranked titles a creator reads: each with its score, hook (or the described idea), method, angle, formula
    and exemplars; which score to trust when generator and judge disagree (the numbers under each title, the why once
    under the list); the pairwise results and a summary of the
    cuts. ``weak``: why the titles are weak drafts (said first); with no title at all, why there is none."""
    by_id = {h.id: h for h in hooks}
    shown = shown_titles(judgement, titles_per_hook)
    if not shown:
        return "**Titles**: none. " + (weak or "No draft was written: the script gave nothing to build a title on.")
    lines = [
        f"**Titles** (ranked by {judgement.judge}; {len(shown)} shown of {len(judgement.ranked)} judged"
        + (f"; proven packaging from {channel}" if channel else "")
        + ")",
        "",
    ]
    if weak:
        lines[0:0] = [f"⚠ {weak}", ""]
    for rank, j in enumerate(shown, 1):
        c = j.candidate
        h = by_id.get(c.hook_id)
        if h and h.id == "idea":
            where = "your description of the video"
        else:
            where = f"hook {h.id} at {h.at}, {h.type}" if h else f"hook {c.hook_id}"
        lines.append(f"{rank}. **{c.title}**: {j.score:.0f}/100 ({j.grade})" + (" · weak draft" if c.weak else ""))
        formula = "the hook's own words" if c.formula == OWN_WORDS else c.formula
        lines.append(f"   - from {where} · {c.method.replace('_', ' ')} · {c.angle} angle · formula: {formula}"
                     + ("" if c.exemplars or c.formula == OWN_WORDS else " (no outlier exemplar used it)"))
        if c.exemplars:
            lines.append("   - exemplars: " + "; ".join(e.cite() for e in c.exemplars))
        lines.append(f"   - judge: {j.note}")
        if j.flagged:
            lines.append(f"   - ⚠ {trust_note(j)}")
    reasons: dict[str, list[int]] = {}
    for rank, j in enumerate(shown, 1):
        if j.flagged:
            reasons.setdefault(trust_reason(j), []).append(rank)
    for reason, ranks in reasons.items():
        which = f"title {ranks[0]}" if len(ranks) == 1 else "titles " + ", ".join(map(str, ranks))
        lines.append(f"\n⚠ **The drafter's and the judge's scores differ by more than {GAP_FLAG_POINTS:.0f} points** on {which}. {reason}")
    resolved = [p for p in judgement.pairs if p.result != "tie"]
    if judgement.pairs:
        lines.append(
            f"\n_Pairwise (both orders): {len(resolved)} decided, {len(judgement.pairs) - len(resolved)} ties "
            "(an order-dependent verdict counts as a tie)._"
        )
    if cuts:
        by_rule = Counter(c.rule for c in cuts)
        lines.append("\n_Cut: " + ", ".join(f"{n} {rule}" for rule, n in by_rule.items()) + "._")
    return "\n".join(lines)


def hooks_used_markdown(hooks: Sequence[Hook], dropped: Sequence[tuple[Hook, str]]) -> str:
    """The hooks turned into titles (with time and bucket) and how many were left out ("" for a described idea)."""
    if all(h.id == "idea" for h in hooks):
        return ""
    lines = ["**Hooks used**"]
    lines += [f"- {h.id} · {h.at} ({h.bucket}) · {h.type} · strength {h.strength:.1f}: “{h.text}”" for h in hooks]
    if dropped:
        lines.append(
            f"_{len(dropped)} other hook(s) left out (quality gate {MIN_HOOK_STRENGTH:.0f}/10, one per time bucket first)._"
        )
    return "\n".join(lines)


def personalized_markdown(memory: MemoryBlocks | None, moves: list[dict], shown: list[str]) -> str:
    """How the creator's memory changed the ranking of the ``shown`` titles ("" when it changed nothing)."""
    lines = [f"- “{m['title']}”: #{m['old_rank']} → #{m['new_rank']} ({m['adjustment']:+.0f}): "
             + "; ".join(m["reasons"][:PERSONAL_REASONS_SHOWN]) for m in moves if m["reasons"] and m["title"] in shown]
    if memory is None or not lines:
        return ""
    return f"**Ranked for you** (memory used: {', '.join(memory.used())})\n" + "\n".join(lines)
