"""Script analysis on real transcripts: format detection, parsing, time buckets, hooks (offline and with a
scripted model), long transcripts, and the analyze_script tool reading the transcript from the conversation."""

from __future__ import annotations

import csv
import re
import time
from pathlib import Path

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode

from tools.scripts import tool as analyze_tool
from tools.scripts.hooks import HOOK_TYPES, analyze_offline, hook_strength, hook_type, specificity
from tools.scripts.llm import StructuredOutputError, analyze_with_llm
from tools.scripts.parsing import (
    CHUNK_WORDS,
    MAX_SCRIPT_WORDS,
    ScriptInputError,
    bucket_for,
    compact_message,
    detect_format,
    parse_script,
    split_message,
)
from tools.scripts.prompts import LLM_MAX_INPUT_WORDS, AnalysisOut, llm_passages

from support import ScriptedModel

csv.field_size_limit(2**31 - 1)


@pytest.fixture(scope="module")
def b1b(data_dir: Path) -> Path:
    return data_dir / "transcripts_3blue1brown" / "videos"


@pytest.fixture(scope="module")
def nischa(data_dir: Path) -> list[str]:
    path = next((data_dir / "youtube_ai_topic_videos" / "per_channel").glob("Nischa_*/df_transcript_*.csv"))
    with path.open(encoding="utf-8") as f:
        return [r["transcript"] for r in csv.DictReader(f) if r["transcript"].strip()]


def srt(b1b: Path, slug: str = "2017_neural-networks") -> str:
    return (b1b / slug / "captions.srt").read_text(encoding="utf-8")


VTT = """WEBVTT
Kind: captions
Language: en

NOTE auto-generated

00:00:00.000 --> 00:00:04.500 align:start position:0%
What if I told you<00:00:01.200><c> that</c> most budgets fail?

00:00:04.500 --> 00:00:09.000 align:start position:0%
What if I told you that most budgets fail?
in the first 30 days &amp; nobody tells you why.

00:00:09.000 --> 00:00:15.000
I tracked every dollar for 365 days, and here's what I found about where the money really goes,
because the numbers surprised me more than anything else I have ever measured.
"""


def test_formats_are_detected(b1b, nischa):
    assert detect_format(srt(b1b)) == "srt"
    assert detect_format(VTT) == "webvtt"
    assert detect_format("0:00 Intro to the idea\n0:42 Why it fails\n[00:01:05] The fix\n(1:30) Wrap up") == "timestamped"
    paragraphs = "\n\n".join(["This is a paragraph of a script with enough words to count as one block."] * 3)
    assert detect_format(paragraphs) == "paragraphs"
    assert detect_format(nischa[0]) == "plain"


def test_srt_is_parsed_with_real_timestamps_and_buckets(b1b):
    script = parse_script(srt(b1b))
    assert script.format == "srt" and script.timed
    first = script.passages[0]
    assert first.text == "This is a 3." and first.start_s == pytest.approx(4.22) and first.bucket == "0-5s"
    starts = [p.start_s for p in script.passages]
    assert starts == sorted(starts) and script.duration_s > starts[-1]
    assert all(p.bucket == bucket_for(p.start_s) for p in script.passages)
    assert {p.bucket for p in script.passages} >= {"0-5s", "5-10s", "10-20s", "20-30s", "30-60s", "60-180s", "later"}


def test_bucket_edges():
    assert [bucket_for(s) for s in (0, 4.99, 5, 19.9, 20, 59.9, 60, 179.9, 180, 299.9, 300, 5000)] == [
        "0-5s", "0-5s", "5-10s", "10-20s", "20-30s", "30-60s", "60-180s", "60-180s", "180-300s", "180-300s",
        "later", "later",
    ]


def test_webvtt_tags_settings_notes_and_rolling_duplicates():
    script = parse_script(VTT)
    texts = " ".join(p.text for p in script.passages)
    assert texts.count("most budgets fail") == 1  # the rolling duplicate line is dropped
    assert "<c>" not in texts and "&amp;" not in texts and "align:" not in texts and "Kind:" not in texts
    found = next(p for p in script.passages if p.text.startswith("I tracked"))
    assert found.start_s == 9.0 and found.bucket == "5-10s"


