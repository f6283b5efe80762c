"""Title scoring engine: a 0-100 score, a grade and a per-component breakdown for a YouTube title.

Pure functions over strings; no database, no network, no LangChain. The only file read is the fitted model
``tools/scoring/weights.json`` (written by ``python -m evals.scorer fit``), loaded once and cached.

How a title is scored
---------------------
1. ``extract_features`` turns a title into ``len(FEATURE_NAMES)`` raw numbers (characters, words, syllables,
   VADER sentiment, question marks, digits, named things, known formats, ALL CAPS, ...).
   ``FeatureExtractor.features`` cites the evidence behind each rule.
2. The weights are fitted, not hand-set: a pairwise logistic regression on standardised feature differences
   between two headlines of the same Upworthy A/B test (Matias et al. 2021, Scientific Data 8:195), label = which
   headline had the higher CTR (see ``evals/scorer.py``). The linear score is
   ``s = sum_j coef_j * (x_j - mean_j) / scale_j``, and ``sigmoid(s_a - s_b)`` is the model's probability that
   title A gets the higher CTR when both are A/B tested on the same audience.
3. ``s`` is mapped to 0-100 as its percentile among reference titles (unique US YouTube trending titles of 2017
   and 2024, stored as quantile knots in the weights file): 70 means "stronger than 70 % of those titles by this
   model". A component's sub-score is the mid-rank percentile of its part of ``s`` (the terms of its features)
   among the same reference titles.
4. Product rules on top: YouTube refuses titles over 100 characters, so such a title is still scored but its
   score is capped below the D band (``UNUSABLE_SCORE_CAP``) with a warning; so is a title with no words (emoji or
   symbols only). Three or more emoji get an "emoji clutter" warning (``EMOJI_CLUTTER``).

Improvements are data-driven too: for each component the engine tries a few concrete edits (add a number, cut
to the mobile limit, drop the ALL CAPS, ...), computes each edit's effect on ``s`` with the fitted weights and
suggests the one that raises the score most, with its gain in points; ``improvement`` is None when no edit helps.

Not English / not Latin script: the rules for readability, emotion, curiosity words, named things, voice and
formats are English-only. For a title whose letters are mostly non-Latin those features are set to the mean of
the reference titles (neutral), the components say "not applicable" (weight 0) and a warning lists them. Other Latin-script
languages are scored with the English rules (there is no language detector in the dependencies).
"""

from __future__ import annotations

import gc
import json
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import NamedTuple

import emoji
import numpy as np
import pyphen
from rapidfuzz import fuzz, process
from vaderSentiment.vaderSentiment import BOOSTER_DICT, N_SCALAR, NEGATE, SentimentIntensityAnalyzer

WEIGHTS_PATH = Path(__file__).with_name("weights.json")

YOUTUBE_TITLE_MAX_CHARS = 100
"""YouTube rejects titles longer than 100 characters (YouTube Help "Add video titles & descriptions"; YouTube Data
API ``videos.snippet.title``: "maximum length of 100 characters")."""

MOBILE_CUT_CHARS = 50
"""Where a mobile feed typically truncates a title: about 45-55 characters depending on device, font and layout
(YouTube's mobile home feed shows about two lines; YouTube Creator Academy advice "keep titles concise, put the
important words first"). 50, the middle of that range, is the hinge of the length features."""

GRADE_BANDS: tuple[tuple[str, float], ...] = (
    ("A+", 95.0),
    ("A", 85.0),
    ("B", 70.0),
    ("C", 50.0),
    ("D", 30.0),
    ("F", 0.0),
)
"""Grade band lower edges on the 0-100 score, best first: a score ``>= edge`` gets that grade. The score is a
percentile among real trending titles, so A+ is their top 5 %, A the next 10 %, B the next 15 %, C the rest of
the upper half, D the 30th-50th percentile and F the bottom 30 %."""

EMOJI_CLUTTER = 3
"""Emoji count from which a title gets an "emoji clutter" warning. A rule of thumb, not fitted: the Upworthy
headlines have no emoji, so the data cannot weigh them (the fitted ``n_emoji`` weight is 0)."""

UNUSABLE_SCORE_CAP = 29.9
"""Highest score (an F) for a title that cannot work as is: over ``YOUTUBE_TITLE_MAX_CHARS`` (YouTube refuses it)
or without a single word (emoji or symbols only: neither viewers nor search can tell what the video is about)."""

COMPONENTS: tuple[str, ...] = (
    "length",
    "readability",
    "emotion",
    "curiosity",
    "specificity",
    "voice",
    "structure",
    "penalties",
)

FEATURES: tuple[tuple[str, str, str], ...] = (
    ("n_chars", "length", "length in characters"),
    ("n_words", "length", "number of words"),
    ("chars_over_mobile_cut", "length", "characters past the mobile cut"),
    ("payoff_after_cut", "length", "payoff hidden past the mobile cut"),
    ("syllables_per_word", "readability", "syllables per word"),
    ("words_per_sentence", "readability", "words per phrase"),
    ("long_word_share", "readability", "share of long (3+ syllable) words"),
    ("sentiment_compound", "emotion", "overall sentiment"),
    ("n_positive_words", "emotion", "positive words"),
    ("n_negative_words", "emotion", "negative words"),
    ("n_exclamations", "emotion", "exclamation marks"),
    ("question", "curiosity", "a question"),
    ("wh_word", "curiosity", "why/how/what words"),
    ("forward_reference", "curiosity", "forward references (this, here's why)"),
    ("has_digit", "specificity", "a number in digits"),
    ("n_numbers", "specificity", "numbers"),
    ("n_named_things", "specificity", "named people, places and brands"),
    ("n_units", "specificity", "units and amounts"),
    ("first_person", "voice", "first person (I, we)"),
    ("second_person", "voice", "second person (you)"),
    ("third_person", "voice", "third person (he, she, they)"),
    ("format_how_to", "structure", "the how-to format"),
    ("format_listicle", "structure", "the listicle format"),
    ("format_i_tried", "structure", "the 'I tried X for N days' format"),
    ("format_versus", "structure", "the 'X vs Y' format"),
    ("format_challenge", "structure", "the challenge format"),
    ("format_two_part", "structure", "a two-part 'topic: hook' title"),
    ("all_caps_share", "penalties", "ALL-CAPS words"),
    ("punctuation_runs", "penalties", "runs of punctuation"),
    ("n_emoji", "penalties", "emoji"),
    ("clickbait_without_payload", "penalties", "clickbait cues without a concrete payoff"),
)
"""``(feature name, component, plain label)`` in the column order of ``extract_features``."""

FEATURE_NAMES: tuple[str, ...] = tuple(f[0] for f in FEATURES)
CONTINUOUS_FEATURES: frozenset[str] = frozenset({
    "n_chars", "n_words", "chars_over_mobile_cut", "syllables_per_word", "words_per_sentence", "long_word_share",
    "sentiment_compound", "all_caps_share",
})
"""Features scaled by their standard deviation when fitting; the others (indicators and counts) are scaled by
at least 0.5 (the standard deviation of a 50/50 indicator), so that a cue that is rare in the training headlines
(e.g. "X vs Y") does not get an inflated per-occurrence weight."""
FEATURE_LABELS: dict[str, str] = {f[0]: f[2] for f in FEATURES}
FORMATS: tuple[str, ...] = ("how-to", "listicle", "I tried X for N days", "X vs Y", "challenge", "topic: hook")

_FORMAT_FEATURES: tuple[str, ...] = (
    "format_how_to", "format_listicle", "format_i_tried", "format_versus", "format_challenge", "format_two_part",
)
_F = {name: i for i, name in enumerate(FEATURE_NAMES)}
_K = {c: i for i, c in enumerate(COMPONENTS)}
_FEATURE_COMPONENT = np.array([_K[f[1]] for f in FEATURES])

_LANGUAGE_DEPENDENT = (
    "n_words", "syllables_per_word", "words_per_sentence", "long_word_share", "sentiment_compound",
    "n_positive_words", "n_negative_words", "wh_word", "forward_reference", "n_named_things", "n_units",
    "first_person", "second_person", "third_person", "format_how_to", "format_listicle", "format_i_tried",
    "format_versus", "format_challenge", "all_caps_share", "clickbait_without_payload",
)
_NOT_APPLICABLE = ("readability", "emotion", "voice", "structure")


class TitleInputError(ValueError):
    """A title that cannot be scored at all (not text, or empty / only whitespace). The message says what to fix."""


