"""Re-ranking generated titles with a creator's learned preferences, each move explained.

Only preferred and rejected features (``tools.learning.preferences``) move a title: ``POINTS_PER_FEATURE`` x the
feature's score each, the total bounded by ``MAX_ADJUSTMENT`` on the judge's 0-100 scale. ``rerank`` keeps the
judge's own order where nothing moves, and takes extra points (the voice fit, the channel's patterns) from the caller.
"""

from __future__ import annotations

from collections.abc import Callable

from tools.learning.features import candidate_features
from tools.learning.preferences import MAX_ADJUSTMENT, POINTS_PER_FEATURE, Preferences
from tools.titles.candidates import Judgement, TitleCandidate


def preference_adjustment(candidate: TitleCandidate, prefs: Preferences | None) -> tuple[float, list[str]]:
    """(points, reasons): how the learned preferences move one title on the judge's 0-100 scale. Each preferred
    or rejected feature of the title adds ``POINTS_PER_FEATURE`` x its score; features backed by exactly the same
    evidence (the question formula and "asks a question" when the same titles had both) count once; the total is
    bounded by ``MAX_ADJUSTMENT``. Reasons, largest first: "+7.2: you saved 2 and used 1 of the 3 titles asking a
    question you saw". (0.0, []) without preferences."""
    if prefs is None:
        return 0.0, []
    mine = set(candidate_features(candidate))
    groups: dict[tuple, list[dict]] = {}
    for p in (*prefs.preferred, *prefs.rejected):
        if p["feature"] in mine and p["feature"] not in prefs.muted:
            s = prefs.features[p["feature"]]
            groups.setdefault((s.exposures, s.acted, s.positive, s.negative, tuple(sorted(s.signals.items()))),
                              []).append(p)
    parts = sorted(((round(POINTS_PER_FEATURE * ps[0]["score"], 1), ps) for ps in groups.values()),
                   key=lambda x: -abs(x[0]))
    total = sum(points for points, _ in parts)
    reasons = []
    for points, (first, *also) in parts:
        twins = f" (the same titles as {', '.join(p['label'] for p in also)}: counted once)" if also else ""
        reasons.append(f"{'+' if points >= 0 else '−'}{abs(points):.1f}: you {first['evidence']}{twins}")
    if abs(total) > MAX_ADJUSTMENT:
        total = MAX_ADJUSTMENT if total > 0 else -MAX_ADJUSTMENT
        reasons.append(f"(bounded at {total:+.0f} points)")
    return round(total, 1), reasons


def rerank(
    judgement: Judgement,
    prefs: Preferences | None,
    extra: Callable[[TitleCandidate], tuple[float, list[str]]] | None = None,
) -> tuple[Judgement, list[dict]]:
    """(a new Judgement, what changed per title). Titles are ordered by their order score + the preference
    adjustment (+ ``extra``'s points, e.g. the voice fit). The judges' titles and scores are kept as they were.

    The order score keeps the judge's own order: it is the judge's score raised, where the pairwise step put a
    title above a higher-scored one, to the score of the title it beat (the highest score at or below its rank),
    so with no adjustment the order is exactly the judge's. The sort is stable. Per title: ``{"title",
    "base_score" (the judge's), "order_score", "preference" (points), "extra" (points), "adjustment" (their sum),
    "final_score", "reasons", "old_rank", "new_rank"}`` (ranks 1 = first), in the new order."""
    ranked = judgement.ranked
    order_scores: list[float] = []
    best_below = float("-inf")
    for j in reversed(ranked):
        best_below = max(best_below, j.score)
        order_scores.append(best_below)
    order_scores.reverse()
    rows = []
    for i, (j, base) in enumerate(zip(ranked, order_scores)):
        points, reasons = preference_adjustment(j.candidate, prefs)
        more, why = extra(j.candidate) if extra is not None else (0.0, [])
        total = round(points + more, 1)
        rows.append({"title": j.candidate.title, "base_score": j.score, "order_score": base, "preference": points,
                     "extra": round(more, 1), "adjustment": total, "final_score": round(base + total, 1),
                     "reasons": reasons + why, "old_rank": i + 1, "judged": j})
    rows.sort(key=lambda r: -(r["order_score"] + r["adjustment"]))
    for new_rank, r in enumerate(rows, 1):
        r["new_rank"] = new_rank
    changed = any(r["adjustment"] for r in rows)
    judge = judgement.judge + (", re-ranked with your preferences" if changed else "")
    new = Judgement([r.pop("judged") for r in rows], list(judgement.pairs), judge)
    return new, rows

