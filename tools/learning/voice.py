"""Creator DNA: a creator's voice profile, measured from their own transcripts.

Pure functions with typed results; no database, no network, no LangChain. Transcripts are parsed by
``tools.scripts.parsing.parse_script`` (SRT, WebVTT, timestamped lines, paragraphs or plain text), so a profile
can be built from any script the product already reads.

What a profile measures (``build_voice_profile``)
-------------------------------------------------
- **vocabulary**: the creator's distinctive words, ranked by the z-score of the log-odds ratio with an informative
  Dirichlet prior (Monroe, Colaresi & Quinn 2008, "Fightin' Words", Political Analysis 16(4), eqs. 16-22)
  of the creator's word counts against general English. The background is ``wordfreq`` (Speer 2022; its English
  list, bundled offline, blends Wikipedia, subtitles, news, books, web text, Reddit and Twitter): word ``w`` has
  background frequency ``pi_w`` (floored at ``BACKGROUND_FLOOR``), taken as counts ``pi_w * BACKGROUND_TOKENS`` of
  a pseudo-corpus; the prior is ``alpha_w = PRIOR_TOKENS * pi_w``. Only content words are listed (not stop words,
  spoken fillers, contractions of them or single letters), and only words used in at least
  ``MIN_WORD_TRANSCRIPT_SHARE`` of the transcripts, so one video's topic does not pass for the creator's voice.
- **signature_phrases**: 2-4 word phrases by document frequency: the share of transcripts that use them (not raw
  counts, so one video repeating a phrase does not make it a habit). Phrases made only of stop words, starting with
  an article or ending with an article or conjunction are left out, as is a phrase inside a longer one used in
  nearly as many transcripts (``PHRASE_SUBSUMED``).
- **sentence length** (mean and median words) and **questions / exclamations per 100 sentences**: only from
  transcripts with usable sentence punctuation (at least one sentence end per
  ``tools.scripts.parsing.MAX_PASSAGE_WORDS`` words, the parser's own test). YouTube auto-captions have none: those
  features are then None and ``not_measured`` says "not measurable: no punctuation".
- **pacing**: words per minute over the spoken span (first cue start to last cue end), pooled over the transcripts
  with real timestamps; None with the reason when there are none.
- **question openers per 1,000 words**: phrases that open a question ("have you ever", "what if", "how do", "do
  you"...; ``QUESTION_OPENERS``), counted anywhere: the only question measure that works without punctuation.
  An estimate: on 3Blue1Brown's punctuated captions 85 % of the sentences holding an opener end in "?" (openers
  under 60 % there, such as "how much" and "what happens", were left out of the lexicon), they find a third of the
  questions, and per video their rate follows the real question rate (Spearman 0.73, 140 videos).
- **person**: "you" (second person), "I" (first person singular) and "we" (first person plural) per 1,000 words,
  each counting every form (you/your/yours/yourself, I/me/my/mine/myself, we/us/our/ours/ourselves). The pronoun
  "I" is counted in capitals only when the text has capitals (a lower-case "i" is the imaginary unit in math
  videos); "US" in capitals is the country, not "us".
- **teaching moves per 1,000 words**: a small lexicon (``TEACHING_MOVES``), each move with its cue phrases.
- **numbers per 1,000 words**: digits and number words, by the specificity rubric's number pattern
  (``tools.scripts.hooks.NUMBER_PATTERN``; "one" is left out as it is mostly a pronoun).

Rates "per 1,000 words" divide by whitespace-separated words, as ``parse_script`` counts them.

Using a profile
---------------
``VoiceProfile.to_dict`` / ``from_dict`` are a JSON-ready round trip for the store. What the creator reads, the
LLM prompt block, the fit of a title to the voice and the distance between two voices are in
``tools.learning.voice_fit``; ``tools.learning.transcripts`` reads a creator's transcripts from the shared data
or the conversation.

Limits: English only (the background is English; other languages are refused, see ``MIN_ENGLISH_SHARE``); the
lexicons see words, not delivery, tone or visuals.
"""


from __future__ import annotations

import math
import re
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from functools import cache
from importlib.metadata import version

import numpy as np
from wordfreq import get_frequency_dict

from tools.scripts.hooks import NUMBER_PATTERN
from tools.scripts.parsing import MAX_PASSAGE_WORDS, Script, ScriptInputError, parse_script
from tools.scripts.topic import STOP_WORDS

