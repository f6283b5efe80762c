"""Creators in Postgres: the unified schema, the loaders of the real creator tables, and the storage of
identity links, enrichment, vectors and the search index (tables of ``migrations/0005_creators.sql``).

Schema (one vocabulary for every source):

- **Creator** (``creators``): the canonical person or brand; niches, content style and summary from enrichment.
- **CreatorAccount** (``creator_accounts``): one account on one platform (``youtube`` | ``instagram``): handle,
  platform id, name, bio, followers (subscribers on YouTube), country (ISO 3166-1 alpha-2), the source's category.
- **ContentItem** (``creator_content_items``): an upload or post: title or caption, publish time, views, likes,
  comments.
- ``creator_raw_rows``: every source row verbatim (JSONB), so the loaders can be re-run with better logic.

Sources (``SOURCES``, read from ``CORTEX_DATA_DIR``, each folder's README.txt describes it):
``global_youtube_statistics_2023`` (995 top channels, 2023), ``youtube_ai_topic_videos`` (2,010 channel profiles
with descriptions, crawl Aug 2024, and the 59 of its 1,791 search-result videos whose channel is among them),
``youtube_channel_uploads`` (8 channels with every upload, July 2025), ``instagram_influencers_kim2020`` (33,935
influencers with category, 2019, and 486 posts with captions), ``instagram_top200_influencers`` (200 top
accounts with the 60-day engagement rate, ~2022).

Accounts of one platform that several sources describe are merged by their platform identity: the Instagram
username (case-insensitive, unique on Instagram), the YouTube channel name (letters and digits) when the
subscriber counts agree within ``SAME_CHANNEL_MAX_RATIO`` (the sources are 1-2 years apart). Fields come from
the freshest source that has them. Cross-platform identity resolution is in ``tools.creators.engine``.

Loading is idempotent: rows are written only where a value differs and rows no longer produced are deleted,
so a second run reports ``changed == 0``.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pycountry
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from memory.corpus import title_vector_table
from memory.ingest import iso_duration_s, slugify
from memory.outliers import is_short
from memory.vectors import VectorTable, ensure_vector_table, vector_table

csv.field_size_limit(2**31 - 1)

PLATFORMS = ("youtube", "instagram")
SAME_CHANNEL_MAX_RATIO = 4.0
"""Two sources' rows with the same YouTube channel name are one channel when their subscriber counts differ by
at most this factor (the crawls are 2023-2025: top channels grew up to ~2x; a 4x gap means another channel)."""

SOURCE_PRIORITY = (
    "youtube_channel_uploads",
    "youtube_ai_topic_videos",
    "global_youtube_statistics_2023",
    "instagram_top200_influencers",
    "instagram_influencers_kim2020",
)
"""Freshest first: a merged account takes each field from the first of these that has it."""

SOURCE_AS_OF = {
    "youtube_channel_uploads": date(2025, 7, 7),
    "youtube_ai_topic_videos": date(2024, 8, 17),
    "global_youtube_statistics_2023": date(2023, 7, 1),
    "instagram_top200_influencers": date(2022, 6, 1),
    "instagram_influencers_kim2020": date(2019, 6, 1),
}
"""Crawl dates from the READMEs (month precision); used for uploads per month since channel creation."""

ENGAGEMENT = {
    "instagram": "(likes + comments) per post / followers: the source's 60-day rate (top200), else the mean over "
    "the sampled posts (kim2020)",
    "youtube": "(likes + comments) / views, summed over the account's uploads in the data",
}
"""Engagement rate per platform, as a fraction (0.0139 = 1.39 %). The two are not comparable across platforms:
search compares them as percentiles within a platform (``engagement_pct``)."""


class CreatorDataError(ValueError):
    """A creator source is missing or unreadable; the message says what to fix."""


# --- records ---------------------------------------------------------------------------------------------
@dataclass
class AccountRecord:
    """One source row's view of an account (before merging). Counts are integers, None where missing."""

    platform: str
    source: str
    source_key: str
    name: str
    handle: str | None = None
    platform_id: str | None = None
    bio: str | None = None
    followers: int | None = None
    following: int | None = None
    posts: int | None = None
    total_views: int | None = None
    country: str | None = None
    category: str | None = None
    created_at: date | None = None
    engagement_rate: float | None = None
    engagement_basis: str | None = None
    source_rows: list[tuple[str, str]] = field(default_factory=list)  # (source, key) of every row it used


@dataclass
class ContentRecord:
    """One upload or post, owned by the account of ``owner`` = (platform, source, source_key of the account row)."""

    item_id: str
    owner: tuple[str, str, str]
    kind: str
    title: str
    published_at: datetime | None
    views: int | None
    likes: int | None
    comments: int | None
    duration_s: int | None
    source: str
    source_key: str


@dataclass
class SourceBatch:
    """What one data set yields: raw rows {(source, key): row}, account records and content records."""

    raw: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    accounts: list[AccountRecord] = field(default_factory=list)
    content: list[ContentRecord] = field(default_factory=list)
    skipped: int = 0  # rows that name no known account (e.g. posts of an influencer not in the table)


# --- parsing helpers ---------------------------------------------------------------------------------------
_MISSING = {"", "nan", "none", "null", "n/a"}
_SUFFIX = {"k": 1e3, "m": 1e6, "b": 1e9}


def parse_count(value: str | None) -> int | None:
    """'475.8m' -> 475800000, '3.3k' -> 3300, '2.28E+11' -> 228000000000, '' or 'nan' -> None."""
    if value is None or value.strip().lower() in _MISSING:
        return None
    v = value.strip().lower().replace(",", "")
    if v[-1] in _SUFFIX:
        return round(float(v[:-1]) * _SUFFIX[v[-1]])
    return round(float(v))


def parse_percent(value: str | None) -> float | None:
    """'1.39%' -> 0.0139 (a fraction); '' -> None."""
    if value is None or value.strip().lower() in _MISSING:
        return None
    return float(value.strip().rstrip("%")) / 100


def _text(value: str | None) -> str | None:
    if value is None or value.strip().lower() in _MISSING:
        return None
    return value.strip()


def _ts(value: str | None) -> datetime | None:
    if not _text(value):
        return None
    ts = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    return ts if ts.tzinfo else ts.replace(tzinfo=timezone.utc)


_MOJIBAKE = re.compile(r"(?:ý|ï¿½|ï¿|ï|¿|½|\ufffd)+")


def clean_name(value: str | None) -> str:
    """A display name without the upstream encoding damage ('ýýý Kids Diana Show' -> 'Kids Diana Show')."""
    return re.sub(r"\s+", " ", _MOJIBAKE.sub(" ", value or "")).strip(" -–|")


def name_key(value: str | None) -> str:
    """Lower-case letters and digits of a name or handle: 'Mr. Beast!' -> 'mrbeast', 'kimberly.loaiza' ->
    'kimberlyloaiza'. Used to look names up and to compare names with handles."""
    return re.sub(r"[^0-9a-z]+", "", (value or "").lower())


