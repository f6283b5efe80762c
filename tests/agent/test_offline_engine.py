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


@pytest.mark.parametrize("follow_up, changed", [
    ("only stuff with more than 2 million views", {"min_views": 2_000_000}),
    ("can you filter to over 1M views", {"min_views": 1_000_000}),
    ("older than 2018 only", {"published_before": "2018-01-01"}),
    ("how about 2024 only", {"published_after": "2024-01-01", "published_before": "2025-01-01"}),
    ("ignore the shorts", {"video_format": "long"}),
    ("make it 10x or more", {"min_multiplier": 10.0}),
    ("now do it for Veritasium", {"channels": ["Veritasium"]}),
])
async def test_a_follow_up_changes_its_filter_and_keeps_the_topic(engine, follow_up, changed):
    history = [HumanMessage("Nischa videos about budgeting that blew up"),
               *_turn("retrieve_outliers", {"query": "budgeting", "channels": ["Nischa"]}, [])]
    reply = await engine.ainvoke([*history, HumanMessage(follow_up)])
    assert reply.tool_calls[0]["name"] == "retrieve_outliers"
    assert reply.tool_calls[0]["args"] == {"query": "budgeting", "channels": ["Nischa"], **changed}


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


OUTLIERS = [{"title": t, "channel": "Nischa", "format": "long-form", "published": "2023-05-01", "views": v,
             "multiplier": m, "why": f"matches “{t.split()[0]}”", "patterns": ["a number"] if m > 5 else []}
            for t, v, m in (("Compound Interest in 5 Minutes", 120_000, 3.1), ("I Saved 10k in a Year", 900_000, 8.4),
                            ("Why Banks Love Your Savings", 40_000, 2.2))]


@pytest.mark.parametrize("question, expected", [
    ("which of those did best?", "#2 “I Saved 10k in a Year” did best by multiplier"),
    ("what was the multiplier of number 3?", "#3 “Why Banks Love Your Savings”: multiplier 2.2x"),
    ("how many views did #1 get?", "#1 “Compound Interest in 5 Minutes”: views 120,000"),
    ("why did #2 work?", "its title uses these patterns: a number."),
    ("which of them did worst?", "#3 “Why Banks Love Your Savings” did least well"),
    ("which performed best?", "#2 “I Saved 10k in a Year” did best by multiplier"),
    ("which vid blew up the most", "#2 “I Saved 10k in a Year” did best by multiplier"),
])
async def test_questions_about_the_last_result_are_answered_from_it_without_a_new_search(engine, question, expected):
    history = [HumanMessage("outliers about saving money"),
               *_turn("retrieve_outliers", {"query": "saving money"}, OUTLIERS)]
    reply = await engine.ainvoke([*history, HumanMessage(question)])
    assert not reply.tool_calls
    assert expected in reply.content and not TOOL_NAMES.search(reply.content)


JUDGED = {"titles": [{"candidate": {"title": t, "formula": "I tried X for N days", "hook_id": "h2", "exemplars": [
              {"title": "I Tried Yoga for 30 Days", "channel": "Tipa", "multiplier": 6.0}]}, "score": s, "grade": g,
              "note": ""} for t, s, g in (("I Paid Off 10k of Debt in One Year", 81, "A-"),
                                          ("How I Finally Beat My Credit Card Debt for Good", 74, "B"),
                                          ("The Budget That Got Me Out of Debt Without Giving Up Everything", 68, "C+"))],
          "shown": ["I Paid Off 10k of Debt in One Year", "How I Finally Beat My Credit Card Debt for Good",
                    "The Budget That Got Me Out of Debt Without Giving Up Everything"]}


async def test_questions_about_generated_titles_read_their_scores_and_evidence(engine):
    history = [HumanMessage("titles for a video about paying off debt"),
               *_turn("generate_titles", {"topic": "paying off debt"}, JUDGED)]
    reply = await engine.ainvoke([*history, HumanMessage("which of these scored best?")])
    assert not reply.tool_calls and reply.content.startswith("#1 “I Paid Off 10k of Debt in One Year” did best by score")
    reply = await engine.ainvoke([*history, HumanMessage("why did #2 work?")])
    assert "“I tried X for N days” formula" in reply.content and "“I Tried Yoga for 30 Days” (Tipa, 6.0x)" in reply.content
    reply = await engine.ainvoke([*history, HumanMessage("which is better, 2 or 3?")])  # a comparison is scored
    assert reply.tool_calls[0]["name"] == "score_title" and reply.tool_calls[0]["args"]["compare"] is True


@pytest.mark.parametrize("text, longest", [("shorten them", 63), ("make them shorter pls", 63),
                                           ("make number 2 punchier", 47)])
async def test_shorten_reworks_the_shown_titles_under_a_shorter_length_bound(engine, text, longest):
    history = [HumanMessage("titles for a video about paying off debt"),
               *_turn("generate_titles", {"topic": "paying off debt"}, JUDGED)]
    reply = await engine.ainvoke([*history, HumanMessage(text)])
    call = reply.tool_calls[0]
    assert call["name"] == "generate_titles"
    assert call["args"]["max_chars"] == round(0.8 * longest) and call["args"]["min_chars"] < call["args"]["max_chars"]
    if "number 2" in text:  # one named title is the idea to rework
        assert call["args"]["topic"] == JUDGED["shown"][1]
    else:
        assert call["args"]["topic"] == "paying off debt"