PROFILE_VERSION = 1
"""Version of the stored shape (``VoiceProfile.to_dict``); ``from_dict`` refuses other versions."""

MIN_PROFILE_WORDS = 1_000
"""Fewest words a profile is built from: about 6 minutes of speech at 180 words per minute. Below it the rates per
1,000 words rest on a handful of occurrences (a move used 5 times per 1,000 words is seen ~5 times, a Poisson
standard error of ~45 %)."""

MIN_ENGLISH_SHARE = 0.30
"""Least share of a profile's words that must be among the most common English words (``wordfreq`` frequency
>= 1e-3: the 110 most common). English speech measures 0.54-0.56 (3Blue1Brown, Nischa); the Spanish transcripts in the
shared data 0.08-0.09. Below it the profile is refused: the English background would make every word
"distinctive"."""

BACKGROUND_FLOOR = 1e-8
"""Background frequency of a word missing from ``wordfreq``'s English list: about the lowest frequency the list holds
(1.02e-8)."""

BACKGROUND_TOKENS = 1e9
"""Size of the pseudo-corpus the background frequencies stand for. ``wordfreq`` pools billions of tokens, so the
background is near exact: its variance term matters only for words rarer than about one in 10^8."""

PRIOR_TOKENS = 1_000.0
"""``alpha_0`` of the informative Dirichlet prior (Monroe et al. 2008): 1,000 pseudo-words spread as general
English. A weak prior: it pulls words a creator says only a few times toward their general-English rate."""

VOCABULARY_SIZE = 50
"""Distinctive words kept in a profile (the best by z-score)."""

MIN_WORD_TRANSCRIPT_SHARE = 0.05
"""A distinctive word must appear in at least this share of the transcripts (and in at least 2, from 3
transcripts on)."""

PHRASE_SIZES = (2, 3, 4)
PHRASES_KEPT = 15
MIN_PHRASE_TRANSCRIPT_SHARE = 0.10
"""A signature phrase is used in at least this share of the transcripts, and in at least ``MIN_PHRASE_TRANSCRIPTS``."""
MIN_PHRASE_TRANSCRIPTS = 3
PHRASE_SUBSUMED = 0.8
"""A phrase inside a longer kept phrase is dropped when the longer one is used in at least this share of its
transcripts ("when it comes" inside "when it comes to")."""

MIN_PUNCTUATED_SHARE = 0.5
"""Sentence measures need transcripts with sentence punctuation holding at least this share of the words; otherwise
they are "not measurable: no punctuation" (a single punctuated video among auto-captions speaks for no one)."""

MIN_WPM_SPAN_S = 30.0
"""Shortest spoken span (s) a timed transcript needs to count toward pacing."""

_PHRASE_EDGE_START = frozenset({"a", "an", "the"})
_PHRASE_EDGE_END = frozenset({"a", "an", "the", "and", "or", "but"})

TEACHING_MOVES: dict[str, tuple[str, ...]] = {
    "analogy": (
        "it's like", "it is like", "it's kind of like", "it's a bit like", "think of it as", "think of this as",
        "think of that as", "think of them as", "think of it like", "analogy", "analogous", "metaphor",
    ),
    "example": ("for example", "for instance", "let's say", "say you have", "as an example", "suppose"),
    "imagine / visualize": (
        "imagine", "visualize", "visualise", "picture this", "picture it", "picture yourself", "envision",
    ),
    "step / sequence": (
        "first of all", "firstly", "secondly", "thirdly", "the next step", "after that", "and then", "finally",
        *(f"step {n}" for n in ("one", "two", "three", "four", "five")),
        *(f"number {n}" for n in ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")),
    ),
    "recap": (
        "in other words", "so basically", "to sum up", "to summarize", "to summarise", "to recap", "in summary",
        "in short", "put simply", "put another way", "what this means is", "the point is", "the key is",
    ),
    "let's (doing it together)": ("let's", "let us"),
    "check (notice / remember)": (
        "notice", "noticed", "remember", "keep in mind", "pay attention", "make sure", "don't forget",
    ),
}
"""Teaching moves and their cue phrases (matched as whole words, case-insensitive, ’ read as '). Each occurrence of
a cue counts once; the rate is per 1,000 words."""

QUESTION_OPENERS: tuple[str, ...] = (
    "have you ever", "did you know", "what if", "what do", "what does", "what did", "what would",
    "why do", "why does", "why did", "why is", "why are", "why would", "why should", "why not",
    "how do", "how does", "how did", "how can", "how could", "how would",
    "do you", "did you", "can you", "could you", "would you", "are you", "is there", "isn't it",
)
"""Phrases that open a question in English speech; counted anywhere in the text (see the module docstring)."""


def _cue_pattern(cues: Sequence[str]) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(re.escape(c) for c in sorted(cues, key=len, reverse=True)) + r")\b")


