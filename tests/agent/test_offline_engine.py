"""The offline engine routes requests to the right tool with the right arguments, or asks. Unit tests: the channel
names the extractors match come from the shared data's upload histories through the run context, no database."""

from __future__ import annotations

import pytest
from langchain_core.messages import HumanMessage

from agent.offline import OfflineEngine
from memory.corpus.sources import FULL_HISTORY_SOURCES, SOURCES
from tools import all_tools
from tools.base import CortexContext


@pytest.fixture(scope="module")
def channels(data_dir) -> tuple[str, ...]:
    """The names of the channels with a full upload history, as ingestion reads them (what the corpus knows)."""
    return tuple(sorted({row.channel_name for source in FULL_HISTORY_SOURCES for row in SOURCES[source](data_dir)}))


@pytest.fixture
def engine(channels) -> OfflineEngine:
    return OfflineEngine(threshold=0.42, context=CortexContext(channels=channels)).bind_tools(all_tools())


async def test_score_request_reaches_score_title(engine):
    reply = await engine.ainvoke([HumanMessage("Score this title: I Built a Giant Lego Volcano")])
    assert [c["name"] for c in reply.tool_calls] == ["score_title"]
    assert reply.tool_calls[0]["args"]["titles"] == ["I Built a Giant Lego Volcano"]


async def test_outlier_request_reaches_retrieve_outliers_with_channels(engine):
    reply = await engine.ainvoke(
        [HumanMessage("Show me outliers about space experiments from Mark Rober or Veritasium")]
    )
    call = reply.tool_calls[0]
    assert call["name"] == "retrieve_outliers"
    assert call["args"]["query"] == "space experiments"
    assert sorted(call["args"]["channels"]) == ["Mark Rober", "Veritasium"]


async def test_filters_are_extracted(engine):
    reply = await engine.ainvoke([HumanMessage("find 5x outlier shorts about makeup from NikkieTutorials since 2020")])
    args = reply.tool_calls[0]["args"]
    assert args["min_multiplier"] == 5.0 and args["video_format"] == "short"
    assert args["channels"] == ["NikkieTutorials"] and args["published_after"] == "2020-01-01"
    assert "makeup" in args["query"]


async def test_quoted_titles_are_compared(engine):
    reply = await engine.ainvoke(
        [HumanMessage('Which title is better: "I tried yoga for 30 days" or "30 days of yoga"?')]
    )
    call = reply.tool_calls[0]
    assert call["name"] == "score_title"
    assert call["args"] == {"titles": ["I tried yoga for 30 days", "30 days of yoga"], "compare": True}


async def test_off_topic_gets_a_clarifying_question(engine):
    reply = await engine.ainvoke([HumanMessage("What's the weather like in Paris tomorrow?")])
    assert not reply.tool_calls
    assert "not sure" in reply.content and "score_title" in reply.content


async def test_missing_argument_gets_the_tools_question(engine):
    reply = await engine.ainvoke([HumanMessage("Can you score my title?")])
    assert not reply.tool_calls
    assert "Which title should I score?" in reply.content


async def test_answer_streams_token_by_token(engine):
    chunks = [c async for c in engine.astream([HumanMessage("hello")])]
    assert len(chunks) > 5
    assert "".join(c.content for c in chunks).startswith("I'm Creator Cortex")