_COUNTRY_ALIASES = {"uk": "GB", "england": "GB", "usa": "US", "us": "US", "america": "US", "korea": "KR",
                    "south korea": "KR", "russia": "RU", "vietnam": "VN", "turkey": "TR", "uae": "AE"}


def country_code(value: str | None) -> str | None:
    """ISO 3166-1 alpha-2 of a country name or code ('United States', 'US', 'CÃ´te d'Ivoire' -> 'CI');
    None when unknown. Uses pycountry (ISO 3166 data)."""
    text = _text(value)
    if not text:
        return None
    try:
        text = text.encode("latin-1").decode("utf-8")  # undo UTF-8 read as Latin-1 ('CÃ´te' -> 'Côte')
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass
    if text.lower() in _COUNTRY_ALIASES:
        return _COUNTRY_ALIASES[text.lower()]
    try:
        return pycountry.countries.lookup(text).alpha_2
    except LookupError:
        try:
            return pycountry.countries.search_fuzzy(text)[0].alpha_2
        except LookupError:
            return None


def _read_csv(path: Path, encoding: str = "utf-8") -> list[dict[str, str]]:
    try:
        with path.open(newline="", encoding=encoding) as fh:
            return list(csv.DictReader(fh))
    except FileNotFoundError as exc:
        raise CreatorDataError(
            f"Creator source file {path} is missing. Set CORTEX_DATA_DIR to the folder that holds the shared data sets."
        ) from exc


_MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}


# --- the five sources ----------------------------------------------------------------------------------------
def read_global_youtube(data_dir: Path) -> SourceBatch:
    """``global_youtube_statistics_2023``: 995 top channels (subscribers, uploads, category, country, created)."""
    source = "global_youtube_statistics_2023"
    batch = SourceBatch()
    for r in _read_csv(data_dir / source / "Global_YouTube_Statistics.csv", "utf-8-sig"):
        key = r["Rank"]
        batch.raw[(source, key)] = r
        year, month, day = _text(r["Created Year"]), _text(r["Created Month"]), _text(r["Created Date"])
        created = None
        if year and month in _MONTHS and day:
            created = date(int(float(year)), _MONTHS[month], int(float(day)))
        name = clean_name(r["Youtuber"]) or clean_name(r["Title"]) or f"YouTube channel #{key}"
        handle = clean_name(r["Title"]) if name_key(r["Title"]) != name_key(name) else None
        batch.accounts.append(
            AccountRecord(
                platform="youtube", source=source, source_key=key, name=name, handle=handle or None,
                followers=parse_count(r["Subscribers"]), posts=parse_count(r["Uploads"]),
                total_views=parse_count(r["Video Views"]),
                country=_text(r["Abbreviation"]) or country_code(r["Country"]),
                category=_text(r["Category"]) or _text(r["Channel Type"]), created_at=created,
                source_rows=[(source, key)],
            )
        )
    return batch


def read_ai_topic_channels(data_dir: Path) -> SourceBatch:
    """``youtube_ai_topic_videos``: channels_ai_search.csv (2,010 profiles with descriptions) and the videos of
    videos_ai_search.csv whose channel is among them."""
    folder = data_dir / "youtube_ai_topic_videos"
    channels, videos = f"youtube_ai_topic_videos/channels", f"youtube_ai_topic_videos/videos"
    batch = SourceBatch()
    known: set[str] = set()
    for r in _read_csv(folder / "channels_ai_search.csv"):
        key = r["channel_id"]
        batch.raw[(channels, key)] = r
        known.add(key)
        published = _ts(r["published_at"])
        batch.accounts.append(
            AccountRecord(
                platform="youtube", source=channels, source_key=key, platform_id=key,
                name=clean_name(r["title"]) or key, bio=_text(r["description"]),
                followers=parse_count(r["subscriber_count"]), posts=parse_count(r["video_count"]),
                total_views=parse_count(r["view_count"]), country=country_code(r["region"]),
                created_at=published.date() if published else None, source_rows=[(channels, key)],
            )
        )
    for r in _read_csv(folder / "videos_ai_search.csv"):
        if r["channelId"] not in known:
            batch.skipped += 1
            continue
        key = r["videoId"]
        batch.raw[(videos, key)] = r
        published, duration = _ts(r["publishedAt"]), iso_duration_s(r["duration"])
        batch.content.append(
            ContentRecord(
                item_id=f"youtube:{key}", owner=("youtube", channels, r["channelId"]),
                kind="short" if published and is_short(duration, published) else "video",
                title=r["title"], published_at=published, views=parse_count(r["viewCount"]),
                likes=parse_count(r["likeCount"]), comments=parse_count(r["commentCount"]), duration_s=duration,
                source=videos, source_key=key,
            )
        )
    return batch


def read_channel_uploads(data_dir: Path) -> SourceBatch:
    """``youtube_channel_uploads``: every upload of 8 channels; the channel columns make the account."""
    source = "youtube_channel_uploads"
    batch = SourceBatch()
    by_channel: dict[str, AccountRecord] = {}
    for r in _read_csv(data_dir / source / "videos.csv"):
        key, channel = r["video_id"], r["channel_title"]
        batch.raw[(source, key)] = r
        account = by_channel.get(channel)
        if account is None:
            created = _ts(r["channel_created_at"])
            account = by_channel[channel] = AccountRecord(
                platform="youtube", source=source, source_key=key, name=channel,
                followers=parse_count(r["channel_subscribers"]), posts=parse_count(r["channel_total_uploads"]),
                created_at=created.date() if created else None,
            )
        account.source_rows.append((source, key))
        published, duration = _ts(r["published_at"]), parse_count(r["duration_seconds"])
        batch.content.append(
            ContentRecord(
                item_id=f"youtube:{key}", owner=("youtube", source, account.source_key),
                kind="short" if published and is_short(duration, published) else "video", title=r["title"],
                published_at=published, views=parse_count(r["view_count"]), likes=parse_count(r["like_count"]),
                comments=parse_count(r["comment_count"]), duration_s=duration, source=source, source_key=key,
            )
        )
    batch.accounts.extend(by_channel.values())
    return batch


KIM_CATEGORY_FIXES = {"fasion": "fashion", "fashion 0.5": "fashion", "by": None}
"""Three damaged category cells of kim2020 (README: 'typo rows kept as-is'); 'by' is unreadable."""