# --------------------------------------------------------------------------------------------------------------
# Lexicons and patterns
# --------------------------------------------------------------------------------------------------------------


def _with_curly(words: str) -> frozenset[str]:
    """The words, plus their spelling with a typographic apostrophe (’) for those with an ASCII one."""
    items = words.split()
    return frozenset(items + [w.replace("'", "’") for w in items if "'" in w])


_WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_NUMBER_RE = re.compile(r"\d[\d,.]*")
# Punctuation and symbols in one pass: phrase breaks (followed by a space), spaced dashes/pipes, other runs, units.
_SYMBOLS_RE = re.compile(r"(?P<brk>[.!?…:;|]+)(?=\s)|(?P<dash>\s[-–—|]\s)|(?P<run>[.!?…|]+)|(?P<unit>[$€£¥%°])")
_PUNCT_RUN_RE = re.compile(r"[!?]{2,}|\.{3,}|…")

# Multi-word cues as token bigrams (lower case, apostrophes as typed; see ``_with_curly``). Sources: see
# ``FeatureExtractor.features`` and ``clickbait_index``.
_BIGRAM_CUES: dict[tuple[str, str], str] = {}
for _cue, _pairs in (
    ("forward", "here is|what happens|what happened|the reason|the truth|the secret"),
    ("hype", "mind blowing|jaw dropping|heart warming|must see|blow your|won't believe|wont believe|can't believe"
             "|cant believe|need to|will make|makes you|restore your|you'll never"),
    ("how-to", "how to|step by|beginner's guide|beginners guide"),
    ("I tried X for N days", "i tried|we tried|i tested|we tested|i spent|we spent|i survived|we survived|i lived"
                             "|we lived|i ate|we ate|i did|we did|i wore|we wore|i used|we used|i quit|we quit"),
    ("challenge", "last to"),
):
    for _pair in _pairs.split("|"):
        _a, _b = _pair.split()
        for _x in _with_curly(_a):
            for _y in _with_curly(_b):
                _BIGRAM_CUES[(_x, _y)] = _cue
_LIST_NOUNS = frozenset("things ways reasons tips tricks hacks mistakes facts signs habits rules lessons steps ideas".split())
_TIME_UNITS = frozenset("hour hours day days week weeks month months year years".split())
_SMALL_NUMBER_WORDS = frozenset("one a two three seven ten thirty".split())
_LAST_TO_VERBS = frozenset("leave stop take get fall".split())
_FORMAT_WORDS = dict.fromkeys("challenge survive survived surviving".split(), "challenge") | {
    "vs": "X vs Y", "versus": "X vs Y", "tutorial": "how-to"}

# Single-word cues (lower case). Sources: see ``FeatureExtractor.features`` and ``clickbait_index``.
_WORD_CUES: dict[str, str] = {}
for _cue, _words in (
    ("wh", "why how what who when where which"),
    ("forward", "this these here's heres"),
    ("first", "i i'm i've i'll i'd me my mine myself we we're we've we'll we'd our ours us"),
    ("second", "you your yours you're you'll you've you'd yourself yourselves"),
    ("third", "he she him his her hers himself herself they them their theirs themselves he's she's they're"),
    ("hype", "amazing awesome incredible unbelievable insane insanely shocking shocked stunning epic hilarious "
             "adorable genius crazy literally totally ever perfect perfectly absolutely heartbreaking mindblowing"),
    ("slang", "omg lol wtf lmao af omfg smh tbh yas yass yasss bae squad goals feels"),
):
    _WORD_CUES.update(dict.fromkeys(_with_curly(_words), _cue))
_CLICKBAIT_START = _with_curly("this these here's heres you why how what when we i")

_UNITS = frozenset(
    "second seconds minute minutes min mins hour hours hr hrs day days week weeks month months year years yr yrs "
    "decade decades century dollar dollars cent cents pound pounds lb lbs kg kilo kilos gram grams mile miles km "
    "meter meters metre metres foot feet ft inch inches mph calorie calories percent million millions billion "
    "billions thousand thousands times fps degrees people subscribers views".split()
)

_VADER_LEXICON: dict[str, float] = SentimentIntensityAnalyzer().lexicon
_NEGATE = frozenset(NEGATE)
_EMOJI_FIRST_CHARS = frozenset(e[0] for e in emoji.EMOJI_DATA if not e[0].isascii())
_HYPHENATOR = pyphen.Pyphen(lang="en_US")


@lru_cache(maxsize=200_000)
def syllables(word: str) -> int:
    """Syllables in one lower-case word: pyphen hyphenation points + 1 (Hunspell en_US patterns, Liang's 1983
    algorithm). Hyphenation never splits within two letters of either end, so short words count 1 and a few
    longer words are under-counted by one, the usual approximation in readability tools. Cached per word."""
    return len(_HYPHENATOR.positions(word)) + 1


def _shift_compound(compound: np.ndarray | float, delta_valence: float) -> np.ndarray | float:
    """VADER compound after adding ``delta_valence`` to the valence sum (inverts ``x / sqrt(x^2 + 15)``)."""
    c = np.clip(compound, -0.999, 0.999)
    total = c * np.sqrt(15.0 / (1.0 - c * c)) + delta_valence
    return total / np.sqrt(total * total + 15.0)


class _Word:
    """Everything the features need to know about one token, computed once per distinct token."""

    __slots__ = ("raw", "lower", "alpha", "syllables", "long", "valence", "negates", "boost", "cue", "unit", "named",
                 "shouted", "format", "plain", "letters", "latin_letters")

    def __init__(self, raw: str, common_words: frozenset[str]) -> None:
        low = raw.lower()
        base = low.replace("’", "'")
        base = base[:-2] if base.endswith("'s") else base
        common = base in common_words
        self.raw, self.lower, self.alpha = raw, low, low.isalpha()
        self.syllables = syllables(low) if self.alpha else 0
        self.long = self.syllables >= 3
        self.valence = _VADER_LEXICON.get(low)
        self.negates = low in _NEGATE or low.endswith(("n't", "n’t"))
        self.boost = BOOSTER_DICT.get(low, 0.0)
        self.cue = _WORD_CUES.get(low)
        self.unit = low in _UNITS
        self.named = not common and len(base) > 1 and not raw.islower() and not raw.isdigit()
        self.shouted = common and len(raw) >= 3 and raw.isupper()
        self.format = (_FORMAT_WORDS.get(low) or ("number" if low[:1].isdigit() or low in _SMALL_NUMBER_WORDS
                                                   else None))
        # Nothing to do for this token beyond syllables (most tokens): lets the title loop skip it.
        self.plain = (self.valence is None and self.cue is None and not self.unit and not self.named
                      and not self.shouted and self.format is None)
        if raw.isascii():
            self.letters = self.latin_letters = sum(ch.isalpha() for ch in raw)
        else:
            letters = [ch for ch in raw if ch.isalpha()]
            self.letters = len(letters)
            self.latin_letters = sum(unicodedata.name(ch, "").startswith("LATIN") for ch in letters)


class Evidence(NamedTuple):
    """The cues found in one title, quoted by the reasons and improvements."""

    latin: bool
    hidden_tail: str
    payoff: str
    positive: list[str]
    negative: list[str]
    wh: list[str]
    forward: list[str]
    numbers: list[str]
    named: list[str]
    units: list[str]
    formats: tuple[str, ...]
    shouted: list[str]
    punct_runs: list[str]
    clickbait: int
    words: list[str]


