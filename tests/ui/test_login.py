"""Chat logins through Chainlit's real /login route: a creator with a password set by `cortex users create` signs in
with it alone (Argon2id hash stored, never the password); the shared CORTEX_UI_PASSWORD signs in only creators
without one, and only while the service listens on loopback."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
from typer.testing import CliRunner

from agent import auth
from agent.cli import app as cli
from agent.settings import get_settings


async def _login(app, username: str, password: str) -> int:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        response = await client.post("/login", data={"username": username, "password": password})
    return response.status_code


async def test_own_password_or_shared_on_loopback_only(app, db, monkeypatch):
    name = f"Login Alice {uuid.uuid4().hex[:6]}"
    creator = auth.creator_id_for(name)
    result = await asyncio.to_thread(CliRunner().invoke, cli, ["users", "create", name, "--password-stdin"],
                                     input="volcano-lego-42\n")  # the command runs its own event loop
    assert result.exit_code == 0, result.output
    async with db.pool.connection() as conn:
        stored = (await (await conn.execute("SELECT password_hash FROM creator_logins WHERE creator_id = %s",
                                            (creator,))).fetchone())["password_hash"]
    assert stored.startswith("$argon2id$") and "volcano" not in stored

    shared = get_settings().ui_password.get_secret_value()
    assert await _login(app, name, "volcano-lego-42") == 200
    assert await _login(app, name.upper() + "!!", "volcano-lego-42") == 200  # the same creator id, her password
    assert await _login(app, name, shared) == 401  # her own password replaces the shared one
    assert await _login(app, name, "volcano-lego-43") == 401
    newcomer = f"newcomer-{uuid.uuid4().hex[:6]}"
    assert await _login(app, newcomer, shared) == 200  # no password of their own: the shared one, on loopback

    monkeypatch.setenv("CORTEX_HOST", "0.0.0.0")
    get_settings.cache_clear()
    try:
        assert await _login(app, newcomer, shared) == 401  # beyond loopback the shared password signs no one in
        assert await _login(app, name, "volcano-lego-42") == 200
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()

    assert (await asyncio.to_thread(CliRunner().invoke, cli, ["users", "delete", name])).exit_code == 0
    assert await _login(app, name, "volcano-lego-42") == 401


@pytest.mark.parametrize(("name", "password", "words"), [
    ("!!!", "long-enough-1", "no letters or digits"),
    ("Short Pass", "abc", "at least 8"),
])
async def test_bad_logins_say_what_to_fix(db, name, password, words):
    with pytest.raises(auth.AuthInputError, match=words):
        await auth.set_password(db.pool, name, password)


def test_loopback_hosts():
    assert all(auth.is_loopback(h) for h in ("127.0.0.1", "127.0.0.2", "::1", "localhost"))
    assert not any(auth.is_loopback(h) for h in ("0.0.0.0", "::", "192.168.1.4", "example.com"))
