"""Channel analytics sources behind one interface, and syncing them into Postgres.

Sources (``AnalyticsSource``), all returning ``memory.analytics.VideoMetrics``:
- ``StudioExportSource``: a YouTube Studio CSV export (lifetime totals per video: impressions, CTR, AVD...);
- ``YouTubeSource``: the YouTube Data API v3 (channel, uploads, titles, public statistics) plus, for a
  channel connected with OAuth, the YouTube Analytics API v2 (views, watch time, AVD, average percentage
  viewed, subscribers gained/lost, likes, comments, shares, impressions and CTR), lifetime and for the first
  7 and 30 days after publish.

``sync_channel`` stores what a source gives for one of a creator's channels: lifetime totals, a lifetime
snapshot for the day, and the 7- and 30-day snapshots the source can give and that are not stored yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from googleapiclient.errors import HttpError
from psycopg_pool import AsyncConnectionPool

from memory import analytics as store
from memory.analytics import AnalyticsChannel, AnalyticsInputError, VideoMetrics
from memory.corpus.sources import iso_duration_s
from tools.analytics.youtube import (
    DEFAULT_DAILY_QUOTA,
    TokenVault,
    YouTubeApi,
    YouTubeError,
    explain,
    http_status,
    token_key,
)

SNAPSHOT_DAYS = (7, 30)
"""Snapshots taken after publish: the first 7 and the first 30 days."""
ANALYTICS_LAG_DAYS = 3
"""YouTube Analytics numbers settle about 2-3 days after the day they describe: a window is read once it
ended at least this many days ago."""
MAX_SYNC_VIDEOS = 200
"""Newest uploads read per API sync: 9 Data API units (channels 1, playlistItems 4, videos 4 pages of 50) and
2 Analytics queries for lifetime numbers."""
SNAPSHOT_BACKFILL = 50
"""Window snapshots are taken for the newest uploads only: 2 Analytics queries per video and window."""
ENGAGEMENT_METRICS = (
    "views,estimatedMinutesWatched,averageViewDuration,averageViewPercentage,"
    "subscribersGained,subscribersLost,likes,comments,shares"
)
REACH_METRICS = "videoThumbnailImpressions,videoThumbnailImpressionsClickRate"
"""Impressions and impressions CTR; YouTube answers 400 for channels and periods it does not report them for,
so they are asked for apart and left empty then. The click rate comes as a fraction (0.045 = 4.5 %)."""


@dataclass
class ChannelInfo:
    """What a source says about its channel: display name and YouTube id (None for exports)."""

    name: str
    youtube_channel_id: str | None


class AnalyticsSource(Protocol):
    """A source of one channel's analytics. ``kind`` is 'studio_export' or 'youtube_api'; ``notes`` says
    what the source could not give (e.g. metrics YouTube did not report), filled as it is read."""

    kind: str
    notes: list[str]

    async def channel(self) -> ChannelInfo:
        """The channel the numbers belong to."""
        ...

    async def videos(self) -> list[VideoMetrics]:
        """Lifetime totals per video, newest first."""
        ...

    async def window(self, videos: Sequence[VideoMetrics], days: int) -> dict[str, VideoMetrics]:
        """video id -> metrics of the first ``days`` days after publish, for the videos the source can give
        them for ({} when it cannot, as an export of lifetime totals)."""
        ...


class StudioExportSource:
    """A YouTube Studio CSV export (``memory.analytics.read_studio_export``) for the channel ``name``; ``rows``: the
    export already read and checked by the caller (the file is then not read again)."""

    kind = "studio_export"

    def __init__(self, path: Path, name: str, rows: Sequence[VideoMetrics] | None = None) -> None:
        if not name.strip():
            raise AnalyticsInputError("Name the channel the export belongs to (--channel).")
        self.path = Path(path)
        self.name = name.strip()
        self.rows = rows
        self.notes: list[str] = []

    async def channel(self) -> ChannelInfo:
        """The channel name given at import (an export does not name its channel)."""
        return ChannelInfo(self.name, None)

    async def videos(self) -> list[VideoMetrics]:
        """The export's rows (lifetime totals as of the export)."""
        return list(self.rows) if self.rows is not None else store.read_studio_export(self.path)

    async def window(self, videos: Sequence[VideoMetrics], days: int) -> dict[str, VideoMetrics]:
        """Nothing: an export holds lifetime totals only."""
        return {}


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


