"""The offline engine routes requests to the right tool with the right arguments, asks, or answers small talk; it
follows the conversation (follow-ups, references to shown titles) and splits two requests into two calls. Unit
tests: the channel names the extractors match come from the shared data's upload histories through the run context,
no database."""

from __future__ import annotations

import re

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from agent.offline import OfflineEngine, split_requests
from memory.corpus.sources import FULL_HISTORY_SOURCES, SOURCES
from tools import all_tools
from tools.base import CortexContext


@pytest.fixture(scope="module")
def channels(data_dir) -> tuple[str, ...]:
    """The names of the channels with a full upload history, as ingestion reads them (what the corpus knows)."""
    return tuple(sorted({row.channel_name for source in FULL_HISTORY_SOURCES for row in SOURCES[source](data_dir)}))


@pytest.fixture
def engine(channels) -> OfflineEngine:
    return OfflineEngine(context=CortexContext(channels=channels)).bind_tools(all_tools())


TOOL_NAMES = re.compile("|".join(rf"\b{t.name}\b" for t in all_tools()))


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


async def test_off_topic_is_declined_politely_without_tool_names(engine):
    reply = await engine.ainvoke([HumanMessage("What's the weather like in Paris tomorrow?")])
    assert not reply.tool_calls
    assert reply.content.startswith("Sorry, that's outside what I can help with")
    assert "score a title" in reply.content and not TOOL_NAMES.search(reply.content)


async def test_missing_argument_gets_the_tools_question(engine):
    reply = await engine.ainvoke([HumanMessage("Can you score my title?")])
    assert not reply.tool_calls
    assert "Which title should I score?" in reply.content


@pytest.mark.parametrize("text", ["hello", "hey there, good to meet you"])
async def test_a_greeting_gets_a_short_welcome_with_three_requests_to_try(engine, text):
    reply = await engine.ainvoke([HumanMessage(text)])
    assert not reply.tool_calls
    assert reply.content.startswith("Hi! I'm Creator Cortex")
    assert reply.content.count("\n- “") == 3 and not TOOL_NAMES.search(reply.content)


async def test_thanks_gets_a_short_reply_not_the_capability_list(engine):
    reply = await engine.ainvoke([HumanMessage("thank you, this was really useful")])
    assert reply.content.startswith("You're welcome") and len(reply.content) < 120


async def test_what_can_you_do_lists_actions_in_words(engine):
    reply = await engine.ainvoke([HumanMessage("what sort of stuff are you able to do for me?")])
    assert "- Score a title or compare two" in reply.content and not TOOL_NAMES.search(reply.content)


@pytest.mark.parametrize("text, words", [
    ("does the length of a title really matter??", "70 characters"),
    ("any tips on naming my new channel?", "easy to spell"),
])
async def test_general_advice_gets_a_short_honest_answer_and_what_the_product_does(engine, text, words):
    reply = await engine.ainvoke([HumanMessage(text)])
    assert not reply.tool_calls
    assert words in reply.content and "Where I can help with real data" in reply.content


async def test_below_the_threshold_the_engine_offers_the_two_likeliest_actions(channels):
    strict = OfflineEngine(threshold=0.99999, context=CortexContext(channels=channels)).bind_tools(all_tools())
    reply = await strict.ainvoke([HumanMessage("cooking videos that did really well?")])
    assert not reply.tool_calls
    assert reply.content.startswith("Just to be sure: do you want me to ") and reply.content.count(", or ") == 1
    assert "find videos on a topic that beat their channel's usual views" in reply.content
    assert not TOOL_NAMES.search(reply.content)


async def test_a_misspelt_score_request_with_an_arrow_is_understood(engine):
    reply = await engine.ainvoke([HumanMessage("cna u grdae my titel → Why My Sourdough Never Rises")])
    assert [(c["name"], c["args"]["titles"]) for c in reply.tool_calls] == [("score_title", ["Why My Sourdough Never Rises"])]


