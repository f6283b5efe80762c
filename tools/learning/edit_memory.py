"""edit_memory: the creator edits or erases what the product learned about them: forget one learned preference
("forget that I like questions"), erase their preferences (with the feedback they were learned from), erase their
Creator DNA, or erase both. A side-effect tool: the creator approves before anything is deleted. Deleting
everything kept for a creator (conversations too) is ``cortex forget --creator X``."""

from __future__ import annotations

import re
from typing import Any, Literal

from langchain_core.messages import BaseMessage
from langgraph.prebuilt import ToolRuntime

from memory.learning import delete_block, delete_feedback, get_block, put_block
from memory.db import get_database
from tools import extract
from tools.base import cortex_tool, trace
from tools.learning.preferences import Preferences, forget_feature

Action = Literal["forget", "erase_preferences", "erase_dna", "erase_all"]
ASK = ("What should I forget? E.g. “forget that I like questions”, “erase my preferences”, “erase my Creator DNA”, "
       "or “erase everything you learned about me”.")
EFFECTS = {
    "erase_preferences": "Erase your learned title preferences and the feedback they were learned from",
    "erase_dna": "Erase your Creator DNA (voice profile) and the channel it was built from",
    "erase_all": "Erase everything learned about you: preferences, the feedback behind them, and your Creator DNA",
}


def describe_edit(args: dict[str, Any], messages: list[BaseMessage]) -> str | None:
    """The change an edit_memory call would make, for the creator's approval (None: nothing to change)."""
    action = args.get("action")
    if action == "forget":
        item = (args.get("item") or "").strip()
        return f"Forget “{item}” from what I learned about your titles" if item else None
    return EFFECTS.get(action)


async def edit_memory(runtime: ToolRuntime[Any, Any], action: Action, item: str | None = None) -> tuple[str, dict]:
    """Edit or erase what you learned about this creator, when they ask: forget one learned preference (action
    forget, item = their words, e.g. "questions", "numbers in titles"), erase_preferences, erase_dna (their voice
    profile), or erase_all. The creator approves first.

    Args: action (forget | erase_preferences | erase_dna | erase_all), item (for forget: what to forget).
    """
    creator = getattr(runtime.context, "creator_id", None) or "anonymous"
    db = await get_database()
    if action == "forget":
        stored = await get_block(db.store, creator, "preferences")
        if not (item and item.strip()):
            return ASK, {}
        if stored is None:
            return "I have not learned any title preferences for you yet, so there is nothing to forget.", {}
        try:
            prefs, message = forget_feature(Preferences.from_dict(stored), item)
        except ValueError as exc:
            return str(exc), {}
        if prefs is None:
            return message, {}
        await put_block(db.store, creator, "preferences", prefs.to_dict())
        trace("memory.edited", creator=creator, action=action, muted=prefs.muted)
        return message, {"action": action, "muted": prefs.muted}
    erased: dict[str, int] = {}
    if action in ("erase_preferences", "erase_all"):
        erased["preferences"] = int(await delete_block(db.store, creator, "preferences"))
        erased["feedback events"] = await delete_feedback(db.pool, creator)
    if action in ("erase_dna", "erase_all"):
        erased["Creator DNA"] = int(await delete_block(db.store, creator, "dna"))
        erased["channel profile"] = int(await delete_block(db.store, creator, "profile"))
    trace("memory.edited", creator=creator, action=action, erased=erased)
    done = ", ".join(f"{kind}: {n}" for kind, n in erased.items())
    return (f"Erased ({done}). The titles you chose stay recorded; `cortex forget --creator {creator}` deletes "
            "everything, conversations included."), {"action": action, "erased": erased}


_ERASE = re.compile(r"\b(erase|delete|wipe|reset|clear|remove)\b", re.I)


async def extract_args(text: str, context: Any = None) -> dict:
    """Offline engine: erase (which block) or forget (the words after "forget that I ..." / quoted)."""
    lower = text.lower()
    if _ERASE.search(text):
        if any(w in lower for w in ("everything", "all of it", "all you", "all that")):
            return {"action": "erase_all"}
        if any(w in lower for w in ("dna", "voice")):
            return {"action": "erase_dna"}
        return {"action": "erase_preferences"}
    if quoted := extract.quoted(text):
        return {"action": "forget", "item": quoted[0]}
    m = re.search(r"\bforget\b(?:\s+(?:that|about))?(?:\s+i\s+(?:like|love|prefer|hate|dislike|avoid|don'?t like))?"
                  r"\s+(.+?)[.!?]*$", text, re.I)
    return {"action": "forget", "item": m.group(1).strip()} if m and m.group(1).strip() else {"action": "forget"}


tool = cortex_tool(
    edit_memory,
    examples=[
        "Forget that I like questions",
        "forget the thing about numbers in titles",
        "Stop assuming I hate listicles",
        "Erase my preferences",
        "Erase everything you learned about me",
        "delete my Creator DNA",
        "reset what you know about my taste in titles",
    ],
    extract=extract_args,
    ask=ASK,
    side_effect=describe_edit,
)
