"""Channel analytics in Postgres: creators' channels, per-video metrics, snapshots, encrypted tokens, quota.

The typed rows every analytics source produces (``VideoMetrics``), the reader of a YouTube Studio export
(``read_studio_export``), and the storage of all of it (tables of ``migrations/0003_analytics.sql``).
Every read takes the creator id or a channel found through it: creators never see each other's channels.
Encryption of tokens and the API sources live in ``tools`` (this module stores bytes).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import asdict, dataclass, fields
from datetime import UTC, date, datetime
from pathlib import Path

from psycopg_pool import AsyncConnectionPool

from memory.files import NotTextError, decode_text

METRICS = (
    "views impressions ctr_pct avd_s avg_pct_viewed watch_time_hours "
    "subscribers_gained subscribers_lost likes comments shares"
).split()
"""The metric columns shared by ``analytics_videos`` and ``analytics_snapshots``."""


class AnalyticsInputError(ValueError):
    """An export or a channel name that cannot be used; the message says what to fix."""


@dataclass
class VideoMetrics:
    """One video's performance, whatever the source (Studio export, YouTube Analytics API).

    Units: ``ctr_pct`` and ``avg_pct_viewed`` in percent (3.16 = 3.16 %), ``avd_s`` (average view
    duration) in seconds, ``watch_time_hours`` in hours, the rest counts. None = the source does not give it.
    ``published_at`` is timezone-aware (UTC; midnight when the source gives only a date).
    """

    video_id: str
    title: str
    published_at: datetime
    views: int | None = None
    impressions: int | None = None
    ctr_pct: float | None = None
    avd_s: float | None = None
    avg_pct_viewed: float | None = None
    watch_time_hours: float | None = None
    subscribers_gained: int | None = None
    subscribers_lost: int | None = None
    likes: int | None = None
    comments: int | None = None
    shares: int | None = None
    duration_s: int | None = None

    def metric(self, name: str) -> float | None:
        """The value of one of ``METRICS`` (None when the source did not give it)."""
        return getattr(self, name)


@dataclass
class AnalyticsChannel:
    """A creator's channel with analytics: ``source`` is 'studio_export' or 'youtube_api'."""

    channel_pk: int
    creator_id: str
    name: str
    source: str
    youtube_channel_id: str | None
    synced_at: datetime | None
    videos: int


@dataclass
class Snapshot:
    """A video's metrics over one period: 'd7' / 'd30' (first 7 / 30 days after publish) or 'lifetime'
    (totals up to ``period_end``)."""

    video_id: str
    title: str
    period: str
    period_end: date
    metrics: VideoMetrics
    source: str


# --- the YouTube Studio export ---------------------------------------------------------------------------

STUDIO_COLUMNS: dict[str, tuple[str, ...]] = {
    "video_id": ("Video", "Content"),
    "title": ("Video title",),
    "published_at": ("Video publish time",),
    "views": ("Views",),
    "impressions": ("Impressions",),
    "ctr_pct": ("Impressions click-through rate (%)",),
    "avd_s": ("Average view duration",),
    "avg_pct_viewed": ("Average percentage viewed (%)",),
    "watch_time_hours": ("Watch time (hours)",),
    "subscribers_gained": ("Subscribers gained",),
    "subscribers_lost": ("Subscribers lost",),
    "likes": ("Likes",),
    "comments": ("Comments added", "Comments"),
    "shares": ("Shares",),
    "duration_s": ("Duration",),
}
"""Our field <- the column names YouTube Studio uses for it (older and newer exports)."""
REQUIRED_STUDIO_FIELDS = ("video_id", "title", "published_at", "views")
_PUBLISH_FORMATS = ("%d-%b-%y", "%b %d, %Y", "%d %b %Y", "%Y-%m-%d", "%b %d %Y")
_INT_FIELDS = {
    "views",
    "impressions",
    "subscribers_gained",
    "subscribers_lost",
    "likes",
    "comments",
    "shares",
    "duration_s",
}


def _duration_s(value: str) -> float:
    """'0:03:25' or '3:25' (h:mm:ss / m:ss) -> seconds; a plain number is taken as seconds."""
    parts = value.split(":")
    if len(parts) == 1:
        return float(value)
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + float(part)
    return seconds


