"""Which generated title a creator means, and what they are told after reacting to it.

The generated titles come from the latest ``generate_titles`` result in the thread (its artifact: ``shown``, the
titles as numbered for the creator, and ``titles``, every judged candidate with its score and evidence).
``resolve_choice`` turns "the second one" or a quoted title into a ``TitleChoice`` (use_title; the chat UI builds
one from a button's payload), ``feedback_target`` does the same for a reaction (record_feedback: a title, or the
whole list for a thumbs), ``describe_use`` says a use_title call's change for the creator's approval and
``feedback_reply`` what a recorded reaction taught. Recording goes through ``tools.learning.signals.record_signal``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import BaseMessage, ToolMessage

from tools.learning.preferences import REBUILD_EVERY

GENERATOR = "generate_titles"
"""The tool whose results the titles are chosen from."""

WHICH_TITLE = "Which title are you using? Say its number in the list (e.g. “the second one”) or quote it."
"""What use_title asks when the creator names no title (also its clarifying question offline)."""

WHICH_FEEDBACK = ("Which generated title, and what do you think of it? E.g. “save the second one”, “thumbs down on "
                  "#3”, “reject the first one” or “I changed #1 to 'My new title'”.")
"""What record_feedback asks when a reaction names no title (also its clarifying question offline)."""

SIGNAL_WORDS: dict[str, str] = {
    "save": "saved", "copy": "copied", "use": "used", "reject": "rejected", "thumbs_up": "liked",
    "thumbs_down": "disliked", "edit": "edited", "view": "seen",
}


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
        if (isinstance(m, ToolMessage) and m.name == GENERATOR and isinstance(m.artifact, dict)
                and m.artifact.get("titles")):
            judged = {t["candidate"]["title"]: t for t in m.artifact["titles"]}
            return list(m.artifact.get("shown", [])), judged, m.tool_call_id
    return [], {}, None


def _norm(title: str) -> str:
    return re.sub(r"\s+", " ", title.strip().strip("\"'“”«»").strip()).casefold()


def resolve_choice(messages: list[BaseMessage], choice: int | None = None,
                   title: str | None = None) -> TitleChoice | str:
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
        return WHICH_TITLE
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


@dataclass(frozen=True)
class FeedbackTarget:
    """What a reaction is about: ``choice`` (the generated title; None for a thumbs on the whole list),
    ``generation_id`` (the latest generate_titles call in the conversation) and ``edited_title`` (for an edit: the
    creator's wording, stripped; else None)."""

    choice: TitleChoice | None
    generation_id: str
    edited_title: str | None


def feedback_target(messages: list[BaseMessage], signal: str, choice: int | None = None, title: str | None = None,
                    edited_title: str | None = None) -> FeedbackTarget | str:
    """The generated title a reaction (``signal``) is about, by its number (``choice``, -1 for the last) or its
    quoted text (``title``), or what to tell the creator (a str) when there are no generated titles in
    ``messages``, an edit has no new wording, the title cannot be resolved or is not a generated one, or nothing
    is named for a signal other than a thumbs (a thumbs without a title is about the whole list)."""
    _, _, generation = generated_titles(messages)
    if generation is None:
        return ("There are no generated titles in this conversation to give feedback on: paste a transcript and ask "
                "for titles first.")
    if signal == "edit" and not (edited_title and edited_title.strip()):
        return "What did you change the title to? Quote your new wording, e.g. “I changed #1 to 'My new title'”."
    resolved: TitleChoice | None = None
    if choice is not None or title:
        found = resolve_choice(messages, choice, title)
        if isinstance(found, str):
            return found
        if found.candidate is None:
            return (f"“{found.title}” is not one of the generated titles: quote one of them, or give its number "
                    "in the list.")
        resolved = found
    elif signal not in ("thumbs_up", "thumbs_down"):
        return WHICH_FEEDBACK
    return FeedbackTarget(resolved, generation, (edited_title or "").strip() or None)


def feedback_reply(signal: str, choice: TitleChoice | None, row: dict[str, Any], actions: int, rebuilt: bool) -> str:
    """What the creator is told after a signal is recorded (by record_feedback and by the chat UI's buttons): what
    was noted, and whether what was learned changed (``actions``: their reactions so far, views aside)."""
    what = choice.describe() if choice else "the whole list of generated titles"
    text = f"Noted: you {SIGNAL_WORDS[signal]} {what}."
    if signal == "edit":
        text += f" Your version: “{row['edited_title']}”."
    if rebuilt:
        return text + (f" That makes {actions} reactions, so I updated what I've learned about your titles: ask “what "
                       "have you learned about me?” to see it. The next titles I write are ranked with it.")
    left = REBUILD_EVERY - actions % REBUILD_EVERY
    return text + f" {left} more reaction(s) and I update what I've learned about your titles."
