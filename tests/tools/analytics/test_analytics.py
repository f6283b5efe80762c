"""Channel analytics: the Studio export import, the YouTube API path (HttpMockSequence replaying documented
response shapes), OAuth tokens encrypted at rest, quota accounting, snapshots and the pull_analytics tool.

One module (over 500 lines) because its tests share the Google API response fixtures and the imported export;
split, each part would carry a copy of them."""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from google.oauth2.credentials import Credentials
from googleapiclient.http import HttpMockSequence
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from agent.offline import OfflineEngine
from agent.turns import run_config
from graphs import conversation
from graphs.conversation import build_graph
from memory import analytics as store
from memory.analytics import AnalyticsInputError, VideoMetrics, read_studio_export
from tools import all_tools
from tools.analytics import tool as pull_analytics
from tools.analytics.sources import AnalyticsConfig, YouTubeSource, connect_channel, import_studio_export, sync_channel
from tools.analytics.views import channel_analytics, recent_view
from tools.analytics.youtube import (
    SCOPES,
    QuotaExhausted,
    TokenVault,
    YouTubeApi,
    YouTubeError,
    api_key_id,
    quota_day,
    token_key,
)
from tools.base import CortexContext

from support import google_ok as ok
from support import youtube_channel as _channel
from support import youtube_playlist as _playlist
from support import youtube_videos as _videos

KENJEE = "youtube_studio_analytics_kenjee"
CREATOR = "kenjee-" + uuid.uuid4().hex[:6]


def error(status: int, reason: str) -> tuple[dict, str]:
    body = {
        "error": {
            "code": status,
            "message": reason,
            "errors": [{"domain": "youtube.quota", "reason": reason, "message": reason}],
        }
    }
    return {"status": str(status)}, json.dumps(body)


@pytest.fixture(scope="module")
async def imported(db, data_dir):
    """The real Studio export imported for CREATOR as 'Ken Jee'."""
    return await import_studio_export(
        db.pool, data_dir / KENJEE / "Aggregated_Metrics_By_Video.csv", CREATOR, "Ken Jee"
    )


# --- the Studio export --------------------------------------------------------------------------------


