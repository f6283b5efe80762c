"""Topic understanding on real transcripts and described ideas: key concepts, promise, niche and audience; and the
offline extractor of a described idea."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.scripts.hooks import analyze_idea
from tools.scripts.parsing import ScriptInputError
from tools.scripts.topic import is_plural, understand
from tools.titles.offline import described_idea

VIDEOS = Path("transcripts_3blue1brown") / "videos"


def transcript(data_dir: Path, folder: str) -> str:
    return (data_dir / VIDEOS / folder / "transcript.txt").read_text(encoding="utf-8")


def test_a_fourier_video_is_about_the_fourier_transform(data_dir):
    topic = understand(transcript(data_dir, "2018_fourier-transforms"))
    first = topic.concepts[0]
    assert first.phrase == "Fourier transform" and first.article == "the" and first.mentions >= 10
    assert "finance" not in topic.audience and "finance" not in topic.niche
    assert topic.niche in ("science & education", "ai & data science")
    phrases = [c.phrase.lower() for c in topic.concepts]
    assert len(set(phrases)) == len(phrases) and not any(p in q for p in phrases for q in phrases if p != q)


def test_a_math_video_about_interest_is_not_personal_finance(data_dir):
    topic = understand(transcript(data_dir, "2020_ldm-imaginary-interest"))
    assert topic.niche != "finance & business" and "finance" not in topic.audience.split("(")[0]


def test_names_keep_their_capitals_and_plurals_are_merged(data_dir):
    topic = understand(transcript(data_dir, "2020_hamming-codes"))
    assert "Hamming codes" in [c.phrase for c in topic.concepts]  # the capital kept, singular and plural one concept
    assert "hamming codes" not in [c.phrase.lower() for c in topic.concepts if c.phrase != "Hamming codes"]
    assert is_plural("Hamming codes") and not is_plural("Bayes' theorem") and not is_plural("analysis")


def test_a_described_idea_reads_as_a_one_hook_script():
    a = analyze_idea("I test 5 budgeting apps for a month to see which one actually saves money")
    assert a.format == "idea" and [h.id for h in a.hooks] == ["idea"] and a.hooks[0].strength > 0
    assert any("budgeting app" in c for c in a.concepts)
    assert "finance" in a.audience
    with pytest.raises(ScriptInputError):
        analyze_idea("   ")
    with pytest.raises(ScriptInputError, match="under 200 words"):
        analyze_idea("word " * 201)


def test_a_how_to_idea_is_its_own_title_and_from_scratch_is_no_concept():
    """A described how-to is what the video is about: its clause, cut before its condition, is a title as it stands;
    "from scratch" says who it is for, so "scratch" is no key concept (it used to make "How Scratch Works")."""
    from tools.titles.drafting import hook_slots
    from tools.titles.fluency import Evidence

    idea = "how I would invest my first $1000 if I was starting from scratch today"
    a = analyze_idea(idea)
    assert not any("scratch" in c.lower() for c in a.concepts)
    slots = hook_slots(a.hooks[0], a, Evidence.from_text(idea))
    assert slots.C == "How I Would Invest My First $1000" and slots.S is None
    assert any("scratch" in c.lower() for c in analyze_idea("scratch cards and the odds of winning a scratch card").concepts)


@pytest.mark.parametrize(("request_text", "idea"), [
    ("10 title ideas for a video where I test 5 budgeting apps for a month", "I test 5 budgeting apps for a month"),
    ("Give me titles for a video about how compound interest works", "how compound interest works"),
    ("titles about compound interest for my channel Nischa", "compound interest"),
    ("What should I call a video about sourdough bread?", "sourdough bread"),
    ("write titles for this script", ""),
    ("title ideas for my transcript", ""),
])
def test_the_offline_extractor_reads_the_described_idea(request_text, idea):
    assert described_idea(request_text) == idea