def _publish_time(value: str) -> datetime:
    for fmt in _PUBLISH_FORMATS:
        try:
            return datetime.strptime(value.strip(), fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise ValueError("unknown date format (expected e.g. '8-May-20' or 'May 8, 2020')")


def _parse(field: str, value: str) -> object:
    value = value.strip().replace(",", "") if field != "title" else value.strip()
    if field in ("video_id", "title"):
        return value
    if field == "published_at":
        return _publish_time(value)
    if value in ("", "-", "—", "nan"):
        return None
    if field == "avd_s":
        return _duration_s(value)
    number = float(value.rstrip("%"))
    return int(number) if field in _INT_FIELDS else number


SHORT_MAX_S = 60
"""Longest video that can loop in the Shorts feed (seconds; YouTube's original Shorts limit), so its average
percentage viewed may pass 100%."""


def _out_of_range(values: dict) -> tuple[str, str] | None:
    """The first impossible value of a Studio row as (field, why), else None: counts and times below 0, a CTR over
    100%, an average percentage viewed over 100% for a video longer than ``SHORT_MAX_S`` (only looping Shorts pass it)."""
    for field, value in values.items():
        if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
            return field, f"{value:g} is negative; Studio never exports negative counts or times"
    if (ctr := values.get("ctr_pct")) is not None and ctr > 100:
        return "ctr_pct", f"a click-through rate of {ctr:g}% is impossible (at most 100%)"
    viewed, duration = values.get("avg_pct_viewed"), values.get("duration_s")
    if viewed is not None and viewed > 100 and (duration is None or duration > SHORT_MAX_S):
        return "avg_pct_viewed", (f"{viewed:g}% average percentage viewed is over 100%, which only a looping Short "
                                  f"(up to {SHORT_MAX_S} s) reaches")
    return None


def is_studio_export(path: Path) -> bool:
    """Whether the file's first line is the header of a YouTube Studio video export (the required columns of
    ``STUDIO_COLUMNS``), by content, whatever the file is called; False for a missing or unreadable file."""
    try:
        with Path(path).open("rb") as f:
            first = f.readline(64_000)
    except OSError:
        return False
    try:
        line = decode_text(first, Path(path).name, "a CSV")
    except NotTextError:
        return False
    header = {h.strip() for h in next(csv.reader([line.strip()]), [])}
    return all(any(name in header for name in STUDIO_COLUMNS[field]) for field in REQUIRED_STUDIO_FIELDS)


def read_studio_export(path: Path) -> list[VideoMetrics]:
    """The videos of a YouTube Studio export (Analytics > Advanced mode > Content > export as CSV).

    Lifetime totals per video as Studio computed them, newest first; the 'Total' row is skipped.
    Column names of older and newer exports are both understood (``STUDIO_COLUMNS``), in UTF-8 or
    Windows-1252. Raises ``AnalyticsInputError`` naming the file, row and column to fix: a missing file, a binary
    file, missing required columns (video id, title, publish time, views), an unreadable or impossible value
    (``_out_of_range``), no video rows.
    """
    path = Path(path)
    if not path.is_file():
        raise AnalyticsInputError(f"No such file: {path}. Give the CSV file YouTube Studio exported.")
    try:
        text = decode_text(path.read_bytes(), path.name, "the CSV file YouTube Studio exported")
    except NotTextError as exc:
        raise AnalyticsInputError(str(exc)) from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    columns = {
        field: next(name for name in names if name in header)
        for field, names in STUDIO_COLUMNS.items()
        if any(name in header for name in names)
    }
    missing = [f for f in REQUIRED_STUDIO_FIELDS if f not in columns]
    if missing:
        wanted = ", ".join(" or ".join(f"'{n}'" for n in STUDIO_COLUMNS[f]) for f in missing)
        raise AnalyticsInputError(
            f"{path.name} is not a YouTube Studio video export: it lacks the column(s) {wanted} "
            f"(found: {', '.join(header) or 'no header'}). In Studio open Analytics > Advanced mode, keep "
            "'Content' (video) as the table's dimension, and export the current view as comma-separated values."
        )
    videos: list[VideoMetrics] = []
    for line, row in enumerate(reader, start=2):
        video_id = (row.get(columns["video_id"]) or "").strip()
        if not video_id or video_id.lower() == "total":
            continue
        values = {}
        for field, column in columns.items():
            try:
                values[field] = _parse(field, row.get(column) or "")
            except ValueError as exc:
                raise AnalyticsInputError(
                    f"{path.name}, line {line}, column '{column}': cannot read {row.get(column)!r} ({exc})."
                ) from None
        if problem := _out_of_range(values):
            field, why = problem
            raise AnalyticsInputError(f"{path.name}, line {line}, column '{columns[field]}': {why}.")
        videos.append(VideoMetrics(**values))
    if not videos:
        raise AnalyticsInputError(f"{path.name} has the right columns but no video rows.")
    videos.sort(key=lambda v: (v.published_at, v.video_id), reverse=True)
    return videos


# --- channels ---------------------------------------------------------------------------------------------


def _channel(row: dict) -> AnalyticsChannel:
    return AnalyticsChannel(
        channel_pk=row["channel_pk"],
        creator_id=row["creator_id"],
        name=row["name"],
        source=row["source"],
        youtube_channel_id=row["youtube_channel_id"],
        synced_at=row["synced_at"],
        videos=row["videos"],
    )


_CHANNEL_SELECT = """SELECT c.*, (SELECT count(*) FROM analytics_videos v WHERE v.channel_pk = c.channel_pk) AS videos
                     FROM analytics_channels c"""


async def upsert_channel(
    pool: AsyncConnectionPool, creator_id: str, name: str, source: str, youtube_channel_id: str | None = None
) -> AnalyticsChannel:
    """The creator's channel named ``name``, created or updated with its source and YouTube id."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            """INSERT INTO analytics_channels (creator_id, name, source, youtube_channel_id)
               VALUES (%s, %s, %s, %s)
               ON CONFLICT (creator_id, name) DO UPDATE SET source = EXCLUDED.source,
                 youtube_channel_id = coalesce(EXCLUDED.youtube_channel_id, analytics_channels.youtube_channel_id)
               RETURNING channel_pk""",
            (creator_id, name, source, youtube_channel_id),
        )
        pk = (await cur.fetchone())["channel_pk"]
        cur = await conn.execute(f"{_CHANNEL_SELECT} WHERE c.channel_pk = %s", (pk,))
        return _channel(await cur.fetchone())


async def list_channels(pool: AsyncConnectionPool, creator_id: str) -> list[AnalyticsChannel]:
    """The creator's channels with analytics, most recently synced first."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            f"{_CHANNEL_SELECT} WHERE c.creator_id = %s ORDER BY c.synced_at DESC NULLS LAST, c.name",
            (creator_id,),
        )
        return [_channel(r) for r in await cur.fetchall()]


