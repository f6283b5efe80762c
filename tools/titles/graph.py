"""The title-generation subgraph: a transcript in, judged and ranked titles with their evidence out.

    recall -> analyze -> select_hooks -> retrieve -> (Send) generate x N -> postprocess -> judge -> personalize

- ``recall``: the creator's memory (``tools.learning.blocks.load_memory``): learned preferences, Creator DNA and
  their channel's performance; the ``memory.used`` trace names the blocks used. With an LLM the blocks go into the
  hook and title prompts.
- ``analyze``: parse the transcript and find its hooks (long tier, or the offline heuristics); an analysis made
  earlier in the conversation for the same script (an ``analyze_script`` artifact) is reused, not redone.
- ``select_hooks``: the quality gate and diversity across time buckets (``tools.titles.candidates.select_hooks``).
- ``retrieve``: per hook, real outliers whose titles are nearest in meaning (``tools.outliers.search.search_outliers``);
  the proven packaging: the channel's own best and worst titles when a channel is known (``channel_titles``), else
  the strongest outliers on the video's topic.
- ``generate``: one branch per task, fanned out with LangGraph's ``Send``. Offline one branch per (hook,
  method, angle), filling known formulas with the hook's words (``tools.titles.drafting``); with an LLM one
  premium-tier call per method covering every hook and angle (``tools.titles.prompts``), so the run stays within
  ``LLM_CALL_BUDGET``.
- ``postprocess``: length window, near-duplicates, opener caps, each cut with its reason.
- ``judge``: the fast-tier rubric with pairwise comparisons in both orders, or offline the title scorer with
  faithfulness to the video (``tools.titles.judge``); the fluency guard gates either judge's grade.
- ``personalize``: re-rank the judged titles with the creator's memory (``tools.learning.ranking.rerank``: learned
  preferences, plus the voice fit and the channel's winning patterns); every move is explained in the
  ``titles.personalized`` trace and the artifact. Without memory the judge's order stands.

Every phase emits trace events (``tools.base.trace``). The nodes read the database from the run's context
(``TitleGenContext.db``), never from a process global. The ``generate_titles`` tool (``tools.titles.tool``) runs
the subgraph with ``run_title_graph``, which forwards each custom event to the conversation's stream.

Why the subgraph lives here and not in ``graphs/``: a capability package is whole (the tool, its engine and the
graph that runs the engine are one capability, changed together), and ``graphs/`` holds the conversation graph,
which composes tools and knows none of their insides.

LLM budget: at most ``LLM_CALL_BUDGET`` calls per transcript: 1 analysis (none when reused) + 3 generation + 1
judge; an output that fails its schema is retried once (``structured_call``), the only way past the budget.
"""

from __future__ import annotations

import asyncio
import operator
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Annotated, Any, TypedDict

from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import RunnableConfig
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.runtime import Runtime
from langgraph.types import Send

from agent.models import Tier, chat_model
from memory.corpus.channels import channel_names, channel_titles
from memory.db import Database
from tools import extract
from tools.base import trace
from tools.learning.blocks import MemoryBlocks, load_memory
from tools.learning.ranking import rerank
from tools.outliers.search import OutlierHit, search_outliers
from tools.scripts.hooks import Hook, ScriptAnalysis, analyze_idea
from tools.scripts.llm import StructuredOutputError, is_offline, model_name, run_analysis, structured_call
from tools.scripts.parsing import ScriptInputError, fingerprint
from tools.scripts.report import analysis_markdown
from tools.scripts.topic import about_vector
from tools.titles.candidates import (
    ANGLES,
    DEFAULT_MAX_CHARS,
    DEFAULT_MIN_CHARS,
    DEFAULT_TITLES_PER_HOOK,
    METHODS,
    Cut,
    Exemplar,
    GenerationTask,
    Judgement,
    Packaging,
    TitleCandidate,
    select_hooks,
)
from tools.titles.drafting import hook_slots, offline_titles, plan_tasks, postprocess, weak_drafts
from tools.titles.fluency import Evidence
from tools.titles.judge import judge_offline, pairwise_pairs
from tools.titles.prompts import (
    GenerationOut,
    JudgeOut,
    candidates_from_llm,
    generation_prompt,
    judge_from_llm,
    judge_prompt,
)
from tools.titles.report import hooks_used_markdown, personalized_markdown, shown_titles, titles_markdown