_MOVE_PATTERNS = {name: _cue_pattern(cues) for name, cues in TEACHING_MOVES.items()}
_QUESTION_OPENER = _cue_pattern(QUESTION_OPENERS)
# the word, "you", "I" (in capitals) and "we" patterns are public: ``tools.learning.voice_fit`` reads titles with them
TOKEN_PATTERN = re.compile(r"[a-z]+(?:'[a-z]+)*")
YOU_PATTERN = re.compile(r"\byou(?:r|rs|rself|rselves)?\b", re.IGNORECASE)
I_CAPS_PATTERN = re.compile(r"\b(?:I|[Mm]e|[Mm]y|[Mm]ine|[Mm]yself)\b")
_I_LOWER = re.compile(r"\b(?:i|me|my|mine|myself)\b")
WE_PATTERN = re.compile(r"\b(?:[Ww]e|[Uu]s|[Oo]urs?|[Oo]urselves)\b")
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*$")
_QUESTION_END = re.compile(r"\?[\"'”’)\]]*$")
_EXCLAMATION_END = re.compile(r"![\"'”’)\]]*$")
_CONTRACTION = re.compile(r"'(?:s|re|ll|ve|d|m|t)$")


def _is_stop(token: str) -> bool:
    """Stop word, filler, a contraction of one ("you're", "don't", "can't"), or a single letter."""
    base = _CONTRACTION.sub("", token)
    return len(token) < 2 or token in STOP_WORDS or base in STOP_WORDS or base.removesuffix("n") in STOP_WORDS


@cache
def _background() -> dict[str, float]:
    """``wordfreq``'s English frequencies (word -> share of tokens), loaded once (~0.1 s)."""
    return get_frequency_dict("en")


BACKGROUND = f"general English (wordfreq {version('wordfreq')})"


# ---------------------------------------------------------------------------------------------------------------
# The profile
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VoiceProfile:
    """A creator's voice, measured from their transcripts (see the module docstring for every feature).

    ``name``: whose voice ("3Blue1Brown"); ``source``: what it was built from ("3Blue1Brown: 142 transcripts,
    526,159 words"); ``transcripts`` / ``words``: how many were used. ``vocabulary``: (word, z-score) best first;
    ``signature_phrases``: (phrase, share of transcripts 0-1) most shared first. ``sentences``: sentences measured
    (0 when not measurable). Rates are per 1,000 words (``*_per_1k``) or per 100 sentences (``*_per_100_sentences``);
    ``wpm`` is words per minute. A feature that could not be measured is None, and ``not_measured`` maps its name to
    the reason ("not measurable: no punctuation"). ``teaching_moves``: move name -> uses per 1,000 words, in the
    order of ``TEACHING_MOVES``. ``notes``: what the builder skipped or assumed.
    """

    name: str
    source: str
    transcripts: int
    words: int
    vocabulary: tuple[tuple[str, float], ...]
    signature_phrases: tuple[tuple[str, float], ...]
    sentences: int
    sentence_words_mean: float | None
    sentence_words_median: float | None
    questions_per_100_sentences: float | None
    exclamations_per_100_sentences: float | None
    question_openers_per_1k: float
    wpm: float | None
    timed_transcripts: int
    you_per_1k: float
    i_per_1k: float
    we_per_1k: float
    numbers_per_1k: float
    teaching_moves: dict[str, float]
    not_measured: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    background: str = BACKGROUND
    version: int = PROFILE_VERSION

    def to_dict(self) -> dict:
        """A JSON-ready dict (lists for tuples); ``from_dict`` gives the same profile back."""
        out = asdict(self)
        for key in ("vocabulary", "signature_phrases"):
            out[key] = [list(pair) for pair in out[key]]
        out["notes"] = list(self.notes)
        return out

    @classmethod
    def from_dict(cls, data: dict) -> VoiceProfile:
        """The profile stored by ``to_dict``. Raises ValueError when ``data`` is not a stored profile or is of another
        ``PROFILE_VERSION`` (rebuild it then)."""
        if not isinstance(data, dict):
            raise ValueError(f"A stored voice profile is a dict from VoiceProfile.to_dict, not {type(data).__name__}.")
        if data.get("version") != PROFILE_VERSION:
            raise ValueError(
                f"This voice profile was stored as version {data.get('version')!r}, the code reads version "
                f"{PROFILE_VERSION}: rebuild it from the transcripts."
            )
        names = {f.name for f in fields(cls)}
        missing = sorted(n for n in names if n not in data and n not in ("not_measured", "notes", "background"))
        if missing:
            raise ValueError(f"The stored voice profile lacks {', '.join(missing)}: rebuild it from the transcripts.")
        values = {k: v for k, v in data.items() if k in names}
        values["vocabulary"] = tuple((str(w), float(z)) for w, z in values["vocabulary"])
        values["signature_phrases"] = tuple((str(p), float(s)) for p, s in values["signature_phrases"])
        values["notes"] = tuple(values.get("notes", ()))
        return cls(**values)

    @property
    def distinctive_words(self) -> list[str]:
        """The distinctive words alone, best first."""
        return [w for w, _ in self.vocabulary]