async def mark_synced(pool: AsyncConnectionPool, channel_pk: int, at: datetime) -> AnalyticsChannel:
    """Record when a channel's numbers were last read from its source; returns the updated channel."""
    async with pool.connection() as conn:
        await conn.execute("UPDATE analytics_channels SET synced_at = %s WHERE channel_pk = %s", (at, channel_pk))
        cur = await conn.execute(f"{_CHANNEL_SELECT} WHERE c.channel_pk = %s", (channel_pk,))
        return _channel(await cur.fetchone())


# --- videos and snapshots ---------------------------------------------------------------------------------

_VIDEO_COLS = ["video_id", "title", "published_at", "duration_s", *METRICS]


async def store_videos(
    pool: AsyncConnectionPool, channel_pk: int, videos: list[VideoMetrics], source: str, as_of: datetime
) -> int:
    """Upsert the lifetime totals of ``videos`` and add a 'lifetime' snapshot per video for ``as_of``'s day
    (a second sync that day replaces it). One transaction; returns the number of videos stored."""
    cols = ", ".join(_VIDEO_COLS)
    marks = ", ".join(["%s"] * (len(_VIDEO_COLS) + 3))
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in [*_VIDEO_COLS[1:], "source", "as_of"])
    metric_cols = ", ".join(METRICS)
    async with pool.connection() as conn:
        async with conn.transaction():
            async with conn.cursor() as cur:
                await cur.executemany(
                    f"""INSERT INTO analytics_videos (channel_pk, {cols}, source, as_of) VALUES ({marks})
                        ON CONFLICT (channel_pk, video_id) DO UPDATE SET {updates}""",
                    [(channel_pk, *(getattr(v, c) for c in _VIDEO_COLS), source, as_of) for v in videos],
                )
                await cur.executemany(
                    f"""INSERT INTO analytics_snapshots
                          (channel_pk, video_id, period, period_end, {metric_cols}, source)
                        VALUES (%s, %s, 'lifetime', %s, {", ".join(["%s"] * len(METRICS))}, %s)
                        ON CONFLICT (channel_pk, video_id, period, period_end) DO UPDATE SET
                        {", ".join(f"{c} = EXCLUDED.{c}" for c in METRICS)}, source = EXCLUDED.source,
                        captured_at = now()""",
                    [(channel_pk, v.video_id, as_of.date(), *(v.metric(m) for m in METRICS), source) for v in videos],
                )
    return len(videos)


