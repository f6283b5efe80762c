"""The promise guard on real transcripts: 3Blue1Brown's timed captions (real timestamps) and Nischa's plain
auto-captions (estimated times). No database. Expected times come from the transcript itself (the first passage
that says the title's words), never typed in."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.learning.transcripts import ChannelVideo, load_channel_videos
from tools.preproduction.offline import idea_topic, promise_args
from tools.preproduction.promise import LATE_AFTER_S, check_promise, check_promises, promise_terms
from tools.scripts.parsing import parse_script


@pytest.fixture(scope="module")
def fourier(data_dir: Path) -> ChannelVideo:
    return next(v for v in load_channel_videos(data_dir, "3Blue1Brown") if v.title and "Fourier Transform?" in v.title)


@pytest.fixture(scope="module")
def nischa(data_dir: Path) -> list[ChannelVideo]:
    return [v for v in load_channel_videos(data_dir, "Nischa") if v.title][:3]


def test_terms_leave_out_series_labels_asides_and_packaging():
    assert promise_terms("Change of basis | Chapter 13, Essence of linear algebra") == ["Change", "basis"]
    assert promise_terms("The unexpectedly hard windmill question (2011 IMO, Q2)") == ["unexpectedly", "hard", "windmill"]
    assert promise_terms("How are holograms possible? | Optics puzzles 5") == ["holograms", "possible"]
    assert "explained" not in [t.lower() for t in promise_terms("Quaternions and 3d rotation, explained interactively")]
    with pytest.raises(ValueError, match="names nothing"):
        check_promise("What is this?", parse_script("word " * 40))


def test_the_real_title_lands_where_the_captions_first_say_it(fourier):
    script = parse_script(fourier.text)
    check = check_promise(fourier.title, script)
    first = next(p for p in script.passages if "fourier transform" in p.text.lower())
    assert check.verdict == "kept" and check.timing == "real"
    assert check.at_s == first.start_s < LATE_AFTER_S
    assert set(check.said) >= {"Fourier", "Transform"} and check.suggestion == ""


def test_a_mismatched_title_is_flagged_with_what_the_opening_says(fourier):
    script = parse_script(fourier.text)
    wrong = check_promise("The Wallis product for pi, proved geometrically", script)
    assert wrong.verdict != "kept"
    assert wrong.suggestion and wrong.opening  # a title about what the first 30 s say
    assert any("fourier" in c.lower() or "frequenc" in c.lower() or "sound" in c.lower() for c in wrong.opening)


def test_a_late_promise_names_the_line_to_move_up(fourier):
    script = parse_script(fourier.text)
    late = check_promise("Winding graphs and their center of mass", script)
    assert late.verdict == "late" and late.at_s >= LATE_AFTER_S
    assert late.line and late.line in " ".join(p.text for p in script.passages)
    assert late.line[:40] in late.suggestion


def test_untimed_transcripts_get_estimated_times(nischa):
    for video in nischa:
        checks = check_promises([video.title, "The Wallis product for pi, proved geometrically"], parse_script(video.text))
        real, wrong = checks
        assert real.timing == "estimated" and (real.at_s is None or real.at.startswith("~"))
        assert wrong.verdict == "never"
    assert sum(check_promise(v.title, parse_script(v.text)).verdict != "never" for v in nischa) >= 2


async def test_the_extractors_read_titles_and_topics():
    assert (await promise_args("does my video keep the promise of “But what is a neural network?”"))["title"] == \
        "But what is a neural network?"
    assert (await promise_args("check the title: Why pi is here"))["title"] == "Why pi is here"
    assert await promise_args("promise check on my titles please") == {}
    assert idea_topic("is a video about index funds worth making?") == "index funds"
    assert idea_topic("should I make a video on compound interest for my channel?") == "compound interest"
    assert idea_topic("idea: budgeting for students. worth it?") == "budgeting for students"
    assert idea_topic("hello there") == ""
