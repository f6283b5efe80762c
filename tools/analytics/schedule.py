"""Scheduled refreshes from YouTube, run as periodic jobs by `cortex worker` (``agent.worker``):

- ``refresh_channels``: every creator's channels connected through the YouTube API get their lifetime numbers and
  the 7- and 30-day post-publish snapshots that title outcomes read (``tools.learning.outcomes``), through the
  same ``sync_channel`` as `cortex connect-youtube`;
- ``refresh_creators``: the creator index's YouTube accounts get their subscribers, uploads and views from
  channels.list (1 quota unit per 50 accounts), each account on its own cadence by activity (``refresh_interval``);
- ``refresh_trending``: YouTube's trending chart of each region joins the title corpus (source
  ``TRENDING_SOURCE``, titles embedded), as the trending data sets did (1 quota unit a region).

Both are idempotent by a natural key: what was refreshed records when (``analytics_channels.synced_at``,
``creator_accounts.refreshed_at``), and a run takes only what is due, so a job run twice, or retried after it
stopped half-way, does not ask YouTube again for what it already has. A spent quota raises ``QuotaExhausted`` (the
worker postpones the job to the quota's reset); what was stored before it stays stored.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from statistics import median

from psycopg_pool import AsyncConnectionPool

from memory import analytics as store
from memory.corpus.ingest import ingest_rows
from memory.corpus.sources import VideoRow, iso_duration_s
from memory.creators.store import store_youtube_refresh, youtube_accounts_to_refresh
from memory.outliers import is_short
from tools.analytics.sources import AnalyticsConfig, sync_channel, youtube_source
from tools.analytics.youtube import QuotaExhausted, YouTubeApi, YouTubeError

log = logging.getLogger("cortex.schedule")

MIN_INTERVAL = timedelta(hours=6)
"""The shortest creator refresh interval: the connected channels' own cadence (the seeds' 6 h)."""
MAX_INTERVAL = timedelta(days=14)
"""The longest: a channel that went quiet (or was deleted) is still looked at every two weeks."""
RECENT_UPLOADS = 21
"""Uploads whose gaps set the cadence: the newest 21, so 20 gaps (a few months of a weekly channel)."""
DAYS_PER_MONTH = 30.44
"""365.25 / 12: turns an account's uploads a month into a gap between uploads."""


def refresh_interval(published: Sequence[datetime], uploads_a_month: float | None = None) -> timedelta:
    """How often a channel is refreshed, from its upload history.

    Formula: ``interval = clamp(gap, MIN_INTERVAL, MAX_INTERVAL)``. ``gap`` is the median time between consecutive
    uploads among the newest ``RECENT_UPLOADS`` of ``published`` (any order), when it has at least 2: pass a channel's
    complete uploads (a connected channel, a full-history channel of the corpus), not a sample of its videos, whose
    gaps would be too long. Else ``gap = DAYS_PER_MONTH / uploads_a_month`` days: the channel's lifetime rate (its
    video count over its age, what the creator index knows of accounts whose videos it has only a sample of); with
    neither, MAX_INTERVAL. So a channel posting daily is refreshed daily, weekly weekly, monthly every MAX_INTERVAL:
    one refresh per typical upload gap sees each new upload once it exists, and the median ignores a burst of
    same-day uploads or one long break.
    """
    times = sorted(published)[-RECENT_UPLOADS:]
    if len(times) >= 2:
        gap = median(later - earlier for earlier, later in zip(times, times[1:], strict=False))
    elif uploads_a_month and uploads_a_month > 0:
        gap = timedelta(days=DAYS_PER_MONTH / uploads_a_month)
    else:
        gap = MAX_INTERVAL
    return min(max(gap, MIN_INTERVAL), MAX_INTERVAL)


@dataclass
class ChannelRefresh:
    """What one refresh of connected channels did: channels ``due``, ``refreshed`` (with ``snapshots`` new 7/30-day
    snapshots among them), and ``failed``: 'channel: reason' for each channel YouTube could not be read for."""

    due: int = 0
    refreshed: int = 0
    snapshots: int = 0
    failed: list[str] = field(default_factory=list)


class RefreshFailed(RuntimeError):
    """Some channels could not be refreshed; the message names them and why (the job is retried for them)."""


async def refresh_channels(pool: AsyncConnectionPool, config: AnalyticsConfig, every: timedelta,
                           now: datetime | None = None) -> ChannelRefresh:
    """Sync every creator's YouTube-connected channel not synced in the last ``every`` / 2 (so a channel a creator
    synced an hour ago is left alone, and a job retried after a partial run continues with the rest).

    Raises QuotaExhausted when the quota of every key is spent (the channels synced so far stay synced), and
    RefreshFailed naming the channels YouTube refused or that have neither an authorization nor an API key, after
    trying all of them."""
    now = now or datetime.now(UTC)
    channels = await store.youtube_channels_synced_before(pool, now - every / 2)
    report = ChannelRefresh(due=len(channels))
    if not channels:
        log.info("Channel refresh: no connected YouTube channel is due (none connected, or all synced in the last "
                 "%s).", every / 2)
        return report
    for channel in channels:
        try:
            source = await youtube_source(pool, channel, config)
            synced = await sync_channel(pool, channel.creator_id, source, channel.name)
        except QuotaExhausted:
            raise
        except YouTubeError as exc:
            log.warning("Channel refresh: %s of creator %s could not be read: %s", channel.name, channel.creator_id,
                        exc)
            report.failed.append(f"{channel.name}: {exc}")
            continue
        report.refreshed += 1
        report.snapshots += synced.window_snapshots
    if report.failed:
        raise RefreshFailed(f"{len(report.failed)} of {report.due} channel(s) could not be refreshed: "
                            + "; ".join(report.failed))
    return report