# ---------------------------------------------------------------------------------------------------------------
# Building
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class _Parsed:
    script: Script
    text: str
    lower: str
    tokens: list[str]


def _sentences(script: Script) -> list[str]:
    """The script's sentences: passages joined until one ends with sentence punctuation (the parser cuts long
    sentences into chunks; only the last chunk ends with . ! ? or …)."""
    out, current = [], []
    for p in script.passages:
        current.append(p.text)
        if _SENTENCE_END.search(p.text):
            out.append(" ".join(current))
            current = []
    if current:
        out.append(" ".join(current))
    return out


def _punctuated(script: Script, sentences: Sequence[str]) -> bool:
    """The parser's test for usable sentence punctuation: at least one sentence end per ``MAX_PASSAGE_WORDS``
    words."""
    ends = sum(1 for s in sentences if _SENTENCE_END.search(s))
    return ends > 0 and script.words / ends <= MAX_PASSAGE_WORDS


def _fightin_words(counts: Counter[str], total: int) -> dict[str, float]:
    """z-score of each word's log-odds ratio, creator vs ``wordfreq`` English, with the informative Dirichlet prior
    ``alpha_w = PRIOR_TOKENS * pi_w`` (Monroe et al. 2008, eqs. 16-22)::

        delta_w = log((y_w + a_w) / (n + a_0 - y_w - a_w)) - log((b_w + a_w) / (N + a_0 - b_w - a_w))
        var_w   = 1 / (y_w + a_w) + 1 / (b_w + a_w);   z_w = delta_w / sqrt(var_w)

    with ``y_w`` the creator's count, ``n`` their tokens, ``b_w = pi_w * N`` and ``N = BACKGROUND_TOKENS``."""
    freq = _background()
    words = list(counts)
    y = np.array([counts[w] for w in words], dtype=float)
    pi = np.array([max(freq.get(w, 0.0), BACKGROUND_FLOOR) for w in words])
    a0, n_bg = PRIOR_TOKENS, BACKGROUND_TOKENS
    a = a0 * pi
    b = pi * n_bg
    delta = np.log((y + a) / (total + a0 - y - a)) - np.log((b + a) / (n_bg + a0 - b - a))
    z = delta / np.sqrt(1 / (y + a) + 1 / (b + a))
    return dict(zip(words, z.tolist()))


def _phrases(docs: Sequence[list[str]]) -> list[tuple[str, float]]:
    """Signature phrases (see the module docstring): (phrase, share of transcripts), most shared first."""
    n = len(docs)
    if n < MIN_PHRASE_TRANSCRIPTS:
        return []
    df: Counter[tuple[str, ...]] = Counter()
    for tokens in docs:
        grams = set()
        for size in PHRASE_SIZES:
            grams.update(zip(*(tokens[i:] for i in range(size))))
        df.update(grams)
    least = max(MIN_PHRASE_TRANSCRIPTS, math.ceil(MIN_PHRASE_TRANSCRIPT_SHARE * n))
    candidates = sorted(
        (
            (g, c) for g, c in df.items()
            if c >= least and g[0] not in _PHRASE_EDGE_START and g[-1] not in _PHRASE_EDGE_END
            and not all(_is_stop(t) for t in g)
        ),
        key=lambda gc: (-gc[1], -len(gc[0]), gc[0]),
    )
    longer = {g: c for g, c in candidates if len(g) > 2}
    kept: list[tuple[str, float]] = []
    for g, c in candidates:
        if any(
            len(big) > len(g) and big_c >= PHRASE_SUBSUMED * c and f" {' '.join(g)} " in f" {' '.join(big)} "
            for big, big_c in longer.items()
        ):
            continue
        kept.append((" ".join(g), round(c / n, 3)))
        if len(kept) == PHRASES_KEPT:
            break
    return kept