def read_kim2020(data_dir: Path) -> SourceBatch:
    """``instagram_influencers_kim2020``: influencers.csv (category, followers, followees, posts) and the posts
    sample (captions, likes, comments; engagement = mean (likes + comments) / followers over the sample)."""
    folder = data_dir / "instagram_influencers_kim2020"
    source, posts_source = "instagram_influencers_kim2020", "instagram_influencers_kim2020/posts"
    batch = SourceBatch()
    by_handle: dict[str, AccountRecord] = {}
    for r in _read_csv(folder / "influencers.csv"):
        key = r["username"]
        batch.raw[(source, key)] = r
        category = r["category"].strip()
        category = KIM_CATEGORY_FIXES.get(category, category)
        by_handle[key.lower()] = AccountRecord(
            platform="instagram", source=source, source_key=key, name=key, handle=key,
            followers=parse_count(r["followers"]), following=parse_count(r["followees"]),
            posts=parse_count(r["posts"]), category=category if category != "other" else None,
            source_rows=[(source, key)],
        )
    rates: dict[str, list[float]] = defaultdict(list)
    for r in _read_csv(folder / "posts_sample_500.csv"):
        account = by_handle.get(r["influencer_profile"].lower())
        if account is None:
            batch.skipped += 1
            continue
        key = r["shortcode"]
        batch.raw[(posts_source, key)] = r
        likes, comments = parse_count(r["nb_likes"]), parse_count(r["nb_comments"])
        if account.followers and likes is not None:
            rates[account.source_key].append((likes + (comments or 0)) / account.followers)
        batch.content.append(
            ContentRecord(
                item_id=f"instagram:{key}", owner=("instagram", source, account.source_key), kind="post",
                title=r["post_text"] or "", published_at=None, views=None, likes=likes, comments=comments,
                duration_s=None, source=posts_source, source_key=key,
            )
        )
    for account in by_handle.values():
        if rates.get(account.source_key):
            n = len(rates[account.source_key])
            account.engagement_rate = sum(rates[account.source_key]) / n
            account.engagement_basis = f"kim2020 posts sample ({n} post{'s' if n > 1 else ''})"
    batch.accounts.extend(by_handle.values())
    return batch


def read_top200(data_dir: Path) -> SourceBatch:
    """``instagram_top200_influencers``: followers, posts, 60-day engagement rate, country of 200 top accounts."""
    source = "instagram_top200_influencers"
    batch = SourceBatch()
    for r in _read_csv(data_dir / source / "top_insta_influencers_data.csv", "utf-8-sig"):
        key = r["channel_info"]
        batch.raw[(source, key)] = r
        rate = parse_percent(r["60_day_eng_rate"])
        batch.accounts.append(
            AccountRecord(
                platform="instagram", source=source, source_key=key, name=key, handle=key,
                followers=parse_count(r["followers"]), posts=parse_count(r["posts"]), country=country_code(r["country"]),
                engagement_rate=rate, engagement_basis="top200 60-day engagement rate" if rate is not None else None,
                source_rows=[(source, key)],
            )
        )
    return batch


SOURCES: dict[str, Callable[[Path], SourceBatch]] = {
    "global_youtube_statistics_2023": read_global_youtube,
    "youtube_ai_topic_videos": read_ai_topic_channels,
    "youtube_channel_uploads": read_channel_uploads,
    "instagram_influencers_kim2020": read_kim2020,
    "instagram_top200_influencers": read_top200,
}


# --- merging records into accounts ---------------------------------------------------------------------------
_BIO_HANDLE = re.compile(
    r"(?:instagram\.com/|instagr\.am/|\b(?:instagram|insta|ig)\b\s*[:\-–]?\s*@?)([A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?)",
    re.IGNORECASE,
)
_BIO_YOUTUBE = re.compile(r"youtube\.com/(?:@|c/|user/)([A-Za-z0-9_.\-]{2,40})|youtube\.com/channel/(UC[\w-]{22})", re.I)


def bio_links(bio: str | None) -> list[dict[str, str]]:
    """Other-platform identities a bio names: [{'platform': 'instagram', 'handle': 'tushar_jaid'}, ...]."""
    out: list[dict[str, str]] = []
    for m in _BIO_HANDLE.finditer(bio or ""):
        handle = m.group(1).rstrip(".")
        if handle.lower() not in ("com", "www", "and", "the", "for", "profile", "page"):
            out.append({"platform": "instagram", "handle": handle})
    for m in _BIO_YOUTUBE.finditer(bio or ""):
        out.append({"platform": "youtube", "handle": m.group(1) or m.group(2)})
    return list({(d["platform"], d["handle"].lower()): d for d in out}.values())


@dataclass
class Account:
    """A merged account: the columns of ``creator_accounts`` the loader owns, plus its source rows."""

    account_id: str
    platform: str
    name: str
    name_key: str
    handle: str | None
    platform_id: str | None
    bio: str | None
    followers: int | None
    following: int | None
    posts: int | None
    total_views: int | None
    country: str | None
    category: str | None
    created_at: date | None
    engagement_rate: float | None
    engagement_basis: str | None
    activity: float | None
    links: list[dict[str, str]]
    sources: list[str]
    source_rows: list[tuple[str, str]]


_ACCOUNT_FIELDS = ("handle platform_id bio followers following posts total_views country category created_at "
                   "engagement_rate engagement_basis").split()


def _compatible(a: int | None, b: int | None) -> bool:
    if not a or not b:
        return True
    return max(a, b) / min(a, b) <= SAME_CHANNEL_MAX_RATIO


def merge_accounts(records: Iterable[AccountRecord]) -> tuple[list[Account], dict[tuple[str, str, str], str]]:
    """Group source records into accounts (rules in the module docstring).

    Returns (accounts, owner map {(platform, source, source_key): account_id}) for attaching content.
    """
    def priority(r: AccountRecord) -> int:
        return next(i for i, s in enumerate(SOURCE_PRIORITY) if r.source.startswith(s))

    groups: dict[tuple[str, str], list[list[AccountRecord]]] = defaultdict(list)
    for rec in sorted(records, key=lambda r: (priority(r), r.source_key)):
        if rec.platform == "instagram":
            base = rec.handle.lower()
        else:
            base = slugify(rec.name) or slugify(rec.platform_id or rec.source_key)
        clusters = groups[(rec.platform, base)]
        home = next(
            (c for c in clusters if rec.platform == "instagram"
             or (all(x.source != rec.source for x in c) and _compatible(c[0].followers, rec.followers))),
            None,
        )
        if home is None:
            clusters.append([rec])
        else:
            home.append(rec)
    accounts: list[Account] = []
    owners: dict[tuple[str, str, str], str] = {}
    for (platform, base), clusters in groups.items():
        for i, cluster in enumerate(clusters):
            first = cluster[0]
            suffix = "" if i == 0 else "~" + slugify(first.platform_id or f"{first.source}-{first.source_key}")
            account_id = f"{platform}:{base}{suffix}"
            merged = {f: next((getattr(r, f) for r in cluster if getattr(r, f) not in (None, "")), None)
                      for f in _ACCOUNT_FIELDS}
            created, posts = merged["created_at"], merged["posts"]
            activity: float | None = None
            if platform == "youtube" and created and posts is not None:
                as_of = SOURCE_AS_OF[next(r.source for r in cluster if r.posts is not None).split("/")[0]]
                months = max(1.0, (as_of - created).days / 30.44)
                activity = posts / months
            elif platform == "instagram":
                activity = float(posts) if posts is not None else None
            names = [r.name for r in cluster]
            accounts.append(
                Account(
                    account_id=account_id, platform=platform, name=names[0], name_key=name_key(names[0]),
                    activity=activity, links=bio_links(merged["bio"]),
                    sources=sorted({r.source.split("/")[0] for r in cluster}),
                    source_rows=sorted({row for r in cluster for row in r.source_rows}),
                    **merged,
                )
            )
            for r in cluster:
                owners[(platform, r.source, r.source_key)] = account_id
    return accounts, owners


