"""The title-likeness model behind the fluency guard's speech check: fitted on the real data, kept apart from the
held-out fluency set's sources, and telling a window of a real transcript from a real title."""

from __future__ import annotations

import csv
import json
import random
import re
from pathlib import Path

import pytest

from evals.titles import FLUENCY_HELDOUT
from tools.titles.fluency import check_title
from tools.titles.titleness import (
    HELDOUT_SOURCES,
    SPEECH_SOURCE,
    TITLE_SOURCES,
    fit,
    get_titleness_model,
    shape,
    training_titles,
)


@pytest.fixture(scope="module")
def model():
    found = get_titleness_model()
    assert found is not None, "CORTEX_DATA_DIR lacks the title-likeness sources"
    return found


def test_the_shape_keeps_function_words_and_hides_topics():
    assert shape("How You Can Set Up a Roth IRA in 2024") == "<s> how you can set up a _w _w in _n </s>"


def test_training_never_reads_the_held_out_sources_nor_holds_a_held_out_title(data_dir: Path):
    read = [SPEECH_SOURCE, *(path for path, _, _ in TITLE_SOURCES)]
    assert not any(path.startswith(HELDOUT_SOURCES) for path in read)
    titles = training_titles(data_dir)
    known = {re.sub(r"\W+", " ", t.lower()).strip() for split in titles.values() for t in split}
    heldout = [json.loads(line)["title"] for line in FLUENCY_HELDOUT.read_text(encoding="utf-8").splitlines() if line]
    assert not [t for t in heldout if re.sub(r"\W+", " ", t.lower()).strip() in known]


def test_the_threshold_is_chosen_on_the_validation_split(data_dir: Path, model):
    report = model.report
    assert report["validation_titles"] >= 300 and report["validation_windows"] >= 1000
    assert report["false_rejections"] <= 0.03  # the threshold rule
    assert report["speech_recall"] >= 0.3  # and at that threshold the model still catches speech
    assert fit(data_dir).threshold == pytest.approx(model.threshold)  # deterministic (seeded windows)


def test_windows_of_a_3blue1brown_transcript_read_as_speech_and_its_real_titles_do_not(data_dir: Path, model):
    """On a source the model never saw: windows cut from 3Blue1Brown captions vs the channel's real titles."""
    folder = data_dir / "transcripts_3blue1brown"
    rng = random.Random(3)
    words = (folder / "videos" / "2018_fourier-transforms" / "transcript.txt").read_text(encoding="utf-8").split()
    windows = []
    for _ in range(200):
        size = rng.randint(5, 10)
        start = rng.randrange(len(words) - size)
        windows.append(" ".join(words[start:start + size]))
    with (folder / "index.csv").open(encoding="utf-8", newline="") as f:
        titles = [row["title"] for row in csv.DictReader(f)]
    speech = sum(model.reads_as_speech(w) for w in windows) / len(windows)
    rejected = sum(model.reads_as_speech(t) for t in titles) / len(titles)
    assert speech > 2 * rejected, (speech, rejected)


def test_the_guard_names_speech_in_a_creators_words():
    assert "reads like a line of speech, not like a title" in check_title("Walk You Through Exactly How You Can Set").problems
    assert check_title("We Built a Car That Runs on Water").ok
