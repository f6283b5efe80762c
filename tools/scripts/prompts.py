"""The prompt and the structured-output schema of script analysis with the long-tier model
(``tools.scripts.llm.analyze_with_llm``): the system prompt with the two hook rubrics of ``tools.scripts.hooks``,
the transcript as numbered, timed passages (condensed for long scripts: ``llm_passages``), and the answer's
schema (``AnalysisOut``).
"""

from __future__ import annotations

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel, Field

from tools.scripts.hooks import HOOK_TYPES, HookType, hook_strength, hook_type, specificity
from tools.scripts.parsing import Passage, Script, format_time, word_count

LLM_MAX_INPUT_WORDS = 12_000
"""Longest script sent whole to the long tier (about 16k tokens); longer ones are condensed to the opening plus
the strongest offline candidates (see ``llm_passages``), so one call covers any length."""


class HookOut(BaseModel):
    """One hook found by the model."""

    passage: int = Field(description="The [number] of the passage where the hook starts.")
    type: HookType
    text: str = Field(description="The hook, copied verbatim from the passage(s), at most 40 words.")
    specificity: int = Field(ge=0, le=8, description="Specificity rubric, 0-8.")
    strength: float = Field(ge=0, le=10, description="Strength rubric, 0-10.")
    why: str = Field(description="One sentence: why it works, citing the rubric items it earns.")


class AnalysisOut(BaseModel):
    """The model's analysis of a script."""

    topic: str = Field(description="What the video is about, in at most 12 words.")
    audience: str = Field(description="Who it is for, in at most 15 words.")
    key_entities: list[str] = Field(description="Up to 8 people, places, works, products or ideas it names.")
    hooks: list[HookOut] = Field(description="3 to 12 hooks, strongest first.")


ANALYSIS_SYSTEM = f"""You are a YouTube script analyst. Find the hooks in a transcript: moments that make a viewer
stay or click (types: {", ".join(HOOK_TYPES)}). Hooks can be anywhere, but say when they are.
Score each with two rubrics:
- specificity, 0-8 points: up to 2 for numbers (1 each), 1 for a unit or amount, up to 2 for named people,
  places, works or brands (1 each), 1 for a time anchor (year, date, duration), 1 for a comparison, 1 for a
  source (study, data, experiment, first-hand experience).
- strength, 0-10: 3 x specificity/8; 2 for an open loop (question, contrarian claim, curiosity gap); up to 2 for
  emotional charge; 1 for stakes for the viewer; 1 for concision (6-30 words); 1 if it starts in the first 30 s.
Copy hook text verbatim from the transcript. Cite the passage number in [brackets] where the hook starts.
Topic, audience and key entities describe the whole video."""


def llm_passages(script: Script, max_words: int = LLM_MAX_INPUT_WORDS) -> tuple[list[Passage], bool]:
    """The passages to show the model, and whether the script was condensed.

    Up to ``max_words`` the whole script; beyond, the passages of the first 300 s (the opening, where most hooks
    live) and then the strongest offline hook candidates, up to ``max_words`` in all, in script order."""
    if script.words <= max_words:
        return list(script.passages), False
    chosen: dict[int, Passage] = {}
    budget = max_words
    for p in script.passages:
        if p.start_s >= 300 or budget < max_words // 2:
            break
        chosen[p.index] = p
        budget -= word_count(p.text)
    by_index = {p.index: p for p in script.passages}
    strongest = sorted(
        ((hook_strength(p.text, k, specificity(p.text)[0], p.start_s)[0], p.index) for p in script.passages
         if p.index not in chosen and (k := hook_type(p.text))),
        reverse=True,
    )
    for _, index in strongest:
        p = by_index[index]
        if word_count(p.text) > budget:
            break
        chosen[index] = p
        budget -= word_count(p.text)
    return [chosen[i] for i in sorted(chosen)], True


def analysis_prompt(script: Script, creator_context: str = "") -> tuple[list[BaseMessage], list[Passage], bool]:
    """(messages for the long tier, the passages shown, condensed?). Each passage is one line:
    "[index] m:ss text" (the time marked "~" when estimated). ``creator_context``: what is known about the
    creator (their voice, ``tools.learning.blocks.MemoryBlocks.prompt_block``), added so hooks fit their voice."""
    shown, condensed = llm_passages(script)
    mark = "" if script.timed else "~"
    lines = [f"[{p.index}] {mark}{format_time(p.start_s)} {p.text}" for p in shown]
    header = (
        f"Transcript ({script.format}, {script.words:,} words, {format_time(script.duration_s)}"
        f"{'' if script.timed else ' estimated'})."
    )
    if condensed:
        header += (
            f" It is long: you see the first 5 minutes and the {len(shown)} strongest candidate passages "
            "(numbers jump where passages were left out)."
        )
    about = f"\n\nAbout the creator (prefer hooks in their voice):\n{creator_context}" if creator_context else ""
    return [SystemMessage(ANALYSIS_SYSTEM), HumanMessage(header + about + "\n\n" + "\n".join(lines))], shown, condensed

