"""Shared fixtures: one real Postgres (embedded in a temp dir, or DATABASE_URL) with the real corpus."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

# Before anything imports chainlit or reads settings: keep generated files out of the work tree and
# answer with the offline engine whatever keys the machine has.
_ROOT = Path(tempfile.mkdtemp(prefix="cortex-tests-"))
os.environ.setdefault("CORTEX_PG_DATA_DIR", str(_ROOT / "pgdata"))
os.environ["CORTEX_STATE_DIR"] = str(_ROOT / "state")
os.environ["CHAINLIT_APP_ROOT"] = str(_ROOT / "chainlit")
os.environ["CORTEX_ENGINE"] = "offline"
(_ROOT / "chainlit").mkdir(parents=True, exist_ok=True)

import pytest  # noqa: E402

from agent.settings import get_settings  # noqa: E402

get_settings.cache_clear()


@pytest.fixture(scope="session")
def settings():
    return get_settings()


@pytest.fixture(scope="session")
def data_dir(settings) -> Path:
    if not settings.data_dir.is_dir():
        pytest.fail(f"The shared data is missing at {settings.data_dir}; set CORTEX_DATA_DIR.")
    return settings.data_dir


@pytest.fixture(scope="session")
async def db(settings, data_dir):
    """The database with the corpus ingested once for the session; set as the process database."""
    from memory.corpus.ingest import ingest_corpus
    from memory.db import Database, use_database

    async with Database.open(settings) as database:
        report = await ingest_corpus(database.pool, data_dir)
        database.first_ingest = report  # type: ignore[attr-defined]
        use_database(database)
        yield database
        use_database(None)