def youtube_engagement(accounts: Sequence[Account], content: Iterable[ContentRecord],
                       owners: dict[tuple[str, str, str], str]) -> None:
    """Set each YouTube account's engagement rate (in place): sum(likes + comments) / sum(views) over its uploads
    in the data that have views and likes (``ENGAGEMENT``)."""
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for c in content:
        if c.owner[0] == "youtube" and c.views and c.likes is not None:
            s = sums[owners[c.owner]]
            s[0] += c.likes + (c.comments or 0)
            s[1] += c.views
            s[2] += 1
    for a in accounts:
        if a.account_id in sums:
            interactions, views, n = sums[a.account_id]
            a.engagement_rate = interactions / views
            a.engagement_basis = f"likes + comments per view over {n} upload{'s' if n > 1 else ''}"


# --- writing ---------------------------------------------------------------------------------------------------
@dataclass
class LoadReport:
    """What one creator load did: rows read per source, and rows written per table."""

    raw_rows: int = 0
    accounts: int = 0
    content_items: int = 0
    skipped: int = 0
    per_source: dict[str, int] = field(default_factory=dict)
    written: dict[str, int] = field(default_factory=dict)  # table -> inserted + updated + deleted
    seconds: float = 0.0

    @property
    def changed(self) -> int:
        """Rows inserted, updated or deleted in any table (0 on a repeated run over the same data)."""
        return sum(self.written.values())


