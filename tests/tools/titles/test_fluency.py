"""The fluency guard, the judge's gate on it, weak drafts when nothing passes, and which score to trust: unit tests on
the titles the issue reported and on real transcript text."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.titles.candidates import Cut, Judgement, TitleCandidate
from tools.titles.drafting import postprocess, weak_drafts
from tools.titles.fluency import Evidence, check_title
from tools.titles.graph import nothing_passed
from tools.titles.judge import FRAGMENT_CAP, judge_offline, judged_title, trust_note, trust_reason
from tools.titles.report import titles_markdown

REPORTED = [  # what the offline drafter wrote before (issue 16)
    "A Negative, Not Even a Negative Interest Rate, and Why It Matters",
    "When Both of Them Are Played, and Why It Matters",
    "Repeated Multiplication, Adder, Function",
    "Beats Second, Pressure, Complicated",
]
FLUENT = [
    "What Is the Fourier Transform, Really?",
    "What Are Hamming Codes Made Of?",
    "How Bitcoin Actually Works",
    "If You Can Solve This, You're Smarter Than 99% of People",
    "Euler's Formula and Graph Duality",
]


def cand(title: str, self_score: float = 80.0, generator: str = "offline", weak: str = "") -> TitleCandidate:
    return TitleCandidate(title, "h1", "outlier_patterns", "curiosity", "question", (), self_score, generator, weak)


@pytest.mark.parametrize("title", REPORTED)
def test_the_reported_fragments_are_rejected_with_a_reason(title):
    verdict = check_title(title)
    assert not verdict.ok and verdict.problems and all(p and not p.endswith(" ") for p in verdict.problems)


@pytest.mark.parametrize("title", FLUENT)
def test_complete_titles_pass(title):
    assert check_title(title).ok, check_title(title).problems


def test_the_reasons_say_what_is_wrong():
    assert "stops mid-phrase" in check_title("How the Fourier Transform Works With the").problems[0]
    assert any("glues" in p for p in check_title("When Both of Them Are Played, and Why It Matters").problems)
    assert any("repeats “Negative”" in p for p in check_title(REPORTED[0]).problems)
    assert any("speech" in p for p in check_title("So What We're Going to Do Is Integrate").problems)
    assert any("list of words" in p for p in check_title(REPORTED[2]).problems)


def test_promises_are_checked_against_the_transcript(data_dir: Path):
    text = (data_dir / "transcripts_3blue1brown" / "videos" / "2018_fourier-transforms" / "transcript.txt").read_text()
    evidence = Evidence.from_text(text)
    assert check_title("The Fourier Transform, Explained Visually", evidence).ok
    assert any("first-person experiment" in p
               for p in check_title("I Tried the Fourier Transform for 30 Days", evidence).problems)
    assert any("“Einstein”" in p or "“Zorblat”" in p
               for p in check_title("What Zorblat Got Wrong About the Fourier Transform", evidence).problems)
    assert any("“1234”" in p for p in check_title("1234 Frequencies Inside the Fourier Transform", evidence).problems)


def test_a_fragment_is_never_graded_a():
    fragment = judged_title(cand(REPORTED[0]), 86.0, "A", {}, "scorer note")
    assert fragment.score == FRAGMENT_CAP and fragment.grade not in ("A", "A+", "B", "C")
    assert fragment.note.startswith(f"capped at {FRAGMENT_CAP:.0f}: the title")
    good = judged_title(cand(FLUENT[0]), 86.0, "A", {}, "note")
    assert good.score == 86.0 and good.grade == "A" and good.note == "note"
    for j in judge_offline([cand(t) for t in REPORTED + FLUENT]).ranked:
        assert j.grade not in ("A", "A+") or check_title(j.candidate.title).ok


def test_a_disagreement_says_which_score_to_trust():
    flagged = judged_title(cand(FLUENT[2], self_score=95.0), 50.0, "C", {}, "")
    assert flagged.flagged and "trust the judge" in trust_note(flagged) and "95" in trust_note(flagged)
    llm = judged_title(cand(FLUENT[2], self_score=95.0, generator="gpt-4o"), 50.0, "C", {}, "")
    assert "its own" in trust_note(llm)
    assert "wording" in trust_reason(flagged) and "fixed rubric" in trust_reason(llm)
    assert not judged_title(cand(FLUENT[2], self_score=75.0), 50.0, "C", {}, "").flagged  # 25 points: no flag
    idea = TitleCandidate(FLUENT[2], "idea", "outlier_patterns", "curiosity", "question", (), 29.0, "offline")
    assert not judged_title(idea, 94.0, "A", {}, "").flagged  # a described idea has no moment the drafter rated


def test_the_why_of_a_disagreement_is_said_once_under_the_list():
    judged = [judged_title(cand(t, self_score=95.0), 50.0, "C", {}, "") for t in FLUENT[:3]]
    shown = titles_markdown(_analysis(), [], Judgement(judged), [], 3, None)
    assert shown.count("trust the judge") == 3  # each title's numbers
    assert shown.count(trust_reason(judged[0])) == 1 and "titles 1, 2, 3" in shown


def test_nothing_passing_shows_weak_drafts_and_says_why():
    drafts = [cand(t, 90 - i) for i, t in enumerate(REPORTED)]
    kept, cuts = postprocess(drafts)
    assert kept == [] and {c.rule for c in cuts} == {"fluency"}
    weak = weak_drafts(drafts, cuts)
    assert weak and all(w.weak for w in weak) and len(weak) <= 3
    why = nothing_passed(drafts, cuts, 40, 70)
    assert "fragments" in why and "marked weak" in why
    judgement = judge_offline(weak)
    assert all(j.score <= FRAGMENT_CAP for j in judgement.ranked)
    shown = titles_markdown(_analysis(), [], judgement, cuts, 3, None, why)
    assert shown.startswith("⚠ None of the") and "weak draft" in shown
    empty = titles_markdown(_analysis(), [], Judgement([]), [], 3, None, nothing_passed([], [], 40, 70))
    assert "none" in empty and "No title could be drafted" in empty


def _analysis():
    from tools.scripts.hooks import ScriptAnalysis

    return ScriptAnalysis("plain", 100, False, 33.0, 5, (), "x", "y", (), "offline", "f")


def test_cuts_keep_their_rule():
    assert Cut("t", "fluency", "why").rule == "fluency"