class FeatureExtractor:
    """Turns titles into the raw feature rows of ``FEATURE_NAMES``.

    ``common_words``: lower-case common-word vocabulary that tells named things from ordinary words (shipped in
    the weights file; built by ``evals.scorer.build_common_words``). Token facts are cached per distinct token
    (the cache is cleared past ``MAX_CACHED_TOKENS``)."""

    MAX_CACHED_TOKENS = 500_000

    def __init__(self, common_words: frozenset[str]) -> None:
        self.common_words = common_words
        self._cache: dict[str, _Word] = {}

    def _word(self, raw: str) -> _Word:
        if len(self._cache) >= self.MAX_CACHED_TOKENS:
            self._cache.clear()
        word = self._cache[raw] = _Word(raw, self.common_words)
        return word

    def features(self, title: str) -> tuple[list[float], Evidence]:
        """Raw features (``FEATURE_NAMES`` order) and the evidence for one normalised, non-empty title.

        Rules and their evidence:
        - length: characters, words, characters past ``MOBILE_CUT_CHARS`` (YouTube's mobile feed truncation), and
          ``payoff_after_cut`` = the first concrete payoff (number, named thing, unit) starts after the cut.
        - readability: syllables per word (pyphen), words per phrase and the share of 3+ syllable words: the
          inputs of Flesch (1948) reading ease and of Gunning's (1952) "complex words".
        - emotion: VADER compound (``vader_sentiment``) and counts of positive and negative lexicon words
          (Robertson et al. 2023, Nature Human Behaviour 7:812-822, "Negativity drives online news consumption",
          Upworthy data: each negative word raised CTR by about 2.3 %, positive words lowered it); "!" count
          (arousal; Berger & Milkman 2012, Journal of Marketing Research 49:2).
        - curiosity: "?", why/how/what words, forward references ("this", "here's why"): Loewenstein (1994)
          information-gap theory; Blom & Hansen (2015) forward reference; Lai & Farbrot (2014) question headlines.
        - specificity: Arabic digits present and their count (numerals in headlines: the Washington Post and
          Upworthy preregistered headline A/B studies), named things (a token with a capital or a letter+digit
          mix whose lower-case form is not in the common-word vocabulary), units and amounts ($, %, days, kg ...).
          No concreteness lexicon (Brysbaert et al. 2014) is packaged, so units stand in for concrete nouns.
        - voice: first person (creator stories), second person (direct address), third person (human subjects):
          pronoun classes are standard LIWC dimensions in headline studies (Robertson et al. 2023 controls).
        - structure: how-to, listicle, "I tried X for N days", "X vs Y", challenge, two-part "topic: hook".
        - penalties: share of common words in ALL CAPS (shouting; all-caps text reads about 10 % slower, Tinker
          1963 "Legibility of Print"), punctuation runs ("!!", "??", "..."), emoji count, and clickbait cues
          (``clickbait_index``) when the title has no concrete payoff (Chakraborty et al. 2016; Molyneux &
          Coddington 2020, Journalism Practice 14:4: clickbait headlines lower perceived credibility).
        """
        cache = self._cache
        recs = [cache.get(t) or self._word(t) for t in _WORD_RE.findall(title)]
        n_chars = len(title)
        n_words = len(recs)
        n_alpha = syl_sum = n_long = n_pos = n_neg = first = second = third = hype = 0
        total = 0.0
        positive: list[str] = []
        negative: list[str] = []
        wh: list[str] = []
        forward: list[str] = []
        named: list[str] = []
        units: list[str] = []
        shouted: list[str] = []
        formats: set[str] = set()
        lw = [w.lower for w in recs]
        for i, w in enumerate(recs):
            n_alpha += w.alpha
            syl_sum += w.syllables
            n_long += w.long
            if w.plain:
                continue
            v = w.valence
            if v is not None:
                if v > 0:
                    n_pos += 1
                    positive.append(w.lower)
                else:
                    n_neg += 1
                    negative.append(w.lower)
                if i:
                    boost = recs[i - 1].boost
                    if boost:
                        v += boost if v > 0 else -boost
                    if any(p.negates for p in recs[max(0, i - 3) : i]):
                        v *= N_SCALAR
                total += v
            cue = w.cue
            if cue is not None:
                if cue == "wh":
                    wh.append(w.lower)
                elif cue == "forward":
                    forward.append(w.lower)
                elif cue == "first":
                    first += 1
                elif cue == "second":
                    second += 1
                elif cue == "third":
                    third += 1
                else:
                    hype += 1
            if w.unit:
                units.append(w.raw)
            if w.named:
                named.append(w.raw)
            elif w.shouted:
                shouted.append(w.raw)
            fmt = w.format
            if fmt == "number":
                nxt = lw[i + 1] if i + 1 < n_words else ""
                if nxt in _LIST_NOUNS and w.lower[:1].isdigit():
                    formats.add("listicle")
                elif nxt in _TIME_UNITS and i and lw[i - 1] in ("for", "in"):
                    formats.add("I tried X for N days")
            elif fmt is not None:
                formats.add(fmt)
        for i, pair in enumerate(zip(lw, lw[1:])):
            cue = _BIGRAM_CUES.get(pair)
            if cue is None:
                continue
            if cue == "forward":
                forward.append(" ".join(pair))
            elif cue == "hype":
                hype += 1
            elif cue != "challenge" or (i + 2 < n_words and lw[i + 2] in _LAST_TO_VERBS):
                formats.add(cue)
        if lw:
            start = 1 if lw[0] in ("the", "top") and n_words > 1 else 0
            if lw[start][:1].isdigit() and start + 1 < n_words and lw[start + 1] not in _TIME_UNITS \
                    and not lw[start + 1][:1].isdigit():
                formats.add("listicle")
            if lw[0] == "how" and n_words > 1 and lw[1] in ("i", "we"):
                formats.add("how-to")

        low = title.lower()
        punct_runs: list[str] = []
        breaks = 0
        unit_pos = title.find(units[0]) if units else -1
        for m in _SYMBOLS_RE.finditer(title):
            group, text = m.lastgroup, m.group()
            if group == "unit":
                units.append(text)
                if unit_pos < 0 or m.start() < unit_pos:
                    unit_pos = m.start()
                continue
            if group != "run":
                breaks += 1
            if "|" in text or group == "dash" or (group == "brk" and ":" in text):
                formats.add("topic: hook")
            if len(text) > 1 or text == "…":
                punct_runs += _PUNCT_RUN_RE.findall(text)
        if title.isascii():
            latin = True
        else:
            letters = sum(w.letters for w in recs)
            latin = letters == 0 or 2 * sum(w.latin_letters for w in recs) >= letters
        numbers = _NUMBER_RE.findall(title)
        n_excl = title.count("!")
        if total and n_excl:
            total += math.copysign(min(n_excl, 4) * 0.292, total)
        compound = total / math.sqrt(total * total + 15.0) if total else 0.0

        payoff_pos = -1
        if numbers:
            payoff_pos = _NUMBER_RE.search(title).start()
        if named:
            pos = title.find(named[0])
            payoff_pos = pos if payoff_pos < 0 else min(payoff_pos, pos)
        if unit_pos >= 0:
            payoff_pos = unit_pos if payoff_pos < 0 else min(payoff_pos, unit_pos)
        has_payload = payoff_pos >= 0
        clickbait = (hype + len(forward) + (1 if second else 0)
                     + (1 if recs and (recs[0].lower in _CLICKBAIT_START or recs[0].raw[0].isdigit()
                                       or low.startswith("can you")) else 0))
        n_emoji = (emoji.emoji_count(title)
                   if not title.isascii() and any(map(_EMOJI_FIRST_CHARS.__contains__, title)) else 0)
        values = [
            float(n_chars),
            float(n_words),
            float(max(0, n_chars - MOBILE_CUT_CHARS)),
            float(n_chars > MOBILE_CUT_CHARS and payoff_pos >= MOBILE_CUT_CHARS),
            syl_sum / n_alpha if n_alpha else 0.0,
            n_words / (1 + breaks),
            n_long / n_alpha if n_alpha else 0.0,
            compound,
            float(n_pos),
            float(n_neg),
            float(n_excl),
            float("?" in title),
            float(len(wh)),
            float(len(forward)),
            float(bool(numbers)),
            float(len(numbers)),
            float(len(named)),
            float(len(units)),
            float(first),
            float(second),
            float(third),
            float("how-to" in formats),
            float("listicle" in formats),
            float("I tried X for N days" in formats),
            float("X vs Y" in formats),
            float("challenge" in formats),
            float("topic: hook" in formats),
            len(shouted) / n_alpha if n_alpha else 0.0,
            float(len(punct_runs)),
            float(n_emoji),
            0.0 if has_payload else float(clickbait),
        ]
        evidence = Evidence(
            latin=latin,
            hidden_tail=title[MOBILE_CUT_CHARS:],
            payoff=title[payoff_pos:].split(" ", 1)[0] if has_payload else "",
            positive=positive,
            negative=negative,
            wh=wh,
            forward=forward,
            numbers=numbers,
            named=named,
            units=units,
            formats=tuple(f for f in FORMATS if f in formats),
            shouted=shouted,
            punct_runs=punct_runs,
            clickbait=clickbait,
            words=lw,
        )
        return values, evidence


