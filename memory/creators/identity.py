"""Who is who: source records merged into accounts, and accounts of one creator across platforms.

Accounts of one platform that several sources describe are merged by their platform identity: the Instagram
username (case-insensitive, unique on Instagram), the YouTube channel name (letters and digits) when the
subscriber counts agree within ``SAME_CHANNEL_MAX_RATIO`` (the sources are 1-2 years apart). Fields come from
the freshest source that has them (``SOURCE_PRIORITY``). Cross-platform identity resolution (the scoring) is in
``tools.creators.identity``; its links and the creators they make are stored here (``store_resolution``).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from memory.corpus.sources import slugify
from memory.creators.sources import SOURCE_AS_OF, AccountRecord, ContentRecord, name_key
from memory.db import sync_table

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
    in the data that have views and likes (``memory.creators.sources.ENGAGEMENT``)."""
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


# --- identity links and creators ---------------------------------------------------------------------------
@dataclass(frozen=True)
class IdentityLink:
    """A scored link between two accounts on different platforms (see tools.creators.identity)."""

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
            changed += await sync_table(
                conn, "creator_links", ("account_a", "account_b", "confidence", "accepted", "evidence", "explanation"),
                ("account_a", "account_b"),
                ((link.account_a, link.account_b, link.confidence, link.accepted, Jsonb(link.evidence), link.explanation)
                 for link in links),
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
