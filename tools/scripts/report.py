"""What a creator reads of a script analysis: the script line, topic, audience and entities, the hooks table
and the notes, as chat markdown."""

from __future__ import annotations

from collections.abc import Sequence

from tools.scripts.hooks import Hook, ScriptAnalysis
from tools.scripts.parsing import format_time


def engine_words(engine: str) -> str:
    """Who found the hooks, as a sentence reads it: "the offline heuristics" or "the model gpt-4o-mini"."""
    return "the offline heuristics" if engine == "offline" else f"the model {engine}"


def script_summary(a: ScriptAnalysis) -> str:
    """One line: format, words, duration (real or estimated), engine."""
    timing = "real timestamps" if a.timed else "no timestamps, times estimated"
    return (
        f"**Script**: {a.format.upper() if a.format in ('srt', 'webvtt') else a.format}, {a.words:,} words, "
        f"{format_time(a.duration_s)} ({timing}), {a.passages:,} passages; hooks found by {engine_words(a.engine)}."
    )


def hooks_table(hooks: Sequence[Hook]) -> str:
    """A markdown table of hooks: id, time, bucket, type, text (cut at 160 chars), specificity, strength."""
    lines = ["| # | At | Bucket | Type | Hook | Specificity | Strength |", "|---|---|---|---|---|---:|---:|"]
    for h in hooks:
        text = h.text if len(h.text) <= 160 else h.text[:157] + "…"
        lines.append(f"| {h.id} | {h.at} | {h.bucket} | {h.type} | {text} | {h.specificity}/8 | {h.strength:.1f}/10 |")
    return "\n".join(lines)


def analysis_markdown(a: ScriptAnalysis) -> str:
    """What a creator reads: the script line, topic/concepts/promise/audience/entities, the hooks table, the notes; for
    a described idea (format "idea") only what was read from the description."""
    understood = (f"**Topic**: {a.topic}  \n" + (f"**Key concepts**: {', '.join(a.concepts)}  \n" if a.concepts else "")
                  + (f"**Promise**: {a.promise}  \n" if a.promise else "")
                  + f"**Audience**: {a.audience}  \n**Key entities**: {', '.join(a.key_entities) or 'none found'}")
    if a.format == "idea":
        return f"**Your idea**: “{a.hooks[0].text if a.hooks else ''}”\n\n{understood}"
    parts = [script_summary(a), understood]
    if a.hooks:
        parts.append(f"**Hooks** (strongest first; specificity 0-8, strength 0-10)\n\n{hooks_table(a.hooks)}")
    else:
        parts.append("**No hooks found**: no passage asks, claims, promises, shows or quantifies anything strongly.")
    if a.notes:
        parts.append("_" + " ".join(a.notes) + "_")
    return "\n\n".join(parts)