def vader_sentiment(title: str) -> float:
    """VADER compound sentiment in [-1, 1] of one title with the simplified VADER that the features use
    (Hutto & Gilbert 2014, ICWSM), about 20x faster than ``SentimentIntensityAnalyzer.polarity_scores``.

    Faithful to VADER where it matters for titles: VADER's own lexicon; a negation (VADER's ``NEGATE`` list or a
    word ending in "n't") among the three previous words multiplies a word's valence by ``N_SCALAR`` (-0.74); a
    booster word (``BOOSTER_DICT``, +-0.293) just before shifts it away from zero; up to four "!" add 0.292 each
    in the overall direction; compound = ``x / sqrt(x^2 + 15)`` (VADER's normalisation). Left out: ALL-CAPS
    emphasis, the "but" rule, idioms and emoji descriptions."""
    return _plain_extractor().features(normalize_title(title))[0][_F["sentiment_compound"]]


def clickbait_index(title: str) -> int:
    """Clickbait cue count (integer >= 0) of one title: hyperbolic words and phrases, internet slang, a
    forward-referencing or second-person start ("This...", "You...", "Why...", "10 ..."), forward references,
    and second-person address (counted once). Unit-weighted cues of Chakraborty et al. (2016, ASONAM "Stop
    Clickbait") and Blom & Hansen (2015, Journal of Pragmatics 76, "Click bait: forward-reference as lure in
    online news headlines"). Not fitted; its AUC on the Chakraborty corpus is reported by ``evals/scorer.py``.
    Raises ``TitleInputError`` for an empty title."""
    return _plain_extractor().features(normalize_title(title))[1].clickbait


@cache
def _plain_extractor() -> FeatureExtractor:
    """Extractor without a vocabulary, for the cues that do not depend on it (sentiment, clickbait cues)."""
    return FeatureExtractor(frozenset())


def normalize_title(title: object) -> str:
    """Collapse whitespace runs and strip the ends. Raises ``TitleInputError`` for non-text or empty titles."""
    if not isinstance(title, str):
        raise TitleInputError(f"Title must be text (a str), got {type(title).__name__}: pass the title as a string.")
    clean = " ".join(title.split())
    if not clean:
        raise TitleInputError("Title is empty or only whitespace: type the title you plan to publish (1-100 characters).")
    return clean


def extract_features(titles: Iterable[str], common_words: frozenset[str]) -> np.ndarray:
    """Raw feature matrix ``(n_titles, len(FEATURE_NAMES))`` (float64, ``FEATURE_NAMES`` column order), see
    ``FeatureExtractor.features``. Titles are normalised with ``normalize_title``; raises ``TitleInputError`` on
    an empty title. No script handling here (see ``TitleScorer.features``)."""
    extractor = FeatureExtractor(common_words)
    rows = [extractor.features(normalize_title(t))[0] for t in titles]
    return np.asarray(rows, dtype=np.float64).reshape(len(rows), len(FEATURE_NAMES))


# --------------------------------------------------------------------------------------------------------------
# Result types
# --------------------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Component:
    """One part of the breakdown.

    ``value``: 0-100 sub-score, the mid-rank percentile of this component's part of the linear score among the
    reference titles (50 = typical). ``weight``: the component's share (0-1; they sum to 1) of the spread of the
    linear score over the reference titles, i.e. how much it can move the overall score; 0 when not applicable.
    ``reason``: what was found, in plain words. ``improvement``: the edit that raises the score most, with its
    gain in points, or None when no tried edit helps. ``gain``: that edit's expected gain in score points (0 when
    there is none), for ranking suggestions."""

    name: str
    value: float
    weight: float
    reason: str
    improvement: str | None
    gain: float = 0.0


def grade_for(score: float) -> str:
    """Letter grade of a 0-100 score per ``GRADE_BANDS`` (lower edges inclusive)."""
    for grade, edge in GRADE_BANDS:
        if score >= edge:
            return grade
    return GRADE_BANDS[-1][0]


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


@dataclass(slots=True)
class TitleScore:
    """The score of one title: ``score`` 0-100 (one decimal; percentile among reference trending titles),
    ``grade`` per ``GRADE_BANDS``, ``components`` (one per ``COMPONENTS`` name, in that order) and ``warnings``
    (over 100 characters, script not supported, no words, invalid input).

    In a batch (``score_titles``) an invalid title is returned as ``score=0.0, grade="F", components=[]`` with the
    error message in ``warnings``; ``valid`` is False for it."""

    title: str
    score: float
    grade: str
    components: list[Component]
    warnings: list[str]

    @property
    def valid(self) -> bool:
        """False for the placeholder of an invalid title in a batch."""
        return bool(self.components)

    def component(self, name: str) -> Component:
        """The component called ``name``; raises KeyError if there is none."""
        for comp in self.components:
            if comp.name == name:
                return comp
        raise KeyError(name)

    def to_dict(self) -> dict:
        """JSON-ready ``{"title", "score", "grade", "components": {name: {"value", "reason", "improvement"}},
        "warnings"}``."""
        return {
            "title": self.title,
            "score": self.score,
            "grade": self.grade,
            "components": {
                c.name: {"value": c.value, "reason": c.reason, "improvement": c.improvement} for c in self.components
            },
            "warnings": list(self.warnings),
        }

    def to_markdown(self) -> str:
        """Compact chat markdown: score and grade, warnings, a component table with reasons, "How to improve"."""
        lines = [f"**{_md(self.title)}** — **{self.score:.1f}/100 ({self.grade})**", ""]
        lines += [f"> ⚠️ {w}" for w in self.warnings]
        if self.components:
            if self.warnings:
                lines.append("")
            lines += ["| Component | Score | Why |", "|---|---:|---|"]
            lines += [f"| {c.name} | {c.value:.0f} | {_md(c.reason)} |" for c in self.components]
            tips = sorted((c for c in self.components if c.improvement), key=lambda c: -c.gain)
            if tips:
                lines += ["", "**How to improve**"] + [f"- *{c.name}*: {c.improvement}" for c in tips]
        return "\n".join(lines)


@dataclass(slots=True)
class TitleComparison:
    """Two titles compared with the pairwise model.

    ``winner``: "a", "b" or "tie" (tie when ``p_a_wins`` is within ``TIE_BAND`` of 0.5). ``p_a_wins``: the
    model's probability that A gets the higher CTR in an A/B test, ``sigmoid(s_a - s_b)``. ``margin``:
    ``a.score - b.score`` in score points. ``reasons``: one line per component that differs, largest first."""

    a: TitleScore
    b: TitleScore
    winner: str
    margin: float
    p_a_wins: float
    reasons: list[str]

    TIE_BAND = 0.01

    def to_dict(self) -> dict:
        """JSON-ready dict: both ``TitleScore.to_dict()``, winner, margin, p_a_wins, reasons."""
        return {
            "a": self.a.to_dict(),
            "b": self.b.to_dict(),
            "winner": self.winner,
            "margin": self.margin,
            "p_a_wins": self.p_a_wins,
            "reasons": list(self.reasons),
        }

    def to_markdown(self) -> str:
        """Compact chat markdown: verdict, side-by-side component table, reasons."""
        if self.winner == "tie":
            verdict = f"**Too close to call** (A wins an A/B test with p≈{self.p_a_wins:.2f})."
        else:
            win = self.a if self.winner == "a" else self.b
            p = self.p_a_wins if self.winner == "a" else 1 - self.p_a_wins
            verdict = f"**Stronger: {self.winner.upper()} — “{_md(win.title)}”** (wins an A/B test with p≈{p:.2f})"
        lines = [
            verdict,
            "",
            f"| | A: {_md(self.a.title)} | B: {_md(self.b.title)} |",
            "|---|---:|---:|",
            f"| **score** | {self.a.score:.1f} ({self.a.grade}) | {self.b.score:.1f} ({self.b.grade}) |",
        ]
        lines += [f"| {ca.name} | {ca.value:.0f} | {cb.value:.0f} |" for ca, cb in zip(self.a.components, self.b.components)]
        if self.reasons:
            lines += ["", "**Why**"] + [f"- {r}" for r in self.reasons]
        return "\n".join(lines)