LLM_CALL_BUDGET = 5
"""LLM calls of one transcript run when every output validates: analysis 1 + generation len(METHODS) + judge 1."""

OUTLIERS_PER_HOOK = 6
PACKAGING_TITLES = 5
"""Exemplars retrieved per hook, and best/worst titles taken as proven packaging."""

MIN_EXEMPLAR_SIMILARITY = 0.38
"""Retrieved outliers less similar than this (cosine of MiniLM title embeddings) are not used as evidence. Seen on
hooks of 3Blue1Brown and Nischa transcripts: titles on the same subject scored 0.39-0.64, unrelated titles that
happen to be nearest (the corpus has no channel on that subject) 0.28-0.36."""


@dataclass
class TitleGenContext:
    """Per-run context: ``db``, the open database the nodes read (outliers, the channel's titles), passed in by the
    caller (the ``generate_titles`` tool gives the conversation's); the engine ("offline", "llm" or None for
    settings), the creator whose memory shapes the run (None: no memory) and, for tests, ``models``: a tier -> chat
    model function used instead of the gateway (``agent.models.chat_model``)."""

    db: Database
    engine: str | None = None
    models: Callable[[Tier], BaseChatModel] | None = None
    creator_id: str | None = None


class TitleGenState(TypedDict, total=False):
    """The subgraph's state. Inputs: transcript (or ``topic``, a described video idea, when there is no
    transcript), channel, titles_per_hook, min_chars, max_chars and optionally analysis (a previous analysis of the
    same transcript). ``evidence``: what the video holds, for the fluency guard's promise checks; ``weak``: why the
    titles shown are weak drafts ("" when they passed). ``error`` ends the run with a message to show."""

    transcript: str
    topic: str
    evidence: Evidence
    weak: str
    channel: str | None
    titles_per_hook: int
    min_chars: int
    max_chars: int
    analysis: ScriptAnalysis | None
    hooks: list[Hook]
    dropped: list[tuple[Hook, str]]
    outliers: dict[str, tuple[Exemplar, ...]]
    packaging: Packaging | None
    candidates: Annotated[list[TitleCandidate], operator.add]
    rejected: Annotated[list[str], operator.add]
    kept: list[TitleCandidate]
    cuts: list[Cut]
    judgement: Judgement
    memory: MemoryBlocks | None
    personalized: list[dict]
    error: str


class Branch(TypedDict):
    """What one generation branch receives through ``Send``."""

    task: GenerationTask
    hooks: list[Hook]
    analysis: ScriptAnalysis
    outliers: dict[str, tuple[Exemplar, ...]]
    packaging: Packaging | None
    min_chars: int
    max_chars: int
    evidence: Evidence
    creator_context: str


def _model(runtime: Runtime[TitleGenContext], tier: Tier) -> BaseChatModel:
    ctx = runtime.context
    return ctx.models(tier) if ctx.models else chat_model(tier, engine=ctx.engine)


async def recall(state: TitleGenState, runtime: Runtime[TitleGenContext]) -> dict:
    """Load the creator's memory blocks (none without a creator) and trace which are used."""
    creator = runtime.context.creator_id
    if not creator:
        return {"memory": None}
    db = runtime.context.db
    memory = await load_memory(db.pool, db.store, creator, state.get("channel"))
    trace("memory.used", **memory.trace_data())
    return {"memory": memory}


def _creator_context(state: TitleGenState) -> str:
    memory = state.get("memory")
    return memory.prompt_block() if memory else ""


