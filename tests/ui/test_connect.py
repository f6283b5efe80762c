"""Connecting YouTube from the chat (``ui.connect``): the consent redirect with PKCE, the callback that checks state
and creator, trades the code at the client's token endpoint and syncs the channel; and every refusal as a page
that says what to do. Google's token endpoint is served on loopback with Google's documented answer (the client
file names it as token_uri; oauthlib's OAUTHLIB_INSECURE_TRANSPORT lets it be plain HTTP); the YouTube API calls
are replayed with HttpMockSequence."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import uuid
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from chainlit.auth.jwt import create_jwt
from chainlit.user import User
from googleapiclient.http import HttpMockSequence

from agent.settings import get_settings
from memory import analytics as store
from tools.analytics.sources import AnalyticsConfig
from tools.analytics.views import not_connected
from ui.connect import analytics_config

from support import JsonHandler, google_ok, serve_http, youtube_channel, youtube_playlist

TOKEN_ANSWER = {  # https://developers.google.com/identity/protocols/oauth2/web-server#exchange-authorization-code
    "access_token": "ya29.connect-access",
    "expires_in": 3599,
    "refresh_token": "1//connect-refresh",
    "scope": "https://www.googleapis.com/auth/youtube.readonly https://www.googleapis.com/auth/yt-analytics.readonly",
    "token_type": "Bearer",
}


@pytest.fixture
def token_endpoint():
    """Google's token endpoint on loopback: answers TOKEN_ANSWER and keeps each posted form."""
    posted: list[dict] = []

    class Token(JsonHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
            posted.append({k: v[0] for k, v in form.items()})
            self.reply(TOKEN_ANSWER)

    server = serve_http(Token)
    yield f"http://127.0.0.1:{server.server_port}/token", posted
    server.shutdown()


@pytest.fixture
def client_secrets(tmp_path, token_endpoint, monkeypatch):
    """A 'Desktop app' OAuth client file (Google's download format) configured for the service."""
    path = tmp_path / "client_secret.json"
    path.write_text(json.dumps({"installed": {
        "client_id": "cid-42.apps.googleusercontent.com", "project_id": "cortex-test",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth", "token_uri": token_endpoint[0],
        "client_secret": "GOCSPX-test", "redirect_uris": ["http://localhost"]}}))
    monkeypatch.setenv("CORTEX_GOOGLE_CLIENT_SECRETS", str(path))
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the loopback token endpoint speaks plain HTTP
    get_settings.cache_clear()
    yield path
    monkeypatch.undo()
    get_settings.cache_clear()


def _browser(app, creator: str | None) -> httpx.AsyncClient:
    """A browser session of ``creator`` (Chainlit's access_token cookie), or of nobody."""
    cookies = {"access_token": create_jwt(User(identifier=creator))} if creator else None
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test", cookies=cookies)


async def test_connect_from_the_chat_with_consent_and_pkce(app, db, client_secrets, token_endpoint):
    creator = f"connect-{uuid.uuid4().hex[:6]}"
    http = HttpMockSequence([google_ok(youtube_channel("UCconnect00000000000000", "Connect Lab")),
                             google_ok(youtube_playlist([]))])
    app.dependency_overrides[analytics_config] = lambda: AnalyticsConfig(token_key=os.urandom(32), http=http)
    try:
        async with _browser(app, creator) as browser:
            consent = await browser.get("/connect/youtube")
            assert consent.status_code == 303
            url = urlsplit(consent.headers["location"])
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            assert (url.netloc, query["client_id"], query["access_type"]) == (
                "accounts.google.com", "cid-42.apps.googleusercontent.com", "offline")
            assert query["redirect_uri"] == "http://test/connect/youtube/callback"
            assert query["code_challenge_method"] == "S256" and "yt-analytics.readonly" in query["scope"]

            done = await browser.get("/connect/youtube/callback", params={"code": "4/0Aconnect", "state": query["state"]})
        assert done.status_code == 200, done.text
        assert "Connected “Connect Lab”" in html.unescape(done.text) and creator in html.unescape(done.text)
        assert "cortex_youtube_connect=" in done.headers["set-cookie"]  # the one-time cookie is cleared
    finally:
        app.dependency_overrides.clear()
    (form,) = token_endpoint[1]
    assert (form["code"], form["grant_type"], form["redirect_uri"]) == (
        "4/0Aconnect", "authorization_code", "http://test/connect/youtube/callback")
    challenge = base64.urlsafe_b64encode(hashlib.sha256(form["code_verifier"].encode()).digest()).rstrip(b"=")
    assert challenge.decode() == query["code_challenge"]  # the verifier kept in the cookie matches the challenge
    (channel,) = await store.list_channels(db.pool, creator)
    assert (channel.name, channel.youtube_channel_id) == ("Connect Lab", "UCconnect00000000000000")
    async with db.pool.connection() as conn:
        cur = await conn.execute("SELECT ciphertext FROM analytics_oauth_tokens WHERE channel_pk = %s", (channel.channel_pk,))
        (row,) = await cur.fetchall()
    assert b"1//connect-refresh" not in bytes(row["ciphertext"])  # stored encrypted


async def test_refusals_say_what_to_do(app, db, client_secrets, token_endpoint):
    creator, other = f"connect-{uuid.uuid4().hex[:6]}", f"other-{uuid.uuid4().hex[:6]}"
    async with _browser(app, None) as nobody:
        refused = await nobody.get("/connect/youtube")
    assert refused.status_code == 401 and "Log in to the chat" in html.unescape(refused.text)
    async with _browser(app, creator) as browser:
        cancelled = await browser.get("/connect/youtube/callback", params={"error": "access_denied"})
        assert cancelled.status_code == 400 and "You cancelled on Google's page" in html.unescape(cancelled.text)
        no_cookie = await browser.get("/connect/youtube/callback", params={"code": "4/x", "state": "s"})
        assert no_cookie.status_code == 400 and "expired or was opened in another browser" in html.unescape(no_cookie.text)
        state = parse_qs(urlsplit((await browser.get("/connect/youtube")).headers["location"]).query)["state"][0]
        forged = await browser.get("/connect/youtube/callback", params={"code": "4/x", "state": state + "x"})
        assert forged.status_code == 400 and "does not belong to this browser" in html.unescape(forged.text)
        state = parse_qs(urlsplit((await browser.get("/connect/youtube")).headers["location"]).query)["state"][0]
        cookie = browser.cookies.get("cortex_youtube_connect", path="/connect/youtube")
    async with _browser(app, other) as intruder:  # someone else's browser with the first creator's cookie
        intruder.cookies.set("cortex_youtube_connect", cookie, path="/connect/youtube")
        swapped = await intruder.get("/connect/youtube/callback", params={"code": "4/x", "state": state})
    assert swapped.status_code == 401 and "logged in to the chat as someone else" in html.unescape(swapped.text)
    assert token_endpoint[1] == []  # no code was ever traded
    assert await store.list_channels(db.pool, creator) == [] and await store.list_channels(db.pool, other) == []


async def test_without_an_oauth_client_the_page_says_how_to_set_it_up(app, db):
    assert get_settings().google_client_secrets is None
    async with _browser(app, "connect-unset") as browser:
        page = await browser.get("/connect/youtube")
    assert page.status_code == 404 and "CORTEX_GOOGLE_CLIENT_SECRETS" in html.unescape(page.text) and "Studio export" in html.unescape(page.text)


def test_the_chat_links_to_google_only_when_an_oauth_client_is_set():
    assert "[open Google's consent page](/connect/youtube)" in not_connected("ana", google_connect=True)
    without = not_connected("ana")
    assert "/connect/youtube)" not in without and "cortex connect-youtube --creator ana" in without
