"""Connecting a YouTube channel from the chat with Google's consent screen (``GET /connect/youtube`` and its callback).

The chat links here when a creator asks for analytics and has none, and a client secrets file is configured
(``CORTEX_GOOGLE_CLIENT_SECRETS``). The flow is OAuth 2.0's authorization-code flow with PKCE (RFC 7636):

1. ``/connect/youtube`` (logged in to the chat) sends the browser to Google's consent page. The state and the PKCE
   verifier go into a short-lived cookie signed with the chat's session secret (PyJWT, HS256), bound to the creator.
2. Google redirects to ``/connect/youtube/callback?code=...&state=...``. The callback checks the state against the
   cookie and that the same creator is logged in, trades the code for tokens, stores them encrypted and syncs the
   channel (``tools.analytics.sources.connect_channel``), then shows a page that says what was imported.

A 'Desktop app' OAuth client works while the service runs on loopback (Google accepts any http://localhost port); a
service reached by a public address needs a 'Web application' client with ``<address>/connect/youtube/callback`` as
an authorized redirect URI. Every failure is a page that says what to do, never a stack trace."""

from __future__ import annotations

import asyncio
import hmac
import html
import time
from typing import Annotated

import jwt
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from agent.server import auth_secret
from agent.settings import get_settings
from memory.analytics import AnalyticsInputError
from memory.db import get_database
from tools.analytics.sources import AnalyticsConfig, connect_channel
from tools.analytics.youtube import YouTubeError, consent_url, exchange_code
from ui.threads import session_creator

router = APIRouter(include_in_schema=False)  # the chat UI's own routes, not the public API

CONNECT_PATH = "/connect/youtube"
COOKIE = "cortex_youtube_connect"
COOKIE_TTL_S = 600
"""The consent must be finished within 10 minutes of leaving the chat."""
AUDIENCE = "cortex:connect-youtube"

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Creator Cortex: {title}</title>
<style>body {{ font-family: system-ui, sans-serif; background: #111318; color: #e8e8ea; display: grid;
place-items: center; min-height: 100vh; margin: 0; }} main {{ max-width: 36rem; }} a {{ color: #f25c54; }}</style>
</head><body><main><h1>{title}</h1><p>{body}</p><p><a href="/">Back to the chat</a></p></main></body></html>
"""


def page(title: str, body: str, status: int = 200) -> HTMLResponse:
    """A small page in the chat's colours; ``title`` and ``body`` are plain text (escaped here)."""
    return HTMLResponse(PAGE.format(title=html.escape(title), body=html.escape(body)), status_code=status)


def analytics_config() -> AnalyticsConfig:
    """The YouTube API settings of the process (a FastAPI dependency, so tests can replay Google's answers)."""
    return AnalyticsConfig.from_settings(get_settings())


def _redirect_uri(request: Request) -> str:
    return str(request.url_for("youtube_callback"))


@router.get(CONNECT_PATH)
async def youtube_connect(request: Request) -> Response:
    """Send the logged-in creator to Google's consent page (303), with the state cookie; a page saying what to do
    when nobody is logged in or no OAuth client is configured."""
    creator = session_creator(request)
    if creator is None:
        return page("Log in first", "Log in to the chat, then use the “Connect with Google” link again.", 401)
    settings = get_settings()
    if settings.google_client_secrets is None:
        return page("Connecting YouTube is not set up",
                    "Ask whoever runs this service to set CORTEX_GOOGLE_CLIENT_SECRETS to a Google OAuth client file "
                    "(README: Connect a YouTube channel). Until then, attach a YouTube Studio export in the chat.", 404)
    try:
        url, state, verifier = await asyncio.to_thread(
            consent_url, settings.google_client_secrets, _redirect_uri(request))
    except YouTubeError as exc:
        return page("Connecting YouTube is not set up", str(exc), 500)
    claims = {"sub": creator, "state": state, "verifier": verifier, "aud": AUDIENCE,
              "exp": int(time.time()) + COOKIE_TTL_S}
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(COOKIE, jwt.encode(claims, auth_secret(settings), algorithm="HS256"), max_age=COOKIE_TTL_S,
                        path=CONNECT_PATH, httponly=True, samesite="lax", secure=request.url.scheme == "https")
    return response


@router.get(CONNECT_PATH + "/callback", name="youtube_callback")
async def youtube_callback(
    request: Request,
    config: Annotated[AnalyticsConfig, Depends(analytics_config)],
    code: str | None = None,
    state: str | None = None,
    error: str | None = None,
) -> Response:
    """Google's redirect after the consent: check state and creator, store the tokens, sync the channel and say
    what was imported (200), or say what went wrong (400, 401, 502)."""
    if error:
        message = ("You cancelled on Google's page, so nothing was connected." if error == "access_denied"
                   else f"Google answered “{error}”, so nothing was connected.")
        return _clear(page("YouTube not connected", message + " You can try again from the chat.", 400))
    settings = get_settings()
    try:
        claims = jwt.decode(request.cookies.get(COOKIE, ""), auth_secret(settings), algorithms=["HS256"],
                            audience=AUDIENCE)
    except jwt.PyJWTError:
        return _clear(page("YouTube not connected", "This link has expired or was opened in another browser. Start "
                           "again from the chat's “Connect with Google” link (it is valid for 10 minutes).", 400))
    if not code or not state or not hmac.compare_digest(state, claims["state"]):
        return _clear(page("YouTube not connected", "Google's answer does not belong to this browser's request. "
                           "Start again from the chat.", 400))
    creator = session_creator(request)
    if creator != claims["sub"]:
        return _clear(page("YouTube not connected", "You are logged in to the chat as someone else than the creator "
                           "who started this connection. Log in as that creator and start again.", 401))
    try:
        credentials = await asyncio.to_thread(
            exchange_code, settings.google_client_secrets, _redirect_uri(request), code, claims["verifier"])
        report = await connect_channel((await get_database()).pool, creator, config, credentials=credentials)
    except (YouTubeError, AnalyticsInputError) as exc:
        return _clear(page("YouTube not connected", str(exc), 502))
    notes = " ".join(report.notes)
    return _clear(page(
        f"Connected “{report.channel.name}”",
        f"Imported {report.videos:,} videos and {report.window_snapshots} 7- and 30-day snapshots for {creator}. "
        f"Go back to the chat and ask, for example, “how did my last video do?”. {notes}".strip()))


def _clear(response: Response) -> Response:
    response.delete_cookie(COOKIE, path=CONNECT_PATH)
    return response