async def _sync(conn, table: str, cols: Sequence[str], keys: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Make ``table``'s ``cols`` equal ``rows`` (keyed by ``keys``): insert, update where different, delete the
    rest. Returns rows changed. Runs inside the caller's transaction."""
    tmp = f"{table}_in"
    await conn.execute(f"CREATE TEMP TABLE {tmp} (LIKE {table} INCLUDING DEFAULTS) ON COMMIT DROP")
    async with conn.cursor().copy(f"COPY {tmp} ({', '.join(cols)}) FROM STDIN") as copy:
        for row in rows:
            await copy.write_row(row)
    rest = [c for c in cols if c not in keys]
    on = " AND ".join(f"t.{k} = s.{k}" for k in keys)
    cur = await conn.execute(
        f"""INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(cols)} FROM {tmp}
            ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {', '.join(f'{c} = EXCLUDED.{c}' for c in rest)}
            WHERE ({', '.join(f'{table}.{c}' for c in rest)}) IS DISTINCT FROM ({', '.join(f'EXCLUDED.{c}' for c in rest)})"""
    )
    changed = cur.rowcount
    cur = await conn.execute(f"DELETE FROM {table} t WHERE NOT EXISTS (SELECT 1 FROM {tmp} s WHERE {on})")
    return changed + cur.rowcount


_ACCOUNT_COLS = ("account_id platform handle platform_id name name_key bio followers following posts total_views "
                 "country category created_at engagement_rate engagement_basis activity links sources").split()


async def load_creators(pool: AsyncConnectionPool, data_dir: Path, sources: Iterable[str] = tuple(SOURCES)) -> LoadReport:
    """Read the creator sources, merge accounts and write raw rows, accounts, their source rows and content items.

    Raises CreatorDataError naming a missing file or an unknown source. Rows of sources not read this time are
    left alone only if nothing references them: a load always makes the tables equal what it read.
    """
    started = time.perf_counter()
    unknown = set(sources) - set(SOURCES)
    if unknown:
        raise CreatorDataError(f"Unknown creator source(s) {sorted(unknown)}; choose from {sorted(SOURCES)}.")
    report = LoadReport()
    batches = []
    for name in sources:
        batch = await asyncio.to_thread(SOURCES[name], data_dir)
        batches.append(batch)
        report.per_source[name] = len(batch.raw)
        report.skipped += batch.skipped
    raw = {k: v for b in batches for k, v in b.raw.items()}
    accounts, owners = merge_accounts(r for b in batches for r in b.accounts)
    content = {c.item_id: c for b in batches for c in b.content if c.owner in owners}
    report.raw_rows, report.accounts, report.content_items = len(raw), len(accounts), len(content)
    youtube_engagement(accounts, content.values(), owners)
    async with pool.connection() as conn:
        async with conn.transaction():
            report.written["creator_raw_rows"] = await _sync(
                conn, "creator_raw_rows", ("source", "source_key", "row"), ("source", "source_key"),
                ((s, k, Jsonb(row)) for (s, k), row in raw.items()),
            )
            report.written["creator_accounts"] = await _sync(
                conn, "creator_accounts", _ACCOUNT_COLS, ("account_id",),
                ([Jsonb(getattr(a, c)) if c == "links" else getattr(a, c) for c in _ACCOUNT_COLS] for a in accounts),
            )
            report.written["creator_account_sources"] = await _sync(
                conn, "creator_account_sources", ("source", "source_key", "account_id"), ("source", "source_key"),
                ((s, k, a.account_id) for a in accounts for s, k in a.source_rows),
            )
            report.written["creator_content_items"] = await _sync(
                conn, "creator_content_items",
                ("item_id account_id kind title published_at views likes comments duration_s source source_key").split(),
                ("item_id",),
                ((c.item_id, owners[c.owner], c.kind, c.title, c.published_at, c.views, c.likes, c.comments,
                  c.duration_s, c.source, c.source_key) for c in content.values()),
            )
    report.seconds = time.perf_counter() - started
    return report


async def creators_are_empty(pool: AsyncConnectionPool) -> bool:
    """True when no creator account has been loaded yet."""
    async with pool.connection() as conn:
        cur = await conn.execute("SELECT NOT EXISTS (SELECT 1 FROM creator_accounts) AS empty")
        return (await cur.fetchone())["empty"]


async def fetch_accounts(pool: AsyncConnectionPool, columns: str = "*", where: str = "TRUE", params: Any = None) -> list[dict]:
    """Rows of ``creator_accounts`` (dicts), ordered by account_id."""
    async with pool.connection() as conn:
        cur = await conn.execute(f"SELECT {columns} FROM creator_accounts WHERE {where} ORDER BY account_id", params)
        return await cur.fetchall()


async def account_content(pool: AsyncConnectionPool, account_ids: Sequence[str], per_account: int = 50) -> dict[str, list[dict]]:
    """The newest ``per_account`` content items of each account: {account_id: [item dict, ...]}."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            """SELECT * FROM (
                 SELECT i.*, row_number() OVER (PARTITION BY account_id ORDER BY published_at DESC NULLS LAST, item_id) AS rn
                 FROM creator_content_items i WHERE account_id = ANY(%s)) s
               WHERE rn <= %s ORDER BY account_id, rn""",
            (list(account_ids), per_account),
        )
        out: dict[str, list[dict]] = defaultdict(list)
        for r in await cur.fetchall():
            out[r["account_id"]].append(r)
        return out


# --- identity links and creators ---------------------------------------------------------------------------
@dataclass(frozen=True)
class IdentityLink:
    """A scored link between two accounts on different platforms (see tools.creators.engine)."""

    account_a: str
    account_b: str
    confidence: float
    accepted: bool
    evidence: list[dict[str, Any]]
    explanation: str


async def store_resolution(pool: AsyncConnectionPool, links: Sequence[IdentityLink], clusters: Sequence[Sequence[str]],
                           anchor: Callable[[Sequence[str]], str], names: dict[str, str]) -> int:
    """Write the links and the creators (one per cluster of account ids; ``anchor(cluster)`` gives its id and
    ``names[anchor]`` its name) and point each account at its creator. Creators whose id no longer exists are
    deleted; the enrichment of a creator whose accounts are unchanged is kept. Returns rows changed."""
    changed = 0
    creator_of = {a: anchor(c) for c in clusters for a in c}
    async with pool.connection() as conn:
        async with conn.transaction():
            changed += await _sync(
                conn, "creator_links", ("account_a", "account_b", "confidence", "accepted", "evidence", "explanation"),
                ("account_a", "account_b"),
                ((l.account_a, l.account_b, l.confidence, l.accepted, Jsonb(l.evidence), l.explanation) for l in links),
            )
            await conn.execute("CREATE TEMP TABLE creators_in (creator_id text PRIMARY KEY, name text) ON COMMIT DROP")
            async with conn.cursor().copy("COPY creators_in FROM STDIN") as copy:
                for cid in sorted(set(creator_of.values())):
                    await copy.write_row((cid, names[cid]))
            cur = await conn.execute(
                """INSERT INTO creators (creator_id, name) SELECT creator_id, name FROM creators_in
                   ON CONFLICT (creator_id) DO UPDATE SET name = EXCLUDED.name WHERE creators.name <> EXCLUDED.name"""
            )
            changed += cur.rowcount
            await conn.execute("CREATE TEMP TABLE members_in (account_id text PRIMARY KEY, creator_id text) ON COMMIT DROP")
            async with conn.cursor().copy("COPY members_in FROM STDIN") as copy:
                for a, cid in creator_of.items():
                    await copy.write_row((a, cid))
            cur = await conn.execute(
                """UPDATE creator_accounts a SET creator_id = m.creator_id FROM members_in m
                   WHERE a.account_id = m.account_id AND a.creator_id IS DISTINCT FROM m.creator_id
                   RETURNING a.creator_id"""
            )
            moved = {r["creator_id"] for r in await cur.fetchall()}
            changed += len(moved)
            if moved:  # a creator whose membership changed is enriched again
                await conn.execute("UPDATE creators SET enriched_at = NULL WHERE creator_id = ANY(%s)", (list(moved),))
            cur = await conn.execute("DELETE FROM creators c WHERE NOT EXISTS (SELECT 1 FROM creators_in i WHERE i.creator_id = c.creator_id)")
            changed += cur.rowcount
    return changed


async def creator_links_of(pool: AsyncConnectionPool, account_ids: Sequence[str]) -> list[dict]:
    """Accepted links touching the given accounts, with the other account's platform, handle and name."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            """SELECT l.*, a.platform AS platform_a, a.name AS name_a, a.handle AS handle_a,
                      b.platform AS platform_b, b.name AS name_b, b.handle AS handle_b
               FROM creator_links l JOIN creator_accounts a ON a.account_id = l.account_a
                    JOIN creator_accounts b ON b.account_id = l.account_b
               WHERE l.accepted AND (l.account_a = ANY(%(ids)s) OR l.account_b = ANY(%(ids)s))""",
            {"ids": list(account_ids)},
        )
        return await cur.fetchall()


# --- enrichment ------------------------------------------------------------------------------------------------
@dataclass
class Enrichment:
    """A creator's enrichment: primary niche, up to 2 secondary niches, content style, one-line summary."""

    creator_id: str
    primary_niche: str | None
    secondary_niches: list[str]
    content_style: str | None
    summary: str
    niche_scores: dict[str, float]
    enriched_by: str


async def creators_to_enrich(pool: AsyncConnectionPool, force: bool = False,
                             creator_ids: Sequence[str] | None = None) -> list[dict]:
    """Creators with their accounts ({creator_id, name, accounts: [account dict]}) that need enrichment
    (never enriched, or their membership changed; every creator with ``force``), only ``creator_ids`` if given."""
    where = ["TRUE" if force else "c.enriched_at IS NULL"]
    if creator_ids is not None:
        where.append("c.creator_id = ANY(%(ids)s)")
    async with pool.connection() as conn:
        cur = await conn.execute(
            f"""SELECT c.creator_id, c.name,
                       jsonb_agg(to_jsonb(a) - 'tsv' ORDER BY a.followers DESC NULLS LAST) AS accounts
                FROM creators c JOIN creator_accounts a USING (creator_id)
                WHERE {' AND '.join(where)}
                GROUP BY c.creator_id, c.name ORDER BY c.creator_id""",
            {"ids": list(creator_ids or [])},
        )
        return await cur.fetchall()


async def store_enrichment(pool: AsyncConnectionPool, rows: Sequence[Enrichment]) -> int:
    """Write enrichments (one per creator); returns rows changed."""
    if not rows:
        return 0
    async with pool.connection() as conn:
        async with conn.cursor() as cur:
            await cur.executemany(
                """UPDATE creators SET primary_niche = %s, secondary_niches = %s, content_style = %s, summary = %s,
                          niche_scores = %s, enriched_by = %s, enriched_at = now()
                   WHERE creator_id = %s""",
                [(e.primary_niche, e.secondary_niches, e.content_style, e.summary, Jsonb(e.niche_scores),
                  e.enriched_by, e.creator_id) for e in rows],
            )
    return len(rows)


# --- vectors ---------------------------------------------------------------------------------------------------
CREATOR_VECTORS = VectorTable(
    kind="creator",
    columns="""account_id text NOT NULL REFERENCES creator_accounts ON DELETE CASCADE,
               kind       text NOT NULL CHECK (kind IN ('bio', 'content')),
               platform   text NOT NULL,
               text_md5   text NOT NULL,
               PRIMARY KEY (account_id, kind)""",
    hnsw=tuple((f"{platform}_hnsw", f"platform = '{platform}'") for platform in PLATFORMS),
)
"""The account-vector tables (``memory.vectors``): rows (account_id, kind 'bio'|'content', platform, text_md5,
embedding); one partial HNSW index (cosine) per platform, so a platform filter searches only its own graph."""


async def ensure_creator_vectors(pool: AsyncConnectionPool, model: str, dim: int) -> str:
    """Create (once) the account-vector table of an embedding model (``CREATOR_VECTORS``) and register it; returns
    its name. Raises ValueError if the model was registered with another dimension."""
    return await ensure_vector_table(pool, CREATOR_VECTORS, model, dim)


async def creator_vector_table(pool: AsyncConnectionPool, model: str) -> str | None:
    """The account-vector table of ``model``, or None when no account was embedded with it yet."""
    return await vector_table(pool, CREATOR_VECTORS.kind, model)


BIO_CHARS = 300
"""Characters of a bio embedded: the opening says what a channel is about, and MiniLM reads 256 tokens at most."""
CAPTION_CHARS = 200


def md5(text: str) -> str:
    """Hex md5 of a text (tells whether a stored vector was made from the current text)."""
    return hashlib.md5(text.encode()).hexdigest()


async def vector_texts(pool: AsyncConnectionPool) -> list[dict]:
    """What to embed per account: [{account_id, platform, kind, text, items: [(item_id, text)]}].

    ``bio``: name + the bio's first ``BIO_CHARS`` characters, for accounts with a bio, and for YouTube accounts
    without one, name + the source's category (the top-channel table has no descriptions). ``content``: the
    account's newest 50 titles or captions (``CAPTION_CHARS`` each), embedded one by one and averaged.
    Instagram accounts with neither (most of kim2020: a handle and a category) get no vector.
    """
    async with pool.connection() as conn:
        cur = await conn.execute(
            """SELECT account_id, platform, name, bio, category FROM creator_accounts
               WHERE bio IS NOT NULL OR platform = 'youtube' ORDER BY account_id"""
        )
        out = []
        for r in await cur.fetchall():
            text = f"{r['name']}. {r['bio'][:BIO_CHARS]}" if r["bio"] else f"{r['name']}. {r['category'] or ''} channel"
            out.append({"account_id": r["account_id"], "platform": r["platform"], "kind": "bio", "text": text.strip()})
        cur = await conn.execute(
            """SELECT a.account_id, a.platform, array_agg(i.item_id ORDER BY i.published_at DESC NULLS LAST, i.item_id) AS ids,
                      array_agg(left(i.title, %s) ORDER BY i.published_at DESC NULLS LAST, i.item_id) AS titles
               FROM creator_accounts a JOIN LATERAL (
                   SELECT item_id, title, published_at FROM creator_content_items c
                   WHERE c.account_id = a.account_id AND c.title <> ''
                   ORDER BY published_at DESC NULLS LAST, item_id LIMIT 50) i ON true
               GROUP BY a.account_id, a.platform ORDER BY a.account_id""",
            (CAPTION_CHARS,),
        )
        for r in await cur.fetchall():
            items = list(zip(r["ids"], r["titles"], strict=True))
            out.append({"account_id": r["account_id"], "platform": r["platform"], "kind": "content",
                        "text": "\n".join(t for _, t in items), "items": items})
    return out


async def embed_accounts(pool: AsyncConnectionPool, embedder, batch_size: int = 128,
                         progress: Callable[[str, int, int], None] | None = None) -> int:
    """Embed every bio/content text whose vector is missing or stale for ``embedder`` (an agent.embeddings
    Embedder); content vectors are the normalised mean of their items' vectors, reusing the corpus title vectors
    of the same model for YouTube uploads. Marks ``has_vector``. Returns vectors written."""
    table = await ensure_creator_vectors(pool, embedder.name, embedder.dim)
    todo_all = await vector_texts(pool)
    async with pool.connection() as conn:
        cur = await conn.execute(f"SELECT account_id, kind, text_md5 FROM {table}")
        have = {(r["account_id"], r["kind"]): r["text_md5"] for r in await cur.fetchall()}
    wanted = {(t["account_id"], t["kind"]) for t in todo_all}
    todo = [t for t in todo_all if have.get((t["account_id"], t["kind"])) != md5(t["text"])]
    # item texts to embed (content), minus the YouTube titles the corpus already embedded with this model
    item_texts = {i: txt for t in todo if t["kind"] == "content" for i, txt in t["items"]}
    item_vecs: dict[str, np.ndarray] = {}
    title_table = await title_vector_table(pool, embedder.name)
    if title_table and item_texts:
        vids = [i.removeprefix("youtube:") for i in item_texts if i.startswith("youtube:")]
        async with pool.connection() as conn:
            cur = await conn.execute(
                f"""SELECT t.video_id, v.title, t.embedding FROM {title_table} t JOIN videos v USING (video_id)
                    WHERE t.video_id = ANY(%s) AND t.title_md5 = md5(v.title)""", (vids,)
            )
            for r in await cur.fetchall():
                key = f"youtube:{r['video_id']}"
                if item_texts[key] == r["title"]:  # the same text (titles longer than CAPTION_CHARS are cut)
                    item_vecs[key] = np.asarray(r["embedding"], dtype=np.float32)
    texts = [t["text"] for t in todo if t["kind"] == "bio"]
    missing_items = [i for i in item_texts if i not in item_vecs]
    total, done = len(texts) + len(missing_items), 0
    vectors: list[np.ndarray] = []
    for start in range(0, len(texts), batch_size):
        vectors.extend(await asyncio.to_thread(embedder.embed, texts[start : start + batch_size]))
        done += len(texts[start : start + batch_size])
        if progress:
            progress("embedding creator bios and content", done, total)
    for start in range(0, len(missing_items), batch_size):
        chunk = missing_items[start : start + batch_size]
        for i, v in zip(chunk, await asyncio.to_thread(embedder.embed, [item_texts[i] for i in chunk]), strict=True):
            item_vecs[i] = v
        done += len(chunk)
        if progress:
            progress("embedding creator bios and content", done, total)
    bio_vecs = iter(vectors)
    rows = []
    for t in todo:
        if t["kind"] == "bio":
            v = next(bio_vecs)
        else:
            v = np.mean([item_vecs[i] for i, _ in t["items"]], axis=0)
            v = v / max(float(np.linalg.norm(v)), 1e-12)
        rows.append((t["account_id"], t["kind"], t["platform"], md5(t["text"]), v))
    async with pool.connection() as conn:
        async with conn.transaction():
            async with conn.cursor() as cur:
                await cur.executemany(
                    f"""INSERT INTO {table} (account_id, kind, platform, text_md5, embedding) VALUES (%s, %s, %s, %s, %s)
                        ON CONFLICT (account_id, kind) DO UPDATE SET platform = EXCLUDED.platform,
                        text_md5 = EXCLUDED.text_md5, embedding = EXCLUDED.embedding""",
                    rows,
                )
            stale = [k for k in have if k not in wanted]
            for account_id, kind in stale:
                await conn.execute(f"DELETE FROM {table} WHERE account_id = %s AND kind = %s", (account_id, kind))
            await conn.execute(
                f"""UPDATE creator_accounts a SET has_vector = EXISTS (SELECT 1 FROM {table} v WHERE v.account_id = a.account_id)
                    WHERE has_vector IS DISTINCT FROM EXISTS (SELECT 1 FROM {table} v WHERE v.account_id = a.account_id)"""
            )
    return len(rows) + len(stale)


# --- search index and queries -------------------------------------------------------------------------------
async def refresh_search_index(pool: AsyncConnectionPool) -> int:
    """Recompute every account's search columns: niches (its creator's primary + secondary niches), the
    weighted tsvector (A: name and handle, B: niches and source category, C: bio, D: the newest 50 content
    titles; Postgres 'english' configuration) and the within-platform percentiles of engagement rate and
    activity (``percent_rank``, 0..1). Writes only rows that change; returns how many."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            """WITH t AS (
                 SELECT account_id, string_agg(title, ' ') AS titles FROM (
                   SELECT account_id, title, row_number() OVER (PARTITION BY account_id
                          ORDER BY published_at DESC NULLS LAST, item_id) AS rn
                   FROM creator_content_items) x WHERE rn <= 50 GROUP BY account_id),
               n AS (
                 SELECT a.account_id,
                        coalesce(array_remove(array_prepend(c.primary_niche, c.secondary_niches), NULL), '{}') AS niches
                 FROM creator_accounts a LEFT JOIN creators c USING (creator_id)),
               p AS (
                 SELECT account_id,
                        CASE WHEN engagement_rate IS NOT NULL THEN percent_rank() OVER (
                          PARTITION BY platform, engagement_rate IS NULL ORDER BY engagement_rate) END AS e_pct,
                        CASE WHEN activity IS NOT NULL THEN percent_rank() OVER (
                          PARTITION BY platform, activity IS NULL ORDER BY activity) END AS a_pct
                 FROM creator_accounts),
               v AS (
                 SELECT a.account_id, n.niches, p.e_pct, p.a_pct,
                        setweight(to_tsvector('english', a.name || ' ' || coalesce(replace(a.handle, '_', ' '), '')), 'A')
                        || setweight(to_tsvector('english', array_to_string(n.niches, ' ') || ' ' || coalesce(a.category, '')), 'B')
                        || setweight(to_tsvector('english', coalesce(a.bio, '')), 'C')
                        || setweight(to_tsvector('english', coalesce(t.titles, '')), 'D') AS tsv
                 FROM creator_accounts a JOIN n USING (account_id) JOIN p USING (account_id)
                      LEFT JOIN t USING (account_id))
               UPDATE creator_accounts a SET niches = v.niches, engagement_pct = v.e_pct, activity_pct = v.a_pct, tsv = v.tsv
               FROM v WHERE a.account_id = v.account_id
                 AND (a.niches, a.engagement_pct, a.activity_pct, a.tsv) IS DISTINCT FROM (v.niches, v.e_pct, v.a_pct, v.tsv)"""
        )
        changed = cur.rowcount
        await conn.execute("ANALYZE creator_accounts")
        return changed


@dataclass(frozen=True)
class CreatorFilters:
    """Hard filters of a creator search; None = no constraint.

    ``platform``: 'youtube' | 'instagram'; ``niche``: one of the taxonomy's niches (primary or secondary);
    ``min_followers``/``max_followers``: inclusive/exclusive bounds on subscribers or followers; ``country``:
    ISO alpha-2; ``min_engagement_pct``: minimum within-platform engagement percentile (0..1);
    ``exclude_creators``: creator ids left out (the creator a query names as its example).
    """

    platform: str | None = None
    niche: str | None = None
    min_followers: int | None = None
    max_followers: int | None = None
    country: str | None = None
    min_engagement_pct: float | None = None
    exclude_creators: tuple[str, ...] = ()

    def sql(self, alias: str = "a") -> tuple[str, dict[str, Any]]:
        """(WHERE clause, params). The platform is inlined (checked against PLATFORMS) so partial indexes apply."""
        where, params = ["TRUE"], {}
        if self.platform:
            if self.platform not in PLATFORMS:
                raise ValueError(f"Unknown platform {self.platform!r}: use one of {', '.join(PLATFORMS)}.")
            where.append(f"{alias}.platform = '{self.platform}'")
        if self.niche:
            where.append(f"{alias}.niches @> ARRAY[%(f_niche)s]::text[]")
            params["f_niche"] = self.niche
        if self.min_followers is not None:
            where.append(f"{alias}.followers >= %(f_min)s")
            params["f_min"] = self.min_followers
        if self.max_followers is not None:
            where.append(f"{alias}.followers < %(f_max)s")
            params["f_max"] = self.max_followers
        if self.country:
            where.append(f"{alias}.country = %(f_country)s")
            params["f_country"] = self.country
        if self.min_engagement_pct is not None:
            where.append(f"{alias}.engagement_pct >= %(f_eng)s")
            params["f_eng"] = self.min_engagement_pct
        if self.exclude_creators:
            where.append(f"{alias}.creator_id <> ALL(%(f_excl)s)")
            params["f_excl"] = list(self.exclude_creators)
        return " AND ".join(where), params

    @property
    def selective(self) -> bool:
        """True when anything beyond the platform constrains the rows."""
        return any(v not in (None, ()) for k, v in asdict(self).items() if k != "platform")


_OR_QUERY = "(SELECT replace(plainto_tsquery('english', %(text)s)::text, ' & ', ' | ')::tsquery AS q) AS qq"
"""Any of the query's words (OR)."""
_AND_QUERY = "(SELECT plainto_tsquery('english', %(text)s) AS q) AS qq"
"""All of the query's words (AND)."""


async def keyword_candidates(pool: AsyncConnectionPool, text: str, filters: CreatorFilters, limit: int) -> list[dict]:
    """Accounts matching the words of ``text`` (Postgres full-text, 'english'), best first: [{account_id, kw}].

    Accounts with all the words come first, then (when fewer than ``limit``) those with any of them; each group
    ordered by ts_rank (field weights D 0.1, C 0.2, B 0.4, A 1.0; normalisation 32: rank / (rank + 1)), which
    ranks tens of thousands of matches 2-3x faster than cover density (ts_rank_cd). ``kw`` of an any-word match
    is halved so it stays below the all-word matches. Empty when ``text`` has no words."""
    where, params = filters.sql()
    params = {**params, "text": text, "limit": limit}
    async with pool.connection() as conn:
        cur = await conn.execute("SELECT plainto_tsquery('english', %s)::text AS q", (text,))
        query = (await cur.fetchone())["q"]
        if not query:
            return []
        cur = await conn.execute(
            f"""SELECT a.account_id, ts_rank(a.tsv, qq.q, 32) AS kw FROM creator_accounts a, {_AND_QUERY}
                WHERE a.tsv @@ qq.q AND {where} ORDER BY kw DESC, a.account_id LIMIT %(limit)s""",
            params,
        )
        rows = await cur.fetchall()
        if len(rows) < limit and " & " in query:
            cur = await conn.execute(
                f"""SELECT a.account_id, ts_rank(a.tsv, qq.q, 32) / 2 AS kw FROM creator_accounts a, {_OR_QUERY}
                    WHERE a.tsv @@ qq.q AND {where} AND a.account_id <> ALL(%(seen)s)
                    ORDER BY kw DESC, a.account_id LIMIT %(rest)s""",
                {**params, "seen": [r["account_id"] for r in rows], "rest": limit - len(rows)},
            )
            rows += await cur.fetchall()
        return rows


EXACT_SCAN_MAX = 5_000
"""Filtered semantic search scans every matching vector exactly when at most this many accounts pass the
filters; above it the HNSW index is walked and filtered after (pgvector 0.6 filters after the scan)."""


async def semantic_candidates(pool: AsyncConnectionPool, table: str, vector: np.ndarray, filters: CreatorFilters,
                              limit: int, ef_search: int = 400) -> tuple[list[dict], str]:
    """Accounts whose bio or content vector is nearest to ``vector`` (cosine), filtered; best first:
    ([{account_id, sim}], plan).

    Plan 'exact' when at most EXACT_SCAN_MAX accounts with vectors pass the filters: their vectors are read by key
    and compared one by one. Else 'hnsw': the platform's partial HNSW index gives its ``ef_search`` nearest
    vectors, filtered after (each platform searched and merged when no platform is set). The planner is kept on
    the index paths (``enable_seqscan`` off inside the transaction): at a million accounts its row estimates for
    these joins are far off and a sequential scan costs seconds."""
    where, params = filters.sql()
    params = {**params, "q": vector, "limit": limit}
    async with pool.connection() as conn:
        async with conn.transaction():
            await conn.execute("SET LOCAL enable_seqscan = off")
            plan = "hnsw"
            if filters.selective:
                cur = await conn.execute(
                    f"""SELECT count(*) AS n FROM (SELECT 1 FROM creator_accounts a WHERE {where} AND a.has_vector
                        LIMIT {EXACT_SCAN_MAX + 1}) s""",
                    params,
                )
                if (await cur.fetchone())["n"] <= EXACT_SCAN_MAX:
                    plan = "exact"
            if plan == "exact":
                cur = await conn.execute(
                    f"""SELECT v.account_id, max(1 - (v.embedding <=> %(q)s)) AS sim FROM {table} v
                        WHERE v.account_id = ANY(ARRAY(SELECT account_id FROM creator_accounts a WHERE {where} AND a.has_vector))
                        GROUP BY v.account_id ORDER BY sim DESC, v.account_id LIMIT %(limit)s""",
                    params,
                )
                return await cur.fetchall(), plan
            await conn.execute(f"SET LOCAL hnsw.ef_search = {int(ef_search)}")
            rows: dict[str, float] = {}
            for platform in [filters.platform] if filters.platform else PLATFORMS:
                cur = await conn.execute(
                    f"""SELECT n.account_id, 1 - n.d AS sim FROM (
                            SELECT account_id, embedding <=> %(q)s AS d FROM {table} WHERE platform = '{platform}'
                            ORDER BY embedding <=> %(q)s LIMIT {int(ef_search)}) n
                        JOIN creator_accounts a USING (account_id)
                        WHERE {where} ORDER BY n.d LIMIT %(limit)s""",
                    params,
                )
                for r in await cur.fetchall():
                    rows[r["account_id"]] = max(rows.get(r["account_id"], -1.0), float(r["sim"]))
    ranked = sorted(rows.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return [{"account_id": a, "sim": s} for a, s in ranked], plan


async def candidate_details(pool: AsyncConnectionPool, table: str | None, account_ids: Sequence[str], text: str,
                            vector: np.ndarray | None) -> list[dict]:
    """Everything fusion and the reasons need about candidate accounts: account and creator columns, keyword
    rank ``kw`` (0 without a match), cosine similarity of bio and content vectors (``sem_bio``, ``sem_content``,
    None without a vector) and the words of ``text`` whose stems the account's text contains (``matched``)."""
    sem = ("NULL::float8 AS sem_bio, NULL::float8 AS sem_content" if table is None or vector is None else
           f"""(SELECT 1 - (v.embedding <=> %(q)s) FROM {table} v WHERE v.account_id = a.account_id AND v.kind = 'bio') AS sem_bio,
               (SELECT 1 - (v.embedding <=> %(q)s) FROM {table} v WHERE v.account_id = a.account_id AND v.kind = 'content') AS sem_content""")
    async with pool.connection() as conn:
        cur = await conn.execute(
            f"""SELECT a.account_id, a.creator_id, a.platform, a.name, a.handle, a.followers, a.country, a.category,
                       a.engagement_rate, a.engagement_basis, a.engagement_pct, a.activity, a.activity_pct, a.niches,
                       left(a.bio, 300) AS bio, c.name AS creator_name, c.primary_niche, c.secondary_niches, c.summary,
                       c.content_style,
                       CASE WHEN qq.q::text = '' THEN 0 WHEN a.tsv @@ plainto_tsquery('english', %(text)s)
                            THEN ts_rank(a.tsv, qq.q, 32) ELSE ts_rank(a.tsv, qq.q, 32) / 2 END AS kw,
                       ARRAY(SELECT w FROM unnest(%(words)s::text[]) w
                             WHERE tsvector_to_array(to_tsvector('english', w)) && tsvector_to_array(a.tsv)) AS matched,
                       {sem}
                FROM creator_accounts a LEFT JOIN creators c USING (creator_id), {_OR_QUERY}
                WHERE a.account_id = ANY(%(ids)s)""",
            {"ids": list(account_ids), "text": text, "q": vector,
             "words": list(dict.fromkeys(re.findall(r"[\w'-]+", text.lower())))},
        )
        return await cur.fetchall()


async def find_account_by_name(pool: AsyncConnectionPool, name: str, platform: str | None = None) -> dict | None:
    """The most followed account whose name or handle equals ``name`` (letters and digits, case-insensitive),
    with its creator id; None when there is none."""
    key = name_key(name)
    if not key:
        return None
    async with pool.connection() as conn:
        cur = await conn.execute(
            f"""SELECT account_id, creator_id, platform, name, handle, followers FROM creator_accounts
                WHERE (name_key = %(k)s OR account_id = 'instagram:' || %(h)s)
                {"AND platform = %(p)s" if platform else ""}
                ORDER BY followers DESC NULLS LAST LIMIT 1""",
            {"k": key, "h": name.lower().lstrip("@"), "p": platform},
        )
        return await cur.fetchone()


async def account_vectors(pool: AsyncConnectionPool, table: str, creator_id: str) -> list[np.ndarray]:
    """The vectors that describe a creator as an example: its content vectors (what it publishes) when it has
    any, else its bio vectors (a bio made of name + category says little more than the category)."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            f"""SELECT v.kind, v.embedding FROM {table} v JOIN creator_accounts a USING (account_id)
                WHERE a.creator_id = %s ORDER BY v.account_id, v.kind""",
            (creator_id,),
        )
        rows = await cur.fetchall()
    content = [np.asarray(r["embedding"], dtype=np.float32) for r in rows if r["kind"] == "content"]
    return content or [np.asarray(r["embedding"], dtype=np.float32) for r in rows]
