"""The chat page of one conversation (``GET /thread/<id>``) for its owner only: a logged-in creator who opens another
creator's conversation gets a 404 page saying it was not found (Chainlit itself would open the chat and fail with
"Could not reach the server"). The owner, a visitor not logged in (who gets the login) and a conversation nobody owns
yet (a new chat whose first turn is still being saved) get Chainlit's page as before. Registered before Chainlit is
mounted, so it answers first."""

from __future__ import annotations

import html

from chainlit.auth.cookie import get_token_from_cookies
from chainlit.auth.jwt import decode_jwt
from chainlit.server import serve
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from agent.auth import owned_thread, thread_has_owner
from memory.db import get_database

router = APIRouter(include_in_schema=False)  # the chat UI's own routes, not the public API

NOT_FOUND_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Creator Cortex: conversation not found</title>
<style>body {{ font-family: system-ui, sans-serif; background: #111318; color: #e8e8ea; display: grid;
place-items: center; min-height: 100vh; margin: 0; }} a {{ color: #f25c54; }}</style></head>
<body><main><h1>Conversation not found</h1><p>{who} has no conversation at this address.</p>
<p><a href="/">Start a new chat</a></p></main></body></html>
"""


def session_creator(request: Request) -> str | None:
    """The creator logged in to the chat in this request (Chainlit's session cookie), or None."""
    token = get_token_from_cookies(dict(request.cookies))
    if not token:
        return None
    try:
        return decode_jwt(token).identifier
    except Exception:  # an expired or foreign token: Chainlit's page asks to log in again
        return None


@router.get("/thread/{thread_id}")
async def thread_page(request: Request, thread_id: str) -> Response:
    """Chainlit's chat page for your own conversation; 404 "Conversation not found" for another creator's."""
    creator = session_creator(request)
    if creator is not None:
        pool = (await get_database()).pool
        if await thread_has_owner(pool, thread_id) and not await owned_thread(pool, thread_id, creator):
            return HTMLResponse(NOT_FOUND_PAGE.format(who=html.escape(f"“{creator}”")), status_code=404)
    return await serve(request)
