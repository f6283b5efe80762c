"""The Chainlit renderer: a step per graph node and per trace event, the answer streamed token by token
(a recording emitter stands in for the browser's websocket here)."""

from __future__ import annotations

import uuid

from chainlit.context import init_http_context

from agent.turns import run_config
from graphs.conversation import build_graph
from tools.base import CortexContext

from support import RecordingEmitter


async def test_render_emits_a_step_per_node_and_trace(db):
    from ui.render import render_run

    ctx = init_http_context(thread_id=str(uuid.uuid4()))
    emitter = RecordingEmitter(ctx.session)
    ctx.emitter = emitter
    graph = build_graph(db.checkpointer, db.store)
    thread = ctx.session.thread_id
    stream = graph.astream(
        {"messages": [("user", "Show me outliers about space experiments from Mark Rober or Veritasium")]},
        run_config(thread, "tester"), context=CortexContext(creator_id="tester"),
        stream_mode=["updates", "messages", "custom"],
    )
    answer = await render_run(stream)
    names = [s["name"] for s in emitter.steps if s.get("type") in ("run", "tool")]
    run_id = next(s["id"] for s in emitter.steps if s["name"] == "Run")
    assert all(s.get("parentId") == run_id for s in emitter.steps if s["name"] in ("Model", "route"))
    for expected in ("Model", "Tools", "Answer", "route", "rag.retrieval"):
        assert expected in names, (expected, names)
    assert names.index("route") < names.index("rag.retrieval") < names.index("Answer")
    assert len(emitter.tokens) > 20  # the answer arrived token by token
    assert "offline engine" in answer.content and "Egg Drop From Space" in answer.content
