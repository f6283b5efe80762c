"""Who is calling and what they own: creator ids, API keys, thread ownership.

- A **creator id** is the chat login name normalised (``creator_id_for``): "Alice Smith" -> "alice-smith". The
  chat UI, the CLI (``cortex keys create --creator``) and the HTTP API use the same function, so a creator's key
  and chat login reach the same threads and data.
- **API keys** are ``cx_`` + 43 URL-safe characters (256 random bits, ``secrets.token_urlsafe(32)``), shown once
  when created; the database keeps only their SHA-256 digest. Slow salted hashes (bcrypt, argon2) exist for
  low-entropy passwords (NIST SP 800-63B 5.1.1.2); a 256-bit random key cannot be guessed, so one SHA-256 is
  enough and a lookup stays a primary-key read.
- **Chat logins**: a creator with a login (``cortex users create NAME``, table ``creator_logins``) signs in with
  their own password, stored as an Argon2id hash (argon2-cffi, RFC 9106 parameters; a password has low entropy,
  so it needs a slow salted hash). A creator without one may use the shared password (``CORTEX_UI_PASSWORD``) only
  while the service listens on loopback alone; every comparison is constant-time (``login``).
- **Threads** belong to one creator (table ``thread_owners``, memory/migrations/0006_api.sql); the API answers
  404 for a thread that is missing and for one that belongs to someone else alike.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

KEY_PREFIX = "cx_"
PREFIX_CHARS = 12
"""Characters of a key kept in clear (``cx_`` + 9) to tell keys apart in ``cortex keys list``."""


class AuthInputError(ValueError):
    """A creator id or key label that cannot be used; the message says what to change."""


def creator_id_for(username: str) -> str:
    """The creator id of a login name: lower case, runs of characters outside [a-z0-9_-] become one '-', no
    leading or trailing '-'. Returns '' when nothing is left (the caller rejects it)."""
    return re.sub(r"[^a-z0-9_-]+", "-", username.strip().lower()).strip("-")


# --- chat logins -------------------------------------------------------------------------------------------------

MIN_PASSWORD_CHARS = 8
"""Shortest password ``set_password`` takes (NIST SP 800-63B 5.1.1.2: at least 8 characters)."""
_HASHER = PasswordHasher()  # Argon2id with argon2-cffi's defaults (RFC 9106's second recommended option)


def is_loopback(host: str) -> bool:
    """Whether the service's bind address ``host`` reaches this machine only (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def set_password(pool: AsyncConnectionPool, username: str, password: str) -> str:
    """Create or replace the chat login of ``username``'s creator id; returns the id. Raises AuthInputError for an
    empty name or a password under ``MIN_PASSWORD_CHARS`` characters."""
    creator = creator_id_for(username)
    if not creator:
        raise AuthInputError(f"{username!r} has no letters or digits: pick a creator name such as 'alice'.")
    if len(password) < MIN_PASSWORD_CHARS:
        raise AuthInputError(f"The password is {len(password)} characters: use at least {MIN_PASSWORD_CHARS}.")
    hashed = await asyncio.to_thread(_HASHER.hash, password)
    async with pool.connection() as conn:
        await conn.execute("""INSERT INTO creator_logins (creator_id, password_hash) VALUES (%s, %s)
                              ON CONFLICT (creator_id) DO UPDATE SET password_hash = EXCLUDED.password_hash,
                                                                     updated_at = now()""", (creator, hashed))
    return creator


async def list_logins(pool: AsyncConnectionPool) -> list[tuple[str, datetime]]:
    """The creators with a chat login and when it was last set, by creator id."""
    async with pool.connection() as conn:
        cur = await conn.execute("SELECT creator_id, updated_at FROM creator_logins ORDER BY creator_id")
        return [(r["creator_id"], r["updated_at"]) for r in await cur.fetchall()]


async def delete_login(pool: AsyncConnectionPool, username: str) -> bool:
    """Remove ``username``'s chat login (their data stays); False when they had none."""
    async with pool.connection() as conn:
        cur = await conn.execute("DELETE FROM creator_logins WHERE creator_id = %s", (creator_id_for(username),))
        return cur.rowcount > 0