async def store_window_snapshot(
    pool: AsyncConnectionPool, channel_pk: int, period: str, period_end: date, metrics: VideoMetrics, source: str
) -> None:
    """Store a video's 'd7' or 'd30' snapshot (its first 7 / 30 days after publish, ending ``period_end``)."""
    async with pool.connection() as conn:
        await conn.execute(
            f"""INSERT INTO analytics_snapshots (channel_pk, video_id, period, period_end, {", ".join(METRICS)}, source)
                VALUES (%s, %s, %s, %s, {", ".join(["%s"] * len(METRICS))}, %s)
                ON CONFLICT (channel_pk, video_id, period, period_end) DO NOTHING""",
            (channel_pk, metrics.video_id, period, period_end, *(metrics.metric(m) for m in METRICS), source),
        )


def _metrics(row: dict) -> VideoMetrics:
    return VideoMetrics(**{f.name: row[f.name] for f in fields(VideoMetrics) if f.name in row})


async def channel_videos(pool: AsyncConnectionPool, channel_pk: int) -> list[VideoMetrics]:
    """A channel's videos with their lifetime totals, newest first."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            f"SELECT {', '.join(_VIDEO_COLS)} FROM analytics_videos WHERE channel_pk = %s "
            "ORDER BY published_at DESC, video_id DESC",
            (channel_pk,),
        )
        return [_metrics(r) for r in await cur.fetchall()]


async def window_snapshots(pool: AsyncConnectionPool, channel_pk: int, period: str) -> dict[str, VideoMetrics]:
    """video id -> its 'd7' or 'd30' metrics, for the channel's videos that have that snapshot."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            f"""SELECT s.video_id, v.title, v.published_at, v.duration_s, {", ".join(f"s.{m}" for m in METRICS)}
                FROM analytics_snapshots s JOIN analytics_videos v USING (channel_pk, video_id)
                WHERE s.channel_pk = %s AND s.period = %s""",
            (channel_pk, period),
        )
        return {r["video_id"]: _metrics(r) for r in await cur.fetchall()}


async def video_snapshots(
    pool: AsyncConnectionPool, creator_id: str, *, video_id: str | None = None, title: str | None = None
) -> list[Snapshot]:
    """Every snapshot of the creator's video with this id or this title (case-insensitive), oldest first:
    the feedback loop's view of what happened to a video after it was published."""
    if not video_id and not title:
        raise AnalyticsInputError("Name the video: give its id or its title.")
    async with pool.connection() as conn:
        cur = await conn.execute(
            f"""SELECT s.video_id, v.title, v.published_at, v.duration_s, s.period, s.period_end, s.source,
                       {", ".join(f"s.{m}" for m in METRICS)}
                FROM analytics_snapshots s
                JOIN analytics_videos v USING (channel_pk, video_id)
                JOIN analytics_channels c USING (channel_pk)
                WHERE c.creator_id = %(creator)s
                  AND (s.video_id = %(video_id)s OR lower(v.title) = lower(%(title)s))
                ORDER BY s.period_end, s.period""",
            {"creator": creator_id, "video_id": video_id, "title": title},
        )
        return [
            Snapshot(r["video_id"], r["title"], r["period"], r["period_end"], _metrics(r), r["source"])
            for r in await cur.fetchall()
        ]


def metrics_dict(video: VideoMetrics) -> dict:
    """JSON-ready dict of a VideoMetrics (published_at as an ISO date)."""
    data = asdict(video)
    data["published_at"] = video.published_at.date().isoformat()
    return data


# --- encrypted OAuth tokens (ciphertext only: encryption is tools.analytics.youtube.TokenVault) -----------------


