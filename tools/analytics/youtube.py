"""YouTube Data API v3 and YouTube Analytics API v2 (google-api-python-client): quota per key, key
rotation, retries, OAuth 2.0 and AES-256-GCM encrypted tokens.

Quota, as the YouTube Data API documents it (https://developers.google.com/youtube/v3/getting-started#quota
and the cost table https://developers.google.com/youtube/v3/determine_quota_cost): a Google Cloud project
gets 10,000 units a day by default, reset at midnight Pacific time; a list call (channels, playlistItems,
videos) costs 1 unit, search.list 100; every request, even an invalid one, costs at least 1 unit. So each
attempt is charged before it is sent, per key (an API key, or the OAuth client for a connected channel),
in ``api_quota_usage``; a key is skipped once the next call would pass its daily quota or Google has
answered ``quotaExceeded`` for it, and the next key is used. The Analytics API has a separate quota (not
in units) and is not charged here.

Retries: 429 and 5xx answers, timeouts and dropped connections are retried with exponential backoff
(tenacity); other errors become ``YouTubeError`` with a message that says what to do.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import secrets
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httplib2
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from google.auth.exceptions import RefreshError
from google.oauth2.credentials import Credentials
from google_auth_httplib2 import AuthorizedHttp
from google_auth_httplib2 import Request as HttplibRequest
from googleapiclient.discovery import Resource, build
from googleapiclient.errors import HttpError
from googleapiclient.http import HttpRequest
from psycopg_pool import AsyncConnectionPool
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential

from agent.artifacts import write_once
from memory import analytics as store
from memory.analytics import AnalyticsChannel

QUOTA_DOC = "https://developers.google.com/youtube/v3/getting-started#quota"
DEFAULT_DAILY_QUOTA = 10_000
"""Units a Google Cloud project may spend on the YouTube Data API per day, by default (QUOTA_DOC)."""
QUOTA_COSTS = {"channels.list": 1, "playlistItems.list": 1, "videos.list": 1, "search.list": 100}
"""Units per call (https://developers.google.com/youtube/v3/determine_quota_cost)."""
QUOTA_TZ = ZoneInfo("America/Los_Angeles")
"""The daily quota resets at midnight Pacific time."""

SCOPES = (
    "https://www.googleapis.com/auth/youtube.readonly",
    "https://www.googleapis.com/auth/yt-analytics.readonly",
)
"""OAuth scopes: read the creator's channel and uploads (Data API), read its analytics (Analytics API)."""

TRANSIENT_STATUS = frozenset({429, 500, 502, 503, 504})
QUOTA_REASONS = frozenset({"quotaExceeded", "dailyLimitExceeded"})


class YouTubeError(RuntimeError):
    """A YouTube API call failed in a way a retry does not fix; the message says what to do."""


class QuotaExhausted(YouTubeError):
    """Every key has spent its daily YouTube Data API quota."""


def quota_day(now: datetime | None = None) -> date:
    """The quota day (Pacific time) of ``now`` (default: now)."""
    return (now or datetime.now(UTC)).astimezone(QUOTA_TZ).date()


def quota_reset(now: datetime | None = None) -> datetime:
    """When the quota day of ``now`` (default: now) ends: the next midnight Pacific time, timezone-aware."""
    day = quota_day(now)
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=QUOTA_TZ)


def api_key_id(api_key: str) -> str:
    """The name an API key is accounted under: 'key:' + the first 12 hex digits of its sha256 (never the key)."""
    return "key:" + hashlib.sha256(api_key.encode()).hexdigest()[:12]


def http_status(exc: HttpError) -> int:
    """The HTTP status of a googleapiclient error."""
    return int(exc.resp.status)


def error_reason(exc: HttpError) -> str:
    """The 'reason' Google gives in an error body (e.g. 'quotaExceeded'), or ''."""
    try:
        body = json.loads(exc.content)
        return body["error"]["errors"][0].get("reason", "")
    except (ValueError, KeyError, IndexError, TypeError):
        return ""


