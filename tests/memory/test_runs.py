"""Runs in Postgres (``memory.runs``) on the real database: one active run per thread whatever the number of
callers at once, runs queued behind it taking the thread in order, a waiting run cancelled, events kept in order,
and a rolled-back run's checkpoints dropped."""

from __future__ import annotations

import asyncio
import uuid

import psycopg
import pytest

from memory import runs


def _new(tid: str, strategy: str = "reject"):
    return dict(run_id=str(uuid.uuid4()), thread_id=tid, creator_id="runs-test", strategy=strategy, kwargs={},
                metadata={}, background=False)


async def test_one_active_run_per_thread_whoever_asks_and_the_queue_behind_it(db):
    tid = str(uuid.uuid4())
    asked = await asyncio.gather(*(runs.create(db.pool, **_new(tid)) for _ in range(6)), return_exceptions=True)
    created = [r for r in asked if isinstance(r, runs.RunRecord)]
    assert len(created) == 1 and all(isinstance(r, runs.ThreadBusy) for r in asked if r not in created)
    first = created[0]
    assert first.status == "pending" and await runs.busy(db.pool, tid)

    second = await runs.create(db.pool, **_new(tid, "enqueue"))
    third = await runs.create(db.pool, **_new(tid, "enqueue"))
    assert second.status == third.status == "queued"
    assert await runs.claim(db.pool, second.run_id) is None  # the thread is held by the first
    running = await runs.claim(db.pool, first.run_id)
    assert running.status == "running" and running.attempt == 1

    async with db.pool.connection() as conn:  # the index itself refuses a second active run
        with pytest.raises(psycopg.errors.UniqueViolation):
            await conn.execute("UPDATE runs SET status = 'pending' WHERE run_id = %s", (second.run_id,))

    await runs.finish(db.pool, first.run_id, "success")
    assert await runs.claim(db.pool, third.run_id) is None  # the older queued run goes first
    assert (await runs.claim(db.pool, second.run_id)).status == "running"
    cancelled = await runs.request_cancel(db.pool, third.run_id, "interrupt")  # still waiting: ends at once
    assert cancelled.status == "interrupted" and cancelled.cancel is None
    asked = await runs.request_cancel(db.pool, second.run_id, "rollback")  # running: its process is told
    assert asked.status == "running" and asked.cancel == "rollback"
    await runs.finish(db.pool, second.run_id, "interrupted")
    assert not await runs.busy(db.pool, tid)
    listed = await runs.of_thread(db.pool, tid, limit=10)
    assert [r.run_id for r in listed] == [third.run_id, second.run_id, first.run_id]
    assert [r.status for r in await runs.of_thread(db.pool, tid, ["success"])] == ["success"]


async def test_events_in_order_and_a_rolled_back_runs_checkpoints_dropped(db):
    from agent.turns import run_config
    from graphs.conversation import persistent_graph

    tid = str(uuid.uuid4())
    run = await runs.create(db.pool, **_new(tid))
    await runs.append_events(db.pool, run.run_id, 0, [("metadata", '{"run_id": 1}'), ("values", "{}")])
    await runs.append_events(db.pool, run.run_id, 2, [("end", "{}")])
    assert [e for _, e, _ in await runs.events_after(db.pool, run.run_id, 0)] == ["values", "end"]
    assert await runs.last_seq(db.pool, run.run_id) == 2

    graph = persistent_graph(db)
    config = run_config(tid, "runs-test")
    await graph.aupdate_state(config, {"messages": [{"role": "user", "content": "first"}]}, as_node="answer")
    head = (await graph.aget_state(config)).config["configurable"]["checkpoint_id"]
    await graph.aupdate_state(config, {"messages": [{"role": "user", "content": "second"}]}, as_node="answer")
    assert await runs.drop_checkpoints_after(db.pool, tid, head) == 1
    state = await graph.aget_state(config)
    assert state.config["configurable"]["checkpoint_id"] == head
    assert [m.content for m in state.values["messages"]] == ["first"]
    await runs.finish(db.pool, run.run_id, "success")
    await runs.delete(db.pool, run.run_id)
    assert await runs.get(db.pool, run.run_id) is None and await runs.events_after(db.pool, run.run_id, -1) == []
