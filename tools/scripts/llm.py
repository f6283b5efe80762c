"""Script analysis with the long-tier model, and the choice between it and the offline heuristics.

- ``structured_call``: one model call validated against a schema, retried once with the error quoted back.
- ``analyze_with_llm``: hooks, topic, audience and key entities by the model (the prompt of
  ``tools.scripts.prompts``), each hook grounded in the passage it cites.
- ``run_analysis``: what a tool calls: parse the script and analyse it with the model, or with the heuristics of
  ``tools.scripts.hooks.analyze_offline`` for the offline engine or when the model's answer stays invalid; it emits
  the ``script.parsed``, ``hooks.found`` (and ``hooks.fallback``) trace events.

The model is an argument (``agent.models.chat_model`` makes it); no database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage
from pydantic import BaseModel
from rapidfuzz import fuzz

from tools.base import trace
from tools.scripts.hooks import MAX_HOOKS, Hook, ScriptAnalysis, analyze_offline
from tools.scripts.parsing import Script, fingerprint, parse_script
from tools.scripts.prompts import AnalysisOut, analysis_prompt


class StructuredOutputError(ValueError):
    """The model's output failed schema validation on every attempt."""


async def structured_call(
    model: BaseChatModel, schema: type[BaseModel], messages: Sequence[BaseMessage], retries: int = 1
) -> BaseModel:
    """One model call whose output is validated against ``schema`` (``with_structured_output``, raw kept); an
    invalid output is retried up to ``retries`` times with the validation error quoted back to the model.
    Raises ``StructuredOutputError`` when every attempt is invalid."""
    runnable = model.with_structured_output(schema, include_raw=True)
    attempt = list(messages)
    error: object = None
    for _ in range(retries + 1):
        out = await runnable.ainvoke(attempt)
        if out.get("parsed") is not None and out.get("parsing_error") is None:
            return out["parsed"]
        error = out.get("parsing_error") or "no structured output in the answer"
        attempt = [
            *messages,
            HumanMessage(f"Your previous answer did not match the schema ({error}). Answer again, valid for the schema."),
        ]
    raise StructuredOutputError(f"The model's output did not match {schema.__name__} after {retries + 1} tries: {error}")


async def analyze_with_llm(
    script: Script, text: str, model: BaseChatModel, model_name: str, creator_context: str = ""
) -> tuple[ScriptAnalysis, list[str]]:
    """Hooks, topic, audience and key entities by the model (one call, ``structured_call``), grounded: a hook
    must cite a passage that was shown and its text must be found there (rapidfuzz partial ratio >= 80 against
    that passage and the next); its time and bucket come from the script, not from the model.

    Returns (analysis, dropped) where ``dropped`` says which model hooks were not grounded and why. Raises
    ``StructuredOutputError`` when the model's output stays invalid."""
    messages, shown, condensed = analysis_prompt(script, creator_context)
    out: AnalysisOut = await structured_call(model, AnalysisOut, messages)  # type: ignore[assignment]
    by_index = {p.index: p for p in shown}
    timing = "real" if script.timed else "estimated"
    hooks: list[Hook] = []
    dropped: list[str] = []
    for h in sorted(out.hooks, key=lambda h: -h.strength):
        p = by_index.get(h.passage)
        if p is None:
            dropped.append(f"“{h.text[:60]}”: passage [{h.passage}] was not in the transcript shown")
            continue
        nxt = script.passages[p.index + 1].text if p.index + 1 < len(script.passages) else ""
        if fuzz.partial_ratio(h.text.lower(), f"{p.text} {nxt}".lower()) < 80:
            dropped.append(f"“{h.text[:60]}”: not found in passage [{h.passage}]")
            continue
        hooks.append(
            Hook(f"h{len(hooks) + 1}", h.type, h.text.strip(), p.start_s, timing, p.bucket,
                 round(p.word_offset / max(script.words, 1), 3), h.specificity, round(h.strength, 1), h.why)
        )
    notes = list(script.notes)
    if condensed:
        notes.append(f"Long script: the model saw the first 5 minutes and the {len(shown)} strongest candidate passages.")
    analysis = ScriptAnalysis(
        script.format, script.words, script.timed, script.duration_s, len(script.passages), tuple(hooks[:MAX_HOOKS]),
        out.topic, out.audience, tuple(out.key_entities[:8]), model_name, fingerprint(text), tuple(notes),
    )
    return analysis, dropped


def is_offline(model: BaseChatModel) -> bool:
    """True for the offline engine (no LLM: the heuristics run instead)."""
    return model._llm_type == "cortex-offline"


def model_name(model: BaseChatModel) -> str:
    """The model's name for labels (e.g. "gpt-4o-mini"), else its type."""
    return str(getattr(model, "model_name", None) or model._llm_type)


async def run_analysis(text: str, model: BaseChatModel, creator_context: str = "") -> ScriptAnalysis:
    """Parse and analyse a script with ``model`` (long tier; ``creator_context``, the creator's memory, goes into
    its prompt) or, for the offline engine, the heuristics; emits the trace events ``script.parsed`` and
    ``hooks.found``. A model whose output stays invalid after a retry
    falls back to the heuristics (said in the notes and in a ``hooks.fallback`` trace). Raises
    ``ScriptInputError`` for a script that cannot be analysed."""
    script = parse_script(text)
    trace(
        "script.parsed",
        format=script.format,
        words=script.words,
        passages=len(script.passages),
        timestamps="real" if script.timed else "estimated from word position",
        duration_s=script.duration_s,
        notes=list(script.notes),
    )
    dropped: list[str] = []
    if is_offline(model):
        analysis = analyze_offline(script, text)
    else:
        try:
            analysis, dropped = await analyze_with_llm(script, text, model, model_name(model), creator_context)
        except StructuredOutputError as exc:
            trace("hooks.fallback", reason=str(exc))
            offline = analyze_offline(script, text)
            note = f"The model's answer was invalid twice ({exc}); these hooks come from the offline heuristics."
            analysis = replace(offline, notes=(*offline.notes, note))
    trace(
        "hooks.found",
        engine=analysis.engine,
        hooks=[
            {
                "id": h.id,
                "at": h.at,
                "bucket": h.bucket,
                "type": h.type,
                "strength": h.strength,
                "specificity": h.specificity,
                "text": h.text[:120],
            }
            for h in analysis.hooks
        ],
        dropped=dropped,
        topic=analysis.topic,
    )
    return analysis
