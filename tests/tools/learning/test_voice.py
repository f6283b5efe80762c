"""Creator DNA on real transcripts: 3Blue1Brown's timed, punctuated captions and Nischa's plain auto-captions.

No database: the voice profile is pure domain code. Assertions are on features (which words, which rates point
which way, what could not be measured), computed from the data, never on exact figures or prose.
"""

from __future__ import annotations

import dataclasses
import json
import re
import statistics
from pathlib import Path

import pytest

from tools.learning.transcripts import (
    TRANSCRIPT_CHANNELS,
    ChannelVideo,
    load_channel_transcripts,
    load_channel_videos,
)
from tools.learning.voice import (
    MIN_PROFILE_WORDS,
    PROFILE_VERSION,
    STOP_WORDS,
    VoiceProfile,
    build_voice_profile,
)
from tools.learning.voice_fit import (
    VOICE_FIT_LIMIT,
    profile_distance,
    voice_features,
    voice_fit,
    voice_markdown,
    voice_prompt_block,
)
from tools.scripts.parsing import detect_format

MATH = {"vector", "vectors", "function", "derivative", "matrix", "probability", "sine", "cosine", "equation",
        "calculus", "theorem", "polynomial", "squared", "pi", "integral", "geometry", "math", "angle", "circle", "graph"}
MONEY = {"money", "investing", "invest", "income", "savings", "saving", "debt", "tax", "wealth", "salary", "pay",
         "paycheck", "spending", "spend", "budget", "finances", "financial", "investment", "pounds", "dollars"}


@pytest.fixture(scope="module")
def b1b_videos(data_dir: Path) -> list[ChannelVideo]:
    return load_channel_videos(data_dir, "3Blue1Brown")


@pytest.fixture(scope="module")
def nischa_videos(data_dir: Path) -> list[ChannelVideo]:
    return load_channel_videos(data_dir, "Nischa")


@pytest.fixture(scope="module")
def b1b(b1b_videos) -> VoiceProfile:
    return build_voice_profile([v.text for v in b1b_videos], "3Blue1Brown")


@pytest.fixture(scope="module")
def nischa(nischa_videos) -> VoiceProfile:
    return build_voice_profile([v.text for v in nischa_videos], "Nischa")