async def test_a_number_inside_a_title_is_not_a_multiplier(engine):
    reply = await engine.ainvoke([HumanMessage('find outliers like "The 7 Times I Nearly Gave Up" about running')])
    assert reply.tool_calls[0]["name"] == "retrieve_outliers"
    assert "min_multiplier" not in reply.tool_calls[0]["args"]


async def test_two_requests_in_one_message_become_two_calls(engine):
    reply = await engine.ainvoke([HumanMessage('score "I Slept in a Glass Igloo" and then find outliers about '
                                               'winter camping')])
    calls = {c["name"]: c["args"] for c in reply.tool_calls}
    assert calls["score_title"]["titles"] == ["I Slept in a Glass Igloo"]
    assert "winter camping" in calls["retrieve_outliers"]["query"]


def test_a_join_inside_a_quoted_title_does_not_split():
    assert split_requests('rate "Salt and Then Pepper" please') == ['rate "Salt and Then Pepper" please']
    assert split_requests("find creators in fitness and score my title") == ["find creators in fitness", "score my title"]


def _turn(name: str, args: dict, artifact: object, answer: str = "Here you go.") -> list:
    call = {"name": name, "args": args, "id": f"call_{name}", "type": "tool_call"}
    return [AIMessage("", tool_calls=[call]), ToolMessage(answer, name=name, tool_call_id=call["id"], artifact=artifact),
            AIMessage(answer)]


async def test_a_follow_up_narrows_the_previous_search(engine):
    history = [HumanMessage("outliers about space from Mark Rober or Veritasium"),
               *_turn("retrieve_outliers", {"query": "space", "channels": ["Mark Rober", "Veritasium"]}, [])]
    reply = await engine.ainvoke([*history, HumanMessage("narrow it to shorts, 2023 onwards")])
    assert reply.tool_calls[0]["name"] == "retrieve_outliers"
    assert reply.tool_calls[0]["args"] == {"query": "space", "channels": ["Mark Rober", "Veritasium"],
                                           "video_format": "short", "published_after": "2023-01-01"}
    reply = await engine.ainvoke([*history, HumanMessage("same thing for MrBeast")])
    assert reply.tool_calls[0]["args"]["channels"] == ["MrBeast"] and reply.tool_calls[0]["args"]["query"] == "space"


async def test_a_follow_up_with_nothing_before_it_asks_what_it_applies_to(engine):
    reply = await engine.ainvoke([HumanMessage("same thing for MrBeast")])
    assert not reply.tool_calls and reply.content.startswith("What should I apply that to?")


GENERATED = {"titles": [{"candidate": {"title": t}} for t in ("One", "Two", "Three", "Four")],
             "shown": ["Title One Here", "Title Two Here", "Title Three Here", "Title Four Here"]}


async def test_references_to_generated_titles_resolve(engine):
    history = [HumanMessage("titles for this please"), *_turn("generate_titles", {}, GENERATED)]
    reply = await engine.ainvoke([*history, HumanMessage("which is better, 2 or 4?")])
    assert reply.tool_calls[0]["name"] == "score_title"
    assert reply.tool_calls[0]["args"] == {"titles": ["Title Two Here", "Title Four Here"], "compare": True}
    reply = await engine.ainvoke([*history, HumanMessage("rate number 3")])
    assert reply.tool_calls[0]["args"]["titles"] == ["Title Three Here"]
    reply = await engine.ainvoke([*history, HumanMessage("going with number 2")])
    assert (reply.tool_calls[0]["name"], reply.tool_calls[0]["args"]) == ("use_title", {"choice": 2})


async def test_answer_streams_token_by_token(engine):
    chunks = [c async for c in engine.astream([HumanMessage("hello")])]
    assert len(chunks) > 5
    assert "".join(c.content for c in chunks).startswith("Hi! I'm Creator Cortex")
