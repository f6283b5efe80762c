"""Chainlit's feedback routes (``PUT /feedback``, ``DELETE /feedback``) with the check they lack: the message or
feedback must be in one of the caller's own threads. Chainlit's handlers take any step id, so without this a logged-in
creator could rate another creator's messages and, through the thumbs on generated titles, relearn their
preferences. Registered on the service before Chainlit is mounted, so these routes answer first; an id outside the
caller's threads gets 404, as a missing one."""

from __future__ import annotations

from typing import Annotated, Any

from chainlit.auth import get_current_user
from chainlit.server import delete_feedback, update_feedback
from chainlit.types import DeleteFeedbackRequest, UpdateFeedbackRequest
from fastapi import APIRouter, Depends, HTTPException, Request
from psycopg_pool import AsyncConnectionPool

from agent.auth import chat_thread_of, owned_thread
from memory.db import get_database

router = APIRouter(include_in_schema=False)  # the chat UI's own routes, not the public API
User = Annotated[Any, Depends(get_current_user)]
NOT_YOURS = "No such message in your conversations."


async def _check(pool: AsyncConnectionPool, user: Any, thread_id: str | None) -> None:
    """404 unless ``thread_id`` is a thread of the logged-in creator."""
    if user is None or thread_id is None or not await owned_thread(pool, thread_id, user.identifier):
        raise HTTPException(404, NOT_YOURS)


@router.put("/feedback")
async def put_feedback(request: Request, update: UpdateFeedbackRequest, current_user: User) -> Any:
    """Rate a message of your own threads (Chainlit's handler, after the ownership check)."""
    pool = (await get_database()).pool
    await _check(pool, current_user, await chat_thread_of(pool, step_id=update.feedback.forId))
    return await update_feedback(request, update, current_user)


@router.delete("/feedback")
async def remove_feedback(request: Request, payload: DeleteFeedbackRequest, current_user: User) -> Any:
    """Delete a rating in your own threads (Chainlit's handler, after the ownership check)."""
    pool = (await get_database()).pool
    await _check(pool, current_user, await chat_thread_of(pool, feedback_id=payload.feedbackId))
    return await delete_feedback(request, payload, current_user)