def test_timestamped_lines_and_untimed_text():
    text = "\n".join(
        ["Intro words before any time stamp appear here."]
        + [f"[00:0{m}:05] Part {m}: here is what happened when I tried this for {m} days and it worked." for m in range(1, 6)]
    )
    script = parse_script(text)
    assert script.format == "timestamped" and script.timed
    assert script.passages[0].start_s == 0.0
    part3 = next(p for p in script.passages if p.text.startswith("Part 3"))
    assert part3.start_s == 185.0 and part3.bucket == "180-300s"


def test_plain_text_is_bucketed_by_position(nischa):
    script = parse_script(nischa[0])
    assert script.format == "plain" and not script.timed
    assert any("estimated" in n for n in script.notes) and any("punctuation" in n for n in script.notes)
    p = next(p for p in script.passages if p.word_offset >= 180)
    assert p.start_s == pytest.approx(p.word_offset / 3, abs=0.01)  # 180 words per minute
    assert p.bucket == bucket_for(p.start_s)
    assert max(len(p.text.split()) for p in script.passages) <= sum(CHUNK_WORDS)


def test_transcript_is_found_in_messages(b1b):
    captions = srt(b1b)
    request, found = split_message("here's my transcript, find the hooks\n\n[Attached file: nn.srt]\n" + captions)
    assert request == "here's my transcript, find the hooks" and found.startswith("1\n00:00:04,220")
    request, found = split_message("Titles for this please:\n" + captions)
    assert request == "Titles for this please:" and detect_format(found) == "srt"
    assert split_message(captions) == ("", captions.strip())
    script_text = " ".join(["we tested the budget app every single day"] * 5)
    assert split_message(f"Find hooks in my script: {script_text}")[1] == script_text
    assert split_message("Score this title: I Built a Giant Lego Volcano")[1] is None
    assert split_message("Show me outliers about space experiments")[1] is None


def test_bad_input_gets_a_clear_error():
    with pytest.raises(ScriptInputError, match="empty"):
        parse_script("   ")
    with pytest.raises(ScriptInputError, match="at least 30 words"):
        parse_script("I Built a Giant Lego Volcano")
    with pytest.raises(ScriptInputError, match="no cue could be read"):
        parse_script("WEBVTT\n\n" + "just words without any cue timing " * 10)
    with pytest.raises(ScriptInputError, match="send it in parts"):
        parse_script("word " * (MAX_SCRIPT_WORDS + 1))


def test_rubrics():
    points, found = specificity("In 1696, Johann Bernoulli challenged Newton: a problem twice as hard as any in 300 years, "
                                "the data shows.")
    assert points == 8 and "a time anchor" in found and "a comparison" in found
    assert specificity("this is a thing that we like")[0] == 0
    assert hook_type("Why do most budgets fail?") == "question"
    assert hook_type("Most people think saving is enough, but it isn't.") == "contrarian claim"
    assert hook_type("By the end of this video you will understand backpropagation.") == "promise"
    assert hook_type("And then it rained.") is None
    strength, reasons = hook_strength("Why do 78% of budgets fail in 30 days?", "question", 4, 2.0)
    assert 0 <= strength <= 10 and "an open loop" in reasons and "in the first 30 s" in reasons


def test_offline_hooks_on_a_real_srt(b1b):
    text = srt(b1b, "2016_brachistochrone")
    analysis = analyze_offline(parse_script(text), text)
    assert analysis.engine == "offline" and 3 <= len(analysis.hooks) <= 12
    for h in analysis.hooks:
        assert h.type in HOOK_TYPES and 0 <= h.specificity <= 8 and 0 <= h.strength <= 10
        assert h.timing == "real" and 0 <= h.start_s <= analysis.duration_s and h.bucket == bucket_for(h.start_s)
        assert h.text in " ".join(p.text for p in parse_script(text).passages)
    assert [h.strength for h in analysis.hooks] == sorted((h.strength for h in analysis.hooks), reverse=True)
    assert "Johann Bernoulli" in analysis.key_entities
    assert any("not visible" in n for n in analysis.notes)


def test_offline_hooks_on_nischa_plain_text(nischa):
    analysis = analyze_offline(parse_script(nischa[5]), nischa[5])
    assert analysis.hooks and all(h.timing == "estimated" and h.at.startswith("~") for h in analysis.hooks)
    assert "finance & business" in analysis.audience
    assert not any(re.search(r"first \d+ people|link in the description", h.text) for h in analysis.hooks)  # sponsor reads


