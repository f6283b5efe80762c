"""The creator refresh's cadence by activity on the real creator index: how often its YouTube accounts are refreshed,
what that costs in YouTube quota a day, and the CPU of the hourly check for due accounts.

Run from the repository root::

    .venv/bin/python -m evals.benchmarks.bench_schedule [--rounds 5] [--pg-data-dir DIR]

The five creator tables of CORTEX_DATA_DIR are loaded (``memory.creators.store.load_creators``; idempotent, so a
kept ``--pg-data-dir`` is loaded once) into a new embedded Postgres in a temporary folder, or in ``--pg-data-dir``
(never the user's ``CORTEX_PG_DATA_DIR`` or ``DATABASE_URL``). For each YouTube account with a channel id, its
refresh interval (``tools.analytics.schedule.refresh_interval`` from its lifetime upload rate, as the creator refresh
computes it) gives its refreshes a day (1 day / interval); the quota is 1 unit per 50 accounts refreshed
(channels.list). The hourly check (read the accounts, compute which are due) is timed ``--rounds`` times: wall p50
and the process CPU per check. Prints the machine's load average (the machine is shared).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import typer

from agent.settings import get_settings


async def _measure(pg_data_dir: Path, rounds: int) -> None:
    from memory.creators.store import load_creators, youtube_accounts_to_refresh
    from memory.db import Database
    from tools.analytics.schedule import MAX_INTERVAL, MIN_INTERVAL, refresh_interval

    settings = get_settings().model_copy(update={"database_url": None, "pg_data_dir": pg_data_dir})
    async with Database.open(settings, max_size=4) as db:
        started = time.perf_counter()
        report = await load_creators(db.pool, settings.data_dir)
        print(f"creator tables loaded in {time.perf_counter() - started:.1f} s ({report.changed:,} rows written)")
        accounts = await youtube_accounts_to_refresh(db.pool)
        intervals = [refresh_interval((), a["activity"]) for a in accounts]
        per_day = sum(timedelta(days=1) / i for i in intervals)
        print(f"YouTube accounts with a channel id: {len(accounts):,}")
        for label, test in (("6 h (floor: daily or more)", lambda i: i == MIN_INTERVAL),
                            ("6 h .. 1 day", lambda i: MIN_INTERVAL < i <= timedelta(days=1)),
                            ("1 .. 7 days", lambda i: timedelta(days=1) < i <= timedelta(days=7)),
                            ("7 .. 14 days", lambda i: timedelta(days=7) < i < MAX_INTERVAL),
                            ("14 days (cap)", lambda i: i == MAX_INTERVAL)):
            print(f"  refreshed every {label}: {sum(map(test, intervals)):,}")
        print(f"  median interval: {statistics.median(intervals)}")
        print(f"refreshes a day: {per_day:,.0f}; quota: {per_day / 50:,.1f} units a day (channels.list, 50 accounts a "
              f"unit) of a key's 10,000")
        walls, cpus = [], []
        for _ in range(rounds):
            wall, cpu = time.perf_counter(), time.process_time()
            rows = await youtube_accounts_to_refresh(db.pool)
            now = datetime.now(UTC)
            due = [a for a in rows if a["refreshed_at"] is None
                   or a["refreshed_at"] + refresh_interval((), a["activity"]) <= now]
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
        print(f"hourly due check ({len(due):,} due of {len(rows):,}, {rounds} rounds): wall p50 "
              f"{statistics.median(walls) * 1000:.0f} ms, process CPU p50 {statistics.median(cpus) * 1000:.0f} ms")
    print(f"load average at the end: {' / '.join(f'{x:.1f}' for x in os.getloadavg())}")


def main(
    rounds: int = typer.Option(5, min=1, help="Timed hourly checks."),
    pg_data_dir: Path | None = typer.Option(None, help="Embedded Postgres folder to use and keep (default: a new "
                                            "temporary one)."),
) -> None:
    """Measure the creator refresh's cadence, quota and check cost on the real creator index (module docstring)."""
    if pg_data_dir is not None:
        asyncio.run(_measure(pg_data_dir, rounds))
        return
    with tempfile.TemporaryDirectory(prefix="cortex-bench-schedule-") as tmp:
        asyncio.run(_measure(Path(tmp) / "pgdata", rounds))


if __name__ == "__main__":
    typer.run(main)