def _per_1k(count: float, words: int) -> float:
    return round(1000 * count / words, 2)


def build_voice_profile(transcripts: Sequence[str], source: str) -> VoiceProfile:
    """The voice profile of the creator who spoke ``transcripts`` (raw text in any format ``parse_script`` reads:
    SRT, WebVTT, timestamped lines, plain text). ``source`` names the creator ("3Blue1Brown").

    Transcripts the parser refuses (empty, under ``tools.scripts.parsing.MIN_SCRIPT_WORDS`` words) are skipped with a
    note. Raises ValueError (the message says what to fix) when there are no transcripts, fewer than
    ``MIN_PROFILE_WORDS`` words in all, or text that is not English (``MIN_ENGLISH_SHARE``).
    """
    if isinstance(transcripts, str):
        raise ValueError("Pass a list of transcripts (one string per video), not a single string.")
    if not isinstance(source, str) or not source.strip():
        raise ValueError("Name the creator: source is the channel or creator name, e.g. '3Blue1Brown'.")
    source = source.strip()
    if not transcripts:
        raise ValueError("No transcripts: pass the creator's transcripts (SRT, WebVTT, timestamped or plain text), "
                         "one per video.")
    parsed: list[_Parsed] = []
    skipped: list[str] = []
    for i, raw in enumerate(transcripts, 1):
        try:
            script = parse_script(raw)
        except ScriptInputError as e:
            skipped.append(f"#{i} ({str(e).split(':')[0]})")
            continue
        text = " ".join(p.text for p in script.passages).replace("’", "'")
        lower = text.lower()
        parsed.append(_Parsed(script, text, lower, TOKEN_PATTERN.findall(lower)))
    words = sum(p.script.words for p in parsed)
    if words < MIN_PROFILE_WORDS:
        raise ValueError(
            f"{words:,} words of transcript ({len(parsed)} of {len(transcripts)} transcripts readable): a voice "
            f"profile needs at least {MIN_PROFILE_WORDS:,} words. Add more of the creator's transcripts."
        )
    counts = Counter(t for p in parsed for t in p.tokens)
    tokens_total = sum(counts.values())
    freq = _background()
    english = sum(c for t, c in counts.items() if freq.get(t, 0.0) >= 1e-3) / max(tokens_total, 1)
    if english < MIN_ENGLISH_SHARE:
        raise ValueError(
            f"These transcripts do not look English: {english:.0%} of their words are common English words (English "
            f"speech: about 55 %). Voice profiles compare a creator with general English: pass English transcripts."
        )
    notes = []
    if skipped:
        notes.append(f"Skipped {len(skipped)} transcript(s) that could not be read: {', '.join(skipped[:5])}.")
    not_measured: dict[str, str] = {}

    # vocabulary
    z = _fightin_words(counts, tokens_total)
    doc_freq = Counter(t for p in parsed for t in set(p.tokens))
    least_docs = 1 if len(parsed) < 3 else max(2, math.ceil(MIN_WORD_TRANSCRIPT_SHARE * len(parsed)))
    vocabulary = tuple(
        (w, round(s, 1))
        for w, s in sorted(z.items(), key=lambda ws: -ws[1])
        if s > 0 and doc_freq[w] >= least_docs and not _is_stop(w)
    )[:VOCABULARY_SIZE]
    phrases = tuple(_phrases([p.tokens for p in parsed]))
    if not phrases:
        notes.append(f"Signature phrases need at least {MIN_PHRASE_TRANSCRIPTS} transcripts sharing a phrase.")

    sentence_measures = _sentence_measures(parsed, words, notes, not_measured)
    timed = [p.script for p in parsed if p.script.timed and _spoken_span_s(p.script) >= MIN_WPM_SPAN_S]
    if timed:
        wpm = round(sum(s.words for s in timed) / (sum(_spoken_span_s(s) for s in timed) / 60), 1)
    else:
        wpm = None
        not_measured["wpm"] = "not measurable: no timestamps"

    counts: Counter[str] = Counter()
    for p in parsed:
        counts.update(style_counts(p.text))
    return VoiceProfile(
        name=source,
        source=f"{source}: {len(parsed)} transcripts, {words:,} words",
        transcripts=len(parsed),
        words=words,
        vocabulary=vocabulary,
        signature_phrases=phrases,
        **sentence_measures,
        question_openers_per_1k=_per_1k(counts["question_openers"], words),
        wpm=wpm,
        timed_transcripts=len(timed),
        you_per_1k=_per_1k(counts["you"], words),
        i_per_1k=_per_1k(counts["i"], words),
        we_per_1k=_per_1k(counts["we"], words),
        numbers_per_1k=_per_1k(counts["numbers"], words),
        teaching_moves={name: _per_1k(counts[f"move: {name}"], words) for name in _MOVE_PATTERNS},
        not_measured=not_measured,
        notes=tuple(notes),
    )