async def test_shorten_with_nothing_shown_is_not_a_rework(engine):
    reply = await engine.ainvoke([HumanMessage("make them shorter")])
    assert not any(c["args"].get("max_chars") for c in reply.tool_calls)


@pytest.mark.parametrize("later, tool, arg", [("find outliers", "retrieve_outliers", "query"),
                                              ("give me some titles", "generate_titles", "topic")])
async def test_a_stated_topic_carries_over_to_a_request_that_needs_one(engine, later, tool, arg):
    history = [HumanMessage("I'm making a video about compound interest"), AIMessage("Good topic.")]
    reply = await engine.ainvoke([*history, HumanMessage(later)])
    assert reply.tool_calls[0]["name"] == tool and reply.tool_calls[0]["args"][arg] == "compound interest"
    reply = await engine.ainvoke([HumanMessage(later)])  # no topic in the conversation: the tool's question
    assert not reply.tool_calls


async def test_a_topic_used_by_one_tool_carries_to_another(engine):
    history = [HumanMessage("10 title ideas for a video about sourdough starters"),
               *_turn("generate_titles", {"topic": "sourdough starters"}, JUDGED)]
    reply = await engine.ainvoke([*history, HumanMessage("find outliers")])
    assert reply.tool_calls[0]["args"]["query"] == "sourdough starters"


async def test_the_creators_channel_carries_from_an_idea_check_to_hooks_and_outline(engine):
    history = [HumanMessage("is a video about index funds worth making for my channel Nischa?"),
               *_turn("check_idea", {"topic": "index funds", "channel": "Nischa"}, {})]
    reply = await engine.ainvoke([*history, HumanMessage("ok write me 5 intro hooks for it")])
    assert reply.tool_calls[0]["name"] == "develop_hooks"
    assert reply.tool_calls[0]["args"] == {"topic": "index funds", "channel": "Nischa"}
    reply = await engine.ainvoke([*history, HumanMessage("outline a 10 minute video about index funds in Veritasium's style")])
    assert reply.tool_calls[0]["args"]["channel"] == "Veritasium"  # a channel named in the request wins
    history = [HumanMessage("how would \"Why I Quit\" do on MrBeast?"),
               *_turn("score_title", {"titles": ["Why I Quit"], "channel": "MrBeast"}, {})]
    reply = await engine.ainvoke([*history, HumanMessage("write 5 intro hooks for a video about index funds")])
    assert "channel" not in reply.tool_calls[0]["args"]  # a channel a title was scored against is not the creator's


@pytest.mark.parametrize("text, tool", [
    ("write titles for my video about how I would invest my first $1000 if I was starting from scratch today",
     "generate_titles"),
    ("hooks for my next video, how I'd pay off $20k of debt in two years", "develop_hooks"),
])
async def test_a_video_told_as_a_how_to_goes_to_what_is_asked_for(engine, text, tool):
    """A first-person how-to reads like the words of a hook; what the creator asks for (titles, hooks) decides."""
    reply = await engine.ainvoke([HumanMessage(text)])
    assert [c["name"] for c in reply.tool_calls] == [tool]


async def test_which_hook_is_the_strongest_is_answered_from_the_analysis(engine):
    hooks = {"hooks": [{"id": f"h{i}", "type": t, "text": x, "start_s": s, "strength": st, "why": w}
                       for i, (t, x, s, st, w) in enumerate([("question", "Do you know the Putnam?", 3.5, 5.4, "a direct question"),
                                                             ("number", "12 questions, 6 hours", 11.0, 6.1, "a specific number")], 1)]}
    history = [HumanMessage("just the hooks please"), *_turn("analyze_script", {}, hooks)]
    reply = await engine.ainvoke([*history, HumanMessage("which of those hooks is the strongest?")])
    assert not reply.tool_calls and reply.content.startswith("#2 “12 questions, 6 hours” did best by strength")
    assert "time 0:11" in reply.content


@pytest.mark.parametrize("text", ["Score this title: I Built a Giant Lego Volcano", "what sort of stuff are you able "
                                  "to do for me?", "Can you score my title?"])
async def test_the_whole_message_is_what_the_streamed_chunks_add_up_to(engine, text):
    """A run that streams no tokens gets the message at once (``_agenerate``); it is the message a streamed run's
    word chunks add up to: the same text, tool calls (arguments through JSON) and metadata."""
    whole = await engine.ainvoke([HumanMessage(text)])
    chunks = [chunk async for chunk in engine.astream([HumanMessage(text)])]
    streamed = chunks[0]
    for chunk in chunks[1:]:
        streamed += chunk
    assert len(chunks) > 1 or whole.tool_calls  # an answer streams word by word
    assert whole.content == streamed.content
    assert [(c["name"], c["args"]) for c in whole.tool_calls] == [(c["name"], c["args"]) for c in streamed.tool_calls]
    assert whole.response_metadata == streamed.response_metadata
