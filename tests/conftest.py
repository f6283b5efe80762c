"""Shared fixtures: one real Postgres (embedded in a temp dir, or DATABASE_URL) with the real corpus; and the kind
of every test, told from what it uses:

- ``e2e``: drives a real ``cortex serve`` process or a real browser (the ``service`` fixture, ``spawned_service``,
  Playwright);
- ``integration``: uses the real Postgres (the ``db`` fixture, directly or through another fixture);
- ``unit``: everything else. A unit test gets no database: the process database is hidden and any attempt to
  connect fails the test, so "unit" stays true to its word.

``pytest -m unit`` runs the unit tests alone (seconds, no Postgres started); ``make test`` runs them all.
The tree mirrors the code: ``tests/tools/scoring/`` tests ``tools/scoring/`` and so on; ``support.py`` holds the
helpers several modules share."""

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

import inspect  # noqa: E402

import pytest  # noqa: E402

import memory.db  # noqa: E402
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


@pytest.fixture(scope="module")
def app(db):
    """The service's FastAPI app (chat UI, HTTP API) on the session's database, for in-process clients."""
    from agent.server import create_app

    return create_app()


_E2E_MARKS = ("spawned_service(", "async_playwright()")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test ``e2e``, ``integration`` or ``unit`` (see the module docstring)."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        source = inspect.getsource(item.function) if hasattr(item, "function") else ""
        if any(item.get_closest_marker(kind) for kind in ("unit", "integration", "e2e")):
            continue  # marked by hand: a test that opens a database of its own
        if "service" in fixtures or any(mark in source for mark in _E2E_MARKS):
            item.add_marker(pytest.mark.e2e)
        elif "db" in fixtures:
            item.add_marker(pytest.mark.integration)
        else:
            item.add_marker(pytest.mark.unit)


@pytest.fixture(autouse=True)
def _no_database_in_unit_tests(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A unit test that reaches for Postgres (``get_database``, ``Database.open``, ``connect``) fails, saying so."""
    if request.node.get_closest_marker("unit") is None:
        return

    def refuse(*_args, **_kwargs):
        raise AssertionError("a unit test reached for the database: pass what it needs (a CortexContext with "
                             "channels, a pool from the db fixture in an integration test)")

    monkeypatch.setattr(memory.db, "_current", None)
    monkeypatch.setattr(memory.db, "conninfo", refuse)
