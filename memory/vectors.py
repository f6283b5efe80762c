"""Per-model pgvector tables and their one registry (``vector_tables``, ``migrations/0008_vector_registry.sql``).

A pgvector column has a fixed dimension, so every embedding model gets its own table for each kind of vector:
``<kind>_vec_<model in [a-z0-9_]>`` (``title_vec_all_minilm_l6_v2``, ``creator_vec_minilm_static``), registered
with its dimension under (kind, model). Each kind is described once by a ``VectorTable``: its columns besides
``embedding``, its HNSW indexes (cosine distance, pgvector's defaults m = 16, ef_construction = 64; partial ones
for filtered search, as pgvector's README suggests) and its B-tree indexes. Kinds: ``title`` (video titles,
``memory.corpus.vectors.TITLE_VECTORS``) and ``creator`` (account bios and content, ``memory.creators.vectors.CREATOR_VECTORS``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from psycopg_pool import AsyncConnectionPool


@dataclass(frozen=True)
class VectorTable:
    """One kind of per-model vector table.

    - ``kind``: lower-case letters ('title', 'creator'): the registry key with the model, and the tables' prefix;
    - ``columns``: SQL column definitions and table constraints besides ``embedding vector(<dim>) NOT NULL``,
      which ``ensure_vector_table`` adds as the last column;
    - ``hnsw``: (index suffix, partial-index predicate or None for every row) of each HNSW index over ``embedding``;
    - ``btree``: columns with a B-tree index each (named ``<table>_<column>``), or comma-separated columns of a
      composite one (named with the columns joined by '_'), optionally followed by ``INCLUDE (columns)``: a covering
      index, whose name ends in '_incl', that answers index-only scans.

    Raises ValueError for a kind that is not lower-case letters.
    """

    kind: str
    columns: str
    hnsw: tuple[tuple[str, str | None], ...] = (("hnsw", None),)
    btree: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z]+", self.kind):
            raise ValueError(f"A vector-table kind is lower-case letters, not {self.kind!r}.")

    def table_name(self, model: str) -> str:
        """The table of ``model``: '<kind>_vec_' + the model name lower-cased, other characters as '_'."""
        return f"{self.kind}_vec_" + re.sub(r"[^a-z0-9]+", "_", model.lower()).strip("_")

    def index_sql(self, table: str) -> list[str]:
        """CREATE INDEX IF NOT EXISTS statements of the table's secondary indexes: the B-trees, then the HNSW ones."""
        return [
            *(f"CREATE INDEX IF NOT EXISTS {table}_{_index_suffix(c)} ON {table} {_btree_columns(c)}" for c in self.btree),
            *(
                f"CREATE INDEX IF NOT EXISTS {table}_{suffix} ON {table} USING hnsw (embedding vector_cosine_ops)"
                + (f" WHERE {where}" if where else "")
                for suffix, where in self.hnsw
            ),
        ]

    def index_names(self, table: str) -> list[str]:
        """Names of the indexes of ``index_sql``, in the same order."""
        return [*(f"{table}_{_index_suffix(c)}" for c in self.btree), *(f"{table}_{suffix}" for suffix, _ in self.hnsw)]


def _btree_columns(columns: str) -> str:
    """'niche, outlier_multiplier INCLUDE (views)' -> '(niche, outlier_multiplier) INCLUDE (views)'."""
    key, _, covered = columns.partition(" INCLUDE ")
    return f"({key})" + (f" INCLUDE {covered}" if covered else "")


def _index_suffix(columns: str) -> str:
    """'niche, outlier_multiplier' -> 'niche_outlier_multiplier'; one column stays as it is; a covering index's
    included columns are not named: 'niche, outlier_multiplier INCLUDE (views)' -> 'niche_outlier_multiplier_incl'."""
    key, covering, _ = columns.partition(" INCLUDE ")
    return re.sub(r"\W+", "_", key).strip("_") + ("_incl" if covering else "")


async def ensure_vector_table(pool: AsyncConnectionPool, spec: VectorTable, model: str, dim: int) -> str:
    """Create (once) the ``spec.kind`` vector table of an embedding model with its indexes, and register it with
    its dimension; returns the table name (the registered one when the model is known).

    Raises ValueError when the model is registered for this kind with another dimension.
    """
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT dim, table_name FROM vector_tables WHERE kind = %s AND model = %s", (spec.kind, model)
        )
        row = await cur.fetchone()
        if row:
            if row["dim"] != dim:
                raise ValueError(
                    f"{model} is registered for {spec.kind} vectors with dimension {row['dim']}, not {dim}."
                )
            return row["table_name"]
        table = spec.table_name(model)
        async with conn.transaction():
            await conn.execute(
                f"CREATE TABLE IF NOT EXISTS {table} ({spec.columns}, embedding vector({int(dim)}) NOT NULL)"
            )
            for sql in spec.index_sql(table):
                await conn.execute(sql)
            await conn.execute(
                """INSERT INTO vector_tables (kind, model, dim, table_name) VALUES (%s, %s, %s, %s)
                   ON CONFLICT DO NOTHING""",
                (spec.kind, model, dim, table),
            )
    return table


async def vector_table(pool: AsyncConnectionPool, kind: str, model: str) -> str | None:
    """The ``kind`` vector table of ``model``, or None when nothing was embedded with it yet."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT table_name FROM vector_tables WHERE kind = %s AND model = %s", (kind, model)
        )
        row = await cur.fetchone()
    return row["table_name"] if row else None


async def vector_tables(pool: AsyncConnectionPool, kind: str) -> list[str]:
    """Every registered ``kind`` vector table, by name."""
    async with pool.connection() as conn:
        cur = await conn.execute("SELECT table_name FROM vector_tables WHERE kind = %s ORDER BY table_name", (kind,))
        return [r["table_name"] for r in await cur.fetchall()]
