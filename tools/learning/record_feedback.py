"""record_feedback: the creator's reaction to a generated title ("save the second one", "thumbs down on #3", "I
changed the first one to 'X'"), recorded with the generation that produced it through the loop every feedback
path shares (``tools.learning.blocks.record_signal``: this tool, use_title, the chat UI's title buttons and thumbs),
which rebuilds the learned preferences every ``REBUILD_EVERY`` actions. Feedback only records what the creator
said about a title, so unlike use_title it needs no approval; what it taught can be shown (show_memory), edited
and erased (edit_memory).
"""

from __future__ import annotations

import re
from typing import Any, Literal

from langgraph.prebuilt import ToolRuntime

from tools import extract
from tools.base import cortex_tool
from tools.learning.blocks import record_signal
from tools.learning.preferences import REBUILD_EVERY
from tools.learning.use_title import TitleChoice, generated_titles, resolve_choice
from tools.learning.use_title import extract_args as choice_args

ChatSignal = Literal["save", "copy", "reject", "thumbs_up", "thumbs_down", "edit"]
SIGNAL_WORDS: dict[str, str] = {
    "save": "saved", "copy": "copied", "use": "used", "reject": "rejected", "thumbs_up": "liked",
    "thumbs_down": "disliked", "edit": "edited", "view": "seen",
}
ASK = ("Which generated title, and what do you think of it? E.g. “save the second one”, “thumbs down on #3”, "
       "“reject the first one” or “I changed #1 to 'My new title'”.")

_EDIT_CUE = re.compile(r"\b(chang|edit|tweak|rewr|reword|rephras|renam|modif)\w*\b.*\b(to|into|as)\b", re.I)
_SIGNAL_CUES: list[tuple[str, re.Pattern[str]]] = [
    ("edit", _EDIT_CUE),
    ("thumbs_down", re.compile(r"👎|thumbs?[ -]?down|\b(dislike|don'?t like|do not like|meh|weak|boring|bad|terrible|"
                               r"awful|hate)\b", re.I)),
    ("reject", re.compile(r"\b(reject|drop|remove|discard|scrap|ditch|no to|not that|never)\b", re.I)),
    ("save", re.compile(r"\b(save|bookmark|keep|shortlist|star)\b", re.I)),
    ("copy", re.compile(r"\b(copy|copied)\b", re.I)),
    ("thumbs_up", re.compile(r"👍|thumbs?[ -]?up|\b(love|like|great|nice|good|awesome|perfect|brilliant)\b", re.I)),
]
"""The offline engine's reading of a feedback message: the first cue that matches decides (edits first, then
negatives, so "I don't like" is not read as "like")."""


def feedback_reply(signal: str, choice: TitleChoice | None, row: dict[str, Any], actions: int, rebuilt: bool) -> str:
    """What the creator is told after a signal is recorded (here and by the chat UI's buttons): what was noted,
    and whether what was learned changed (``actions``: their reactions so far, views aside)."""
    what = choice.describe() if choice else "the whole list of generated titles"
    text = f"Noted: you {SIGNAL_WORDS[signal]} {what}."
    if signal == "edit":
        text += f" Your version: “{row['edited_title']}”."
    if rebuilt:
        return text + (f" That makes {actions} reactions, so I updated what I've learned about your titles: ask “what "
                       "have you learned about me?” to see it. The next titles I write are ranked with it.")
    left = REBUILD_EVERY - actions % REBUILD_EVERY
    return text + f" {left} more reaction(s) and I update what I've learned about your titles."