async def login(pool: AsyncConnectionPool, username: str, password: str, *, shared_password: str,
                host: str) -> str | None:
    """The creator id ``username`` signs in as, or None. A creator with a login needs its password (Argon2id
    verify; the hash is upgraded when the hasher's parameters changed); one without needs ``shared_password``, and
    only while ``host`` is loopback (``is_loopback``). Both comparisons are constant-time."""
    creator = creator_id_for(username)
    if not creator:
        return None
    async with pool.connection() as conn:
        cur = await conn.execute("SELECT password_hash FROM creator_logins WHERE creator_id = %s", (creator,))
        row = await cur.fetchone()
    if row is None:
        same = hmac.compare_digest(password.encode(), shared_password.encode())
        return creator if same and is_loopback(host) else None
    try:
        await asyncio.to_thread(_HASHER.verify, row["password_hash"], password)
    except (VerificationError, InvalidHashError):
        return None
    if _HASHER.check_needs_rehash(row["password_hash"]):
        await set_password(pool, creator, password)
    return creator


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class ApiKey:
    """A stored key, without its secret: the clear prefix, its creator and label, and when it was made, last
    used (to the minute) and revoked."""

    prefix: str
    creator_id: str
    label: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


_KEY_COLUMNS = "key_prefix, creator_id, label, created_at, last_used_at, revoked_at"


def _api_key(row: dict) -> ApiKey:
    return ApiKey(row["key_prefix"], row["creator_id"], row["label"], row["created_at"], row["last_used_at"],
                  row["revoked_at"])


async def create_key(pool: AsyncConnectionPool, creator: str, label: str = "") -> tuple[str, str]:
    """Make a key for ``creator`` (normalised with ``creator_id_for``); returns (creator id, the key). The key is
    shown once: only its digest is stored. Raises AuthInputError for a name with no usable character."""
    creator_id = creator_id_for(creator)
    if not creator_id:
        raise AuthInputError(f"{creator!r} has no letter or digit to make a creator id of; use e.g. --creator alice.")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    async with pool.connection() as conn:
        await conn.execute(
            "INSERT INTO api_keys (key_hash, key_prefix, creator_id, label) VALUES (%s, %s, %s, %s)",
            (_digest(key), key[:PREFIX_CHARS], creator_id, label.strip()),
        )
    return creator_id, key


async def list_keys(pool: AsyncConnectionPool, creator: str | None = None) -> list[ApiKey]:
    """The stored keys (all creators', or one creator's), newest first."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            f"SELECT {_KEY_COLUMNS} FROM api_keys "
            "WHERE %(creator)s::text IS NULL OR creator_id = %(creator)s ORDER BY created_at DESC",
            {"creator": creator_id_for(creator) if creator else None},
        )
        return [_api_key(r) for r in await cur.fetchall()]


async def revoke_key(pool: AsyncConnectionPool, prefix: str) -> ApiKey | None:
    """Revoke the key whose clear prefix is ``prefix`` (as ``list_keys`` shows it); returns it, or None when no
    active key has that prefix."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            f"UPDATE api_keys SET revoked_at = now() WHERE key_prefix = %s AND revoked_at IS NULL RETURNING {_KEY_COLUMNS}",
            (prefix.strip(),),
        )
        row = await cur.fetchone()
    return _api_key(row) if row else None


async def creator_for_key(pool: AsyncConnectionPool, key: str) -> str | None:
    """The creator id of an active key, or None for an unknown or revoked one. Marks the key used (at most one
    write a minute per key)."""
    digest = _digest(key.strip())
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT creator_id, last_used_at < now() - interval '1 minute' OR last_used_at IS NULL AS stale "
            "FROM api_keys WHERE key_hash = %s AND revoked_at IS NULL",
            (digest,),
        )
        row = await cur.fetchone()
        if row and row["stale"]:
            await conn.execute("UPDATE api_keys SET last_used_at = now() WHERE key_hash = %s", (digest,))
    return row["creator_id"] if row else None


@dataclass(frozen=True)
class OwnedThread:
    """A thread's ownership row: its id, creator, the client's metadata and when it was created and last run."""

    thread_id: str
    creator_id: str
    metadata: dict[str, Any]
    created_at: datetime
    updated_at: datetime


def _owned(row: dict) -> OwnedThread:
    return OwnedThread(row["thread_id"], row["creator_id"], row["metadata"], row["created_at"], row["updated_at"])