def _transient(exc: BaseException) -> bool:
    if isinstance(exc, HttpError):
        return http_status(exc) in TRANSIENT_STATUS
    return isinstance(exc, (OSError, httplib2.HttpLib2Error))  # timeouts, refused or dropped connections, DNS


class YouTubeApi:
    """Calls to the YouTube Data API v3 (quota-charged, keys rotated) and Analytics API v2 (OAuth only).

    ``credentials``: a connected channel's OAuth credentials (Data API calls are then charged to the OAuth
    client as 'oauth:<client id>'); without them, Data API calls rotate through ``api_keys`` (public data
    only; the Analytics API then raises YouTubeError). ``http``: the transport (tests pass googleapiclient's
    HttpMockSequence); default a new httplib2.Http with a 30 s timeout.
    """

    def __init__(
        self,
        pool: AsyncConnectionPool,
        *,
        api_keys: Sequence[str] = (),
        credentials: Credentials | None = None,
        http: Any = None,
        daily_quota: int = DEFAULT_DAILY_QUOTA,
        max_attempts: int = 4,
        backoff_s: float = 1.0,
    ) -> None:
        if credentials is None and not api_keys:
            raise YouTubeError(
                "No way to reach YouTube: connect the channel with Google (cortex connect-youtube) or set "
                "CORTEX_YOUTUBE_API_KEYS."
            )
        self.pool = pool
        self.credentials = credentials
        self.daily_quota = daily_quota
        self._http = http
        self._max_attempts = max_attempts
        self._backoff_s = backoff_s
        if credentials is not None:
            self._keys: list[tuple[str, str | None]] = [(f"oauth:{credentials.client_id or 'client'}", None)]
        else:
            self._keys = [(api_key_id(k), k) for k in api_keys]
        self._services: dict[tuple[str, str | None], Resource] = {}

    # --- plumbing ------------------------------------------------------------------------------------------
    def _transport(self) -> Any:
        base = self._http if self._http is not None else httplib2.Http(timeout=30)
        return AuthorizedHttp(self.credentials, http=base) if self.credentials is not None else base

    def _service(self, api: str, version: str, api_key: str | None) -> Resource:
        if (api, api_key) not in self._services:
            self._services[(api, api_key)] = build(
                api,
                version,
                http=self._transport(),
                developerKey=api_key,
                cache_discovery=False,
                static_discovery=True,
            )
        return self._services[(api, api_key)]

    async def _execute(
        self, request: HttpRequest, method: str, before_attempt: Callable[[], Any] | None = None
    ) -> dict:
        """Send ``request`` with retries on transient failures; an HttpError that is not transient (or still
        5xx/429 after the last attempt) is raised for the caller, a network failure becomes YouTubeError."""
        try:
            async for attempt in AsyncRetrying(
                stop=stop_after_attempt(self._max_attempts),
                wait=wait_exponential(multiplier=self._backoff_s, max=30),
                retry=retry_if_exception(_transient),
                reraise=True,
            ):
                with attempt:
                    if before_attempt:
                        await before_attempt()
                    return await asyncio.to_thread(request.execute)
        except (OSError, httplib2.HttpLib2Error) as exc:
            raise YouTubeError(
                f"YouTube did not answer {method} after {self._max_attempts} attempts ({exc}); check the network "
                "and try again."
            ) from exc
        raise AssertionError("unreachable: tenacity reraises")  # pragma: no cover

    async def data(self, method: str, build_request: Callable[[Resource], HttpRequest]) -> dict:
        """Run a Data API call (``method`` as in QUOTA_COSTS, e.g. 'videos.list') on the first key with quota
        left, charging every attempt; a key Google refuses with quotaExceeded is skipped for the day.

        Raises QuotaExhausted when no key has quota left, YouTubeError for other failures.
        """
        cost = QUOTA_COSTS[method]
        day = quota_day()
        for key_id, api_key in self._keys:
            used, exhausted = await store.quota_state(self.pool, key_id, day)
            if exhausted or used + cost > self.daily_quota:
                continue
            request = build_request(self._service("youtube", "v3", api_key))
            try:
                return await self._execute(
                    request, method, lambda k=key_id: store.charge_quota(self.pool, k, day, cost)
                )
            except HttpError as exc:
                if http_status(exc) == 403 and error_reason(exc) in QUOTA_REASONS:
                    await store.mark_quota_exhausted(self.pool, key_id, day)
                    continue
                raise YouTubeError(explain(exc, method)) from exc
        raise QuotaExhausted(
            f"The YouTube Data API quota of all {len(self._keys)} key(s) is spent for today "
            f"({self.daily_quota:,} units a day each; it resets at midnight Pacific time, see {QUOTA_DOC}). "
            "Add a key from another Google Cloud project to CORTEX_YOUTUBE_API_KEYS, or try again tomorrow."
        )

    async def analytics(self, **params: Any) -> dict:
        """Run a YouTube Analytics API v2 reports.query with ``params`` (ids, startDate, endDate, metrics,
        dimensions, filters, sort, maxResults); raises YouTubeError without OAuth credentials, HttpError for
        answers other than transient ones (the caller decides, e.g. a 400 for metrics a channel lacks)."""
        if self.credentials is None:
            raise YouTubeError(
                "Channel analytics need the channel owner's Google authorization: run cortex connect-youtube."
            )
        service = self._service("youtubeAnalytics", "v2", None)
        return await self._execute(service.reports().query(**params), "reports.query")

    # --- Data API calls --------------------------------------------------------------------------------------
    async def channel(self, channel_id: str | None = None, handle: str | None = None) -> dict:
        """channels.list (1 unit): the authorized user's channel, or the one with this id or @handle.
        Returns the channel resource (snippet, contentDetails, statistics); YouTubeError when none."""
        params: dict[str, Any] = {"part": "snippet,contentDetails,statistics"}
        if channel_id:
            params["id"] = channel_id
        elif handle:
            params["forHandle"] = handle
        else:
            params["mine"] = True
        result = await self.data("channels.list", lambda yt: yt.channels().list(**params))
        if not result.get("items"):
            raise YouTubeError(f"YouTube has no channel {channel_id or handle or 'for this Google account'}.")
        return result["items"][0]

    async def channel_statistics(self, ids: Sequence[str]) -> list[dict]:
        """channels.list part=statistics (1 unit per 50 ids): the channel resources (id, statistics) YouTube
        still has among ``ids`` (deleted or unknown channels are left out)."""
        out: list[dict] = []
        for start in range(0, len(ids), 50):
            batch = ",".join(ids[start : start + 50])
            page = await self.data(
                "channels.list", lambda yt, b=batch: yt.channels().list(part="statistics", id=b, maxResults=50)
            )
            out += page.get("items", [])
        return out

    async def most_popular(self, region: str) -> list[dict]:
        """videos.list chart=mostPopular (1 unit): the 50 videos trending now in ``region`` (ISO 3166-1 alpha-2,
        e.g. 'US'), as video resources (snippet, contentDetails, statistics)."""
        page = await self.data(
            "videos.list",
            lambda yt: yt.videos().list(part="snippet,contentDetails,statistics", chart="mostPopular",
                                        regionCode=region, maxResults=50),
        )
        return page.get("items", [])

    async def upload_ids(self, uploads_playlist: str, limit: int) -> list[str]:
        """The newest ``limit`` video ids of an uploads playlist (playlistItems.list, 1 unit per 50)."""
        ids: list[str] = []
        token: str | None = None
        while len(ids) < limit:
            page = await self.data(
                "playlistItems.list",
                lambda yt, t=token: yt.playlistItems().list(
                    part="contentDetails", playlistId=uploads_playlist, maxResults=50, pageToken=t
                ),
            )
            ids += [item["contentDetails"]["videoId"] for item in page.get("items", [])]
            token = page.get("nextPageToken")
            if not token:
                break
        return ids[:limit]

    async def videos(self, ids: Sequence[str]) -> list[dict]:
        """Video resources (snippet, contentDetails, statistics) of ``ids``: videos.list, 1 unit per 50."""
        out: list[dict] = []
        for start in range(0, len(ids), 50):
            batch = ",".join(ids[start : start + 50])
            page = await self.data(
                "videos.list",
                lambda yt, b=batch: yt.videos().list(part="snippet,contentDetails,statistics", id=b, maxResults=50),
            )
            out += page.get("items", [])
        return out