class YouTubeSource:
    """A channel through the YouTube APIs: the OAuth-authorized user's own channel (full analytics), or a
    public channel by id with API keys (titles, views, likes, comments only)."""

    kind = "youtube_api"

    def __init__(
        self,
        api: YouTubeApi,
        youtube_channel_id: str | None = None,
        today: date | None = None,
        resource: dict | None = None,
    ) -> None:
        """``youtube_channel_id``: a public channel (API keys); None: the authorized user's channel.
        ``today``: the day windows are judged complete against (default: today, UTC). ``resource``: the
        channels.list item when the caller already has it (saves a unit)."""
        self.api = api
        self.youtube_channel_id = youtube_channel_id
        self.today = today or datetime.now(UTC).date()
        self._resource = resource
        self.notes: list[str] = []

    async def _channel_resource(self) -> dict:
        if self._resource is None:
            self._resource = await self.api.channel(channel_id=self.youtube_channel_id)
        return self._resource

    async def channel(self) -> ChannelInfo:
        """channels.list: the channel's title and UC id."""
        resource = await self._channel_resource()
        return ChannelInfo(resource["snippet"]["title"], resource["id"])

    async def videos(self) -> list[VideoMetrics]:
        """The newest MAX_SYNC_VIDEOS uploads: titles, publish times, durations and public counts from the
        Data API, replaced by the Analytics API's lifetime numbers when the channel is authorized."""
        resource = await self._channel_resource()
        uploads = resource["contentDetails"]["relatedPlaylists"]["uploads"]
        ids = await self.api.upload_ids(uploads, MAX_SYNC_VIDEOS)
        videos = []
        for item in await self.api.videos(ids):
            stats = item.get("statistics", {})
            videos.append(
                VideoMetrics(
                    video_id=item["id"],
                    title=item["snippet"]["title"],
                    published_at=datetime.fromisoformat(item["snippet"]["publishedAt"].replace("Z", "+00:00")),
                    views=_int(stats.get("viewCount")),
                    likes=_int(stats.get("likeCount")),
                    comments=_int(stats.get("commentCount")),
                    duration_s=iso_duration_s(item.get("contentDetails", {}).get("duration")),
                )
            )
        videos.sort(key=lambda v: (v.published_at, v.video_id), reverse=True)
        if self.api.credentials is None:
            self.notes.append(
                "public statistics only: impressions, CTR, AVD and watch time need the owner's authorization"
            )
            return videos
        if not videos:
            return videos
        start = min(v.published_at.date() for v in videos)
        merged = await self._report(videos, start, self.today)
        return [merged.get(v.video_id, v) for v in videos]

    async def window(self, videos: Sequence[VideoMetrics], days: int) -> dict[str, VideoMetrics]:
        """Analytics for each video's first ``days`` days (authorized channels; windows that ended at least
        ANALYTICS_LAG_DAYS ago)."""
        if self.api.credentials is None:
            return {}
        out: dict[str, VideoMetrics] = {}
        for video in videos:
            start = video.published_at.date()
            end = start + timedelta(days=days - 1)
            if end > self.today - timedelta(days=ANALYTICS_LAG_DAYS):
                continue
            out.update(await self._report([video], start, end))
        return out

    async def _report(self, videos: Sequence[VideoMetrics], start: date, end: date) -> dict[str, VideoMetrics]:
        """Analytics API metrics per video over [start, end], merged into copies of ``videos``."""
        by_id = {v.video_id: v for v in videos}
        out: dict[str, VideoMetrics] = {}
        ids = list(by_id)
        for first in range(0, len(ids), 200):
            batch = ids[first : first + 200]
            common = {
                "ids": "channel==MINE",
                "startDate": start.isoformat(),
                "endDate": end.isoformat(),
                "dimensions": "video",
                "filters": "video==" + ",".join(batch),
                "maxResults": 200,
            }
            try:
                engagement = _rows(await self.api.analytics(metrics=ENGAGEMENT_METRICS, sort="-views", **common))
            except HttpError as exc:
                raise YouTubeError(explain(exc, "reports.query")) from exc
            try:
                reach = _rows(
                    await self.api.analytics(metrics=REACH_METRICS, sort="-videoThumbnailImpressions", **common)
                )
            except HttpError as exc:
                if http_status(exc) != 400:
                    raise YouTubeError(explain(exc, "reports.query")) from exc
                reach = {}
                note = "YouTube did not report impressions and CTR for this channel and period"
                if note not in self.notes:
                    self.notes.append(note)
            for video_id in batch:
                row, seen = engagement.get(video_id), reach.get(video_id, {})
                if row is None:
                    continue
                base = by_id[video_id]
                ctr = seen.get("videoThumbnailImpressionsClickRate")
                out[video_id] = VideoMetrics(
                    video_id=video_id,
                    title=base.title,
                    published_at=base.published_at,
                    duration_s=base.duration_s,
                    views=_int(row.get("views")),
                    watch_time_hours=None
                    if row.get("estimatedMinutesWatched") is None
                    else row["estimatedMinutesWatched"] / 60,
                    avd_s=row.get("averageViewDuration"),
                    avg_pct_viewed=row.get("averageViewPercentage"),
                    subscribers_gained=_int(row.get("subscribersGained")),
                    subscribers_lost=_int(row.get("subscribersLost")),
                    likes=_int(row.get("likes")),
                    comments=_int(row.get("comments")),
                    shares=_int(row.get("shares")),
                    impressions=_int(seen.get("videoThumbnailImpressions")),
                    ctr_pct=None if ctr is None else round(ctr * 100, 4),
                )
        return out


