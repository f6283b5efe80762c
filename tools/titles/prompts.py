"""The LLM side of title generation and judging: the structured-output schemas, the prompts, and the reading of
the model's answers into typed results (``candidates_from_llm``, ``judge_from_llm``). Each schema lives next to the
function that reads it, so a field is changed in one place; the rubric, formulas and rules the prompts quote come
from ``tools.titles.judge`` and ``tools.titles.drafting``, which know nothing of LLMs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel, Field

from tools.scoring.results import grade_for
from tools.scoring.scorer import score_titles
from tools.scripts.hooks import Hook, ScriptAnalysis
from tools.titles.candidates import (
    ANGLES,
    DEFAULT_MAX_CHARS,
    DEFAULT_MIN_CHARS,
    METHODS,
    Exemplar,
    GenerationTask,
    JudgedTitle,
    Judgement,
    Packaging,
    PairVerdict,
    TitleCandidate,
)
from tools.titles.drafting import FORMULAS
from tools.titles.judge import ANCHORS, RUBRIC, apply_pairwise, judged_title, resolve_pair, rubric_score

# --- LLM judge: schema, prompt and assembly ---


class CriterionScores(BaseModel):
    """The rubric scores of one title."""

    id: str = Field(description="The title's id, e.g. t3.")
    curiosity: int = Field(ge=1, le=5)
    specificity: int = Field(ge=1, le=5)
    clarity: int = Field(ge=1, le=5)
    emotional_pull: int = Field(ge=1, le=5)
    faithfulness: int = Field(ge=1, le=5)
    note: str = Field(description="One short sentence: the main strength or flaw.")


class PairOut(BaseModel):
    """One pairwise comparison, as asked."""

    pair: str = Field(description="The pair's id, e.g. p2.")
    winner: Literal["first", "second", "tie"]


class JudgeOut(BaseModel):
    """The judge's output: every title scored, every pair decided."""

    scores: list[CriterionScores]
    pairs: list[PairOut]


def judge_prompt(
    candidates: Sequence[TitleCandidate], hooks: dict[str, Hook], pairs: Sequence[tuple[int, int]]
) -> tuple[list[BaseMessage], list[tuple[str, int, int]]]:
    """(messages for the fast tier, the pair items asked: (pair id, index shown first, index shown second)).
    Each pair in ``pairs`` is asked twice, once in each order, under different ids and far apart in the list."""
    rubric = "\n".join(
        f"- {c.name} (weight {c.weight:.2f}): {c.question} 1 = {c.anchors[0]}; 3 = {c.anchors[1]}; 5 = {c.anchors[2]}."
        for c in RUBRIC
    )
    anchors = "\n".join(
        f"- level {lvl}: “{e.title}” ({e.channel}, {e.multiplier:g}x its channel's median views)" for lvl, e in ANCHORS
    )
    system = (
        "You judge YouTube titles for a creator. Score each title 1-5 on every criterion; be strict and use the "
        f"whole scale.\nRubric:\n{rubric}\nCalibration (real titles, overall level):\n{anchors}\n"
        'Then decide each pair: which title would get more clicks from the same audience, "first" or "second" '
        'as listed in the pair, or "tie".'
    )
    lines = ["Titles (with the hook each one comes from):"]
    for i, c in enumerate(candidates):
        h = hooks.get(c.hook_id)
        lines.append(f"t{i}: {c.title}  [hook: “{h.text[:160] if h else ''}”]")
    items = [(i, j) for i, j in pairs] + [(j, i) for i, j in pairs]
    asked = [(f"p{k}", first, second) for k, (first, second) in enumerate(items)]
    if asked:
        lines.append("\nPairs:")
        lines += [f"{pid}: first = t{a} | second = t{b}" for pid, a, b in asked]
    return [SystemMessage(system), HumanMessage("\n".join(lines))], asked


def judge_from_llm(
    candidates: Sequence[TitleCandidate], out: JudgeOut, asked: Sequence[tuple[str, int, int]], judge: str
) -> Judgement:
    """Assemble the LLM judge's output: rubric scores -> 0-100 (``rubric_score``), the pair items resolved in
    both orders (``resolve_pair``) and applied to the ranking (``apply_pairwise``). A title the judge skipped is
    scored by the offline scorer and its note says so."""
    by_id = {s.id: s for s in out.scores}
    verdict = {p.pair: p.winner for p in out.pairs}
    judged: dict[str, JudgedTitle] = {}
    missing = [i for i in range(len(candidates)) if f"t{i}" not in by_id]
    fallback = dict(zip(missing, score_titles([candidates[i].title for i in missing]))) if missing else {}
    for i, c in enumerate(candidates):
        s = by_id.get(f"t{i}")
        if s is None:
            f = fallback[i]
            judged[f"t{i}"] = judged_title(c, f.score, f.grade, {}, "not scored by the judge: the offline scorer's score")
            continue
        criteria = {
            "curiosity": s.curiosity,
            "specificity": s.specificity,
            "clarity": s.clarity,
            "emotional pull": s.emotional_pull,
            "faithfulness": s.faithfulness,
        }
        score = rubric_score(criteria)
        judged[f"t{i}"] = judged_title(c, score, grade_for(score), criteria, s.note)
    half = len(asked) // 2
    pairs = []
    for (pid_ab, a, b), (pid_ba, _, _) in zip(asked[:half], asked[half:]):
        a_first, b_first = verdict.get(pid_ab, "tie"), verdict.get(pid_ba, "tie")
        pairs.append(PairVerdict(f"t{a}", f"t{b}", a_first, b_first, resolve_pair(a_first, b_first)))
    order = sorted(judged, key=lambda k: -judged[k].score)
    order = apply_pairwise(order, pairs)
    return Judgement([judged[k] for k in order], pairs, judge)