@dataclass(slots=True)
class ChannelScore:
    """A title scored against one channel's own titles and outlier multipliers.

    ``score`` (0-100): mid-rank percentile, among the channel's own titles, of the title's *channel fit*: the
    projection of its standardised features on the direction from the centroid of the channel's other titles to
    the centroid of its top-decile titles by outlier multiplier (a nearest-centroid rule). ``base``: the general
    ``TitleScore``. ``typical_chars``/``top_decile_chars``: median title length over all / top-decile titles.
    ``top_formats``: ``(format, share in top decile, share overall)`` for formats over-represented in the top
    decile (used by at least 2 top-decile titles and at least 1.5x as often as overall). ``nearest_outliers``: most similar top-decile titles ``(title, multiplier, similarity 0-100)``
    (rapidfuzz ``token_set_ratio``). ``reasons``/``improvements``: plain language. ``warnings``: e.g. too few
    titles (then ``score`` is the general score)."""

    title: str
    channel_name: str
    score: float
    grade: str
    base: TitleScore
    n_channel_titles: int
    typical_chars: float
    top_decile_chars: float
    top_formats: list[tuple[str, float, float]]
    nearest_outliers: list[tuple[str, float, float]]
    reasons: list[str]
    improvements: list[str]
    warnings: list[str]

    def to_dict(self) -> dict:
        """JSON-ready dict of all fields (``base`` through ``TitleScore.to_dict``)."""
        return {
            "title": self.title,
            "channel_name": self.channel_name,
            "score": self.score,
            "grade": self.grade,
            "base": self.base.to_dict(),
            "n_channel_titles": self.n_channel_titles,
            "typical_chars": self.typical_chars,
            "top_decile_chars": self.top_decile_chars,
            "top_formats": [{"format": f, "top_decile_share": t, "channel_share": c} for f, t, c in self.top_formats],
            "nearest_outliers": [
                {"title": t, "outlier_multiplier": m, "similarity": s} for t, m, s in self.nearest_outliers
            ],
            "reasons": list(self.reasons),
            "improvements": list(self.improvements),
            "warnings": list(self.warnings),
        }

    def to_markdown(self) -> str:
        """Compact chat markdown: channel-fit score, general score, reasons, closest outliers, how to improve."""
        lines = [
            f"**{_md(self.title)}** on **{_md(self.channel_name)}** — channel fit **{self.score:.1f}/100 "
            f"({self.grade})**; general score {self.base.score:.1f} ({self.base.grade})",
            "",
        ]
        lines += [f"> ⚠️ {w}" for w in self.warnings]
        lines += [f"- {r}" for r in self.reasons]
        if self.nearest_outliers:
            lines += ["", "**Closest outliers on this channel**"]
            lines += [f"- “{_md(t)}” ({m:.1f}× usual views)" for t, m, _ in self.nearest_outliers]
        if self.improvements:
            lines += ["", "**How to improve**"] + [f"- {i}" for i in self.improvements]
        return "\n".join(lines)


# --------------------------------------------------------------------------------------------------------------
# The scorer
# --------------------------------------------------------------------------------------------------------------


def midrank_percentile(values: np.ndarray, sorted_ref: np.ndarray) -> np.ndarray:
    """Mid-rank percentile (0-100) of each value among sorted reference values: ties count half."""
    lo = np.searchsorted(sorted_ref, values, side="left")
    hi = np.searchsorted(sorted_ref, values, side="right")
    return 50.0 * (lo + hi) / len(sorted_ref)


def _q(items: Sequence[str]) -> str:
    """Quote up to three items: “a”, “b”, “c” …"""
    text = "“" + "”, “".join(items[:3]) + "”"
    return text + " …" if len(items) > 3 else text


_EDIT_TEXT: dict[str, Callable[[list[float], Evidence], str]] = {
    "cut": lambda x, ev: (f"Cut to about {MOBILE_CUT_CHARS} characters (now {x[_F['n_chars']]:.0f}) so it shows whole in mobile "
                          f"feeds, where “{ev.hidden_tail[:30]}…” is cut off."),
    "move_payoff": lambda x, ev: f"Move “{ev.payoff}” before character {MOBILE_CUT_CHARS}: mobile feeds cut the rest.",
    "add_detail": lambda x, ev: f"Add a specific detail of about 15 characters (now {x[_F['n_chars']]:.0f}).",
    "plain_words": lambda x, ev: (f"Use shorter, plainer words than “{max(ev.words, key=len)}” (now "
                                  f"{x[_F['syllables_per_word']]:.1f} syllables per word)."),
    "split": lambda x, ev: f"Break it into two short phrases (now {x[_F['words_per_sentence']]:.0f} words in one).",
    "one_phrase": lambda x, ev: "Make it one flowing phrase instead of fragments.",
    "add_negative": lambda x, ev: "Add one negative, high-stakes word (e.g. “mistake”, “wrong”, “never”, “worst”).",
    "add_positive": lambda x, ev: "Add one positive word (e.g. “best”, “easy”, “love”).",
    "drop_negative": lambda x, ev: f"Drop the negative word “{ev.negative[0]}”.",
    "drop_positive": lambda x, ev: f"Drop the positive word “{ev.positive[0]}”.",
    "drop_exclamation": lambda x, ev: "Drop the “!”.",
    "state": lambda x, ev: "State it instead of asking: give the claim, not a question.",
    "ask": lambda x, ev: "Turn it into a question (“Why …?”, “Can you …?”).",
    "add_wh": lambda x, ev: "Open a loop with “why” or “how”.",
    "unforward": lambda x, ev: f"Replace “{ev.forward[0]}” with the actual thing it refers to.",
    "forward": lambda x, ev: "Point forward (“This …”, “Here’s why …”) so the viewer wants the rest.",
    "add_number": lambda x, ev: "Add a concrete number (a count, a duration or an amount: “7”, “30 days”, “$1,000”).",
    "add_name": lambda x, ev: "Name the specific person, place, product or brand.",
    "add_unit": lambda x, ev: "Add a unit or an amount (“$”, “%”, “days”, “kg”).",
    "add_first_person": lambda x, ev: "Tell it in the first person (“I …”, “We …”).",
    "drop_first_person": lambda x, ev: "Take yourself out (“I”, “we”): make it about the subject.",
    "add_second_person": lambda x, ev: "Speak to the viewer (“you”, “your”).",
    "drop_second_person": lambda x, ev: "Drop “you/your”: describe the thing itself.",
    "add_third_person": lambda x, ev: "Put a person at the centre (whose story is it? “he”, “she”, “they”).",
    "drop_third_person": lambda x, ev: "Name the thing instead of “he/she/they”.",
    "fix_caps": lambda x, ev: f"Write “{ev.shouted[0]}” in normal case (ALL CAPS on one word at most).",
    "fix_punctuation": lambda x, ev: f"Replace “{ev.punct_runs[0]}” with a single mark.",
    "pay_off": lambda x, ev: "Pay off the hook: say what the viewer gets (a number, a name).",
}
for _fmt, _example in zip(FORMATS, ("“How to …”", "“7 … that …”", "“I tried … for 30 days”", "“… vs …”",
                                    "“… challenge”", "“Topic: the hook”")):
    _EDIT_TEXT[f"add_{_fmt}"] = lambda x, ev, f=_fmt, e=_example: f"Use the {f} format ({e}) if it fits the video."
    _EDIT_TEXT[f"drop_{_fmt}"] = lambda x, ev, f=_fmt: f"Drop the {f} framing."


