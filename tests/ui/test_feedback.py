"""Chainlit's feedback routes answer only for the caller's own messages: another creator's message or rating is
404, as a missing one, and nothing is written (``ui.feedback``)."""

from __future__ import annotations

import uuid

import httpx
from chainlit.auth.jwt import create_jwt
from chainlit.user import User

from agent import auth


def _client(app, creator: str, cookie: bool = False) -> httpx.AsyncClient:
    """A session of ``creator`` with Chainlit's own token: in its ``access_token`` cookie, as the browser sends it
    after the login, or as a bearer token."""
    token = create_jwt(User(identifier=creator))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test",
                             cookies={"access_token": token} if cookie else None,
                             headers=None if cookie else {"Authorization": f"Bearer {token}"})


async def test_feedback_only_on_your_own_messages(app, db):
    bob, alice = f"feedback-bob-{uuid.uuid4().hex[:6]}", f"feedback-alice-{uuid.uuid4().hex[:6]}"
    thread, step = str(uuid.uuid4()), str(uuid.uuid4())
    await auth.claim_thread(db.pool, thread, bob)
    async with db.pool.connection() as conn:
        await conn.execute('INSERT INTO threads (id, "userIdentifier") VALUES (%s, %s)', (thread, bob))
        await conn.execute('INSERT INTO steps (id, name, type, "threadId", streaming) VALUES (%s, %s, %s, %s, false)',
                           (step, "Assistant", "assistant_message", thread))
    rate = {"feedback": {"forId": step, "threadId": thread, "value": 0}, "sessionId": "tests"}
    async with _client(app, alice) as client:
        refused = await client.put("/feedback", json=rate)
    assert refused.status_code == 404 and "your conversations" in refused.json()["detail"]
    async with _client(app, bob, cookie=True) as client:
        rated = await client.put("/feedback", json=rate)
    assert rated.status_code == 200, rated.text
    feedback_id = rated.json()["feedbackId"]
    async with _client(app, alice) as client:
        assert (await client.request("DELETE", "/feedback", json={"feedbackId": feedback_id})).status_code == 404
        assert (await client.put("/feedback", json={**rate, "feedback": {**rate["feedback"], "forId": "x"}})
                ).status_code == 404
    async with db.pool.connection() as conn:
        cur = await conn.execute('SELECT "forId"::text AS for_id FROM feedbacks WHERE "threadId" = %s', (thread,))
        assert [r["for_id"] for r in await cur.fetchall()] == [step]  # bob's one rating, untouched by alice