def halves(videos: list[ChannelVideo]) -> tuple[list[ChannelVideo], list[ChannelVideo]]:
    """Older and newer half (the loaders return videos oldest first)."""
    return videos[: len(videos) // 2], videos[len(videos) // 2 :]


@pytest.fixture(scope="module")
def b1b_halves(b1b_videos) -> tuple[VoiceProfile, VoiceProfile]:
    older, newer = halves(b1b_videos)
    return build_voice_profile([v.text for v in older], "3Blue1Brown (older half)"), build_voice_profile(
        [v.text for v in newer], "3Blue1Brown (newer half)"
    )


def test_loaders_match_channel_names_and_read_real_transcripts(data_dir, b1b_videos, nischa_videos):
    assert len(b1b_videos) >= 140 and all(detect_format(v.text) == "srt" for v in b1b_videos)
    assert sum(v.title is not None for v in b1b_videos) >= 135
    assert len(nischa_videos) == 100 and all(v.title and v.video_id for v in nischa_videos)
    assert all(detect_format(v.text) in ("plain", "paragraphs") for v in nischa_videos)
    assert load_channel_transcripts(data_dir, "3blue1brown") == [v.text for v in b1b_videos]
    assert load_channel_transcripts(data_dir, "  NISCHA ") == [v.text for v in nischa_videos]
    assert [load_channel_videos(data_dir, c)[0].channel for c in TRANSCRIPT_CHANNELS] == list(TRANSCRIPT_CHANNELS)


def test_3b1b_profile(b1b, b1b_videos):
    assert b1b.transcripts <= len(b1b_videos) and b1b.words > 500_000
    assert b1b.source.startswith("3Blue1Brown: ") and f"{b1b.words:,} words" in b1b.source
    top = set(b1b.distinctive_words[:20])
    assert len(top & MATH) >= 5, b1b.distinctive_words[:20]
    assert not set(b1b.distinctive_words) & {"money", "income", "investing", "savings"}
    assert all(z > 0 for _, z in b1b.vocabulary) and [z for _, z in b1b.vocabulary] == sorted(
        (z for _, z in b1b.vocabulary), reverse=True
    )
    # timed, punctuated captions: everything measurable
    assert b1b.not_measured == {}
    assert b1b.timed_transcripts == b1b.transcripts
    assert 120 <= b1b.wpm <= 220  # conversational English runs at roughly 120-200 words per minute
    assert 8 <= b1b.sentence_words_mean <= 40 and b1b.sentences > 10_000
    assert b1b.questions_per_100_sentences > 0


def test_nischa_profile_says_what_auto_captions_cannot_measure(nischa):
    assert nischa.transcripts == 100 and nischa.words > 150_000
    top = set(nischa.distinctive_words[:20])
    assert len(top & MONEY) >= 5, nischa.distinctive_words[:20]
    assert not set(nischa.distinctive_words) & {"vector", "derivative", "matrix", "theorem"}
    # no timestamps, no punctuation: None with the reason, never an invented number
    assert nischa.wpm is None and nischa.timed_transcripts == 0
    assert nischa.not_measured["wpm"] == "not measurable: no timestamps"
    assert nischa.sentence_words_mean is None and nischa.sentence_words_median is None and nischa.sentences == 0
    assert nischa.questions_per_100_sentences is None and nischa.exclamations_per_100_sentences is None
    for key in ("sentence_length", "questions_per_100_sentences", "exclamations_per_100_sentences"):
        assert nischa.not_measured[key] == "not measurable: no punctuation"
    assert nischa.question_openers_per_1k > 0  # the question measure that needs no punctuation


def test_the_two_voices_differ_the_way_the_data_shows(b1b, nischa):
    # Nischa talks to the viewer and about herself; 3Blue1Brown says "we" and "let's" (doing it together)
    assert nischa.you_per_1k > 1.5 * b1b.you_per_1k
    assert nischa.i_per_1k / nischa.we_per_1k > 3 * (b1b.i_per_1k / b1b.we_per_1k)
    assert b1b.we_per_1k > 1.5 * nischa.we_per_1k
    assert b1b.teaching_moves["let's (doing it together)"] > 1.5 * nischa.teaching_moves["let's (doing it together)"]
    # Nischa's listicles: "firstly", "number one", "and then"
    assert nischa.teaching_moves["step / sequence"] > 1.5 * b1b.teaching_moves["step / sequence"]
    assert b1b.teaching_moves["imagine / visualize"] > 2 * nischa.teaching_moves["imagine / visualize"]


def test_signature_phrases_are_document_frequencies(nischa, nischa_videos):
    phrases = nischa.signature_phrases
    assert len(phrases) >= 10
    shares = [s for _, s in phrases]
    assert shares == sorted(shares, reverse=True) and all(0.1 <= s <= 1 for s in shares)
    assert all(not set(ph.split()) <= STOP_WORDS for ph, _ in phrases)
    for phrase, share in phrases[:3]:  # recount by hand: the share of transcripts using the phrase at least once
        using = sum(
            bool(re.search(rf"\b{re.escape(phrase)}\b", " ".join(re.findall(r"[a-z]+(?:'[a-z]+)*", v.text.lower()))))
            for v in nischa_videos
        )
        assert using / len(nischa_videos) == pytest.approx(share, abs=0.011)


def test_halves_of_one_creator_are_closer_than_two_creators(b1b, nischa, b1b_halves):
    older, newer = b1b_halves
    within = profile_distance(older, newer)
    assert within < profile_distance(older, nischa) and within < profile_distance(newer, nischa)
    assert profile_distance(b1b, nischa) == pytest.approx(profile_distance(nischa, b1b))
    assert profile_distance(b1b, b1b) == 0
    # only features measured in both count: Nischa has no wpm or sentence length
    assert "wpm" in voice_features(b1b) and "wpm" not in voice_features(nischa)


def test_voice_fit_prefers_the_creators_own_held_out_titles(b1b_videos, nischa_videos):
    """Profiles from each creator's older half; titles from the newer half (videos the profile never saw)."""
    b_old, b_new = halves(b1b_videos)
    n_old, n_new = halves(nischa_videos)
    b_prof = build_voice_profile([v.text for v in b_old], "3Blue1Brown")
    n_prof = build_voice_profile([v.text for v in n_old], "Nischa")
    b_titles = [v.title for v in b_new if v.title]
    n_titles = [v.title for v in n_new if v.title]
    for prof, own, other in ((b_prof, b_titles, n_titles), (n_prof, n_titles, b_titles)):
        own_fit = [voice_fit(t, prof) for t in own]
        other_fit = [voice_fit(t, prof) for t in other]
        assert statistics.fmean(p for p, _ in own_fit) > statistics.fmean(p for p, _ in other_fit), prof.name

        def share_with_own_words(fits):
            return statistics.fmean(any("uses your word" in r for r in reasons) for _, reasons in fits)

        assert share_with_own_words(own_fit) > 2 * share_with_own_words(other_fit), prof.name
        assert all(-VOICE_FIT_LIMIT <= p <= VOICE_FIT_LIMIT for p, _ in own_fit + other_fit)


def test_voice_fit_reasons(b1b, nischa):
    points, reasons = voice_fit("7 Money Tips I Wish I Knew In My 20s", nischa)
    assert points > 0 and any("“money”" in r and r.startswith("+2") for r in reasons)
    assert any("says “I”, as you do" in r for r in reasons)
    assert voice_fit("7 Money Tips I Wish I Knew In My 20s", b1b)[0] < points
    points, reasons = voice_fit("Why do colliding blocks compute pi?", b1b)
    assert any("a question, and you ask" in r for r in reasons) and points >= 4
    # a creator who says "we" far more than "I": a first-person-singular title loses points
    we_voice = dataclasses.replace(b1b, i_per_1k=2.0, we_per_1k=20.0)
    points, reasons = voice_fit("How I think about probability", we_voice)
    assert any(r.startswith("-2: says “I” but you mostly say “we”") for r in reasons)
    crammed = " ".join(b1b.distinctive_words[:8]) + "? How do you see it, we ask"
    assert voice_fit(crammed, b1b)[0] == VOICE_FIT_LIMIT
    assert voice_fit("Some title", b1b) == voice_fit("Some title", b1b)  # deterministic


def test_round_trip_through_json(b1b, nischa):
    for p in (b1b, nischa):
        stored = json.loads(json.dumps(p.to_dict()))
        assert VoiceProfile.from_dict(stored) == p
    with pytest.raises(ValueError, match="rebuild"):
        VoiceProfile.from_dict({**b1b.to_dict(), "version": PROFILE_VERSION + 1})
    broken = b1b.to_dict()
    del broken["you_per_1k"]
    with pytest.raises(ValueError, match="you_per_1k"):
        VoiceProfile.from_dict(broken)


def test_any_transcript_format_gives_the_same_voice(b1b_videos, data_dir):
    """The same 20 videos as SRT and as plain text: the same words and rates, but pacing only with timestamps."""
    folders = sorted((data_dir / "transcripts_3blue1brown" / "videos").glob("*/captions.srt"))[20:40]
    srt = build_voice_profile([p.read_text(encoding="utf-8") for p in folders], "SRT")
    plain = build_voice_profile([p.with_name("transcript.txt").read_text(encoding="utf-8") for p in folders], "plain")
    assert srt.wpm is not None and plain.wpm is None and plain.not_measured["wpm"] == "not measurable: no timestamps"
    assert len(set(srt.distinctive_words[:20]) & set(plain.distinctive_words[:20])) >= 15
    assert plain.you_per_1k == pytest.approx(srt.you_per_1k, rel=0.05)
    assert plain.sentence_words_mean == pytest.approx(srt.sentence_words_mean, rel=0.1)


def test_bad_input_gets_a_clear_error(data_dir, b1b):
    with pytest.raises(ValueError, match="No transcripts"):
        build_voice_profile([], "x")
    with pytest.raises(ValueError, match="list of transcripts"):
        build_voice_profile("a single string", "x")
    with pytest.raises(ValueError, match=f"at least {MIN_PROFILE_WORDS:,} words"):
        build_voice_profile(["So let's think about the derivative of this function together. " * 20, ""], "x")
    with pytest.raises(ValueError) as err:
        load_channel_transcripts(data_dir, "MrBeast")
    assert "MrBeast" in str(err.value) and "3Blue1Brown" in str(err.value) and "Nischa" in str(err.value)
    with pytest.raises(ValueError, match="CORTEX_DATA_DIR"):
        load_channel_transcripts(data_dir / "missing", "Nischa")
    with pytest.raises(ValueError, match="English"):  # Feid's transcripts are Spanish
        build_voice_profile(load_channel_transcripts(data_dir, "feid"), "Feid")
    with pytest.raises(ValueError, match="title is empty"):
        voice_fit("  ", b1b)


def test_markdown_and_prompt_carry_the_numbers(b1b, nischa):
    md = voice_markdown(b1b)
    assert f"{b1b.words:,}" in md and b1b.distinctive_words[0] in md and f"{b1b.wpm:.0f} words per minute" in md
    md = voice_markdown(nischa)
    assert "not measurable: no punctuation" in md and "not measurable: no timestamps" in md
    assert "words per minute" not in md
    for p in (b1b, nischa):
        block = voice_prompt_block(p)
        assert len(block.splitlines()) <= 7 and all(w in block for w in p.distinctive_words[:3])
        assert p.signature_phrases[0][0] in block
