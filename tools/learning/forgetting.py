"""Forgetting: the creator edits or erases what was learned about them (the edit_memory tool's engine).

- ``forget_feature``: their words ("forget that I like questions") resolved to the learned features they name,
  which are muted: kept in the statistics, never used to rank again (pure);
- ``edit_blocks``: one edit_memory action on their stored memory: forget (mute in the stored preferences),
  erase_preferences (with the feedback they were learned from; the titles they used stay recorded), erase_dna
  (the Creator DNA and the channel it was built from) or erase_all; ``describe_edit`` says the change in words for
  the creator's approval (``EFFECTS``).

Deleting everything kept for a creator (conversations too) is ``memory.learning.forget_creator``
(``cortex forget --creator X``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from langchain_core.messages import BaseMessage
from langgraph.store.base import BaseStore
from psycopg_pool import AsyncConnectionPool
from rapidfuzz import fuzz, process, utils

from memory.learning import delete_block, delete_feedback, get_block, put_block
from tools.base import trace
from tools.learning.features import PreferenceInputError, catalogue, feature_aliases, feature_label
from tools.learning.preferences import ERASE_HINT, Preferences

_COMMAND = re.compile(r"^\W*(?:please\s+)?(?:forget|unlearn|ignore|drop|stop|don'?t|do not|never mind|erase|remove)\b",
                      re.IGNORECASE)
_FILLER = frozenset(
    "that i like likes liking love prefer preferring hate dislike avoid avoiding using use the thing things stuff "
    "about my me please you learned learnt know titles title a an of for with want wanting those these them it is "
    "are think thinking rule bit part preference preferences on to so much what your in being".split()
)
MATCH_CUTOFF = 80.0
"""rapidfuzz WRatio (0-100) a creator's words need with a feature's name, label or alias to resolve to it."""


def forget_feature(prefs: Preferences, text: str) -> tuple[Preferences | None, str]:
    """Resolve a creator's words ("forget that I like questions", "stop avoiding numbers", "forget the listicle
    thing") to the features they name and mute them: (new preferences, a confirmation) or, when nothing matches,
    (None, a message listing what can be forgotten). Words are matched with rapidfuzz WRatio (``MATCH_CUTOFF``)
    against each feature's name, plain-English label and aliases; every feature tied at the best match is muted
    ("questions": the question formula and titles asking a question)."""
    if not isinstance(text, str) or not text.strip():
        raise PreferenceInputError("Say what to forget, e.g. “forget that I like questions”.")
    words = [w for w in re.findall(r"[\w'’:-]+", _COMMAND.sub("", text.strip()).lower()) if w not in _FILLER]
    query = " ".join(words)
    keys = sorted(set(catalogue()) | set(prefs.features))
    best: dict[str, float] = {}
    if query:
        choices = [(key, alias) for key in keys for alias in feature_aliases(key)]
        for _, score, i in process.extract(query, [a for _, a in choices], scorer=fuzz.WRatio,
                                           processor=utils.default_process, score_cutoff=MATCH_CUTOFF, limit=None):
            key = choices[i][0]
            best[key] = max(best.get(key, 0.0), score)
    if not best:
        learned = [p["label"] for p in (*prefs.preferred, *prefs.rejected)]
        known = ("What I have learned that you can forget: " + "; ".join(learned) + ".") if learned else \
            "I have not learned any preference yet."
        return None, f"I could not tell which preference “{text.strip()}” means. {known} {ERASE_HINT}"
    top = max(best.values())
    chosen = sorted(k for k, s in best.items() if s == top)
    muted = sorted(set(prefs.muted) | set(chosen))
    new = replace(prefs, muted=muted,
                  preferred=[p for p in prefs.preferred if p["feature"] not in muted],
                  rejected=[p for p in prefs.rejected if p["feature"] not in muted])
    names = "; ".join(feature_label(k) for k in chosen)
    them = "them" if len(chosen) > 1 else "it"
    return new, f"Forgotten: {names}. I won't use {them} to rank your titles, even as new feedback comes in."

EFFECTS = {
    "erase_preferences": "Erase your learned title preferences and the feedback they were learned from",
    "erase_dna": "Erase your Creator DNA (voice profile) and the channel it was built from",
    "erase_all": "Erase everything learned about you: preferences, the feedback behind them, your Creator DNA and what your used "
                 "titles' outcomes taught",
}
"""What each erase action deletes, in the words the creator approves."""


def describe_edit(args: dict[str, Any], messages: list[BaseMessage]) -> str | None:
    """The change an edit_memory call would make, for the creator's approval (None: nothing to change)."""
    action = args.get("action")
    if action == "forget":
        item = (args.get("item") or "").strip()
        return f"Forget “{item}” from what I learned about your titles" if item else None
    return EFFECTS.get(action)


@dataclass(frozen=True)
class MemoryEdit:
    """What one edit_memory action did: ``reply`` (what the creator reads); for forget, ``muted`` (the feature keys
    muted now; None when nothing changed); for an erase, ``erased`` (items deleted per kind)."""

    action: str
    reply: str
    muted: list[str] | None = None
    erased: dict[str, int] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The tool's artifact: ``{"action", "muted"}`` or ``{"action", "erased"}``; ``{}`` when nothing changed."""
        if self.muted is not None:
            return {"action": self.action, "muted": self.muted}
        if self.erased is not None:
            return {"action": self.action, "erased": self.erased}
        return {}


async def edit_blocks(pool: AsyncConnectionPool, store: BaseStore, creator_id: str, action: str,
                      item: str | None = None) -> MemoryEdit:
    """Apply one edit_memory ``action`` to the creator's stored memory: "forget" (``item``: their words, not empty;
    mutes the features they name in the stored preferences, ``forget_feature``), "erase_preferences" (the
    preferences block and the feedback events but the titles used, ``memory.learning.delete_feedback``),
    "erase_dna" (the Creator DNA and profile blocks) or "erase_all" (both). Raises ``PreferenceInputError`` (a
    ValueError) for words naming nothing or stored preferences that cannot be read."""
    if action == "forget":
        stored = await get_block(store, creator_id, "preferences")
        if stored is None:
            return MemoryEdit(action, "I have not learned any title preferences for you yet, so there is nothing to "
                                      "forget.")
        prefs, message = forget_feature(Preferences.from_dict(stored), item or "")
        if prefs is None:
            return MemoryEdit(action, message)
        await put_block(store, creator_id, "preferences", prefs.to_dict())
        trace("memory.edited", creator=creator_id, action=action, muted=prefs.muted)
        return MemoryEdit(action, message, muted=prefs.muted)
    erased: dict[str, int] = {}
    if action in ("erase_preferences", "erase_all"):
        erased["preferences"] = int(await delete_block(store, creator_id, "preferences"))
        erased["feedback events"] = await delete_feedback(pool, creator_id)
    if action in ("erase_dna", "erase_all"):
        erased["Creator DNA"] = int(await delete_block(store, creator_id, "dna"))
        erased["channel profile"] = int(await delete_block(store, creator_id, "profile"))
    if action == "erase_all":
        erased["title outcomes"] = int(await delete_block(store, creator_id, "calibration"))
    trace("memory.edited", creator=creator_id, action=action, erased=erased)
    done = ", ".join(f"{kind}: {n}" for kind, n in erased.items())
    return MemoryEdit(action, f"Erased ({done}). The titles you chose stay recorded; `cortex forget --creator "
                              f"{creator_id}` deletes everything, conversations included.", erased=erased)