@dataclass
class CreatorRefresh:
    """What one creator refresh did: YouTube accounts with a channel id (``accounts``), those ``due`` by their
    cadence, ``refreshed`` (written), and ``gone``: due accounts YouTube no longer has (marked refreshed, kept)."""

    accounts: int = 0
    due: int = 0
    refreshed: int = 0
    gone: int = 0


def _count(statistics: dict, name: str) -> int | None:
    value = statistics.get(name)
    return None if value is None else int(value)


async def refresh_creators(pool: AsyncConnectionPool, config: AnalyticsConfig, now: datetime | None = None,
                           limit: int = 5000) -> CreatorRefresh:
    """Refresh the creator index's YouTube accounts that are due (never refreshed, or refreshed longer than their
    ``refresh_interval`` ago, from their lifetime upload rate: the index has only samples of their videos), at most ``limit`` per run, 50 per channels.list call (1 quota unit), each batch
    stored before the next is asked for. A no-op, logged, without a Data API key (CORTEX_YOUTUBE_API_KEYS).
    Raises QuotaExhausted when the keys' quota is spent (the batches stored stay stored)."""
    now = now or datetime.now(UTC)
    accounts = await youtube_accounts_to_refresh(pool)
    due = [a for a in accounts if a["refreshed_at"] is None
           or a["refreshed_at"] + refresh_interval((), a["activity"]) <= now][:limit]
    report = CreatorRefresh(accounts=len(accounts), due=len(due))
    if not due:
        log.info("Creator refresh: none of the %d YouTube accounts is due.", len(accounts))
        return report
    if not config.api_keys:
        log.warning("Creator refresh: %d YouTube accounts are due, but no YouTube Data API key is set "
                    "(CORTEX_YOUTUBE_API_KEYS): nothing refreshed.", len(due))
        return report
    api = YouTubeApi(pool, api_keys=config.api_keys, http=config.http, daily_quota=config.daily_quota)
    for start in range(0, len(due), 50):
        batch = {a["platform_id"]: a["account_id"] for a in due[start : start + 50]}
        found = {item["id"]: item.get("statistics", {}) for item in await api.channel_statistics(list(batch))}
        rows = [(account_id, _count(found.get(channel_id, {}), "subscriberCount"),
                 _count(found.get(channel_id, {}), "videoCount"), _count(found.get(channel_id, {}), "viewCount"))
                for channel_id, account_id in batch.items()]
        await store_youtube_refresh(pool, rows, now)
        report.refreshed += len(found)
        report.gone += len(batch) - len(found)
    log.info("Creator refresh: %d of %d due YouTube accounts refreshed (%d no longer on YouTube).", report.refreshed,
             report.due, report.gone)
    return report


TRENDING_SOURCE = "youtube_trending_live"
"""The corpus source of videos read from YouTube's trending chart by the trending job."""


def trending_row(item: dict, day: date) -> VideoRow:
    """A videos.list resource of the trending chart as a corpus row, trending on ``day``."""
    snippet, stats = item["snippet"], item.get("statistics", {})
    published = datetime.fromisoformat(snippet["publishedAt"].replace("Z", "+00:00"))
    duration = iso_duration_s(item.get("contentDetails", {}).get("duration"))
    return VideoRow(
        video_id=item["id"], channel_name=snippet["channelTitle"], title=snippet["title"], published_at=published,
        views=_count(stats, "viewCount"), likes=_count(stats, "likeCount"), comments=_count(stats, "commentCount"),
        duration_s=duration, source=TRENDING_SOURCE, youtube_channel_id=snippet.get("channelId"),
        category_id=int(snippet["categoryId"]) if snippet.get("categoryId") else None, trending_date=day,
        is_short=None if duration is None else is_short(duration, published),
    )


async def refresh_trending(pool: AsyncConnectionPool, config: AnalyticsConfig, regions: Sequence[str],
                           now: datetime | None = None) -> int:
    """Read the trending chart of each region (videos.list chart=mostPopular, 1 unit each) into the corpus
    (``memory.corpus.ingest.ingest_rows``: upserted, new titles embedded, no video or channel with a full upload
    history downgraded); returns the videos read. A no-op, logged, without a Data API key or a region. Raises
    QuotaExhausted when the keys' quota is spent, YouTubeError when YouTube refuses (e.g. an unknown region)."""
    day = (now or datetime.now(UTC)).date()
    if not config.api_keys or not regions:
        log.warning("Trending: no YouTube Data API key (CORTEX_YOUTUBE_API_KEYS) or no region "
                    "(CORTEX_TRENDING_REGIONS): nothing read.")
        return 0
    api = YouTubeApi(pool, api_keys=config.api_keys, http=config.http, daily_quota=config.daily_quota)
    rows = [trending_row(item, day) for region in regions for item in await api.most_popular(region)]
    report = await ingest_rows(pool, rows)
    log.info("Trending: %d videos read (%d new, %d updated, %d titles embedded).", len(rows), report.videos_inserted,
             report.videos_updated, report.titles_embedded)
    return len(rows)
