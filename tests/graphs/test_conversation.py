"""The conversation graph end to end on the real corpus, checkpointed in real Postgres."""

from __future__ import annotations

import uuid

from langchain_core.messages import AIMessage, ToolMessage

from agent.turns import run_config
from graphs.conversation import build_graph
from memory.db import Database
from tools.base import CortexContext


async def _ask(graph, thread: str, text: str):
    events = [
        (mode, chunk)
        async for mode, chunk in graph.astream(
            {"messages": [("user", text)]}, run_config(thread, "tester"),
            context=CortexContext(creator_id="tester"), stream_mode=["updates", "custom"],
        )
    ]
    state = await graph.aget_state(run_config(thread, "tester"))
    return events, state.values["messages"]


async def test_outlier_question_answers_with_real_videos(db):
    graph = build_graph(db.checkpointer, db.store)
    events, messages = await _ask(graph, str(uuid.uuid4()), "Show me outliers about space experiments from Mark Rober or Veritasium")
    nodes = [next(iter(chunk)) for mode, chunk in events if mode == "updates"]
    assert nodes == ["model", "tools", "model", "answer"]
    traces = [chunk["name"] for mode, chunk in events if mode == "custom"]
    assert "route" in traces and "rag.retrieval" in traces
    tool_msg = next(m for m in messages if isinstance(m, ToolMessage))
    hits = tool_msg.artifact
    assert hits and {h["channel"] for h in hits} <= {"Mark Rober", "Veritasium"}
    assert all(h["multiplier"] >= 2.0 for h in hits)
    answer = messages[-1]
    assert isinstance(answer, AIMessage) and "offline engine" in answer.content
    assert hits[0]["title"] in answer.content


async def test_thread_survives_a_restart(db, settings):
    thread = str(uuid.uuid4())
    await _ask(build_graph(db.checkpointer, db.store), thread, "Show me outliers about black holes from Veritasium")
    # a new pool, checkpointer and graph: as after a service restart
    async with Database.open(settings, max_size=2) as fresh:
        graph = build_graph(fresh.checkpointer, fresh.store)
        state = await graph.aget_state(run_config(thread, "tester"))
        assert state.values["messages"][0].content == "Show me outliers about black holes from Veritasium"
        _, messages = await _ask(graph, thread, "hello")
        assert len(messages) == 6  # 4 from the first turn + the greeting and its answer