def _rows(report: dict) -> dict[str, dict]:
    """A reports.query result table (columnHeaders + rows) as video id -> {column: value}."""
    names = [h["name"] for h in report.get("columnHeaders", [])]
    table = [dict(zip(names, row, strict=True)) for row in report.get("rows", []) or []]
    return {r["video"]: r for r in table}


@dataclass
class SyncReport:
    """What one sync stored: the channel, videos, new 7/30-day snapshots and notes on missing metrics."""

    channel: AnalyticsChannel
    videos: int
    window_snapshots: int
    notes: list[str] = field(default_factory=list)


async def sync_channel(
    pool: AsyncConnectionPool, creator_id: str, source: AnalyticsSource, name: str | None = None
) -> SyncReport:
    """Read a source and store it for the creator's channel (``name``, else the source's channel title).

    Stores lifetime totals and today's lifetime snapshot, then the 7- and 30-day snapshots the source can
    give for the newest SNAPSHOT_BACKFILL videos that lack them. Raises AnalyticsInputError (bad export)
    or YouTubeError (API) with the fix in the message.
    """
    info = await source.channel()
    videos = await source.videos()
    now = datetime.now(UTC)
    channel = await store.upsert_channel(pool, creator_id, name or info.name, source.kind, info.youtube_channel_id)
    count = await store.store_videos(pool, channel.channel_pk, videos, source.kind, now)
    taken = 0
    for days in SNAPSHOT_DAYS:
        period = f"d{days}"
        have = await store.window_snapshots(pool, channel.channel_pk, period)
        todo = [v for v in videos[:SNAPSHOT_BACKFILL] if v.video_id not in have]
        for metrics in (await source.window(todo, days)).values():
            end = metrics.published_at.date() + timedelta(days=days - 1)
            await store.store_window_snapshot(pool, channel.channel_pk, period, end, metrics, source.kind)
            taken += 1
    channel = await store.mark_synced(pool, channel.channel_pk, now)
    return SyncReport(channel, count, taken, list(source.notes))


