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
    from ui.render import STREAM_MODES, render_run

    ctx = init_http_context(thread_id=str(uuid.uuid4()))
    emitter = RecordingEmitter(ctx.session)
    ctx.emitter = emitter
    graph = build_graph(db.checkpointer, db.store)
    thread = ctx.session.thread_id
    stream = graph.astream(
        {"messages": [("user", "Show me outliers about space experiments from Mark Rober or Veritasium")]},
        run_config(thread, "tester"), context=CortexContext(creator_id="tester"),
        stream_mode=STREAM_MODES,
    )
    answer = await render_run(stream)
    names = [s["name"] for s in emitter.steps if s.get("type") in ("run", "tool")]
    run_id = next(s["id"] for s in emitter.steps if s["name"] == "Run")
    nodes = {s["id"]: s["name"] for s in emitter.steps if s.get("parentId") == run_id}
    assert set(nodes.values()) == {"Model", "Tools", "Answer"}  # a step per node, inside the run's
    parents = {s["name"]: nodes.get(s.get("parentId")) for s in emitter.steps if s.get("type") == "tool"}
    assert parents["route"] == "Model" and parents["rag.retrieval"] == "Tools"  # each trace event in its node's
    for step in (s for s in emitter.steps if s.get("type") == "run" and s["name"] in ("Run", *nodes.values())):
        assert step["defaultOpen"] and step["autoCollapse"] and step["start"]  # open while running, then closed
    last = {s["id"]: s for s in emitter.steps}  # each step as last sent: every one ended
    assert all(s["end"] for s in last.values() if s.get("type") in ("run", "tool"))
    for expected in ("Model", "Tools", "Answer", "route", "rag.retrieval"):
        assert expected in names, (expected, names)
    assert names.index("route") < names.index("rag.retrieval") < names.index("Answer")
    assert len(emitter.tokens) > 20  # the answer arrived token by token
    assert "offline engine" in answer.content and "Egg Drop From Space" in answer.content
