"""The chat's starters send what their labels say and land on data that exists: each goes through the real graph
(offline engine, real corpus) to the tool it names, and that tool finds real videos or scores real titles."""

from __future__ import annotations

import uuid

from langchain_core.messages import ToolMessage

from agent.turns import run_config, run_turn
from graphs.conversation import build_graph
from tools.base import CortexContext
from ui.app import starters

EXPECTED = {
    "Score my title": "score_title",
    "Outliers about space experiments": "retrieve_outliers",
    "What works in personal finance?": "retrieve_outliers",
    "Compare two titles": "score_title",
}


async def test_starters_reach_their_tool_and_real_data(db):
    graph = build_graph(db.checkpointer, db.store)

    async def drain(stream) -> None:
        async for _ in stream:
            pass

    offered = await starters()
    assert {s.label for s in offered} == set(EXPECTED)
    for starter in offered:
        creator = "starter-tester"
        result = await run_turn(graph, {"messages": [("user", starter.message)]}, run_config(str(uuid.uuid4()), creator),
                                CortexContext(creator_id=creator, db=db), on_stream=drain, stream_modes=["updates"],
                                stopped="the test stopped")
        calls = [m for m in result.messages if isinstance(m, ToolMessage)]
        assert [m.name for m in calls] == [EXPECTED[starter.label]], starter.label
        artifact = calls[0].artifact
        if starter.label == "What works in personal finance?":  # the finance channel of the corpus, its outliers
            assert artifact and {h["channel"] for h in artifact} == {"Nischa"}, calls[0].content[:300]
        elif EXPECTED[starter.label] == "retrieve_outliers":  # real outliers of the two channels it names
            assert artifact and {h["channel"] for h in artifact} <= {"Mark Rober", "Veritasium"}
        elif starter.label == "Compare two titles":
            assert artifact["winner"] in ("a", "b", "tie")
        else:
            assert artifact["scores"][0]["title"] == "I Built a Giant Lego Volcano"
