"""The judge of generated titles: the rubric (``RUBRIC``, five criteria scored 1-5, weighted, with anchors that are
real titles and their real outlier multipliers), turned into 0-100 by ``rubric_score``; pairwise verdicts asked in
both orders, where a disagreement counts as a tie (``resolve_pair``), applied to the ranking (``apply_pairwise``);
and the offline judge, the deterministic title scorer (``tools.scoring.scorer``). With an LLM the fast tier scores
the rubric and decides the pairs (its prompt and the reading of its answer: ``tools.titles.prompts``). Either way the
fluency guard gates the grade (a fragment or a weak draft scores at most ``FRAGMENT_CAP``: never an A), and a gap of
more than ``GAP_FLAG_POINTS`` between the generator's self-score and the judge's score is flagged with which of the
two to trust and why (``trust_note``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from agent.embeddings import get_embedder
from tools.scoring.results import grade_for
from tools.scoring.scorer import score_titles
from tools.titles.candidates import Exemplar, JudgedTitle, Judgement, PairVerdict, TitleCandidate
from tools.titles.fluency import check_title

GAP_FLAG_POINTS = 30.0
"""A self-score and a judge score more than this apart (0-100 scale) are flagged: one of them misjudges the title, and
the answer says which to trust."""

FRAGMENT_CAP = 49.0
"""The highest score of a title the fluency guard rejects (or a weak draft): grade D at best, never an A."""

PAIRWISE_TOP = 4
"""The leading titles (by the deterministic scorer) compared pairwise, neighbour with neighbour, in both orders."""


@dataclass(frozen=True)
class Criterion:
    """One rubric criterion: its weight (the weights sum to 1) and what a 1, 3 and 5 look like."""

    name: str
    weight: float
    question: str
    anchors: tuple[str, str, str]


RUBRIC: tuple[Criterion, ...] = (
    Criterion(
        "curiosity",
        0.25,
        "Does it open a question the viewer wants closed, without being vague?",
        ("states everything or nothing", "a mild question", "an itch the viewer must scratch"),
    ),
    Criterion(
        "specificity",
        0.20,
        "Numbers, names, stakes: can the viewer picture it?",
        ("generic words", "one concrete detail", "a vivid, precise image"),
    ),
    Criterion(
        "clarity",
        0.20,
        "Is it clear at a glance what the video is, readable in two seconds?",
        ("confusing or jargon", "clear after a second read", "instantly clear"),
    ),
    Criterion(
        "emotional pull",
        0.15,
        "Does it make the viewer feel something: wonder, fear, desire, surprise?",
        ("flat", "some pull", "strong, fitting emotion"),
    ),
    Criterion(
        "faithfulness",
        0.20,
        "Does the video (its hook) deliver exactly what the title promises?",
        ("misleading clickbait", "stretches the hook", "the hook delivers it fully"),
    ),
)
"""Weights: curiosity first (information-gap theory, Loewenstein 1994), specificity and clarity next (concrete,
readable headlines win A/B tests: see ``tools.scoring.scorer``), faithfulness weighted like them (clickbait lowers
credibility, Molyneux & Coddington 2020)."""

ANCHORS: tuple[tuple[int, Exemplar], ...] = (
    (5, Exemplar("Why Are 96,000,000 Black Balls on This Reservoir?", "Veritasium", 16.2)),
    (5, Exemplar("I read 40 books on money. Here's what will make you rich", "Nischa", 11.0)),
    (3, Exemplar("How Old Is The Earth?", "Veritasium", 0.97)),
    (3, Exemplar("6 Financial Goals To Achieve In Your 30s", "Nischa", 1.0)),
    (1, Exemplar("Destination: Alaska", "Veritasium", 0.05)),
    (1, Exemplar("Atomic Rant", "Veritasium", 0.04)),
)
"""Calibration anchors: real titles with the overall level they anchor and their real outlier multipliers (as
ingested from youtube_channel_uploads and youtube_ai_topic_videos; views / the channel's rolling median)."""


def rubric_score(criteria: dict[str, float]) -> float:
    """0-100 from criterion scores 1-5: sum of weight x (score - 1) / 4 x 100 (missing criteria count as 1)."""
    return round(sum(c.weight * (max(1.0, min(5.0, criteria.get(c.name, 1.0))) - 1) / 4 * 100 for c in RUBRIC), 1)


def resolve_pair(a_first: str, b_first: str) -> str:
    """The outcome of a pair judged in both orders. ``a_first`` is the verdict ("first" / "second" / "tie") when
    title a was shown first, ``b_first`` when b was. Returns "a", "b" or "tie": a title wins only if it wins in
    both orders; a disagreement (position bias) or any tie is a tie."""
    winner_1 = {"first": "a", "second": "b"}.get(a_first, "tie")
    winner_2 = {"first": "b", "second": "a"}.get(b_first, "tie")
    return winner_1 if winner_1 == winner_2 else "tie"


def apply_pairwise(order: list[str], verdicts: Sequence[PairVerdict]) -> list[str]:
    """``order`` (title ids, best first) after the pairwise results: a winner ranked below its loser moves to
    just above it; ties change nothing. Verdicts are applied in the order given."""
    order = list(order)
    for v in verdicts:
        if v.result == "tie":
            continue
        winner, loser = (v.a, v.b) if v.result == "a" else (v.b, v.a)
        if winner in order and loser in order and order.index(winner) > order.index(loser):
            order.remove(winner)
            order.insert(order.index(loser), winner)
    return order


def pairwise_pairs(candidates: Sequence[TitleCandidate], top: int = PAIRWISE_TOP) -> list[tuple[int, int]]:
    """Index pairs to compare: the ``top`` candidates by the deterministic scorer, each with its neighbour."""
    scores = score_titles([c.title for c in candidates]) if candidates else []
    leading = sorted(range(len(candidates)), key=lambda i: -scores[i].score)[:top]
    return list(zip(leading, leading[1:]))


def judged_title(
    candidate: TitleCandidate, score: float, grade: str, criteria: dict[str, float], note: str
) -> JudgedTitle:
    """A ``JudgedTitle``: the candidate with the judge's score (0-100), grade, criteria and note, its self-score gap
    (self_score - score, rounded to 0.1) and whether the gap is flagged (|gap| > ``GAP_FLAG_POINTS``; never for an
    offline draft of a described idea, whose self-score rates no moment of a video: ``trust_reason``). The guard gates
    the grade: a title it rejects, or a weak draft, is capped at ``FRAGMENT_CAP`` and the note says why."""
    verdict = check_title(candidate.title)
    problem = candidate.weak or "; ".join(verdict.problems)
    if problem and score > FRAGMENT_CAP:
        score, grade = FRAGMENT_CAP, grade_for(FRAGMENT_CAP)
        note = f"capped at {FRAGMENT_CAP:.0f}: the title {problem}" + (f" ({note})" if note else "")
    gap = round(candidate.self_score - score, 1)
    described = candidate.generator == "offline" and candidate.hook_id == "idea"
    return JudgedTitle(candidate, score, grade, criteria, note, gap, abs(gap) > GAP_FLAG_POINTS and not described)


def trust_note(j: JudgedTitle) -> str:
    """Which of the generator's and the judge's scores to trust for a flagged title, in one line with both numbers;
    the why is ``trust_reason`` (said once under a list of titles, not under each)."""
    c = j.candidate
    who = "The drafter rated it" if c.generator == "offline" else "The writer model rated its own title"
    return f"{who} {c.self_score:.0f} and the judge {j.score:.0f}: trust the judge."


def trust_reason(j: JudgedTitle) -> str:
    """Why the judge's score is the one to trust for a flagged title, in plain words (the same for every title
    flagged the same way: the generator kind and the direction of the gap)."""
    if j.candidate.generator == "offline":
        why = ("The drafter's number is the strength of the moment it drew on, not of the wording; the judge scores the "
               "wording itself against what won real headline A/B tests")
        return (f"{why}. Where the drafter's number is higher, the moment behind the title is strong: try another "
                "wording of it." if j.gap > 0 else f"{why}. Check that the video delivers what each title promises.")
    if j.gap > 0:
        return ("A model grading its own writing tends to favour it; the judge scored each title separately on a fixed "
                "rubric.")
    return ("The judge's higher score comes from a fixed rubric applied separately; check the titles against the video "
            "yourself.")


FAITHFULNESS_WEIGHT = 0.75
"""Share of the offline judge's score that is faithfulness to the video; the rest is the title scorer's, which knows
nothing of the video. Chosen on the dev half of ``cortex eval titles`` (how often the top title finds the video's real
title among all 141, top-1 / top-5; measured by re-ranking the dev half's judged drafts) with ``about_vector`` and
``FAITH_FULL_COSINE`` 0.80: weight 0.5 0.45 / 0.76, 0.6 0.48 / 0.78, 0.7 to 0.8 0.52 / 0.82, 1.0 (faithfulness
alone, packaging ignored) 0.54 / 0.85; 0.75 keeps a quarter of the order for packaging. The eval reports the held-out
half, which no choice looked at."""

FAITH_ZERO_COSINE, FAITH_FULL_COSINE = 0.30, 0.80
"""MiniLM cosines between a title and what the video is about (``tools.scripts.topic.about_vector``) that earn 0 and
100 faithfulness (linear between). 0.30: on the 71 3Blue1Brown videos of the eval's dev half (``evals.titles``), a real
title and another video's transcript: median 0.13, 90th percentile 0.30 (a title that close could be about another
video). 0.80: chosen on the same dev half with the weight 0.75: 0.59 (a real title's 75th percentile with its own
transcript) gives most drafts of a video 100 and leaves the order to packaging: 0.41 / 0.72; 0.70 0.48 / 0.78, 0.75
and 0.80 0.52 / 0.82, 0.85 and 1.0 0.54 / 0.82."""


def faithfulness(titles: Sequence[str], about: np.ndarray) -> list[float]:
    """0-100 per title: how close it is in meaning to the video (MiniLM cosine with ``about``, the video's unit vector:
    ``tools.scripts.topic.about_vector``), scaled from ``FAITH_ZERO_COSINE`` (0) to ``FAITH_FULL_COSINE`` (100)."""
    if not titles:
        return []
    cosines = get_embedder().embed(list(titles)) @ about
    span = FAITH_FULL_COSINE - FAITH_ZERO_COSINE
    return [round(100 * float(np.clip((c - FAITH_ZERO_COSINE) / span, 0, 1)), 1) for c in cosines]


def judge_offline(candidates: Sequence[TitleCandidate], about: np.ndarray | None = None) -> Judgement:
    """The deterministic scorer as the judge: score 0-100, grade and components per title, best first; the note
    names the strongest and the weakest weighted component (0-100, penalties aside) and the scorer's fix for the
    weakest. With ``about`` (what the video is about: ``about_vector``) ``FAITHFULNESS_WEIGHT`` of the score is the title's
    ``faithfulness`` to the video, as in the LLM judge's rubric. No pairwise step: the scorer has no order."""
    scores = score_titles([c.title for c in candidates])
    faith = faithfulness([c.title for c in candidates], about) if about is not None else [None] * len(candidates)
    judged = []
    for c, s, f in zip(candidates, scores, faith):
        comps = sorted((k for k in s.components if k.weight > 0 and k.name != "penalties"), key=lambda k: -k.value)
        note = "; ".join(s.warnings)
        if comps:
            best, worst = comps[0], comps[-1]
            note = (f"strongest: {best.name} ({best.value:.0f}); weakest: {worst.name} ({worst.value:.0f})"
                    if best is not worst else f"{best.name}: {best.value:.0f}")
            note += f": {worst.improvement}" if worst.improvement else ""
        criteria = {k.name: k.value for k in s.components}
        score, grade = s.score, s.grade
        if f is not None:
            criteria["faithfulness"] = f
            score = round((1 - FAITHFULNESS_WEIGHT) * s.score + FAITHFULNESS_WEIGHT * f, 1)
            grade = grade_for(score)
            note = f"{note}; faithful to the video: {f:.0f}/100" if note else f"faithful to the video: {f:.0f}/100"
        judged.append(judged_title(c, score, grade, criteria, note))
    judged.sort(key=lambda j: -j.score)
    how = "fitted on YouTube channel histories and headline A/B tests" + (
        ", and how close each is to the video" if about is not None else "")
    return Judgement(judged, [], f"the offline title scorer ({how})")