async def test_import_of_the_real_export(db, data_dir, imported):
    assert imported.videos == 223 and imported.channel.videos == 223
    assert imported.channel.source == "studio_export" and imported.window_snapshots == 0
    videos = {v.video_id: v for v in await store.channel_videos(db.pool, imported.channel.channel_pk)}
    first = videos["4OZip0cgOho"]  # the CSV's row: 1,253,559 views, 26,498,799 impressions, 3.14 %, 0:03:09
    assert first.title == "How I Would Learn Data Science (If I Had to Start Over)"
    assert (first.views, first.impressions, first.ctr_pct, first.avd_s) == (1253559, 26498799, 3.14, 189.0)
    assert first.subscribers_gained == 46904 and first.watch_time_hours == pytest.approx(65850.7042)
    assert first.published_at.date().isoformat() == "2020-05-08"
    # the raw Windows-1252 file with soft hyphens in its header reads the same
    raw = read_studio_export(data_dir / KENJEE / "Aggregated_Metrics_By_Video.raw_cp1252.csv")
    assert raw == read_studio_export(data_dir / KENJEE / "Aggregated_Metrics_By_Video.csv")
    # importing again replaces the totals: still one row per video, one lifetime snapshot per video and day
    again = await import_studio_export(
        db.pool, data_dir / KENJEE / "Aggregated_Metrics_By_Video.csv", CREATOR, "Ken Jee"
    )
    assert again.channel.channel_pk == imported.channel.channel_pk and again.channel.videos == 223
    snaps = await store.video_snapshots(db.pool, CREATOR, video_id="4OZip0cgOho")
    assert [(s.period, s.metrics.views) for s in snaps] == [("lifetime", 1253559)]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("Title,Views\nA,1\n", "lacks the column(s) 'Video' or 'Content'"),
        (
            "Video,Video title,Video publish time,Views\nabc,A title,yesterday,10\n",
            "line 2, column 'Video publish time'",
        ),
        ("Video,Video title,Video publish time,Views\nabc,A title,8-May-20,ten\n", "line 2, column 'Views'"),
        ("Video,Video title,Video publish time,Views\nTotal,,,10\n", "no video rows"),
        ("Video,Video title,Video publish time,Views\nabc,A title,8-May-20,-5\n",
         "line 2, column 'Views': -5 is negative"),
        ("Video,Video title,Video publish time,Views,Impressions click-through rate (%)\nabc,A,8-May-20,10,250\n",
         "column 'Impressions click-through rate (%)': a click-through rate of 250% is impossible"),
        ("Video,Video title,Video publish time,Views,Average percentage viewed (%),Duration\n"
         "abc,A,8-May-20,10,150,600\n", "150% average percentage viewed is over 100%"),
    ],
)
def test_bad_exports_say_what_to_fix(tmp_path, content, message):
    path = tmp_path / "export.csv"
    path.write_text(content)
    with pytest.raises(AnalyticsInputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_studio_export(path)


def test_a_looping_short_may_pass_100_percent_viewed(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("Video,Video title,Video publish time,Views,Average percentage viewed (%),Duration\n"
                    "abc,My Short,8-May-20,10,150,45\n")
    assert read_studio_export(path)[0].avg_pct_viewed == 150


def test_an_image_named_like_an_export_is_refused_by_content(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(PNG)
    with pytest.raises(AnalyticsInputError, match="export.csv is not text .it looks like a Portable Network Graphics"):
        read_studio_export(path)


PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\x1f\x15\xc4\x89" + bytes(32)
"""The start of a 1x1 PNG: its signature and header chunk (a real PNG's first bytes)."""


def test_missing_file_is_named(tmp_path):
    with pytest.raises(AnalyticsInputError, match="No such file"):
        read_studio_export(tmp_path / "nope.csv")


# --- the tool -----------------------------------------------------------------------------------------


def engine() -> OfflineEngine:
    return OfflineEngine().bind_tools([*all_tools(), pull_analytics.tool])


@pytest.mark.parametrize(
    ("text", "args"),
    [
        ("which of my titles had the best CTR, and what do they share?", {"view": "top", "metric": "ctr"}),
        ("How did my last 10 videos do?", {"view": "recent", "limit": 10}),
        ("Compare my last upload with my usual video", {"view": "last_vs_usual"}),
        ("Which titles got the best CTR?", {"view": "top", "metric": "ctr"}),
    ],
)
async def test_offline_engine_routes_analytics_questions(db, text, args):
    reply = await engine().ainvoke([HumanMessage(text)])
    assert [c["name"] for c in reply.tool_calls] == ["pull_analytics"]
    assert reply.tool_calls[0]["args"] == args


async def test_other_tools_keep_their_requests(db):
    score = await engine().ainvoke([HumanMessage("Score this title: I Built a Giant Lego Volcano")])
    outliers = await engine().ainvoke([HumanMessage("Show me outliers about space experiments from Mark Rober")])
    assert score.tool_calls[0]["name"] == "score_title" and outliers.tool_calls[0]["name"] == "retrieve_outliers"


async def test_best_ctr_question_end_to_end(db, imported, monkeypatch):
    monkeypatch.setattr(conversation, "all_tools", lambda: [*all_tools(), pull_analytics.tool])
    graph = build_graph(db.checkpointer, db.store)
    thread = str(uuid.uuid4())
    await graph.ainvoke(
        {"messages": [("user", "Which of my titles had the best CTR, and what do they share?")]},
        run_config(thread, CREATOR),
        context=CortexContext(creator_id=CREATOR),
    )
    messages = (await graph.aget_state(run_config(thread, CREATOR))).values["messages"]
    result = next(m for m in messages if isinstance(m, ToolMessage))
    artifact = result.artifact
    assert artifact["view"] == "top" and artifact["metric"] == "ctr" and artifact["channel"] == "Ken Jee"
    # the real best CTR among videos with >= 1,000 impressions: 'Why I Quit Data Science', 8.62 %
    assert artifact["videos"][0]["title"] == "Why I Quit Data Science" and artifact["videos"][0]["ctr_pct"] == 8.62
    assert [v["ctr_pct"] for v in artifact["videos"]] == sorted(
        (v["ctr_pct"] for v in artifact["videos"]), reverse=True
    )
    chart = json.loads(artifact["chart"])
    assert chart["data"][0]["type"] == "bar" and chart["data"][0]["x"][0] == 8.62
    answer = messages[-1]
    assert isinstance(answer, AIMessage) and "offline engine" in answer.content
    assert "Why I Quit Data Science" in answer.content and "8.62 %" in answer.content
    assert "What they share" in answer.content and "median CTR" in answer.content


async def test_recent_and_last_vs_usual_views(db, settings, imported):
    text, artifact = await channel_analytics(db.pool, settings, CREATOR, "recent", limit=10)
    assert len(artifact["videos"]) == 10 and artifact["videos"][0]["title"].startswith(
        "Should You Be Excited About Web 3"
    )
    assert "| 2022-01-17 |" in text and "chart" in artifact
    text, artifact = await channel_analytics(db.pool, settings, CREATOR, "last_vs_usual")
    assert artifact["usual_n"] == 20 and "long-form uploads" in text  # the #Shorts are compared apart
    views = next(r for r in artifact["comparison"] if r["field"] == "views")
    assert views["last"] == 4383 and "lifetime totals" in artifact["basis"]


def test_charts_read_in_both_themes(data_dir):
    """No template of their own and transparent backgrounds (the chat's theme shows through), a mid-grey text, and
    the CTR axis with one decimal (whole-number ticks repeated "3" for 2.5, 3.0 and 3.5)."""
    videos = read_studio_export(data_dir / "youtube_studio_analytics_kenjee" / "Aggregated_Metrics_By_Video.csv")
    _, _, fig = recent_view(videos, 10)
    layout = fig.to_plotly_json()["layout"]
    assert layout["paper_bgcolor"] == layout["plot_bgcolor"] == "rgba(0,0,0,0)"
    assert layout["template"] == {} or not layout["template"].get("layout")  # "none": no white template
    assert layout["yaxis2"]["tickformat"] == ".1f" and layout["yaxis2"]["showgrid"] is False
    assert layout["font"]["color"] == "#8a8f98"


async def test_without_data_the_tool_explains_how_to_connect(db, settings):
    text, artifact = await channel_analytics(db.pool, settings, "newcomer", "top", "ctr")
    assert artifact == {"connected": False, "creator_id": "newcomer"}
    assert "cortex import-analytics" in text and "--creator newcomer" in text and "cortex connect-youtube" in text
    assert "Attach a YouTube Studio export here" in text  # in the chat, no terminal needed
    assert "%" not in text  # no invented numbers


async def test_creators_are_isolated(db, settings, imported):
    assert await store.list_channels(db.pool, "someone-else") == []
    assert await store.video_snapshots(db.pool, "someone-else", video_id="4OZip0cgOho") == []
    text, artifact = await channel_analytics(db.pool, settings, CREATOR, channel="Mark Rober")
    assert "Your channels: “Ken Jee”" in text and "chart" not in artifact


# --- the YouTube APIs ---------------------------------------------------------------------------------


ENGAGEMENT = [
    "views",
    "estimatedMinutesWatched",
    "averageViewDuration",
    "averageViewPercentage",
    "subscribersGained",
    "subscribersLost",
    "likes",
    "comments",
    "shares",
]


def _report(metrics: list[str], rows: list[list]) -> dict:
    headers = [{"name": "video", "columnType": "DIMENSION", "dataType": "STRING"}] + [
        {"name": m, "columnType": "METRIC", "dataType": "FLOAT" if "Rate" in m or "Percentage" in m else "INTEGER"}
        for m in metrics
    ]
    return {"kind": "youtubeAnalytics#resultTable", "columnHeaders": headers, "rows": rows}


def _reach(rows: list[list]) -> dict:
    return _report(["videoThumbnailImpressions", "videoThumbnailImpressionsClickRate"], rows)


async def test_oauth_channel_sync_snapshots_and_quota(db, settings):
    creator = "api-" + uuid.uuid4().hex[:6]
    now = datetime.now(UTC).replace(microsecond=0)
    old, new = now - timedelta(days=40), now - timedelta(days=10)
    http = HttpMockSequence(
        [
            ok(_channel("UCtestlab00000000000000", "Test Lab")),  # channels.list mine=true
            ok(_playlist(["vidNEW00001", "vidOLD00001"])),  # playlistItems.list
            ok(
                _videos(
                    [
                        ("vidNEW00001", "I Built a Robot Arm", new, "900"),
                        ("vidOLD00001", "Why Robots Fall Over", old, "5000"),
                    ]
                )
            ),  # videos.list
            ok(
                _report(
                    ENGAGEMENT,
                    [
                        ["vidOLD00001", 5100, 12000, 141, 38.5, 90, 4, 60, 9, 11],
                        ["vidNEW00001", 950, 2100, 133, 41.0, 20, 1, 45, 8, 3],
                    ],
                )
            ),  # lifetime
            ok(_reach([["vidOLD00001", 80000, 0.051], ["vidNEW00001", 21000, 0.038]])),
            ok(_report(ENGAGEMENT, [["vidNEW00001", 700, 1500, 128, 40.0, 15, 1, 30, 5, 2]])),  # d7 of the newest
            ok(_reach([["vidNEW00001", 15000, 0.041]])),
            ok(_report(ENGAGEMENT, [["vidOLD00001", 2600, 6000, 139, 39.0, 50, 2, 35, 6, 6]])),  # d7 of the older
            ok(_reach([["vidOLD00001", 40000, 0.055]])),
            ok(_report(ENGAGEMENT, [["vidOLD00001", 4200, 9800, 140, 38.9, 80, 3, 52, 8, 9]])),  # d30 of the older
            error(400, "badRequest"),  # impressions not reported
        ]
    )
    credentials = Credentials(
        token="ya29.plaintext-access",
        refresh_token="1//plaintext-refresh",
        client_id="cid-123.apps.googleusercontent.com",
        client_secret="client-secret",
        token_uri="https://oauth2.googleapis.com/token",
        scopes=list(SCOPES),
    )
    config = AnalyticsConfig(token_key=os.urandom(32), http=http)
    report = await connect_channel(db.pool, creator, config, credentials=credentials)
    assert not http._iterable  # every documented call was made, in order
    assert (report.channel.name, report.channel.youtube_channel_id, report.videos) == (
        "Test Lab",
        "UCtestlab00000000000000",
        2,
    )
    assert report.window_snapshots == 3 and report.notes == [
        "YouTube did not report impressions and CTR for this channel and period"
    ]
    assert all(
        headers.get("authorization") == "Bearer ya29.plaintext-access" for _, _, _, headers in http.request_sequence
    )
    assert "filters=video%3D%3DvidNEW00001%2CvidOLD00001" in http.request_sequence[3][0]

    videos = await store.channel_videos(db.pool, report.channel.channel_pk)
    assert [v.video_id for v in videos] == ["vidNEW00001", "vidOLD00001"]
    older = videos[1]
    assert (older.views, older.impressions, older.ctr_pct, older.avd_s, older.subscribers_gained) == (
        5100,
        80000,
        5.1,
        141,
        90,
    )
    assert older.watch_time_hours == pytest.approx(200.0) and older.duration_s == 492

    snaps = await store.video_snapshots(db.pool, creator, title="why robots fall over")
    by_period = {s.period: s for s in snaps}
    assert set(by_period) == {"d7", "d30", "lifetime"}
    assert by_period["d7"].period_end == old.date() + timedelta(days=6) and by_period["d7"].metrics.ctr_pct == 5.5
    assert by_period["d30"].metrics.views == 4200 and by_period["d30"].metrics.impressions is None

    # Data API units: channels, playlistItems, videos = 3 units on the OAuth client's account
    usage, exhausted = await store.quota_state(db.pool, "oauth:cid-123.apps.googleusercontent.com", quota_day())
    assert usage >= 3 and not exhausted

    # the token is stored encrypted only
    async with db.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT * FROM analytics_oauth_tokens WHERE channel_pk = %s", (report.channel.channel_pk,)
        )
        row = await cur.fetchone()
    stored = b"".join(v if isinstance(v, bytes) else str(v).encode() for v in row.values())
    for secret in (b"ya29.plaintext-access", b"1//plaintext-refresh", b"client-secret"):
        assert secret not in stored
    loaded = await TokenVault(db.pool, config.token_key).load(report.channel)
    assert (loaded.token, loaded.refresh_token, loaded.client_id) == (
        "ya29.plaintext-access",
        "1//plaintext-refresh",
        credentials.client_id,
    )
    with pytest.raises(YouTubeError, match="another CORTEX_TOKEN_KEY"):
        await TokenVault(db.pool, os.urandom(32)).load(report.channel)

    # one earlier upload has a d7 snapshot, fewer than the 5 an equal-age comparison needs: lifetime totals
    text, artifact = await channel_analytics(db.pool, settings, creator, "last_vs_usual")
    assert artifact["usual_n"] == 1 and "lifetime totals" in artifact["basis"]


async def test_expired_token_is_refreshed_and_stored_again(db):
    creator = "refresh-" + uuid.uuid4().hex[:6]
    channel = await store.upsert_channel(db.pool, creator, "Refresh Lab", "youtube_api", "UCrefresh")
    vault = TokenVault(db.pool, os.urandom(32))
    expired = Credentials(
        token="old-access",
        refresh_token="1//refresh",
        client_id="cid",
        client_secret="cs",
        token_uri="https://oauth2.googleapis.com/token",
        scopes=list(SCOPES),
        expiry=datetime.now(UTC).replace(tzinfo=None) - timedelta(minutes=5),
    )
    await vault.save(channel, expired)
    http = HttpMockSequence([ok({"access_token": "new-access", "expires_in": 3599, "token_type": "Bearer"})])
    fresh = await vault.fresh(channel, http=http)
    assert fresh.token == "new-access" and not fresh.expired
    assert "oauth2.googleapis.com/token" in http.request_sequence[0][0]
    assert (await vault.load(channel)).token == "new-access"
    row = await store.load_token(db.pool, channel.channel_pk)
    assert b"new-access" not in bytes(row["ciphertext"]) and row["expires_at"] > datetime.now(UTC)


async def test_revoked_refresh_token_says_reconnect(db):
    creator = "revoked-" + uuid.uuid4().hex[:6]
    channel = await store.upsert_channel(db.pool, creator, "Revoked Lab", "youtube_api", "UCrevoked")
    vault = TokenVault(db.pool, os.urandom(32))
    await vault.save(
        channel,
        Credentials(
            token="t",
            refresh_token="r",
            client_id="c",
            client_secret="s",
            token_uri="https://oauth2.googleapis.com/token",
            expiry=datetime.now(UTC).replace(tzinfo=None) - timedelta(minutes=1),
        ),
    )
    http = HttpMockSequence(
        [
            (
                {"status": "400"},
                json.dumps({"error": "invalid_grant", "error_description": "Token has been expired or revoked."}),
            )
        ]
    )
    with pytest.raises(YouTubeError, match="connect-youtube"):
        await vault.fresh(channel, http=http)


async def test_retries_then_quota_per_key_and_rotation(db):
    k1, k2 = "key-one-" + uuid.uuid4().hex, "key-two-" + uuid.uuid4().hex
    http = HttpMockSequence(
        [
            error(503, "backendError"),
            error(429, "rateLimitExceeded"),
            ok(_channel("UCpublic000000000000000", "Public")),
            error(403, "quotaExceeded"),
            ok(_channel("UCpublic000000000000000", "Public")),
        ]
    )
    api = YouTubeApi(db.pool, api_keys=[k1, k2], http=http, backoff_s=0)
    assert (await api.channel(channel_id="UCpublic000000000000000"))["id"] == "UCpublic000000000000000"
    day = quota_day()
    assert await store.quota_state(db.pool, api_key_id(k1), day) == (3, False)  # every attempt costs a unit
    await api.channel(channel_id="UCpublic000000000000000")  # key one refused for the day, key two answers
    assert (await store.quota_state(db.pool, api_key_id(k1), day))[1] is True
    assert await store.quota_state(db.pool, api_key_id(k2), day) == (1, False)
    assert [f"key={k1}" in uri for uri, *_ in http.request_sequence] == [True, True, True, True, False]
    assert k1 not in json.dumps(await _quota_rows(db))  # keys are accounted by fingerprint only


async def _quota_rows(db) -> list[dict]:
    async with db.pool.connection() as conn:
        cur = await conn.execute("SELECT key_id, units FROM api_quota_usage")
        return await cur.fetchall()


async def test_daily_quota_is_never_exceeded(db):
    k1, k2 = "limit-a-" + uuid.uuid4().hex, "limit-b-" + uuid.uuid4().hex
    http = HttpMockSequence([ok(_channel("UCq0000000000000000000000", "Q")) for _ in range(3)])
    api = YouTubeApi(db.pool, api_keys=[k1, k2], http=http, daily_quota=2)
    for _ in range(3):
        await api.channel(channel_id="UCq0000000000000000000000")
    day = quota_day()
    assert await store.quota_state(db.pool, api_key_id(k1), day) == (2, False)
    assert await store.quota_state(db.pool, api_key_id(k2), day) == (1, False)
    spent = YouTubeApi(db.pool, api_keys=[k1], http=HttpMockSequence([]), daily_quota=2)
    with pytest.raises(QuotaExhausted, match="resets at midnight Pacific time"):
        await spent.channel(channel_id="UCq0000000000000000000000")


async def test_public_channel_with_api_keys(db):
    creator = "public-" + uuid.uuid4().hex[:6]
    key = "pub-" + uuid.uuid4().hex
    published = datetime(2024, 5, 1, 15, 0, tzinfo=UTC)
    http = HttpMockSequence(
        [
            ok(_channel("UCpub00000000000000000000", "Public Lab")),
            ok(_playlist(["vidPUB00001"])),
            ok(_videos([("vidPUB00001", "How Bridges Hold", published, "31337")])),
        ]
    )
    report = await connect_channel(
        db.pool,
        creator,
        AnalyticsConfig(token_key=os.urandom(32), api_keys=(key,), http=http),
        public_channel="@publiclab",
    )
    assert "forHandle=%40publiclab" in http.request_sequence[0][0]
    assert report.videos == 1 and report.window_snapshots == 0 and "public statistics only" in report.notes[0]
    video = (await store.channel_videos(db.pool, report.channel.channel_pk))[0]
    assert (video.views, video.likes, video.comments, video.impressions, video.ctr_pct) == (31337, 40, 7, None, None)
    assert await store.quota_state(db.pool, api_key_id(key), quota_day()) == (3, False)
    assert await store.load_token(db.pool, report.channel.channel_pk) is None


async def test_persistent_server_errors_become_a_clear_error(db):
    http = HttpMockSequence([error(500, "backendError"), error(500, "backendError")])
    api = YouTubeApi(db.pool, api_keys=["k-" + uuid.uuid4().hex], http=http, max_attempts=2, backoff_s=0)
    with pytest.raises(YouTubeError, match="YouTube answered 500"):
        await api.channel(channel_id="UCdown")


async def test_analytics_need_oauth(db):
    api = YouTubeApi(db.pool, api_keys=["k"], http=HttpMockSequence([]))
    source = YouTubeSource(api, youtube_channel_id="UCx")
    assert await source.window([], 7) == {}
    with pytest.raises(YouTubeError, match="connect-youtube"):
        await api.analytics(ids="channel==MINE")
    with pytest.raises(YouTubeError, match="CORTEX_YOUTUBE_API_KEYS"):
        YouTubeApi(db.pool)


async def test_sync_stores_a_source_behind_the_protocol(db, data_dir):
    """Any AnalyticsSource stores the same typed rows: here a stand-in that also gives 7-day numbers."""
    real = read_studio_export(data_dir / KENJEE / "Aggregated_Metrics_By_Video.csv")[:3]

    class Replay:
        kind = "youtube_api"
        notes: list[str] = []

        async def channel(self):
            from tools.analytics.sources import ChannelInfo

            return ChannelInfo("Replay", "UCreplay")

        async def videos(self):
            return real

        async def window(self, videos, days):
            return {v.video_id: v for v in videos} if days == 7 else {}

    report = await sync_channel(db.pool, "replay-" + uuid.uuid4().hex[:6], Replay())
    assert (report.videos, report.window_snapshots, report.channel.youtube_channel_id) == (3, 3, "UCreplay")


def test_token_key_from_settings_or_state_dir(tmp_path):
    generated = token_key(SimpleNamespace(token_key=None, state_dir=tmp_path))
    assert len(generated) == 32 and token_key(SimpleNamespace(token_key=None, state_dir=tmp_path)) == generated
    assert oct((tmp_path / "token_key").stat().st_mode)[-3:] == "600"
    from pydantic import SecretStr

    with pytest.raises(ValueError, match="32 random bytes in base64"):
        token_key(SimpleNamespace(token_key=SecretStr("too-short"), state_dir=tmp_path))


async def test_stale_api_channel_keeps_its_stored_numbers_when_youtube_is_unreachable(db, tmp_path):
    creator = "stale-" + uuid.uuid4().hex[:6]
    channel = await store.upsert_channel(db.pool, creator, "Stale Lab", "youtube_api", "UCstale")
    synced = datetime(2024, 1, 2, 9, 30, tzinfo=UTC)
    video = VideoMetrics(
        "vidSTALE001", "Old Numbers", datetime(2024, 1, 1, tzinfo=UTC), views=1000, ctr_pct=4.2
    )
    await store.store_videos(db.pool, channel.channel_pk, [video], "youtube_api", synced)
    await store.mark_synced(db.pool, channel.channel_pk, synced)
    settings = SimpleNamespace(token_key=None, state_dir=tmp_path, youtube_api_keys=None, youtube_daily_quota=10_000)
    text, artifact = await channel_analytics(db.pool, settings, creator, "recent")
    assert "Could not refresh from YouTube (No way to reach YouTube" in text and "as of 2024-01-02 09:30 UTC" in text
    assert artifact["videos"][0]["views"] == 1000 and artifact["source"] == "youtube_api"
