"""Using a Creator DNA (``tools.learning.voice.VoiceProfile``): what the creator reads, what an LLM is told, how
much a title sounds like the creator, and how far apart two voices are.

``voice_markdown`` (what the creator reads), ``voice_prompt_block`` (a compact block for an LLM prompt),
``voice_fit`` (small, explained points for the offline ranking of generated titles) and ``profile_distance`` (how
far apart two voices are, over ``voice_features``; ``feature_distance`` the same on bare features, which
``tools.preproduction.hooks`` uses to write hooks whose habits follow the creator's). Pure functions, no database.
"""

from __future__ import annotations

import math
import re
import statistics

from tools.learning.voice import I_CAPS_PATTERN, TOKEN_PATTERN, WE_PATTERN, YOU_PATTERN, VoiceProfile

# ---------------------------------------------------------------------------------------------------------------
# Reading a profile
# ---------------------------------------------------------------------------------------------------------------


def _person_summary(p: VoiceProfile) -> str:
    """Which person the creator speaks in, from the rates per 1,000 words."""
    if p.we_per_1k > 1.5 * p.i_per_1k:
        main = "mostly “we”"
    elif p.i_per_1k > 1.5 * p.we_per_1k:
        main = "mostly “I”"
    else:
        main = "“I” and “we” alike"
    if p.you_per_1k > max(p.i_per_1k, p.we_per_1k):
        return f"{main}; talks to the viewer (“you”) more than about themselves"
    return f"{main}; says “you” less than “I” or “we”"


def _top_moves(p: VoiceProfile, n: int = 3) -> list[tuple[str, float]]:
    return sorted(p.teaching_moves.items(), key=lambda kv: -kv[1])[:n]


def voice_markdown(profile: VoiceProfile) -> str:
    """What the creator reads when they ask "what's my voice?": words, phrases, rhythm, questions, person, teaching
    moves and numbers, each with its figure, and what could not be measured and why."""
    p = profile
    lines = [
        f"**Creator DNA: {p.name}**, from {p.transcripts} transcripts and {p.words:,} words, compared with "
        f"{p.background}."
    ]
    if p.vocabulary:
        lines.append("- **Your words**: " + ", ".join(p.distinctive_words[:12]))
    if p.signature_phrases:
        phrases = ", ".join(f"“{ph}” {s:.0%}" for ph, s in p.signature_phrases[:6])
        lines.append(f"- **Your phrases** (share of videos): {phrases}")
    rhythm = []
    if p.sentence_words_mean is not None:
        rhythm.append(f"{p.sentence_words_mean:g} words per sentence (median {p.sentence_words_median:g})")
    if p.wpm is not None:
        rhythm.append(f"{p.wpm:.0f} words per minute")
    if rhythm:
        lines.append("- **Rhythm**: " + "; ".join(rhythm))
    if p.questions_per_100_sentences is not None:
        q = f"{p.questions_per_100_sentences:g} per 100 sentences"
        if p.exclamations_per_100_sentences is not None:
            q += f" (exclamations: {p.exclamations_per_100_sentences:g} per 100)"
    else:
        q = f"about {p.question_openers_per_1k:g} question openers per 1,000 words (estimated: no punctuation)"
    lines.append(f"- **Questions**: {q}")
    lines.append(
        f"- **Person**: you {p.you_per_1k:.0f} · I {p.i_per_1k:.0f} · we {p.we_per_1k:.0f} per 1,000 words: "
        + _person_summary(p)
    )
    lines.append("- **Teaching moves** (per 1,000 words): " + ", ".join(f"{m} {r:g}" for m, r in _top_moves(p)))
    lines.append(f"- **Numbers**: {p.numbers_per_1k:.0f} per 1,000 words")
    if p.not_measured:
        missing = "; ".join(f"{k.replace('_', ' ')} ({why})" for k, why in p.not_measured.items())
        lines.append(f"_Not measured: {missing}._")
    return "\n".join(lines)