async def record_feedback(
    runtime: ToolRuntime[Any, Any],
    signal: ChatSignal,
    choice: int | None = None,
    title: str | None = None,
    edited_title: str | None = None,
) -> tuple[str, dict]:
    """Record the creator's feedback on a title generate_titles wrote in this conversation: save, copy, reject,
    thumbs_up, thumbs_down, or edit (they changed its words). Only for a reaction to generated titles ("save the
    second one", "thumbs down on #3", "I changed the first one to 'X'"); for the title they will use, use_title.

    Args: signal (save | copy | reject | thumbs_up | thumbs_down | edit), choice (the title's number in the
    generated list, 1 = first, -1 = the last), title (the generated title's text, when quoted), edited_title
    (for edit: the creator's new wording, verbatim). Without choice and title a thumbs applies to the whole list.
    """
    messages = runtime.state.get("messages", [])
    creator = getattr(runtime.context, "creator_id", None) or "anonymous"
    thread = runtime.config.get("configurable", {}).get("thread_id", "")
    _, _, generation = generated_titles(messages)
    if generation is None:
        return ("There are no generated titles in this conversation to give feedback on: paste a transcript and ask "
                "for titles first."), {}
    if signal == "edit" and not (edited_title and edited_title.strip()):
        return "What did you change the title to? Quote your new wording, e.g. “I changed #1 to 'My new title'”.", {}
    resolved: TitleChoice | None = None
    if choice is not None or title:
        found = resolve_choice(messages, choice, title)
        if isinstance(found, str):
            return found, {}
        if found.candidate is None:
            return (f"“{found.title}” is not one of the generated titles: quote one of them, or give its number "
                    "in the list."), {}
        resolved = found
    elif signal not in ("thumbs_up", "thumbs_down"):
        return ASK, {}
    recorded = await record_signal(creator, thread, signal, resolved, generation_id=generation,
                                     edited_title=(edited_title or "").strip() or None)
    row, actions = recorded.row, recorded.actions
    text = feedback_reply(signal, resolved, row, actions, recorded.preferences is not None)
    artifact = {"event_id": row["event_id"], "signal": signal, "title": row["title"], "rank": row["candidate_rank"],
                "generation_id": row["generation_id"], "edited_title": row["edited_title"], "actions": actions,
                "rebuilt": recorded.preferences is not None, "created_at": row["created_at"].isoformat()}
    return text, artifact


CLAIM_MAX_CHARS = 400
"""Longer messages are not claimed as edits (a pasted transcript may say "changed it to 'this'")."""


def claim(text: str) -> str | None:
    """Offline engine: a short statement that the creator edited a generated title to a quoted wording ("I changed
    #1 to 'X'") is this tool's, whatever the quoted words, which would otherwise decide the routing; returns the
    request with the quoted wording taken out."""
    quoted = extract.quoted(text)
    if len(text) > CLAIM_MAX_CHARS or not quoted or _EDIT_CUE.search(text) is None:
        return None
    for span in quoted:
        text = text.replace(span, "the title")
    return text


async def extract_args(text: str, context: Any = None) -> dict:
    """Offline engine: the signal from the message's cues (``_SIGNAL_CUES``), the title by its number or quoted
    text; for an edit the last quoted span is the new wording."""
    signal = next((name for name, cue in _SIGNAL_CUES if cue.search(text)), None)
    args: dict[str, Any] = {"signal": signal} if signal else {}
    quoted = extract.quoted(text)
    if signal == "edit" and quoted:
        args["edited_title"] = quoted[-1]
        quoted = quoted[:-1]
        rest = text.replace(args["edited_title"], "")
    else:
        rest = text
    args.update({k: v for k, v in (await choice_args(rest)).items() if k == "choice"})
    if quoted and "choice" not in args:
        args["title"] = quoted[0]
    return args


tool = cortex_tool(
    record_feedback,
    examples=[
        "Save the second one",
        "thumbs up on number 1",
        "Thumbs down on the third title",
        "I don't like the last one",
        "Reject number 4, too clickbaity",
        "I love the first title you wrote",
        "copy the second title for me",
        "I changed the first title to my own wording",
        "I edited the third one a bit",
        "these generated titles are great",
    ],
    extract=extract_args,
    ask=ASK,
    claim=claim,
    applies=lambda messages: generated_titles(messages)[2] is not None,
)