async def analyze(state: TitleGenState, runtime: Runtime[TitleGenContext]) -> dict:
    """Reuse the analysis of the same transcript, or make it (``tools.scripts.llm.run_analysis``); with no transcript,
    read the described idea (``tools.scripts.hooks.analyze_idea``). Sets the evidence the guard checks promises by."""
    text = state.get("transcript") or ""
    if not text:
        try:
            analysis = analyze_idea(state.get("topic") or "")
        except ScriptInputError as exc:
            return {"error": str(exc)}
        trace("idea.read", concepts=list(analysis.concepts), audience=analysis.audience, promise=analysis.promise)
        return {"analysis": analysis, "evidence": Evidence.from_text(analysis.hooks[0].text)}
    evidence = Evidence.from_text(text)
    previous = state.get("analysis")
    if previous is not None and previous.fingerprint == fingerprint(text):
        trace("hooks.found", engine=previous.engine, reused="the analyze_script result earlier in this conversation",
              hooks=[{"id": h.id, "at": h.at, "type": h.type, "strength": h.strength} for h in previous.hooks])
        return {"analysis": previous, "evidence": evidence}
    try:
        return {"analysis": await run_analysis(text, _model(runtime, "long"), _creator_context(state)),
                "evidence": evidence}
    except ScriptInputError as exc:
        return {"error": str(exc)}


def after_analyze(state: TitleGenState) -> str:
    """End the run on an input error, else select hooks."""
    return END if state.get("error") else "select_hooks"


async def select(state: TitleGenState) -> dict:
    """The quality gate and time-bucket diversity; traces the hooks kept and dropped."""
    kept, dropped = select_hooks(state["analysis"].hooks)
    trace(
        "hooks.selected",
        kept=[{"id": h.id, "at": h.at, "bucket": h.bucket, "type": h.type, "strength": h.strength} for h in kept],
        dropped=[{"id": h.id, "bucket": h.bucket, "strength": h.strength, "reason": why} for h, why in dropped],
    )
    if not kept:
        return {"hooks": [], "dropped": dropped, "error": "No hook found in this script: nothing asks, claims, promises, "
                "shows or quantifies strongly enough to build a title on. Paste the full transcript, or the part "
                "with the video's strongest moment."}
    return {"hooks": kept, "dropped": dropped}


def after_select(state: TitleGenState) -> str:
    """End the run when there is no hook, else retrieve."""
    return END if state.get("error") else "retrieve"


def _exemplars(hits: list[OutlierHit]) -> tuple[Exemplar, ...]:
    return tuple(Exemplar(h.title, h.channel, h.multiplier) for h in hits if h.similarity >= MIN_EXEMPLAR_SIMILARITY)


async def retrieve(state: TitleGenState, runtime: Runtime[TitleGenContext]) -> dict:
    """Per-hook outliers (pgvector, at least ``MIN_EXEMPLAR_SIMILARITY``) and the proven packaging: the channel's
    best and worst titles, or without a channel the strongest of the outliers found for the hooks and the topic."""
    hooks, analysis = state["hooks"], state["analysis"]
    db = runtime.context.db
    results = await asyncio.gather(*(search_outliers(db.pool, h.text, limit=OUTLIERS_PER_HOOK) for h in hooks))
    outliers = {h.id: _exemplars(found.hits) for h, found in zip(hooks, results)}
    packaging: Packaging | None = None
    note = ""
    if channel := state.get("channel"):
        match = extract.match_channels(channel, await channel_names(db.pool), cutoff=80)
        if match:
            history = sorted(await channel_titles(db.pool, match[0]), key=lambda t: -t[1])
            packaging = Packaging(
                f"{match[0]}'s own titles by outlier multiplier",
                tuple(Exemplar(t, match[0], round(m, 2)) for t, m in history[:PACKAGING_TITLES]),
                tuple(Exemplar(t, match[0], round(m, 2)) for t, m in history[-PACKAGING_TITLES:][::-1]),
            )
        else:
            note = f"no channel named “{channel}” in the corpus"
    if packaging is None:
        pool = {e.title: e for exs in outliers.values() for e in exs}
        pool.update({e.title: e for e in _exemplars((await search_outliers(db.pool, analysis.topic, limit=PACKAGING_TITLES * 2)).hits)})
        best = sorted(pool.values(), key=lambda e: -e.multiplier)[:PACKAGING_TITLES]
        packaging = Packaging(f"the strongest outliers found for the hooks and the topic (“{analysis.topic}”)", tuple(best))
    trace(
        "titles.retrieval",
        source=f"pgvector HNSW over real titles (outlier multiplier >= 2, similarity >= {MIN_EXEMPLAR_SIMILARITY})",
        hits={hid: [e.cite() for e in exs] for hid, exs in outliers.items()},
        packaging=packaging.source,
        best=[e.cite() for e in packaging.best],
        worst=[e.cite() for e in packaging.worst],
        **({"note": note} if note else {}),
    )
    return {"outliers": outliers, "packaging": packaging}