def voice_prompt_block(profile: VoiceProfile) -> str:
    """The voice in about six lines for an LLM prompt (hooks and titles): words, phrases, rhythm and questions,
    person, teaching moves, and the instruction to use them only where true to the video."""
    p = profile
    rhythm = []
    if p.sentence_words_mean is not None:
        rhythm.append(f"{p.sentence_words_mean:g}-word sentences")
    if p.wpm is not None:
        rhythm.append(f"{p.wpm:.0f} wpm")
    if p.questions_per_100_sentences is not None:
        rhythm.append(f"{p.questions_per_100_sentences:g} questions per 100 sentences")
    else:
        rhythm.append(f"~{p.question_openers_per_1k:g} question openers per 1,000 words")
    return "\n".join([
        f"Creator voice ({p.source}):",
        "- Distinctive words: " + ", ".join(p.distinctive_words[:15]),
        "- Signature phrases: " + (", ".join(f"“{ph}”" for ph, _ in p.signature_phrases[:6]) or "none measured"),
        "- Rhythm and questions: " + ", ".join(rhythm),
        f"- Person: {_person_summary(p)} (you {p.you_per_1k:.0f}, I {p.i_per_1k:.0f}, we {p.we_per_1k:.0f} per "
        "1,000 words)",
        "- Teaching moves: " + ", ".join(m for m, _ in _top_moves(p))
        + ". Use these words and habits where they fit the video; never invent facts to fit them.",
    ])


# ---------------------------------------------------------------------------------------------------------------
# Titles in the creator's voice
# ---------------------------------------------------------------------------------------------------------------

VOICE_FIT_LIMIT = 8.0
"""``voice_fit`` points are clipped to +/- this on the 0-100 title score scale: voice nudges a ranking, it does not
override the scorer."""
WORD_POINTS, MAX_WORDS_CREDITED = 2, 3
PHRASE_POINTS = 1
QUESTION_HIGH, QUESTION_LOW = 5.0, 2.0
"""Questions per 100 sentences above which a question title fits the creator (+2) and below which it does not (-1).
Rules of thumb, not fitted."""
OPENERS_HIGH, OPENERS_LOW = 1.5, 0.5
"""The same for unpunctuated transcripts, in question openers per 1,000 words (+1 / -1: weaker evidence)."""
_QUESTION_TITLE = re.compile(
    r"\?|^(?:(?:how|why|what|who|when|where|which)\s+(?:do|does|did|is|are|was|were|can|could|would|should|will|much|"
    r"many)|is|are|can|do|does|did|should|would|will)\b",
    re.IGNORECASE,
)


def _variants(word: str) -> tuple[str, ...]:
    """The word and its simple singular/plural forms ("circles" -> "circle"; "vector" -> "vectors")."""
    forms = [word, word + "s"]
    if word.endswith("es"):
        forms.append(word[:-2])
    if word.endswith("s"):
        forms.append(word[:-1])
    return tuple(forms)


