"""The offline engine routes requests to the right tool with the right arguments, or asks."""

from __future__ import annotations

from langchain_core.messages import HumanMessage

from agent.offline import OfflineEngine
from tools import all_tools


def engine() -> OfflineEngine:
    return OfflineEngine(threshold=0.42).bind_tools(all_tools())


async def test_score_request_reaches_score_title(db):
    reply = await engine().ainvoke([HumanMessage("Score this title: I Built a Giant Lego Volcano")])
    assert [c["name"] for c in reply.tool_calls] == ["score_title"]
    assert reply.tool_calls[0]["args"]["titles"] == ["I Built a Giant Lego Volcano"]


async def test_outlier_request_reaches_retrieve_outliers_with_channels(db):
    reply = await engine().ainvoke(
        [HumanMessage("Show me outliers about space experiments from Mark Rober or Veritasium")]
    )
    call = reply.tool_calls[0]
    assert call["name"] == "retrieve_outliers"
    assert call["args"]["query"] == "space experiments"
    assert sorted(call["args"]["channels"]) == ["Mark Rober", "Veritasium"]


async def test_filters_are_extracted(db):
    reply = await engine().ainvoke([HumanMessage("find 5x outlier shorts about makeup from NikkieTutorials since 2020")])
    args = reply.tool_calls[0]["args"]
    assert args["min_multiplier"] == 5.0 and args["video_format"] == "short"
    assert args["channels"] == ["NikkieTutorials"] and args["published_after"] == "2020-01-01"
    assert "makeup" in args["query"]


async def test_quoted_titles_are_compared(db):
    reply = await engine().ainvoke(
        [HumanMessage('Which title is better: "I tried yoga for 30 days" or "30 days of yoga"?')]
    )
    call = reply.tool_calls[0]
    assert call["name"] == "score_title"
    assert call["args"] == {"titles": ["I tried yoga for 30 days", "30 days of yoga"], "compare": True}


async def test_off_topic_gets_a_clarifying_question(db):
    reply = await engine().ainvoke([HumanMessage("What's the weather like in Paris tomorrow?")])
    assert not reply.tool_calls
    assert "not sure" in reply.content and "score_title" in reply.content


async def test_missing_argument_gets_the_tools_question(db):
    reply = await engine().ainvoke([HumanMessage("Can you score my title?")])
    assert not reply.tool_calls
    assert "Which title should I score?" in reply.content


async def test_answer_streams_token_by_token(db):
    chunks = [c async for c in engine().astream([HumanMessage("hello")])]
    assert len(chunks) > 5
    assert "".join(c.content for c in chunks).startswith("I'm Creator Cortex")
