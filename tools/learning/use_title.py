"""use_title: record that the creator is using a title: one generate_titles wrote in this conversation ("I'm
using the second one") or their own ("I'll use 'My Lego Volcano Erupted'").

A side-effect tool: it records a "use" feedback event (``feedback_events``, memory/migrations/0007_feedback.sql;
the view ``title_choices`` lists the titles chosen) through ``tools.learning.blocks.record_signal``, the loop every
feedback signal shares, so the conversation asks the creator to approve each call first
(``tools.base.cortex_tool(side_effect=...)``). The generated titles come from the latest ``generate_titles``
result in the thread (its artifact: ``shown``, the titles as numbered for the creator, and ``titles``, every
judged candidate with its score and evidence).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from langchain_core.messages import BaseMessage, ToolMessage
from langgraph.prebuilt import ToolRuntime

from tools import extract
from tools.base import cortex_tool, trace
from tools.learning.blocks import record_signal

ASK = "Which title are you using? Say its number in the list (e.g. “the second one”) or quote it."
GENERATOR = "generate_titles"
ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
            "ninth": 9, "tenth": 10, "top": 1, "best": 1, "last": -1}
_ORDINAL = re.compile(r"\b(" + "|".join(ORDINALS) + r")\b(?:\s+(?:one|title|option|idea|suggestion))?", re.I)
_DECLARED = re.compile(
    r"\b(?:(?:I|we)(?:'ll|'m|'re| will| am| are)?\s+(?:going\s+to\s+)?|let'?s\s+)"
    r"(?:use|using|go(?:ing)?\s+with|pick(?:ing)?|choos(?:e|ing)|tak(?:e|ing)|nam(?:e|ing)|call(?:ing)?)\b",
    re.I,
)
CLAIM_MAX_CHARS = 400
"""Longer messages are not claimed (a pasted transcript may contain "I'll use 'this'")."""
_NUMBER = re.compile(r"(?:#|\bno\.?\s*|\bnumber\s+|\boption\s+|\btitle\s+|\bidea\s+)(\d{1,2})\b|\b(\d{1,2})(?:st|nd|rd|th)\b",
                     re.I)


@dataclass(frozen=True)
class TitleChoice:
    """A resolved choice: the title text, the number generate_titles showed it under (``rank``, 1 = first; None
    when it was not shown numbered), the judged candidate (None for the creator's own title) and the
    generate_titles call it came from."""

    title: str
    rank: int | None
    candidate: dict[str, Any] | None
    source_tool_call_id: str | None

    def describe(self) -> str:
        """The choice in words: the title and where it came from."""
        if self.candidate is None:
            return f"“{self.title}” (your own title)"
        score = f"{self.candidate['score']:.0f}/100, {self.candidate['grade']}"
        where = f"#{self.rank} of the generated titles" if self.rank else "a generated title"
        return f"“{self.title}” ({where}, {score})"


def generated_titles(messages: list[BaseMessage]) -> tuple[list[str], dict[str, dict], str | None]:
    """From the latest generate_titles result in ``messages``: the titles as numbered for the creator, every judged
    candidate by title, and that call's id. Empty when the conversation has none."""
    for m in reversed(messages):
        if isinstance(m, ToolMessage) and m.name == GENERATOR and isinstance(m.artifact, dict) and m.artifact.get("titles"):
            judged = {t["candidate"]["title"]: t for t in m.artifact["titles"]}
            return list(m.artifact.get("shown", [])), judged, m.tool_call_id
    return [], {}, None


def _norm(title: str) -> str:
    return re.sub(r"\s+", " ", title.strip().strip("\"'“”«»").strip()).casefold()


def resolve_choice(messages: list[BaseMessage], choice: int | None = None, title: str | None = None) -> TitleChoice | str:
    """The title a call refers to (``choice``: its number in generate_titles' list, -1 for the last; ``title``:
    the text), or what to ask the creator when it cannot be resolved (a str)."""
    shown, judged, call_id = generated_titles(messages)
    if title and title.strip():
        text = title.strip().strip("\"'“”«»").strip()
        match = next((t for t in judged if _norm(t) == _norm(text)), None)
        if match is None:
            return TitleChoice(text, None, None, None)
        rank = shown.index(match) + 1 if match in shown else None
        return TitleChoice(match, rank, judged[match], call_id)
    if choice is None:
        return ASK
    if not shown:
        return ("There are no generated titles in this conversation to pick from: paste your transcript and ask for "
                "titles first, or quote the title you are using.")
    index = len(shown) if choice == -1 else choice
    if not 1 <= index <= len(shown):
        return f"The list has {len(shown)} titles: pick a number from 1 to {len(shown)}, or quote the title."
    return TitleChoice(shown[index - 1], index, judged.get(shown[index - 1]), call_id)


def describe_use(args: dict[str, Any], messages: list[BaseMessage]) -> str | None:
    """The change a use_title call would make, for the creator's approval; None when it cannot be resolved (then
    the call only asks which title, and needs no approval)."""
    resolved = resolve_choice(messages, args.get("choice"), args.get("title"))
    if isinstance(resolved, str):
        return None
    return f"Record that you are using {resolved.describe()} for this video."


async def use_title(runtime: ToolRuntime[Any, Any], choice: int | None = None, title: str | None = None) -> tuple[str, dict]:
    """Record that the creator is using a title for their video: one of the titles generate_titles wrote in this
    conversation, or their own. Only when the creator says they use or pick a title ("I'm using the second one",
    "I'll go with 'X'"); the creator approves before it is recorded.

    Args: choice (the title's number in the generated list, 1 = first, -1 = the last), title (the title text,
    verbatim, when the creator quotes it). Give one of them.
    """
    resolved = resolve_choice(runtime.state.get("messages", []), choice, title)
    if isinstance(resolved, str):
        return resolved, {}
    creator = getattr(runtime.context, "creator_id", None) or "anonymous"
    thread = runtime.config.get("configurable", {}).get("thread_id", "")
    row = (await record_signal(creator, thread, "use", resolved)).row
    trace("title.chosen", title=resolved.title, rank=resolved.rank, generated=resolved.candidate is not None,
          creator=creator, thread=thread)
    artifact = {**asdict(resolved), "creator_id": creator, "thread_id": thread, "choice_id": row["event_id"],
                "chosen_at": row["created_at"].isoformat()}
    return f"Recorded: you are using {resolved.describe()} for this video.", artifact


def claim(text: str) -> str | None:
    """Offline engine: a short statement that the creator uses a quoted title ("I'll use 'X'", "we're going with
    “X”"; not a question) is this tool's whatever the title's words, which would otherwise decide the routing;
    returns the request with the title taken out."""
    if len(text) > CLAIM_MAX_CHARS or text.rstrip().endswith("?") or not _DECLARED.search(text):
        return None
    titles = extract.quoted(text)
    if not titles:
        return None
    for title in titles:
        text = text.replace(title, "the title")
    return text


async def extract_args(text: str, context: Any = None) -> dict:
    """Offline engine: a quoted title ("I'll use 'X'"), else the number of a listed title ("the second one",
    "number 3", "#2", "the 3rd", "the last one")."""
    if quoted := extract.quoted(text):
        return {"title": quoted[0]}
    if m := _NUMBER.search(text):
        return {"choice": int(m.group(1) or m.group(2))}
    if m := _ORDINAL.search(text):
        return {"choice": ORDINALS[m.group(1).lower()]}
    return {}


tool = cortex_tool(
    use_title,
    examples=[
        "I'm using the second one",
        "I'll use the first title",
        "Let's go with number 3",
        "I'm going with the last one",
        "I'll use \"My Lego Volcano Erupted\" as my title",
        "I picked option 2 for my video",
        "I'm choosing the third title you wrote",
        "That one's my title: I'll call the video 'How I Paid Off $50,000'",
    ],
    extract=extract_args,
    ask=ASK,
    claim=claim,
    side_effect=describe_use,
)