def test_a_100k_word_transcript_is_handled(b1b):
    texts, words = [], 0
    for path in sorted(b1b.glob("*/transcript.txt")):
        texts.append(path.read_text(encoding="utf-8"))
        words += len(texts[-1].split())
        if words > 100_000:
            break
    text = "\n\n".join(texts)
    started = time.perf_counter()
    script = parse_script(text)
    analysis = analyze_offline(script, text)
    assert time.perf_counter() - started < 30
    assert script.words > 100_000 and analysis.hooks
    shown, condensed = llm_passages(script)
    assert condensed and sum(len(p.text.split()) for p in shown) <= LLM_MAX_INPUT_WORDS
    assert shown[0].index == 0


def test_compact_message_for_the_routing_model(b1b):
    message = "find hooks\n\n[Attached file: nn.srt]\n" + srt(b1b)
    compact = compact_message(message)
    assert len(compact) < 3000 and "3,357 words" in compact and compact.startswith("find hooks")
    assert compact_message("Score this title: X") == "Score this title: X"


def _hooks_from_prompt(messages, schema):
    """A scripted analysis: hooks at the first two passages shown, plus one that cites a passage never shown."""
    lines = re.findall(r"^\[(\d+)\] \S+ (.+)$", messages[1].content, re.MULTILINE)
    hooks = [
        {"passage": int(i), "type": "demonstration", "text": text, "specificity": 2, "strength": 7.5 - n, "why": "scripted"}
        for n, (i, text) in enumerate(lines[1:3])
    ]
    hooks.append({"passage": 99999, "type": "question", "text": "Invented?", "specificity": 0, "strength": 9, "why": "x"})
    return {"topic": "how neural networks read digits", "audience": "curious learners", "key_entities": ["MNIST"], "hooks": hooks}


async def test_llm_hooks_are_grounded_in_the_transcript(b1b):
    text = srt(b1b)
    model = ScriptedModel(respond=_hooks_from_prompt)
    analysis, dropped = await analyze_with_llm(parse_script(text), text, model, "scripted-long")
    assert [h.start_s for h in analysis.hooks] == [6.06, 14.34]  # times from the SRT, not from the model
    assert analysis.hooks[0].bucket == "5-10s" and analysis.engine == "scripted-long"
    assert len(dropped) == 1 and "99999" in dropped[0]
    assert analysis.topic == "how neural networks read digits"


async def test_invalid_output_is_retried_then_refused(b1b):
    text = srt(b1b)
    answers = iter([lambda m, s: {"topic": "x"}, _hooks_from_prompt])  # the first answer misses required fields
    model = ScriptedModel(respond=lambda m, s: next(answers)(m, s))
    analysis, _ = await analyze_with_llm(parse_script(text), text, model, "scripted")
    assert model.calls[0] == 2 and analysis.hooks
    always_bad = ScriptedModel(respond=lambda m, s: {"topic": "x"})
    with pytest.raises(StructuredOutputError, match="AnalysisOut"):
        await analyze_with_llm(parse_script(text), text, always_bad, "scripted")


async def test_analyze_script_tool_reads_the_transcript_from_the_conversation(b1b):
    def call_tool(state: MessagesState) -> dict:
        return {"messages": [AIMessage("", tool_calls=[{"name": "analyze_script", "args": {}, "id": "c1"}])]}

    builder = StateGraph(MessagesState)
    builder.add_node("model", call_tool)
    builder.add_node("tools", ToolNode([analyze_tool.tool]))
    builder.add_edge(START, "model")
    builder.add_edge("model", "tools")
    graph = builder.compile()
    events = [c async for mode, c in graph.astream(
        {"messages": [HumanMessage("here's my transcript, find hooks\n\n[Attached file: nn.srt]\n" + srt(b1b))]},
        stream_mode=["custom", "updates"]) if mode == "custom"]
    assert [e["name"] for e in events] == ["script.parsed", "hooks.found"]
    result = (await graph.ainvoke({"messages": [HumanMessage("find the hooks in my script")]}))["messages"][-1]
    assert isinstance(result, ToolMessage) and "I don't see a transcript" in result.content
    assert AnalysisOut.model_json_schema()["required"] == ["topic", "audience", "key_entities", "hooks"]
