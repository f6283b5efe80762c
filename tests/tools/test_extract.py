"""Argument extraction the offline engine's extractors share (``tools.extract``): dates and ranges, negation,
multipliers that are not part of a title, 'A or B', titles after an arrow, references to listed items, the topic a
request names for a video."""

from __future__ import annotations

from datetime import date

import pytest

from tools import extract

TODAY = date(2026, 12, 7)


@pytest.mark.parametrize("text, expected", [
    ("outliers about baking since 2020", (date(2020, 1, 1), None)),
    ("from 2019 to 2021", (date(2019, 1, 1), date(2022, 1, 1))),
    ("between 2021 and 2018 please", (date(2018, 1, 1), date(2022, 1, 1))),
    ("just 2023 onwards", (date(2023, 1, 1), None)),
    ("in 2023", (date(2023, 1, 1), date(2024, 1, 1))),
    ("before 2015", (None, date(2015, 1, 1))),
    ("since March 2022", (date(2022, 3, 1), None)),
    ("in the last 6 months", (date(2026, 6, 7), None)),
    ("past year only", (date(2025, 12, 7), None)),
    ('score "Best of 2019" for me', (None, None)),
    ("older than 2018 only", (None, date(2018, 1, 1))),
    ("pre-2019 stuff", (None, date(2019, 1, 1))),
    ("newer than 2021", (date(2021, 1, 1), None)),
    ("how about 2024 only", (date(2024, 1, 1), date(2025, 1, 1))),
])
def test_dates_and_ranges(text, expected):
    assert extract.date_range(text, today=TODAY) == expected


@pytest.mark.parametrize("text, fmt", [
    ("long-form, not shorts", "long"), ("drop the shorts", "long"), ("no long videos, shorts only", "short"),
    ("shorts that blew up", "short"), ("long form only", "long"), ('outliers like "Shorts Are Dead"', "any"),
    ("ignore the shorts", "long"), ("filter out all shorts", "long"),
])
def test_format_with_negation(text, fmt):
    assert extract.video_format(text) == fmt


@pytest.mark.parametrize("text, mult", [
    ("5x outliers", 5.0), ("at least 3 times", 3.0), ("videos that did 10 times better than usual", 10.0),
    ('outliers like "The 10 Times I Almost Quit"', None), ("The 10 Times I Almost Quit", None),
])
def test_numbers_inside_a_title_are_not_a_multiplier(text, mult):
    assert extract.multiplier(text) == mult


@pytest.mark.parametrize("text, views", [
    ("only ones with more than 2 million views", 2_000_000), ("at least 500k views please", 500_000),
    ("1M+ views only", 1_000_000), ("views above 100k", 100_000), ("10,000+ views", 10_000),
    ('"The 10 Times I Almost Quit" 500 views', None), ("I Got 1 Million Views in a Day", None),
    ("videos that did 5x", None),
])
def test_a_lower_bound_on_views(text, views):
    assert extract.min_views(text) == views


def test_a_title_after_an_arrow_and_a_or_b():
    assert extract.pasted_title("thoughts → Testing Viral Life Hacks") == "Testing Viral Life Hacks"
    assert extract.alternatives("I Tried Yoga or 30 Days of Yoga") == ["I Tried Yoga", "30 Days of Yoga"]
    assert extract.alternatives("Yes or No Questions Answered") == ["Yes or No Questions Answered"]
    assert extract.pasted_title("rate my title pls") is None


@pytest.mark.parametrize("text, refs", [
    ("rate number 3", [3]), ("which is better, 2 or 4?", [2, 4]), ("the second one", [2]), ("#1 and #3", [1, 3]),
    ("the last one", [-1]), ("score the top one", [1]), ('use "Top 5 Cameras"', []),
])
def test_references_to_listed_items(text, refs):
    assert extract.references(text) == refs


@pytest.mark.parametrize("text, topic", [
    ("a couple of openers please, the episode is about rebuilding a 1970s camper", "rebuilding a 1970s camper"),
    ("hooks for my lock picking video", "lock picking"),
    ("plan a 12 minute tutorial on watercolour skies, how many sections?", "watercolour skies"),
    ("is a deep dive on cheap espresso grinders a good idea, or is it done to death?", "cheap espresso grinders"),
    ("intro for the short about my cat's first snow in my own voice", "my cat's first snow"),
    ("titles for a vlog where we drive the coast of Portugal", "we drive the coast of Portugal"),
    ("structure the video on index funds for my channel", "index funds"),
    ('score "My Cooking Video Disaster" please', ""),
    ("write hooks for this draft", ""),
    ("outline my next video", ""),
    ("what does my latest video need?", ""),
])
def test_the_topic_a_request_names_for_a_video(text, topic):
    assert extract.video_topic(text) == topic


def test_a_channel_is_stripped_or_marked_with_its_possessive():
    assert extract.strip_channels("hooks about tides in Veritasium's voice", ["Veritasium"]) == "hooks about tides in voice"
    marked = extract.mark_channels("plan my video on sleep like Veritasium's big ones", ["Veritasium"])
    assert marked == "plan my video on sleep like <channel> big ones"
    assert extract.video_topic(marked) == "sleep"
    assert extract.video_topic(extract.mark_channels("a video about tides in Veritasium's voice", ["Veritasium"])) == "tides"
    assert extract.video_topic(extract.mark_channels("is a video about tides for Veritasium a good idea?",
                                                     ["Veritasium"])) == "tides"