def explain(exc: HttpError, method: str) -> str:
    """What an API error means for the creator, and what to do about it."""
    status, reason = http_status(exc), error_reason(exc)
    if status == 401 or reason in ("authError", "unauthorized"):
        return f"YouTube refused the authorization for {method}: reconnect the channel with cortex connect-youtube."
    if status == 403:
        return (
            f"YouTube refused {method} ({reason or 'forbidden'}): check that the YouTube Data API v3 and YouTube "
            "Analytics API are enabled in the Google Cloud project and the key or authorization belongs to it."
        )
    return f"YouTube answered {status} ({reason or 'error'}) to {method}."


# --- OAuth 2.0 and encrypted tokens ---------------------------------------------------------------------------


def token_key(settings: Any) -> bytes:
    """The AES-256 key for tokens: CORTEX_TOKEN_KEY (base64 of 32 bytes), else generated once into
    ``<state_dir>/token_key`` (mode 600). Raises ValueError when the configured key is not 32 bytes."""
    if settings.token_key:
        raw = settings.token_key.get_secret_value()
        try:
            key = base64.b64decode(raw, validate=True)
        except ValueError:
            key = b""
        if len(key) != 32:
            raise ValueError(
                "CORTEX_TOKEN_KEY must be 32 random bytes in base64, e.g. the output of "
                'python -c "import os, base64; print(base64.b64encode(os.urandom(32)).decode())".'
            )
        return key
    made = write_once(Path(settings.state_dir) / "token_key", lambda: base64.b64encode(secrets.token_bytes(32)).decode())
    return base64.b64decode(made)