async def save_token(
    pool: AsyncConnectionPool,
    channel_pk: int,
    *,
    key_id: str,
    nonce: bytes,
    ciphertext: bytes,
    scopes: list[str],
    expires_at: datetime | None,
) -> None:
    """Store (or replace) the encrypted OAuth credentials of a channel."""
    async with pool.connection() as conn:
        await conn.execute(
            """INSERT INTO analytics_oauth_tokens (channel_pk, key_id, nonce, ciphertext, scopes, expires_at)
               VALUES (%s, %s, %s, %s, %s, %s)
               ON CONFLICT (channel_pk) DO UPDATE SET key_id = EXCLUDED.key_id, nonce = EXCLUDED.nonce,
                 ciphertext = EXCLUDED.ciphertext, scopes = EXCLUDED.scopes, expires_at = EXCLUDED.expires_at,
                 updated_at = now()""",
            (channel_pk, key_id, nonce, ciphertext, scopes, expires_at),
        )


async def load_token(pool: AsyncConnectionPool, channel_pk: int) -> dict | None:
    """The stored token row of a channel (key_id, nonce, ciphertext, scopes, expires_at), or None."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT key_id, nonce, ciphertext, scopes, expires_at FROM analytics_oauth_tokens WHERE channel_pk = %s",
            (channel_pk,),
        )
        return await cur.fetchone()


# --- YouTube Data API quota ---------------------------------------------------------------------------


async def quota_state(pool: AsyncConnectionPool, key_id: str, day: date) -> tuple[int, bool]:
    """(units spent, exhausted flag) of an API key on a (Pacific) day."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT units, exhausted FROM api_quota_usage WHERE key_id = %s AND day = %s", (key_id, day)
        )
        row = await cur.fetchone()
    return (row["units"], row["exhausted"]) if row else (0, False)


async def charge_quota(pool: AsyncConnectionPool, key_id: str, day: date, units: int) -> int:
    """Add ``units`` (and one call) to a key's day; returns the day's new total."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            """INSERT INTO api_quota_usage (key_id, day, units, calls) VALUES (%s, %s, %s, 1)
               ON CONFLICT (key_id, day) DO UPDATE SET units = api_quota_usage.units + EXCLUDED.units,
                 calls = api_quota_usage.calls + 1
               RETURNING units""",
            (key_id, day, units),
        )
        return (await cur.fetchone())["units"]


async def mark_quota_exhausted(pool: AsyncConnectionPool, key_id: str, day: date) -> None:
    """Remember that Google refused a key for the rest of the (Pacific) day."""
    async with pool.connection() as conn:
        await conn.execute(
            """INSERT INTO api_quota_usage (key_id, day, exhausted) VALUES (%s, %s, true)
               ON CONFLICT (key_id, day) DO UPDATE SET exhausted = true""",
            (key_id, day),
        )


_SLUG = re.compile(r"[^a-z0-9]+")


def channel_matches(name: str, channels: list[AnalyticsChannel]) -> AnalyticsChannel:
    """The channel called ``name`` (case and punctuation ignored, or a unique prefix); raises
    ``AnalyticsInputError`` listing the creator's channels when none or several match."""
    want = _SLUG.sub(" ", name.lower()).strip()
    exact = [c for c in channels if _SLUG.sub(" ", c.name.lower()).strip() == want]
    found = exact or [c for c in channels if _SLUG.sub(" ", c.name.lower()).strip().startswith(want)]
    if len(found) == 1:
        return found[0]
    names = ", ".join(f"“{c.name}”" for c in channels) or "none yet"
    raise AnalyticsInputError(f"No single channel of yours is called “{name}”. Your channels: {names}.")


async def youtube_channels_synced_before(pool: AsyncConnectionPool, before: datetime) -> list[AnalyticsChannel]:
    """Every creator's channels connected through the YouTube API (OAuth or a public channel id) that were not
    synced since ``before`` (never synced ones included), least recently synced first: the scheduled refresh."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            f"""{_CHANNEL_SELECT} WHERE c.source = 'youtube_api' AND (c.synced_at IS NULL OR c.synced_at < %s)
                ORDER BY c.synced_at NULLS FIRST, c.channel_pk""",
            (before,),
        )
        return [_channel(r) for r in await cur.fetchall()]