async def claim_thread(
    pool: AsyncConnectionPool, thread_id: str, creator_id: str, metadata: dict[str, Any] | None = None
) -> OwnedThread | None:
    """Record that ``creator_id`` owns ``thread_id``. Returns the new row, or None when the thread already had an
    owner (this creator or another: the caller decides what that means)."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            "INSERT INTO thread_owners (thread_id, creator_id, metadata) VALUES (%s, %s, %s) "
            "ON CONFLICT (thread_id) DO NOTHING RETURNING *",
            (thread_id, creator_id, Jsonb(metadata or {})),
        )
        row = await cur.fetchone()
    return _owned(row) if row else None


async def owned_thread(pool: AsyncConnectionPool, thread_id: str, creator_id: str) -> OwnedThread | None:
    """The thread when ``creator_id`` owns it; None when it does not exist or belongs to someone else."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT * FROM thread_owners WHERE thread_id = %s AND creator_id = %s", (thread_id, creator_id)
        )
        row = await cur.fetchone()
    return _owned(row) if row else None


async def claim_or_owned(pool: AsyncConnectionPool, thread_id: str, creator_id: str) -> bool:
    """Whether ``creator_id`` may write in ``thread_id``: a new thread is claimed for them, an existing one must be
    theirs (the chat and the CLI check this before each turn)."""
    return bool(await claim_thread(pool, thread_id, creator_id) or await owned_thread(pool, thread_id, creator_id))


async def thread_has_owner(pool: AsyncConnectionPool, thread_id: str) -> bool:
    """Whether any creator owns ``thread_id``."""
    async with pool.connection() as conn:
        cur = await conn.execute("SELECT 1 FROM thread_owners WHERE thread_id = %s", (thread_id,))
        return await cur.fetchone() is not None


async def creator_threads(
    pool: AsyncConnectionPool,
    creator_id: str,
    *,
    metadata: dict[str, Any] | None = None,
    ids: list[str] | None = None,
    sort_by: str = "updated_at",
    descending: bool = True,
    limit: int = 10,
    offset: int = 0,
) -> list[OwnedThread]:
    """A page of the creator's threads whose metadata contains ``metadata`` (JSON containment) and, when given,
    whose id is in ``ids``; sorted by ``sort_by`` ('thread_id', 'created_at' or 'updated_at')."""
    if sort_by not in ("thread_id", "created_at", "updated_at"):
        raise AuthInputError(f"sort_by {sort_by!r} is not supported: use thread_id, created_at or updated_at.")
    order = f"{sort_by} {'DESC' if descending else 'ASC'}, thread_id"
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT * FROM thread_owners WHERE creator_id = %(creator)s AND metadata @> %(metadata)s "
            "AND (%(ids)s::text[] IS NULL OR thread_id = ANY(%(ids)s)) "
            f"ORDER BY {order} LIMIT %(limit)s OFFSET %(offset)s",
            {"creator": creator_id, "metadata": Jsonb(metadata or {}), "ids": ids, "limit": limit, "offset": offset},
        )
        return [_owned(r) for r in await cur.fetchall()]


async def update_thread(
    pool: AsyncConnectionPool, thread_id: str, metadata: dict[str, Any] | None = None
) -> OwnedThread | None:
    """Mark the thread updated now, merging ``metadata`` into its metadata; returns the row (None if missing)."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            "UPDATE thread_owners SET metadata = metadata || %s, updated_at = now() WHERE thread_id = %s RETURNING *",
            (Jsonb(metadata or {}), thread_id),
        )
        row = await cur.fetchone()
    return _owned(row) if row else None


async def forget_thread(pool: AsyncConnectionPool, thread_id: str) -> None:
    """Remove the thread's ownership row (its checkpoints are deleted by the caller)."""
    async with pool.connection() as conn:
        await conn.execute("DELETE FROM thread_owners WHERE thread_id = %s", (thread_id,))


async def chat_thread_of(pool: AsyncConnectionPool, *, step_id: str | None = None,
                         feedback_id: str | None = None) -> str | None:
    """The chat thread (its id, as text) a Chainlit message (``step_id``) or a feedback row (``feedback_id``)
    belongs to; None when there is no such message or feedback, or the id is not a UUID."""
    try:
        key = str(uuid.UUID(str(step_id or feedback_id)))
    except ValueError:
        return None
    table = "steps" if step_id else "feedbacks"
    async with pool.connection() as conn:
        cur = await conn.execute(f'SELECT "threadId"::text AS thread_id FROM {table} WHERE id = %s', (key,))
        row = await cur.fetchone()
    return row["thread_id"] if row else None
