"""Outlines on real transcripts: the structure of 3Blue1Brown's timed captions and Nischa's plain auto-captions
(estimated times), and outlines that follow it or the framework. No database (the graph test covers the tool)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.learning.transcripts import load_channel_videos
from tools.preproduction.offline import outline_minutes, outline_topic
from tools.preproduction.outline import FRAMEWORK, channel_shape, outline, outline_markdown, video_structure
from tools.preproduction.promise import promise_terms, terms_said
from tools.scripts.parsing import parse_script


@pytest.fixture(scope="module")
def structures(data_dir: Path) -> dict:
    out = {}
    for channel in ("3Blue1Brown", "Nischa"):
        videos = [v for v in load_channel_videos(data_dir, channel) if v.title and len(v.text.split()) >= 300][-10:]
        out[channel] = [(v, parse_script(v.text), video_structure(parse_script(v.text), v.title)) for v in videos]
    return out


def test_landmarks_are_in_order_and_where_the_transcript_says_the_title(structures):
    for channel, rows in structures.items():
        for video, script, s in rows:
            assert 0 <= s.hook_end <= s.setup_end <= s.payoff <= s.cta <= 1, (channel, video.title, s)
            if "setup" in s.measured:  # the title's words are said together there, in the transcript itself
                at = s.setup_end * script.duration_s
                passage = next(p for p in script.passages if abs(p.start_s - at) < 0.6)
                window = " ".join(p.text for p in script.passages if at - 0.6 <= p.start_s <= at + 25)
                assert terms_said(window, promise_terms(video.title)), (video.title, passage.text)
    assert any("setup" in s.measured for rows in structures.values() for _, _, s in rows)


def test_the_channels_shape_is_the_median_of_what_its_videos_show(structures):
    rows = [s for _, _, s in structures["3Blue1Brown"]]
    shape = channel_shape(rows, "3Blue1Brown's 10 newest videos")
    shown = sorted(s.setup_end for s in rows if "setup" in s.measured)
    if len(shown) >= 3:
        assert shown[0] <= shape.setup_end <= shown[-1]
    assert len(shape.videos) == 10
    with pytest.raises(ValueError, match="too few"):
        channel_shape(rows[:2], "two")


@pytest.mark.parametrize("minutes", [3, 10, 25])
def test_an_outline_covers_the_length_contiguously_and_each_section_says_what_to_deliver(structures, minutes):
    shape = channel_shape([s for _, _, s in structures["Nischa"]], "Nischa's 10 newest videos")
    o = outline("index funds", minutes, shape)
    assert o.sections[0].start_s == 0 and o.sections[-1].end_s == pytest.approx(minutes * 60)
    for a, b in zip(o.sections, o.sections[1:]):
        assert a.end_s == pytest.approx(b.start_s) and a.end_s > a.start_s
    names = [s.name for s in o.sections]
    assert names[:2] == ["Hook", "Setup"] and names[-1] == "Call to action" and "Payoff" in names[-3:]
    payoff = o.sections[names.index("Payoff")]
    assert payoff.end_s - payoff.start_s <= max(0.12 * minutes * 60, 30) + 1e-6
    assert o.sections[0].end_s <= 45 and all(s.deliver for s in o.sections)
    body = [s for s in o.sections if s.name.startswith("Body")]
    assert all(s.end_s - s.start_s <= 3 * 60 + 1 for s in body)
    text = outline_markdown(o)
    assert "Nischa's 10 newest videos" in text and "| Hook | 0:00-" in text


def test_without_history_the_framework_and_bad_lengths_are_refused():
    o = outline("compound interest", 8)
    assert o.shape is FRAMEWORK and "educational framework" in outline_markdown(o)
    with pytest.raises(ValueError, match="minutes"):
        outline("compound interest", 0.2)


def test_a_length_without_a_topic_gets_the_structure_and_asks_for_the_topic():
    o = outline(" ", 30)
    text = outline_markdown(o)
    assert o.topic == "" and o.sections[-1].end_s == 30 * 60
    assert text.startswith("**Outline of a 30 minute video**") and "your topic" in text
    assert "Tell me what the video is about" in text


def test_the_request_names_its_length_and_topic():
    assert outline_minutes("outline a 12 minute video about index funds") == 12
    assert outline_minutes("plan a 15-min video") == 15
    assert outline_topic("outline a 12 minute video about index funds for my channel") == "index funds"
    assert outline_topic("outline this draft") == ""
    request = "plan my next explainer on index funds, about 12 minutes, like <channel> best ones"
    assert (outline_topic(request), outline_minutes(request)) == ("index funds", 12)