async def import_studio_export(
    pool: AsyncConnectionPool, path: Path, creator_id: str, channel: str, rows: Sequence[VideoMetrics] | None = None
) -> SyncReport:
    """Import a YouTube Studio CSV export as the creator's channel ``channel`` (``cortex import-analytics``).
    ``rows``: the export as the caller already read it (``read_studio_export``), else the file is read here.
    Importing again replaces the totals and adds a lifetime snapshot for the day."""
    return await sync_channel(pool, creator_id, StudioExportSource(path, channel, rows), channel)


@dataclass(frozen=True)
class AnalyticsConfig:
    """What the API path needs: the token key (bytes), Data API keys, the daily quota per key, and the
    transport (None: a real httplib2.Http; tests pass HttpMockSequence)."""

    token_key: bytes
    api_keys: tuple[str, ...] = ()
    daily_quota: int = DEFAULT_DAILY_QUOTA
    http: Any = None

    @classmethod
    def from_settings(cls, settings: Any) -> AnalyticsConfig:
        """From CORTEX_TOKEN_KEY (or the generated state-dir key), CORTEX_YOUTUBE_API_KEYS (comma-separated)
        and CORTEX_YOUTUBE_DAILY_QUOTA."""
        keys = settings.youtube_api_keys.get_secret_value() if settings.youtube_api_keys else ""
        return cls(
            token_key=token_key(settings),
            api_keys=tuple(k.strip() for k in keys.split(",") if k.strip()),
            daily_quota=settings.youtube_daily_quota,
        )


async def youtube_source(
    pool: AsyncConnectionPool, channel: AnalyticsChannel, config: AnalyticsConfig
) -> YouTubeSource:
    """The API source of a connected channel: its stored OAuth credentials (refreshed if expired), else the
    API keys for its public data. Raises YouTubeError when neither is available."""
    vault = TokenVault(pool, config.token_key)
    credentials = await vault.fresh(channel, http=config.http)
    api = YouTubeApi(
        pool, api_keys=config.api_keys, credentials=credentials, http=config.http, daily_quota=config.daily_quota
    )
    return YouTubeSource(api, youtube_channel_id=None if credentials else channel.youtube_channel_id)


async def connect_channel(
    pool: AsyncConnectionPool,
    creator_id: str,
    config: AnalyticsConfig,
    credentials: Any = None,
    public_channel: str | None = None,
) -> SyncReport:
    """Connect a channel for the creator and sync it: with OAuth ``credentials`` the authorized account's
    own channel (its token stored encrypted), else the public channel ``public_channel`` (a UC... id or
    @handle) through the API keys. A creator may connect several channels, one call each."""
    api = YouTubeApi(
        pool, api_keys=config.api_keys, credentials=credentials, http=config.http, daily_quota=config.daily_quota
    )
    if credentials is None:
        if not public_channel:
            raise AnalyticsInputError("Give a channel id (UC...) or @handle, or authorize with Google.")
        by_id = public_channel.startswith("UC")
        resource = await api.channel(
            channel_id=public_channel if by_id else None, handle=None if by_id else public_channel
        )
        source = YouTubeSource(api, youtube_channel_id=resource["id"], resource=resource)
        return await sync_channel(pool, creator_id, source)
    resource = await api.channel()
    channel = await store.upsert_channel(pool, creator_id, resource["snippet"]["title"], "youtube_api", resource["id"])
    await TokenVault(pool, config.token_key).save(channel, credentials)
    return await sync_channel(pool, creator_id, YouTubeSource(api, resource=resource), channel.name)