class TitleScorer:
    """A fitted title model, built from the weights dict written by ``evals.scorer.fit_weights``.

    Keys used: ``features`` (must equal ``FEATURE_NAMES``), ``clip_low``/``clip_high`` (raw features are clipped
    to the training range before scoring, so the model never extrapolates), ``mean``, ``scale``, ``coef`` (one
    number per feature), ``neutral`` (mean raw features of the reference titles: the value given to features
    that do not apply to a non-Latin-script title), ``score_quantiles`` (sorted linear scores of the reference
    titles at evenly spaced quantiles), ``component_quantiles`` ({component: sorted parts of the linear score}),
    ``component_weights`` ({component: 0-1}) and ``common_words`` (space-separated lower-case words). Raises
    ``ValueError`` if the feature list differs from ``FEATURE_NAMES``."""

    def __init__(self, weights: dict) -> None:
        if tuple(weights["features"]) != FEATURE_NAMES:
            raise ValueError("the weights were fitted on another feature set: run `python -m evals.scorer fit`")
        self.clip_low = np.asarray(weights["clip_low"], dtype=np.float64)
        self.clip_high = np.asarray(weights["clip_high"], dtype=np.float64)
        self.mean = np.asarray(weights["mean"], dtype=np.float64)
        self.neutral = np.asarray(weights["neutral"], dtype=np.float64)
        self.scale = np.asarray(weights["scale"], dtype=np.float64)
        self.coef = np.asarray(weights["coef"], dtype=np.float64)
        self.per_unit = self.coef / self.scale
        self.score_knots = np.asarray(weights["score_quantiles"], dtype=np.float64)
        self.score_levels = np.linspace(0.0, 100.0, len(self.score_knots))
        self.component_knots = [np.asarray(weights["component_quantiles"][c], dtype=np.float64) for c in COMPONENTS]
        self.component_weights = [float(weights["component_weights"][c]) for c in COMPONENTS]
        self.extractor = FeatureExtractor(frozenset(weights["common_words"].split()))
        self._neutral_idx = np.array([_F[n] for n in _LANGUAGE_DEPENDENT])
        self._effect = {name: ("helps" if self.per_unit[j] > 0 else "hurts") for name, j in _F.items()}
        self._longer_words = "help" if self.per_unit[_F["syllables_per_word"]] > 0 else "hurt"

    # -- numeric core --------------------------------------------------------------------------------------
    def _clip(self, raw: np.ndarray) -> np.ndarray:
        return np.clip(raw, self.clip_low, self.clip_high)

    def linear(self, raw: np.ndarray) -> np.ndarray:
        """Linear score ``s`` of a raw feature matrix ``(n, n_features)`` -> ``(n,)`` (features clipped to the
        training range first)."""
        return (self._clip(raw) - self.mean) @ self.per_unit

    def contributions(self, raw: np.ndarray) -> np.ndarray:
        """Each component's part of ``s``: ``(n, len(COMPONENTS))``; rows sum to ``linear(raw)``."""
        terms = (self._clip(raw) - self.mean) * self.per_unit
        out = np.zeros((raw.shape[0], len(COMPONENTS)))
        np.add.at(out.T, _FEATURE_COMPONENT, terms.T)
        return out

    def to_score(self, s: np.ndarray) -> np.ndarray:
        """Linear score -> 0-100: percentile among the reference titles (linear interpolation between quantile
        knots; 0 below the lowest, 100 above the highest)."""
        return np.interp(s, self.score_knots, self.score_levels)

    def features(self, titles: Sequence[str]) -> tuple[np.ndarray, list[Evidence], np.ndarray]:
        """Raw features ``(n, n_features)``, evidence, and a boolean Latin-script mask ``(n,)`` for normalised,
        non-empty titles. Language-dependent features of mostly non-Latin titles are set to ``neutral``."""
        extract = self.extractor.features
        raw = np.empty((len(titles), len(FEATURE_NAMES)))
        evidence = []
        for i, t in enumerate(titles):
            raw[i], ev = extract(t)
            evidence.append(ev)
        latin = np.fromiter((ev.latin for ev in evidence), dtype=bool, count=len(evidence))
        if not latin.all():
            raw[np.ix_(~latin, self._neutral_idx)] = self.neutral[self._neutral_idx]
        return raw, evidence, latin

    def _edit_gains(self, raw: np.ndarray, latin: np.ndarray) -> list[tuple[int, str, np.ndarray]]:
        """For every candidate edit: ``(component index, edit key, gain in s per title)``, gain = -inf where the
        edit does not apply. An edit is a plausible change of raw features (add a number, cut to the mobile
        limit ...); its gain comes from the fitted weights, with clipping."""
        col = {name: raw[:, j] for name, j in _F.items()}
        clipped = self._clip(raw)
        words = latin & (col["n_words"] > 0)
        n_chars, n_words, over = col["n_chars"], col["n_words"], col["chars_over_mobile_cut"]
        cbwp, comp = col["clickbait_without_payload"], col["sentiment_compound"]
        up, down = _shift_compound(comp, 2.0) - comp, _shift_compound(comp, -2.0) - comp
        no_payload = (col["has_digit"] == 0) & (col["n_named_things"] == 0) & (col["n_units"] == 0)
        spw, wps = col["syllables_per_word"], col["words_per_sentence"]
        candidates: list[tuple[str, str, np.ndarray, dict[str, np.ndarray | float]]] = [
            ("length", "cut", n_chars > MOBILE_CUT_CHARS + 5,
             {"n_chars": MOBILE_CUT_CHARS - n_chars, "n_words": np.round(n_words * MOBILE_CUT_CHARS / n_chars) - n_words,
              "chars_over_mobile_cut": -over, "payoff_after_cut": -col["payoff_after_cut"]}),
            ("length", "move_payoff", col["payoff_after_cut"] > 0, {"payoff_after_cut": -1.0}),
            ("length", "add_detail", n_chars < 80,
             {"n_chars": 15.0, "n_words": 3.0, "chars_over_mobile_cut": np.maximum(0, n_chars + 15 - MOBILE_CUT_CHARS) - over}),
            ("readability", "plain_words", words & (spw > 1.45),
             {"syllables_per_word": 1.35 - spw, "long_word_share": -np.minimum(0.15, col["long_word_share"])}),
            ("readability", "split", words & (wps > 8), {"words_per_sentence": -wps / 2}),
            ("readability", "one_phrase", words & (wps < 6) & (n_words >= 4), {"words_per_sentence": n_words - wps}),
            ("emotion", "add_negative", words, {"n_negative_words": 1.0, "sentiment_compound": down}),
            ("emotion", "add_positive", words, {"n_positive_words": 1.0, "sentiment_compound": up}),
            ("emotion", "drop_negative", words & (col["n_negative_words"] > 0), {"n_negative_words": -1.0, "sentiment_compound": up}),
            ("emotion", "drop_positive", words & (col["n_positive_words"] > 0), {"n_positive_words": -1.0, "sentiment_compound": down}),
            ("emotion", "drop_exclamation", col["n_exclamations"] > 0, {"n_exclamations": -col["n_exclamations"]}),
            ("curiosity", "state", col["question"] > 0, {"question": -1.0}),
            ("curiosity", "ask", words & (col["question"] == 0), {"question": 1.0, "wh_word": 1.0}),
            ("curiosity", "add_wh", words & (col["wh_word"] == 0), {"wh_word": 1.0}),
            ("curiosity", "unforward", words & (col["forward_reference"] > 0), {"forward_reference": -col["forward_reference"]}),
            ("curiosity", "forward", words & (col["forward_reference"] == 0),
             {"forward_reference": 1.0, "clickbait_without_payload": no_payload.astype(np.float64)}),
            ("specificity", "add_number", col["has_digit"] == 0, {"has_digit": 1.0, "n_numbers": 1.0, "clickbait_without_payload": -cbwp}),
            ("specificity", "add_name", words & (col["n_named_things"] == 0), {"n_named_things": 1.0, "clickbait_without_payload": -cbwp}),
            ("specificity", "add_unit", words & (col["n_units"] == 0), {"n_units": 1.0, "clickbait_without_payload": -cbwp}),
            ("penalties", "fix_caps", words & (col["all_caps_share"] > 0), {"all_caps_share": -col["all_caps_share"]}),
            ("penalties", "fix_punctuation", col["punctuation_runs"] > 0, {"punctuation_runs": -col["punctuation_runs"]}),
            ("penalties", "pay_off", cbwp > 0, {"n_named_things": 1.0, "clickbait_without_payload": -cbwp}),
        ]
        for person in ("first_person", "second_person", "third_person"):
            candidates.append(("voice", f"add_{person}", words & (col[person] == 0), {person: 1.0}))
            candidates.append(("voice", f"drop_{person}", words & (col[person] > 0), {person: -col[person]}))
        for feat, fmt in zip(_FORMAT_FEATURES, FORMATS):
            candidates.append(("structure", f"add_{fmt}", words & (col[feat] == 0), {feat: 1.0}))
            candidates.append(("structure", f"drop_{fmt}", words & (col[feat] > 0), {feat: -1.0}))
        out = []
        for comp_name, key, mask, deltas in candidates:
            gain = np.zeros(len(raw))
            for name, delta in deltas.items():
                j = _F[name]
                gain += self.per_unit[j] * (np.clip(raw[:, j] + delta, self.clip_low[j], self.clip_high[j]) - clipped[:, j])
            out.append((_K[comp_name], key, np.where(mask, gain, -np.inf)))
        return out

    # -- public modes --------------------------------------------------------------------------------------
    def score_many(self, titles: Iterable[str]) -> list[TitleScore]:
        """Score a batch (vectorised). An invalid title does not stop the batch: it gets a placeholder
        ``TitleScore`` (``valid`` False, score 0.0, grade "F", no components, the error message in ``warnings``).

        Python's cyclic garbage collector is paused while the batch is built (and restored after, even on error):
        the results hold no reference cycles, and the collector's repeated passes over millions of new small
        objects otherwise cost more than the scoring itself."""
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return self._score_many(list(titles))
        finally:
            if was_enabled:
                gc.enable()

    def _score_many(self, titles: list[str]) -> list[TitleScore]:
        out: list[TitleScore | None] = [None] * len(titles)
        clean: list[str] = []
        slots: list[int] = []
        for i, t in enumerate(titles):
            try:
                clean.append(normalize_title(t))
                slots.append(i)
            except TitleInputError as err:
                out[i] = TitleScore(t if isinstance(t, str) else repr(t), 0.0, "F", [], [str(err)])
        if not clean:
            return out  # type: ignore[return-value]
        raw, evidence, latin = self.features(clean)
        s = self.linear(raw)
        scores = self.to_score(s)
        contrib = self.contributions(raw)
        values = np.column_stack(
            [midrank_percentile(contrib[:, k], self.component_knots[k]) for k in range(len(COMPONENTS))]
        ).round(1)
        best_gain = np.zeros((len(clean), len(COMPONENTS)))
        best_key = np.full((len(clean), len(COMPONENTS)), "", dtype=object)
        for k, key, gain in self._edit_gains(raw, latin):
            better = gain > best_gain[:, k] + 1e-12
            best_gain[better, k] = gain[better]
            best_key[better, k] = key
        points = (self.to_score(s[:, None] + best_gain) - scores[:, None]).round(0)
        points[best_gain <= 0] = 0.0
        rows, values, points, keys = raw.tolist(), values.tolist(), points.tolist(), best_key.tolist()
        scores = scores.round(1).tolist()
        for r, (i, title) in enumerate(zip(slots, clean)):
            out[i] = self._assemble(title, rows[r], evidence[r], scores[r], values[r], keys[r], points[r])
        return out  # type: ignore[return-value]

    def score(self, title: str) -> TitleScore:
        """Score one title; raises ``TitleInputError`` for non-text or empty titles."""
        return self.score_many([normalize_title(title)])[0]

    def compare(self, a: str, b: str) -> TitleComparison:
        """Compare two titles; raises ``TitleInputError`` if either is empty or not text."""
        clean = [normalize_title(a), normalize_title(b)]
        sa, sb = self.score_many(clean)
        raw, _, _ = self.features(clean)
        contrib = self.contributions(raw)
        diff = contrib[0] - contrib[1]
        p = 1.0 / (1.0 + math.exp(-float(diff.sum())))
        winner = "tie" if abs(p - 0.5) < TitleComparison.TIE_BAND else ("a" if p > 0.5 else "b")
        reasons = [
            f"{COMPONENTS[k]}: {'A' if diff[k] > 0 else 'B'} is stronger (sub-score {sa.components[k].value:.0f} vs "
            f"{sb.components[k].value:.0f}). A — {sa.components[k].reason} B — {sb.components[k].reason}"
            for k in np.argsort(-np.abs(diff))
            if abs(diff[k]) > 1e-6
        ]
        return TitleComparison(sa, sb, winner, round(sa.score - sb.score, 1), round(p, 3), reasons)

    def against_channel(self, title: str, channel_name: str, channel_titles: Sequence[tuple[str, float]]) -> ChannelScore:
        """Score ``title`` against a channel's own titles: ``channel_titles`` = ``[(title, outlier multiplier)]``
        (multiplier = views / the channel's usual views for that format). Entries with an empty title or a
        missing, non-finite or non-positive multiplier are skipped. Needs at least 10 usable titles; with fewer,
        ``score`` is the general score and a warning says so. Raises ``TitleInputError`` if ``title`` is empty."""
        clean = normalize_title(title)
        base = self.score(clean)
        usable = [
            (" ".join(t.split()), float(m))
            for t, m in channel_titles
            if isinstance(t, str) and t.strip() and m is not None and math.isfinite(m) and m > 0
        ]
        warnings = list(base.warnings)
        chars = np.array([len(t) for t, _ in usable], dtype=np.float64)
        typical = float(np.median(chars)) if usable else float("nan")
        if len(usable) < 10:
            warnings.append(
                f"Only {len(usable)} usable titles for {channel_name} (at least 10 with an outlier multiplier are "
                "needed): showing the general score instead of a channel-relative one."
            )
            return ChannelScore(clean, channel_name, base.score, base.grade, base, len(usable), typical, float("nan"),
                                [], [], [], [c.improvement for c in base.components if c.improvement], warnings)
        ch_titles = [t for t, _ in usable]
        mult = np.array([m for _, m in usable])
        raw, evidence, _ = self.features(ch_titles + [clean])
        z = (np.clip(raw, self.clip_low, self.clip_high) - self.mean) / self.scale
        z_ch, z_t = z[:-1], z[-1]
        cutoff = float(np.quantile(mult, 0.9))
        top = mult >= cutoff
        direction = z_ch[top].mean(axis=0) - z_ch[~top].mean(axis=0)
        score = round(float(midrank_percentile(np.array([z_t @ direction]), np.sort(z_ch @ direction))[0]), 1)

        top_chars = float(np.median(chars[top]))
        reasons = [
            f"Channel fit {score:.0f}/100: how much more this title resembles the top 10% of {channel_name}'s "
            f"{len(ch_titles)} titles (≥{cutoff:.1f}× usual views) than the rest.",
            f"Length: {len(clean)} characters; this channel's titles are usually {typical:.0f}, its outliers "
            f"{top_chars:.0f}.",
        ]
        improvements = []
        if abs(len(clean) - top_chars) > 15:
            improvements.append(f"Move toward this channel's outlier length (~{top_chars:.0f} characters; now {len(clean)}).")
        has = np.array([[f in ev.formats for f in FORMATS] for ev in evidence[:-1]])
        own = evidence[-1].formats
        top_formats = sorted(
            (
                (f, round(float(has[top, j].mean()), 3), round(float(has[:, j].mean()), 3))
                for j, f in enumerate(FORMATS)
                if has[top, j].sum() >= 2 and has[top, j].mean() >= 1.5 * has[:, j].mean()
            ),
            key=lambda x: -x[1],
        )
        if top_formats:
            reasons.append(
                "Formats over-represented in the outliers: "
                + ", ".join(f"{f} ({t:.0%} of top decile vs {c:.0%} overall)" for f, t, c in top_formats)
                + (f"; this title uses {', '.join(own)}." if own else "; this title uses none of them.")
            )
            missing = [f for f, _, _ in top_formats if f not in own]
            if missing:
                improvements.append(f"Try the “{missing[0]}” format that this channel's outliers use more often.")
        push = (z_t - z_ch.mean(axis=0)) * direction
        order = np.argsort(push)
        like = [FEATURE_LABELS[FEATURE_NAMES[j]] for j in order[::-1][:2] if push[j] > 0.05]
        unlike = [j for j in order[:2] if push[j] < -0.05]
        if like:
            reasons.append("Like this channel's outliers in: " + ", ".join(like) + ".")
        if unlike:
            reasons.append("Unlike them in: " + ", ".join(FEATURE_LABELS[FEATURE_NAMES[j]] for j in unlike) + ".")
            improvements += [
                f"This channel's outliers score {'higher' if direction[j] > 0 else 'lower'} on "
                f"{FEATURE_LABELS[FEATURE_NAMES[j]]} than its other titles."
                for j in unlike
            ]
        top_idx = np.flatnonzero(top)
        nearest = process.extract(clean, [ch_titles[i] for i in top_idx], scorer=fuzz.token_set_ratio, limit=3)
        nearest_outliers = [(t, float(mult[top_idx[i]]), round(float(sim), 1)) for t, sim, i in nearest]
        return ChannelScore(clean, channel_name, score, grade_for(score), base, len(ch_titles), typical, top_chars,
                            top_formats, nearest_outliers, reasons, improvements, warnings)

    # -- text ----------------------------------------------------------------------------------------------
    def _assemble(self, title: str, x: list[float], ev: Evidence, score: float, values: list[float],
                  keys: list[str], points: list[float]) -> TitleScore:
        """Build the ``TitleScore`` (reasons, improvements, product rules and warnings) for one title."""
        n_chars = int(x[_F["n_chars"]])
        latin = ev.latin
        warnings: list[str] = []
        reasons = self._reasons(x, ev)
        weights = list(self.component_weights)
        improvements = [_EDIT_TEXT[key](x, ev) + f" (+{p:.0f} points)" if p >= 1 else None for key, p in zip(keys, points)]
        gains = [p if p >= 1 else 0.0 for p in points]
        if not latin:
            for c in _NOT_APPLICABLE:
                k = _K[c]
                reasons[k] = "Not applicable: this rule works on English words and the title is mostly non-Latin script."
                improvements[k], weights[k], gains[k] = None, 0.0, 0.0
            warnings.append(
                "Mostly non-Latin script: readability, emotion, voice and structure are not applicable and curiosity "
                "and specificity count only “?” and digits; the score rests on length, digits, punctuation and emoji."
            )
        elif not x[_F["n_words"]]:
            warnings.append("The title has no words (only emoji or symbols): viewers and search cannot tell what the "
                            "video is about. Add words that say what happens; until then the score is capped at "
                            f"{UNUSABLE_SCORE_CAP} (F).")
            score = min(score, UNUSABLE_SCORE_CAP)
        if x[_F["n_emoji"]] >= EMOJI_CLUTTER:
            warnings.append(f"Emoji clutter: {x[_F['n_emoji']]:.0f} emoji. Keep one at most; the A/B data has no "
                            "emoji, so this is a rule of thumb and does not change the score.")
        if n_chars > YOUTUBE_TITLE_MAX_CHARS:
            cut = n_chars - YOUTUBE_TITLE_MAX_CHARS
            warnings.append(f"YouTube rejects titles over {YOUTUBE_TITLE_MAX_CHARS} characters: this one has {n_chars}. "
                            f"Cut at least {cut}; until then the score is capped at {UNUSABLE_SCORE_CAP} (F).")
            k = _K["length"]
            improvements[k] = f"Cut at least {cut} characters: YouTube refuses titles over {YOUTUBE_TITLE_MAX_CHARS}."
            gains[k] = max(gains[k], 1.0)
            score = min(score, UNUSABLE_SCORE_CAP)
        components = [Component(name, values[k], weights[k], reasons[k], improvements[k], gains[k])
                      for k, name in enumerate(COMPONENTS)]
        return TitleScore(title, score, grade_for(score), components, warnings)

    def _reasons(self, x: list[float], ev: Evidence) -> list[str]:
        """Plain-language reason per component (``COMPONENTS`` order): what was found and, for cues, whether the
        fitted A/B-test model counts it as helping or hurting CTR."""
        eff = self._effect
        latin = ev.latin
        n = int(x[_F["n_chars"]])
        # length
        length = f"{n} characters, {x[_F['n_words']]:.0f} words. " if latin else f"{n} characters. "
        if n <= MOBILE_CUT_CHARS:
            length += f"Fits before the mobile cut (~{MOBILE_CUT_CHARS})."
        else:
            tail = ev.hidden_tail
            length += f"Mobile feeds cut near {MOBILE_CUT_CHARS}, hiding “{tail[:25]}{'…' if len(tail) > 25 else ''}”"
            if ev.payoff:
                length += f"; the payoff “{ev.payoff}” is {'after' if x[_F['payoff_after_cut']] else 'before'} the cut."
            else:
                length += "."
        # readability
        if x[_F["n_words"]]:
            spw, wps = x[_F["syllables_per_word"]], x[_F["words_per_sentence"]]
            flesch = 206.835 - 1.015 * wps - 84.6 * spw
            level = "easy" if flesch >= 70 else "fairly easy" if flesch >= 60 else "standard" if flesch >= 50 else "hard"
            readability = (f"Flesch reading ease {flesch:.0f} ({level}): {spw:.1f} syllables per word, {wps:.0f} words "
                           f"per phrase; in the A/B data longer words {self._longer_words}.")
        else:
            readability = "No words to read."
        # emotion
        emotion = f"VADER sentiment {x[_F['sentiment_compound']]:+.2f}"
        if ev.negative:
            emotion += f"; negative words {_q(ev.negative)} ({eff['n_negative_words']} in A/B tests)"
        if ev.positive:
            emotion += f"; positive words {_q(ev.positive)} ({eff['n_positive_words']})"
        if x[_F["n_exclamations"]]:
            emotion += f"; {x[_F['n_exclamations']]:.0f} “!” ({eff['n_exclamations']})"
        if not (ev.negative or ev.positive):
            emotion += "; no emotional words"
        emotion += "."
        # curiosity
        found = [f"a question ({eff['question']} in A/B tests)"] if x[_F["question"]] else []
        if latin and ev.wh:
            found.append(f"{_q(ev.wh)} ({eff['wh_word']})")
        if latin and ev.forward:
            found.append(f"forward reference {_q(ev.forward)} ({eff['forward_reference']})")
        curiosity = ("Open loops: " + "; ".join(found) + ".") if found else "No open loop: no question, why/how or “this …”."
        # specificity
        found = [f"numbers {_q(ev.numbers)}"] if ev.numbers else []
        if latin and ev.named:
            found.append(f"named things {_q(ev.named)}")
        if latin and ev.units:
            found.append(f"units {_q(ev.units)}")
        specificity = ("Concrete: " + "; ".join(found) + ".") if found else "Nothing concrete: no number, name or unit."
        if not latin:
            curiosity = "Partly applicable (non-Latin script: only “?” counted). " + curiosity
            specificity = "Partly applicable (non-Latin script: only digits counted). " + specificity
        # voice
        found = [f"{FEATURE_LABELS[f]} ({eff[f]} in A/B tests)" for f in ("first_person", "second_person", "third_person")
                 if x[_F[f]]]
        voice = ("Uses " + "; ".join(found) + ".") if found else "No people in it: no I/we, you or he/she/they."
        # structure
        if ev.formats:
            structure = "Format: " + ", ".join(f"{f} ({eff[_FORMAT_FEATURES[FORMATS.index(f)]]} in A/B tests)"
                                               for f in ev.formats) + "."
        else:
            structure = "No known format (how-to, listicle, I tried X for N days, X vs Y, challenge, topic: hook)."
        # penalties
        found = []
        if ev.shouted:
            found.append(f"ALL CAPS {_q(ev.shouted)}")
        if ev.punct_runs:
            found.append(f"punctuation runs {_q(ev.punct_runs)}")
        if x[_F["n_emoji"]]:
            found.append(f"{x[_F['n_emoji']]:.0f} emoji")
        if latin and x[_F["clickbait_without_payload"]]:
            found.append(f"{ev.clickbait} clickbait cue(s) and no concrete payoff")
        penalties = ("Found: " + "; ".join(found) + ".") if found else "No penalties."
        return [length, readability, emotion, curiosity, specificity, voice, structure, penalties]


