"""Creator persistence: the load of the sources into the creator tables, account and content reads, and the
enrichment rows.

Loading is idempotent: rows are written only where a value differs and rows no longer produced are deleted,
so a second run reports ``changed == 0``.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from memory.creators.identity import merge_accounts, youtube_engagement
from memory.creators.sources import SOURCES, CreatorDataError
from memory.db import sync_table


# --- loading ---------------------------------------------------------------------------------------------------
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
            report.written["creator_raw_rows"] = await sync_table(
                conn, "creator_raw_rows", ("source", "source_key", "row"), ("source", "source_key"),
                ((s, k, Jsonb(row)) for (s, k), row in raw.items()),
            )
            report.written["creator_accounts"] = await sync_table(
                conn, "creator_accounts", _ACCOUNT_COLS, ("account_id",),
                ([Jsonb(getattr(a, c)) if c == "links" else getattr(a, c) for c in _ACCOUNT_COLS] for a in accounts),
            )
            report.written["creator_account_sources"] = await sync_table(
                conn, "creator_account_sources", ("source", "source_key", "account_id"), ("source", "source_key"),
                ((s, k, a.account_id) for a in accounts for s, k in a.source_rows),
            )
            report.written["creator_content_items"] = await sync_table(
                conn, "creator_content_items",
                ("item_id account_id kind title published_at views likes comments duration_s source source_key").split(),
                ("item_id",),
                ((c.item_id, owners[c.owner], c.kind, c.title, c.published_at, c.views, c.likes, c.comments,
                  c.duration_s, c.source, c.source_key) for c in content.values()),
            )
    report.seconds = time.perf_counter() - started
    return report


# --- accounts and their content ------------------------------------------------------------------------------
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


# --- refresh from YouTube (the creator refresh job, tools/analytics/schedule.py) ----------------------------------
async def youtube_accounts_to_refresh(pool: AsyncConnectionPool) -> list[dict]:
    """YouTube accounts with a channel id (UC...): {account_id, platform_id, refreshed_at (None: never), activity
    (uploads a month over the channel's life, None: unknown)}."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            """SELECT account_id, platform_id, refreshed_at, activity FROM creator_accounts
               WHERE platform = 'youtube' AND platform_id LIKE 'UC%' ORDER BY account_id""")
        return await cur.fetchall()


async def store_youtube_refresh(pool: AsyncConnectionPool, rows: Sequence[tuple[str, int | None, int | None, int | None]],
                                at: Any) -> int:
    """Write what YouTube said of accounts: (account_id, subscribers, uploads, total views; None keeps the stored
    value, e.g. hidden subscriber counts) and ``at`` as their refresh time. Returns accounts written."""
    if not rows:
        return 0
    async with pool.connection() as conn:
        async with conn.cursor() as cur:
            await cur.executemany(
                """UPDATE creator_accounts SET followers = coalesce(%s, followers), posts = coalesce(%s, posts),
                          total_views = coalesce(%s, total_views), refreshed_at = %s
                   WHERE account_id = %s""",
                [(subs, uploads, views, at, account_id) for account_id, subs, uploads, views in rows],
            )
    return len(rows)