def voice_fit(title: str, profile: VoiceProfile) -> tuple[float, list[str]]:
    """How much a title sounds like the creator: (points within +/- ``VOICE_FIT_LIMIT`` on the 0-100 title score
    scale, reasons such as "+2: uses your word 'probability'"). For the offline ranking of generated titles.

    Rules (deterministic, additive, then clipped):
    - +2 per distinct word of the profile's ``vocabulary`` (or its singular/plural), for up to 3 words;
    - +1 for one of the creator's ``signature_phrases``;
    - a question (a "?", or a question word and an auxiliary first: "How do...", "Is it..."): +2 if the creator
      asks at least ``QUESTION_HIGH`` questions per 100 sentences, -1 under ``QUESTION_LOW`` (without punctuation:
      +1 / -1 by ``OPENERS_HIGH`` / ``OPENERS_LOW`` question openers per 1,000 words);
    - "I/me/my" in the title (the pronoun in capitals): +1 if the creator says "I" at least as often as "we", -2 if
      they say "we" more than 1.5 times as often; "we/us/our" the other way round;
    - "you/your": +1 if the creator says "you" more than "I" and more than "we".
    Raises ValueError for an empty title.
    """
    if not isinstance(title, str) or not title.strip():
        raise ValueError("The title is empty: give the title to check against the creator's voice.")
    p = profile
    points = 0.0
    reasons: list[str] = []
    rank = {w: i for i, w in enumerate(p.distinctive_words, 1)}
    credited = []
    for token in dict.fromkeys(TOKEN_PATTERN.findall(title.lower().replace("’", "'"))):
        match = next((f for f in _variants(token) if f in rank), None)
        if match and match not in credited and len(credited) < MAX_WORDS_CREDITED:
            credited.append(match)
            points += WORD_POINTS
            reasons.append(f"+{WORD_POINTS}: uses your word “{token}” (#{rank[match]} of your distinctive words)")
    low = " ".join(TOKEN_PATTERN.findall(title.lower().replace("’", "'")))
    phrase = next((ph for ph, _ in p.signature_phrases if re.search(rf"\b{re.escape(ph)}\b", low)), None)
    if phrase:
        points += PHRASE_POINTS
        reasons.append(f"+{PHRASE_POINTS}: uses your phrase “{phrase}”")
    if _QUESTION_TITLE.search(title.strip()):
        if p.questions_per_100_sentences is not None:
            rate = p.questions_per_100_sentences
            if rate >= QUESTION_HIGH:
                points += 2
                reasons.append(f"+2: a question, and you ask {rate:g} per 100 sentences")
            elif rate < QUESTION_LOW:
                points -= 1
                reasons.append(f"-1: a question, but you ask only {rate:g} per 100 sentences")
        else:
            rate = p.question_openers_per_1k
            if rate >= OPENERS_HIGH:
                points += 1
                reasons.append(f"+1: a question, and you open about {rate:g} per 1,000 words")
            elif rate < OPENERS_LOW:
                points -= 1
                reasons.append(f"-1: a question, but you open only about {rate:g} per 1,000 words")
    rates = f"(I {p.i_per_1k:.0f} vs we {p.we_per_1k:.0f} per 1,000 words)"
    if I_CAPS_PATTERN.search(title):
        if p.i_per_1k >= p.we_per_1k:
            points += 1
            reasons.append(f"+1: says “I”, as you do {rates}")
        elif p.we_per_1k > 1.5 * p.i_per_1k:
            points -= 2
            reasons.append(f"-2: says “I” but you mostly say “we” {rates}")
    if WE_PATTERN.search(title):
        if p.we_per_1k >= p.i_per_1k:
            points += 1
            reasons.append(f"+1: says “we”, as you do {rates}")
        elif p.i_per_1k > 1.5 * p.we_per_1k:
            points -= 2
            reasons.append(f"-2: says “we” but you mostly say “I” {rates}")
    if YOU_PATTERN.search(title) and p.you_per_1k > max(p.i_per_1k, p.we_per_1k):
        points += 1
        reasons.append(f"+1: speaks to the viewer, as you do (“you” {p.you_per_1k:.0f} per 1,000 words)")
    clipped = max(-VOICE_FIT_LIMIT, min(VOICE_FIT_LIMIT, points))
    if clipped != points:
        reasons.append(f"(capped at {clipped:+g})")
    return clipped, reasons


# ---------------------------------------------------------------------------------------------------------------
# Comparing voices
# ---------------------------------------------------------------------------------------------------------------

DISTANCE_SMOOTHING = 1.0
"""Added to both sides of every ratio in ``profile_distance``, so that rare features (0 vs 0.3 per 1,000 words) do
not dominate it."""


def voice_features(profile: VoiceProfile) -> dict[str, float]:
    """The profile's numeric style features by name (rates per 1,000 words, per 100 sentences, words per sentence,
    words per minute); features that were not measured are absent."""
    p = profile
    out = {
        "you_per_1k": p.you_per_1k, "i_per_1k": p.i_per_1k, "we_per_1k": p.we_per_1k,
        "question_openers_per_1k": p.question_openers_per_1k, "numbers_per_1k": p.numbers_per_1k,
        **{f"move: {m}": r for m, r in p.teaching_moves.items()},
        "sentence_words_mean": p.sentence_words_mean, "questions_per_100_sentences": p.questions_per_100_sentences,
        "exclamations_per_100_sentences": p.exclamations_per_100_sentences, "wpm": p.wpm,
    }
    return {k: float(v) for k, v in out.items() if v is not None}


def profile_distance(a: VoiceProfile, b: VoiceProfile) -> float:
    """How different two voices are: the mean absolute log ratio of their numeric style features
    (``voice_features``) measured in both, ``|ln((x_a + 1) / (x_b + 1))|`` (``DISTANCE_SMOOTHING`` = 1). 0 is the same
    voice; 0.69 means the features differ by a factor of two on average. Symmetric, unit-free, every feature weighs
    the same. Vocabulary is left out: it follows the topic of the videos more than the voice."""
    return feature_distance(voice_features(a), voice_features(b))


def feature_distance(fa: dict[str, float], fb: dict[str, float]) -> float:
    """``profile_distance`` on two feature dicts (``voice_features`` names and units): the mean of
    ``|ln((x_a + 1) / (x_b + 1))|`` over the features present in both. Raises ValueError when they share none."""
    shared = [k for k in fa if k in fb]
    if not shared:
        raise ValueError("The two voices share no measured feature to compare.")
    s = DISTANCE_SMOOTHING
    return float(statistics.fmean(abs(math.log((fa[k] + s) / (fb[k] + s))) for k in shared))