# --------------------------------------------------------------------------------------------------------------
# Module-level API (uses the shipped weights)
# --------------------------------------------------------------------------------------------------------------


@cache
def default_scorer() -> TitleScorer:
    """The scorer built from ``WEIGHTS_PATH`` (loaded once). Raises ``FileNotFoundError`` with the command that
    writes the file if it is missing."""
    if not WEIGHTS_PATH.exists():
        raise FileNotFoundError(f"{WEIGHTS_PATH} is missing: run `python -m evals.scorer fit` to fit the weights.")
    return TitleScorer(json.loads(WEIGHTS_PATH.read_text(encoding="utf-8")))


def score_title(title: str) -> TitleScore:
    """Score one title (0-100, grade, components, warnings). Raises ``TitleInputError`` if it is empty or not
    text. Titles over 100 characters or without words are scored, capped at ``UNUSABLE_SCORE_CAP`` and warned
    about; mostly non-Latin titles are scored on the language-independent features (see the module docstring)."""
    return default_scorer().score(title)


def score_titles(titles: Iterable[str]) -> list[TitleScore]:
    """Score many titles at once (fast path, same results as ``score_title``), in input order. An invalid title
    does not raise: it gets a ``TitleScore`` with ``valid`` False, score 0.0, grade "F", no components and the
    error message in ``warnings``."""
    return default_scorer().score_many(titles)


def compare_titles(a: str, b: str) -> TitleComparison:
    """Which of two titles is stronger and why, component by component. Raises ``TitleInputError`` for an empty
    or non-text title."""
    return default_scorer().compare(a, b)


def score_against_channel(title: str, channel_name: str, channel_titles: Sequence[tuple[str, float]]) -> ChannelScore:
    """Score ``title`` relative to a channel's own titles and their outlier multipliers (``[(title,
    multiplier)]``, e.g. from the platform's rolling-median definition). See ``TitleScorer.against_channel``."""
    return default_scorer().against_channel(title, channel_name, channel_titles)