def fan_out(state: TitleGenState, runtime: Runtime[TitleGenContext]) -> list[Send]:
    """One ``Send`` per generation task (``plan_tasks``: grouped per method when an LLM writes)."""
    grouped = not is_offline(_model(runtime, "premium"))
    tasks = plan_tasks(state["hooks"], list(METHODS), list(ANGLES), grouped=grouped)
    shared = {
        "evidence": state["evidence"],
        "hooks": state["hooks"], "analysis": state["analysis"], "outliers": state["outliers"],
        "packaging": state["packaging"], "min_chars": state.get("min_chars", DEFAULT_MIN_CHARS),
        "max_chars": state.get("max_chars", DEFAULT_MAX_CHARS), "creator_context": _creator_context(state),
    }
    return [Send("generate", {"task": t, **shared}) for t in tasks]


async def generate(branch: Branch, runtime: Runtime[TitleGenContext]) -> dict:
    """One branch: offline titles for its (hook, method, angle), or one premium-tier call for its method."""
    task, analysis = branch["task"], branch["analysis"]
    hooks = {h.id: h for h in branch["hooks"]}
    model = _model(runtime, "premium")
    if is_offline(model):
        hook = hooks[task.hook_ids[0]]
        slots = hook_slots(hook, analysis, branch["evidence"])
        per_task = max(3, 9 // len(hooks))  # fewer hooks, more titles from each: at least 8 reach the creator
        titles = offline_titles(hook, task.method, task.angles[0], slots, branch["outliers"].get(hook.id, ()),
                                branch["packaging"], per_task=per_task)
        return {"candidates": titles}
    messages = generation_prompt(task, hooks, analysis, branch["outliers"], branch["packaging"],
                                 min_chars=branch["min_chars"], max_chars=branch["max_chars"],
                                 creator_context=branch["creator_context"])
    try:
        out: GenerationOut = await structured_call(model, GenerationOut, messages)  # type: ignore[assignment]
    except StructuredOutputError as exc:
        return {"rejected": [f"{task.method}: {exc}"]}
    titles, rejected = candidates_from_llm(out, task, branch["outliers"], branch["packaging"], model_name(model))
    return {"candidates": titles, "rejected": rejected}


async def post(state: TitleGenState) -> dict:
    """Fan-in: trace what the branches wrote, then cut by the fluency guard, length, near-duplicates and opener caps.
    When nothing passes, the best drafts go on marked weak (``weak_drafts``), and ``weak`` says why in words."""
    candidates = state.get("candidates", [])
    trace(
        "titles.generated",
        titles=len(candidates),
        by_method=dict(Counter(c.method for c in candidates)),
        by_hook=dict(Counter(c.hook_id for c in candidates)),
        by_angle=dict(Counter(c.angle for c in candidates)),
        rejected=state.get("rejected", []),
    )
    kept, cuts = postprocess(candidates, state.get("min_chars", DEFAULT_MIN_CHARS),
                             state.get("max_chars", DEFAULT_MAX_CHARS), evidence=state.get("evidence"))
    weak = ""
    if not kept:
        kept = weak_drafts(candidates, cuts)
        weak = nothing_passed(candidates, cuts, state.get("min_chars", DEFAULT_MIN_CHARS),
                              state.get("max_chars", DEFAULT_MAX_CHARS))
    trace("titles.cuts", kept=len(kept), cut=[{"title": c.title, "rule": c.rule, "reason": c.reason} for c in cuts],
          **({"weak": weak} if weak else {}))
    return {"kept": kept, "cuts": cuts, "weak": weak}


def nothing_passed(candidates: list[TitleCandidate], cuts: list[Cut], min_chars: int, max_chars: int) -> str:
    """Why no title passed, in a creator's words, from the cuts' rules ("" never: there is always a reason)."""
    if not candidates:
        return ("No title could be drafted: the hooks name none of the video's key concepts in a usable way. Say in a "
                "sentence what the video is about (e.g. “titles for a video where I explain X”), or paste the full "
                "transcript.")
    rules = Counter(c.rule for c in cuts)
    reasons = []
    if rules["fluency"]:
        reasons.append(f"{rules['fluency']} read as fragments of speech rather than titles (or promised something the "
                       "transcript does not say)")
    if rules["length"]:
        reasons.append(f"{rules['length']} fell outside the {min_chars}-{max_chars} character window")
    if rules["near-duplicate"] or rules["opener cap"]:
        reasons.append(f"{rules['near-duplicate'] + rules['opener cap']} repeated another draft")
    return (f"None of the {len(candidates)} drafts passed the checks: " + "; ".join(reasons) + ". The best drafts "
            "are shown below, marked weak: edit them before using, or widen the length window.")


async def judge(state: TitleGenState, runtime: Runtime[TitleGenContext]) -> dict:
    """Rank the kept titles: the fast-tier rubric and pairwise comparisons, or offline the title scorer."""
    kept = state["kept"]
    model = _model(runtime, "fast")
    if not kept or is_offline(model):
        concepts = list(state["analysis"].concepts) if "analysis" in state else []
        text = state.get("transcript") or state.get("topic") or ""
        about = await asyncio.to_thread(about_vector, text, concepts) if kept else None
        judgement = judge_offline(kept, about)
    else:
        messages, asked = judge_prompt(kept, {h.id: h for h in state["hooks"]}, pairwise_pairs(kept))
        try:
            out: JudgeOut = await structured_call(model, JudgeOut, messages)  # type: ignore[assignment]
            judgement = judge_from_llm(kept, out, asked, f"{model_name(model)} (rubric, pairwise in both orders)")
        except StructuredOutputError as exc:
            judgement = judge_offline(kept)
            judgement.judge += f" (the LLM judge's answer was invalid: {exc})"
    trace(
        "titles.judged",
        judge=judgement.judge,
        scores=[{"title": j.candidate.title, "score": j.score, "grade": j.grade, "self_score": j.candidate.self_score,
                 "flagged": j.flagged} for j in judgement.ranked],
        pairs=[{"a": p.a, "b": p.b, "a_first": p.a_first, "b_first": p.b_first, "result": p.result} for p in judgement.pairs],
    )
    return {"judgement": judgement}


async def personalize(state: TitleGenState) -> dict:
    """Re-rank the judged titles with the creator's memory; the trace and the artifact explain every move."""
    memory = state.get("memory")
    if memory is None or not memory.used():
        return {"personalized": []}
    judgement, moves = rerank(state["judgement"], memory.preferences, extra=memory.adjust)
    trace("titles.personalized", blocks=memory.used(), moves=[m for m in moves if m["adjustment"] or
                                                              m["old_rank"] != m["new_rank"]])
    return {"judgement": judgement, "personalized": moves}


def build_title_graph() -> CompiledStateGraph:
    """The compiled subgraph (no checkpointer of its own, even inside a checkpointed conversation: its state
    holds the whole transcript and lives for one tool call)."""
    builder = StateGraph(TitleGenState, context_schema=TitleGenContext)
    builder.add_node("recall", recall)
    builder.add_node("analyze", analyze)
    builder.add_node("select_hooks", select)
    builder.add_node("retrieve", retrieve)
    builder.add_node("generate", generate)
    builder.add_node("postprocess", post)
    builder.add_node("judge", judge)
    builder.add_node("personalize", personalize)
    builder.add_edge(START, "recall")
    builder.add_edge("recall", "analyze")
    builder.add_conditional_edges("analyze", after_analyze, ["select_hooks", END])
    builder.add_conditional_edges("select_hooks", after_select, ["retrieve", END])
    builder.add_conditional_edges("retrieve", fan_out, ["generate"])
    builder.add_edge("generate", "postprocess")
    builder.add_edge("postprocess", "judge")
    builder.add_edge("judge", "personalize")
    builder.add_edge("personalize", END)
    return builder.compile(checkpointer=False, name="title_generation")


title_graph = build_title_graph()


def result_markdown(state: TitleGenState) -> str:
    """The run as a creator reads it: the script and its hooks (with timestamps), the hooks used, the ranked
    titles with their evidence and scores, and how the creator's memory re-ranked them."""
    analysis = state["analysis"]
    per_hook = state.get("titles_per_hook", DEFAULT_TITLES_PER_HOOK)
    shown = [t.candidate.title for t in shown_titles(state["judgement"], per_hook)]
    parts = [
        analysis_markdown(analysis),
        hooks_used_markdown(state["hooks"], state["dropped"]),
        titles_markdown(analysis, state["hooks"], state["judgement"], state["cuts"], per_hook, state.get("channel"),
                        state.get("weak", "")),
        personalized_markdown(state.get("memory"), state.get("personalized") or [], shown),
    ]
    return "\n\n".join(p for p in parts if p)


def result_artifact(state: TitleGenState) -> dict:
    """JSON-ready data: the analysis, the hooks used, the ranked titles with evidence, the titles as numbered for
    the creator (``shown``: "the second one" is ``shown[1]``), the cuts and pairs."""
    j = state["judgement"]
    return {
        "analysis": state["analysis"].to_dict(),
        "hooks_used": [h.id for h in state["hooks"]],
        "titles": [t.to_dict() for t in j.ranked],
        "shown": [t.candidate.title for t in shown_titles(j, state.get("titles_per_hook", DEFAULT_TITLES_PER_HOOK))],
        "judge": j.judge,
        "pairs": [asdict(p) for p in j.pairs],
        "cuts": [asdict(c) for c in state["cuts"]],
        "rejected": state.get("rejected", []),
        "weak": state.get("weak", ""),
        "memory": state["memory"].used() if state.get("memory") else [],
        "personalized": state.get("personalized", []),
    }


def nested_config(config: RunnableConfig) -> RunnableConfig:
    """The tool call's config for the subgraph run: callbacks, tags and metadata nest its run under the tool's, and
    its ``configurable`` holds only the thread id. A config naming a thread replaces the conversation's ambient
    configurable instead of merging with it (langgraph ``ensure_config``), so this subgraph, which keeps no
    checkpoint, does not take the conversation's durability mode: LangGraph 1.2.22 fails a checkpointer-less
    graph run with durability "sync" ('AsyncPregelLoop' object has no attribute '_put_checkpoint_fut')."""
    thread_id = config.get("configurable", {}).get("thread_id")
    return {**config, "configurable": {"thread_id": thread_id}} if thread_id else config


async def run_title_graph(
    inputs: TitleGenState, config: RunnableConfig, context: TitleGenContext, forward: Callable[[Any], None]
) -> TitleGenState:
    """Run the subgraph inside a tool call and return its final state. ``config`` is the tool call's (nested with
    ``nested_config``: callbacks and tracing nest under the conversation's run); every custom event (the trace) is
    passed to ``forward``, the conversation's stream writer: LangGraph passes a nested graph's custom events to the
    parent's stream only when the parent streams with ``subgraphs=True``, which the UI and the API do not use.
    Raises ValueError from the model gateway ("llm" asked for with no key)."""
    result: TitleGenState = {}
    async for mode, chunk in title_graph.astream(
        inputs, nested_config(config), context=context, stream_mode=["custom", "values"]
    ):
        if mode == "custom":
            forward(chunk)  # forwarded: a nested graph's custom events stop at its own stream
        else:
            result = chunk
    return result
