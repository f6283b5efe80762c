"""analyze_script: a video's transcript -> its format, time buckets, hooks, topic, audience and key entities.

The ``transcript`` argument is optional: left empty (what the offline engine's extractor and the tool description
ask for), the tool reads the transcript from the conversation (``tools.scripts.transcript`` says why). A short
script typed inline may still be passed as the argument.
"""

from __future__ import annotations

from typing import Annotated, Any

from langgraph.prebuilt import ToolRuntime
from pydantic import Field

from agent.models import chat_model
from tools.base import context_of, cortex_tool
from tools.scripts import offline
from tools.scripts.llm import run_analysis
from tools.scripts.parsing import ScriptInputError
from tools.scripts.report import analysis_markdown
from tools.scripts.transcript import NO_TRANSCRIPT, find_transcript


async def analyze_script(
    runtime: ToolRuntime[Any, Any],
    transcript: Annotated[str, Field(description=(
        "The script or transcript text; empty: the one pasted or attached in the conversation."))] = "",
) -> tuple[str, dict]:
    """Analyse a video's script or transcript: its format (SRT, WebVTT, timestamped, paragraphs, plain), the
    hooks with their type, text, timestamp and time bucket, a specificity score (0-8) and a strength score
    (0-10), and the video's topic, audience and key entities.

    Args: transcript (leave it empty: the transcript the creator pasted or attached is read from the
    conversation; pass text only for a short script typed inline, never copy a long one).
    """
    ctx = context_of(runtime.context)
    text = transcript.strip() or find_transcript(runtime.state.get("messages", [])) or ""
    if not text:
        return NO_TRANSCRIPT, {}
    try:
        model = chat_model("long", settings=ctx.config(), engine=ctx.engine)
        analysis = await run_analysis(text, model)
    except (ScriptInputError, ValueError) as exc:
        return str(exc), {}
    return analysis_markdown(analysis), analysis.to_dict()


tool = cortex_tool(
    analyze_script, examples=offline.EXAMPLES, extract=offline.extract_args, ask=offline.ASK, action=offline.ACTION,
    claim=offline.claim, resolve=offline.resolve, items=offline.items,
)
