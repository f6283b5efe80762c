"""The one feedback loop: every signal on a generated title (record_feedback, use_title, the chat UI's title buttons
and thumbs) is recorded by ``record_signal`` in ``feedback_events`` (``memory.learning``), and every
``REBUILD_EVERY`` actions the creator's preferences are relearned from all their events (``rebuild_preferences``,
``tools.learning.preferences.learn_preferences``) and stored in their ``preferences`` block.

Storage is passed in: ``pool`` (the Postgres pool, for the events) and ``store`` (the LangGraph store, for the
blocks), from the run's context (``tools.base.CortexContext``) or the driver.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from langgraph.store.base import BaseStore
from psycopg_pool import AsyncConnectionPool

from memory.learning import (
    count_actions,
    feedback_events,
    generation_of_step,
    get_block,
    insert_feedback,
    put_block,
    shown_title,
)
from tools.base import trace
from tools.learning.choices import TitleChoice
from tools.learning.preferences import FeedbackEvent, Preferences, due_for_rebuild, learn_preferences, results_of


def _event(row: dict[str, Any]) -> FeedbackEvent:
    return FeedbackEvent(signal=row["signal"], title=row["title"], candidate=row["candidate"],
                         edited_title=row["edited_title"], generation_id=row["generation_id"] or "",
                         created_at=row["created_at"])


@dataclass(frozen=True)
class Recorded:
    """A recorded signal: its ``feedback_events`` row, the creator's actions so far (events other than views) and
    the preferences rebuilt by it (None when no rebuild was due)."""

    row: dict[str, Any]
    actions: int
    preferences: Preferences | None


async def rebuild_preferences(pool: AsyncConnectionPool, store: BaseStore, creator_id: str,
                              previous: Preferences | None = None) -> Preferences:
    """Learn the creator's preferences from all their feedback events and the results of the titles they used (the
    ``calibration`` block ``title_outcomes`` keeps) and store them, keeping what they asked to
    forget (``Preferences.muted`` of ``previous``, read from the store when not given). Returns the new
    preferences."""
    if previous is None:
        stored = await get_block(store, creator_id, "preferences")
        previous = Preferences.from_dict(stored) if stored else None
    muted = previous.muted if previous else []
    results = results_of(await get_block(store, creator_id, "calibration"))
    prefs = learn_preferences([_event(r) for r in await feedback_events(pool, creator_id)], muted=muted,
                              results=results)
    await put_block(store, creator_id, "preferences", prefs.to_dict())
    trace("memory.preferences_rebuilt", creator=creator_id, events=prefs.events,
          preferred=[p["label"] for p in prefs.preferred], rejected=[p["label"] for p in prefs.rejected])
    return prefs


async def record_signal(
    pool: AsyncConnectionPool, store: BaseStore, creator_id: str, thread_id: str, signal: str, choice: Any | None,
    *, generation_id: str | None = None, edited_title: str | None = None, source: str = "chat",
) -> Recorded:
    """Record one signal on a title and rebuild the preferences when due
    (``tools.learning.preferences.due_for_rebuild``).

    ``choice``: a ``tools.learning.choices.TitleChoice`` (title, rank, judged candidate, generate_titles call id),
    or None for a thumbs on a whole generation (then ``generation_id`` names it). Raises ValueError for an unknown
    signal."""
    row = await insert_feedback(
        pool, creator_id=creator_id, thread_id=thread_id, signal=signal,
        title=choice.title if choice else None,
        generation_id=(choice.source_tool_call_id if choice else None) or generation_id,
        candidate_rank=choice.rank if choice else None, candidate=choice.candidate if choice else None,
        edited_title=edited_title, source=source,
    )
    trace("feedback.recorded", signal=signal, title=row["title"], rank=row["candidate_rank"],
          generation=row["generation_id"], edited_title=edited_title, source=source)
    actions = await count_actions(pool, creator_id)
    if signal == "view":
        return Recorded(row, actions, None)
    stored = await get_block(store, creator_id, "preferences")
    previous = Preferences.from_dict(stored) if stored else None
    due = due_for_rebuild(actions, previous.rebuilt_after_events if previous else 0)
    return Recorded(row, actions, await rebuild_preferences(pool, store, creator_id, previous) if due else None)


async def shown_choice(pool: AsyncConnectionPool, creator_id: str, thread_id: str, generation_id: str | None,
                       rank: int | None) -> TitleChoice | None:
    """The title a chat UI button points at: number ``rank`` of generation ``generation_id`` as shown to this
    creator in this thread (its "view" event), or None when they were shown no such title."""
    if not generation_id or not rank:
        return None
    shown = await shown_title(pool, creator_id, thread_id, generation_id, rank)
    if shown is None:
        return None
    return TitleChoice(shown["title"], shown["candidate_rank"], shown["candidate"], generation_id)


async def record_thumbs(pool: AsyncConnectionPool, store: BaseStore, step_id: str, value: int) -> Recorded | None:
    """A chat UI thumbs (``value`` 1 up, 0 down) on the answer message ``step_id``: recorded as thumbs_up or
    thumbs_down on the whole generation that answer showed (its creator and thread come from the message), or None
    when the message showed no generated titles."""
    found = await generation_of_step(pool, step_id)
    if found is None:
        return None
    creator_id, thread_id, generation_id = found
    signal = "thumbs_up" if value == 1 else "thumbs_down"
    return await record_signal(pool, store, creator_id, thread_id, signal, None, generation_id=generation_id,
                               source="ui")