# --- LLM generation: schema, prompt and assembly ---


class GeneratedTitle(BaseModel):
    """One title written by the model."""

    hook_id: str = Field(description="The id of the hook it comes from, e.g. h2.")
    angle: str = Field(description="One of the angles asked for.")
    title: str = Field(description="The title, 40-70 characters.")
    formula: str = Field(description="The formula it uses: one of the listed names, or a short name of your own.")
    exemplars: list[str] = Field(default_factory=list, description="Exemplar titles it drew on, copied exactly.")
    self_score: int = Field(ge=0, le=100, description="Your estimate, 0-100, of how well it will perform.")


class GenerationOut(BaseModel):
    """The titles of one generation call."""

    titles: list[GeneratedTitle]


def generation_prompt(
    task: GenerationTask,
    hooks: dict[str, Hook],
    analysis: ScriptAnalysis,
    outliers: dict[str, tuple[Exemplar, ...]],
    packaging: Packaging | None,
    per_pair: int = 2,
    min_chars: int = DEFAULT_MIN_CHARS,
    max_chars: int = DEFAULT_MAX_CHARS,
    creator_context: str = "",
) -> list[BaseMessage]:
    """Messages for one grouped generation call: the method, the angles, the hooks with their evidence, what is
    known about the creator (``creator_context``: their voice, learned preferences and channel evidence,
    ``tools.learning.blocks.MemoryBlocks.prompt_block``) and ``per_pair`` titles asked for each (hook, angle)."""
    formulas = ", ".join(f.name for f in FORMULAS)
    system = (
        "You write YouTube titles from a creator's own video: every title must be delivered by its hook. "
        f"Method: {task.method}, i.e. {METHODS[task.method]}. Known formulas: {formulas}. "
        f"Titles are {min_chars}-{max_chars} characters, varied in their first words, no ALL CAPS, no emoji. "
        "Cite the exemplar titles you drew on, copied exactly from the lists given."
    )
    lines = [f"Video topic: {analysis.topic}. Audience: {analysis.audience}."]
    if creator_context:
        lines.append(f"About the creator (write in their voice, follow their preferences):\n{creator_context}")
    lines.append("Angles:")
    lines += [f"- {a}: {ANGLES[a]}" for a in task.angles]
    if task.method == "proven_packaging" and packaging:
        lines.append(f"Proven packaging ({packaging.source}), best titles:")
        lines += [f"- {e.cite()}" for e in packaging.best]
        if packaging.worst:
            lines.append("Worst titles (avoid their patterns):")
            lines += [f"- {e.cite()}" for e in packaging.worst]
    for hid in task.hook_ids:
        h = hooks[hid]
        lines.append(f"\nHook {h.id} ({h.type}, at {h.at}): “{h.text}”")
        if task.method == "outlier_patterns":
            lines.append("Outliers retrieved for it:")
            lines += [f"- {e.cite()}" for e in outliers.get(hid, ())]
    lines.append(
        f"\nWrite {per_pair} titles for each hook and each angle ({len(task.hook_ids) * len(task.angles) * per_pair} in all)."
    )
    return [SystemMessage(system), HumanMessage("\n".join(lines))]


def candidates_from_llm(
    out: GenerationOut,
    task: GenerationTask,
    outliers: dict[str, tuple[Exemplar, ...]],
    packaging: Packaging | None,
    generator: str,
) -> tuple[list[TitleCandidate], list[str]]:
    """(candidates, rejected with reasons). A title must name a hook and an angle of the task; its exemplars
    are kept only if they are titles that were shown (the evidence is real); an unknown formula name is kept
    as the model's own."""
    shown = {e.title.lower(): e for es in outliers.values() for e in es}
    if packaging:
        shown.update({e.title.lower(): e for e in (*packaging.best, *packaging.worst)})
    kept, rejected = [], []
    for t in out.titles:
        if t.hook_id not in task.hook_ids or t.angle not in task.angles:
            rejected.append(f"“{t.title}”: hook {t.hook_id} / angle {t.angle} not asked for")
            continue
        exemplars = tuple(shown[x.lower()] for x in t.exemplars if x.lower() in shown)
        kept.append(
            TitleCandidate(
                " ".join(t.title.split()),
                t.hook_id,
                task.method,
                t.angle,
                t.formula,
                exemplars,
                float(t.self_score),
                generator,
            )
        )
    return kept, rejected

