"""The five creator sources, the records they yield and the parsing helpers.

Sources (``SOURCES``, read from ``CORTEX_DATA_DIR``, each folder's README.txt describes it):
``global_youtube_statistics_2023`` (995 top channels, 2023), ``youtube_ai_topic_videos`` (2,010 channel profiles
with descriptions, crawl Aug 2024, and the 59 of its 1,791 search-result videos whose channel is among them),
``youtube_channel_uploads`` (8 channels with every upload, July 2025), ``instagram_influencers_kim2020`` (33,935
influencers with category, 2019, and 486 posts with captions), ``instagram_top200_influencers`` (200 top
accounts with the 60-day engagement rate, ~2022).

Each reader returns a ``SourceBatch``: the raw rows (kept verbatim in ``creator_raw_rows``), one
``AccountRecord`` per account a row describes and the ``ContentRecord`` of each upload or post. Merging the
records of several sources into accounts is ``memory.creators.identity.merge_accounts``.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import pycountry

from memory.corpus.sources import iso_duration_s
from memory.outliers import is_short

csv.field_size_limit(2**31 - 1)

PLATFORMS = ("youtube", "instagram")
"""The platforms of creator accounts (``creator_accounts.platform``)."""

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
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


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
    channels, videos = "youtube_ai_topic_videos/channels", "youtube_ai_topic_videos/videos"
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