def style_counts(text: str) -> Counter[str]:
    """How often ``text`` (one transcript's or one hook's words, ’ read as ') says each counted habit of a profile:
    keys "you", "i", "we", "question_openers", "numbers" and "move: <name>" for each of ``TEACHING_MOVES``
    (occurrences, not rates). The counting rules are the module docstring's: "I" in capitals only when the text
    has capitals, "we" and numbers case-sensitive where the case tells them apart ("US", "i")."""
    text = text.replace("’", "'")
    lower = text.lower()
    counts: Counter[str] = Counter({
        "you": len(YOU_PATTERN.findall(lower)),
        "i": len((I_CAPS_PATTERN if re.search(r"[A-Z]", text) else _I_LOWER).findall(text)),
        "we": len(WE_PATTERN.findall(text)),
        "question_openers": len(_QUESTION_OPENER.findall(lower)),
        "numbers": len(NUMBER_PATTERN.findall(text)),
    })
    for name, rx in _MOVE_PATTERNS.items():
        counts[f"move: {name}"] = len(rx.findall(lower))
    return counts


def _spoken_span_s(script: Script) -> float:
    """Seconds from the first cue's start to the last cue's end (to the last line's start for timestamped lines)."""
    return script.duration_s - script.passages[0].start_s


def _sentence_measures(parsed: Sequence[_Parsed], words: int, notes: list[str], not_measured: dict[str, str]) -> dict:
    """The sentence fields of a ``VoiceProfile`` from the punctuated transcripts, or None with the reason in
    ``not_measured`` when they hold under ``MIN_PUNCTUATED_SHARE`` of the words; appends what it did to ``notes``."""
    split = [(p, _sentences(p.script)) for p in parsed]
    split = [(p, sentences) for p, sentences in split if _punctuated(p.script, sentences)]
    punctuated_words = sum(p.script.words for p, _ in split)
    sentences = [s for _, ss in split for s in ss]
    if not sentences or punctuated_words < MIN_PUNCTUATED_SHARE * words:
        if split:
            notes.append(
                f"Only {len(split)} of {len(parsed)} transcripts ({punctuated_words / words:.0%} of the words) have "
                "sentence punctuation: too few to measure sentences."
            )
        for key in ("sentence_length", "questions_per_100_sentences", "exclamations_per_100_sentences"):
            not_measured[key] = "not measurable: no punctuation"
        return {"sentences": 0, "sentence_words_mean": None, "sentence_words_median": None,
                "questions_per_100_sentences": None, "exclamations_per_100_sentences": None}
    if len(split) < len(parsed):
        notes.append(f"Sentence measures from the {len(split)} of {len(parsed)} transcripts with punctuation.")
    lengths = [len(s.split()) for s in sentences]

    def per_100(pattern: re.Pattern[str]) -> float:
        return round(100 * sum(1 for s in sentences if pattern.search(s)) / len(sentences), 1)

    return {
        "sentences": len(sentences),
        "sentence_words_mean": round(statistics.fmean(lengths), 1),
        "sentence_words_median": float(statistics.median(lengths)),
        "questions_per_100_sentences": per_100(_QUESTION_END),
        "exclamations_per_100_sentences": per_100(_EXCLAMATION_END),
    }