class TokenVault:
    """OAuth credentials of connected channels, stored AES-256-GCM encrypted (``analytics_oauth_tokens``).

    Each write uses a fresh 12-byte nonce; the associated data 'creator_id/channel_pk' binds a ciphertext to
    its row, so a token copied to another creator's channel does not decrypt. ``key_id`` (a fingerprint of
    the key) tells which key encrypted a row.
    """

    def __init__(self, pool: AsyncConnectionPool, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("The token key must be 32 bytes (AES-256).")
        self.pool = pool
        self._aead = AESGCM(key)
        self.key_id = hashlib.sha256(b"cortex-token-key" + key).hexdigest()[:16]

    @staticmethod
    def _aad(channel: AnalyticsChannel) -> bytes:
        return f"{channel.creator_id}/{channel.channel_pk}".encode()

    async def save(self, channel: AnalyticsChannel, credentials: Credentials) -> None:
        """Encrypt and store a channel's credentials (access and refresh token, client, scopes, expiry)."""
        nonce = os.urandom(12)
        ciphertext = self._aead.encrypt(nonce, credentials.to_json().encode(), self._aad(channel))
        expiry = credentials.expiry.replace(tzinfo=UTC) if credentials.expiry else None
        await store.save_token(
            self.pool,
            channel.channel_pk,
            key_id=self.key_id,
            nonce=nonce,
            ciphertext=ciphertext,
            scopes=list(credentials.scopes or SCOPES),
            expires_at=expiry,
        )

    async def load(self, channel: AnalyticsChannel) -> Credentials | None:
        """The channel's credentials, or None when it has none stored. Raises YouTubeError when the row was
        encrypted with another key."""
        row = await store.load_token(self.pool, channel.channel_pk)
        if row is None:
            return None
        try:
            plain = self._aead.decrypt(bytes(row["nonce"]), bytes(row["ciphertext"]), self._aad(channel))
        except InvalidTag:
            raise YouTubeError(
                f"The Google authorization of “{channel.name}” was encrypted with another CORTEX_TOKEN_KEY "
                f"(key id {row['key_id']}). Restore that key, or connect the channel again with cortex connect-youtube."
            ) from None
        return Credentials.from_authorized_user_info(json.loads(plain), scopes=list(row["scopes"]))

    async def fresh(self, channel: AnalyticsChannel, http: Any = None) -> Credentials | None:
        """The channel's credentials, refreshed (and stored again, encrypted) when the access token expired.
        Raises YouTubeError when Google refuses the refresh token (revoked or expired authorization)."""
        credentials = await self.load(channel)
        if credentials is None or not credentials.expired:
            return credentials
        if not credentials.refresh_token:
            raise YouTubeError(
                f"The Google authorization of “{channel.name}” expired: run cortex connect-youtube again."
            )
        try:
            await asyncio.to_thread(credentials.refresh, HttplibRequest(http or httplib2.Http(timeout=30)))
        except RefreshError as exc:
            raise YouTubeError(
                f"Google refused to refresh the authorization of “{channel.name}” ({exc}); it was revoked or "
                "expired. Run cortex connect-youtube again."
            ) from exc
        await self.save(channel, credentials)
        return credentials


def _client_flow(flow_class: type, client_secrets: Path, **kwargs: Any) -> Any:
    """A google_auth_oauthlib flow of ``flow_class`` for ``SCOPES`` from the OAuth client file. Raises YouTubeError
    when the file is missing or not an OAuth client ('Desktop app' or 'Web application')."""
    if not Path(client_secrets).is_file():
        raise YouTubeError(
            f"No OAuth client file at {client_secrets}. Download the 'Desktop app' OAuth client JSON from the "
            "Google Cloud console (APIs & Services > Credentials) and set CORTEX_GOOGLE_CLIENT_SECRETS to it."
        )
    try:
        return flow_class.from_client_secrets_file(str(client_secrets), scopes=list(SCOPES), **kwargs)
    except ValueError as exc:
        raise YouTubeError(f"{client_secrets} is not an OAuth client secrets file ({exc}).") from exc


def authorize_installed_app(client_secrets: Path, port: int = 0) -> Credentials:
    """Run Google's OAuth consent for a desktop app: opens the browser, waits for the redirect to
    http://localhost:<port>/ and returns credentials with a refresh token for ``SCOPES``.
    Raises YouTubeError when the client secrets file is missing or not an OAuth client."""
    from google_auth_oauthlib.flow import InstalledAppFlow

    flow = _client_flow(InstalledAppFlow, client_secrets)
    return flow.run_local_server(port=port, access_type="offline", prompt="consent", open_browser=True)


def consent_url(client_secrets: Path, redirect_uri: str) -> tuple[str, str, str]:
    """Google's consent page for connecting a channel from the browser (OAuth 2.0 authorization-code flow with
    PKCE, RFC 7636): returns (url, state, code_verifier). The caller keeps state and verifier (the chat keeps them
    in a signed cookie) and hands them to ``exchange_code`` when Google redirects to ``redirect_uri``. A 'Desktop
    app' client accepts a loopback redirect (http://localhost:PORT/...); a 'Web application' client needs
    ``redirect_uri`` registered in the Google Cloud console. Raises YouTubeError for a missing or invalid file."""
    from google_auth_oauthlib.flow import Flow

    flow = _client_flow(Flow, client_secrets, redirect_uri=redirect_uri, autogenerate_code_verifier=True)
    url, state = flow.authorization_url(access_type="offline", prompt="consent", include_granted_scopes="true")
    return url, state, flow.code_verifier


def exchange_code(client_secrets: Path, redirect_uri: str, code: str, code_verifier: str) -> Credentials:
    """Trade the authorization ``code`` Google sent to ``redirect_uri`` for credentials with a refresh token
    (blocking HTTPS call to the client's token_uri: run it in a thread). Raises YouTubeError when Google refuses
    the code (expired, used twice, or a verifier that does not match)."""
    from google_auth_oauthlib.flow import Flow
    from oauthlib.oauth2.rfc6749.errors import OAuth2Error

    flow = _client_flow(Flow, client_secrets, redirect_uri=redirect_uri, code_verifier=code_verifier)
    try:
        flow.fetch_token(code=code)
    except OAuth2Error as exc:
        raise YouTubeError(
            f"Google did not accept the authorization ({exc.error}): start the connection again."
        ) from exc
    return flow.credentials
