"""Title features: a title -> the raw numbers the scorer weighs, and the evidence (the cues it found).

``extract_features`` turns titles into ``len(FEATURE_NAMES)`` raw numbers each (characters, words, syllables,
VADER sentiment, question marks, digits, named things, known formats, ALL CAPS, ...), grouped into the
``COMPONENTS`` of the breakdown; ``FeatureExtractor.features`` cites the evidence behind each rule. The fitted
weights that turn them into a score are ``tools.scoring.scorer``'s.

Not English / not Latin script: the rules for readability, emotion, curiosity words, named things, voice and
formats are English-only (``LANGUAGE_DEPENDENT``); ``Evidence.latin`` says whether a title's letters are mostly
Latin, and the scorer neutralises those features when they are not. Other Latin-script languages get the English
rules (there is no language detector in the dependencies).

Pure functions over strings: no database, no network. A little over 500 lines: the cue tables and the one-pass
extractor loop that reads them belong together (splitting them would scatter one rule over two files).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from functools import cache, lru_cache
from typing import NamedTuple

import emoji
import numpy as np
import pyphen
from vaderSentiment.vaderSentiment import BOOSTER_DICT, N_SCALAR, NEGATE, SentimentIntensityAnalyzer

MOBILE_CUT_CHARS = 50
"""Where a mobile feed typically truncates a title: about 45-55 characters depending on device, font and layout
(YouTube's mobile home feed shows about two lines; YouTube Creator Academy advice "keep titles concise, put the
important words first"). 50, the middle of that range, is the hinge of the length features."""

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

FORMAT_FEATURES: tuple[str, ...] = (
    "format_how_to", "format_listicle", "format_i_tried", "format_versus", "format_challenge", "format_two_part",
)
"""The indicator feature of each of ``FORMATS``, in the same order."""
FEATURE_INDEX: dict[str, int] = {name: i for i, name in enumerate(FEATURE_NAMES)}
"""Column of each feature in a raw feature row."""
COMPONENT_INDEX: dict[str, int] = {c: i for i, c in enumerate(COMPONENTS)}
"""Position of each component in ``COMPONENTS``."""
FEATURE_COMPONENT = np.array([COMPONENT_INDEX[f[1]] for f in FEATURES])
"""Component index of each feature column, ``(len(FEATURE_NAMES),)``."""

LANGUAGE_DEPENDENT: tuple[str, ...] = (
    "n_words", "syllables_per_word", "words_per_sentence", "long_word_share", "sentiment_compound",
    "n_positive_words", "n_negative_words", "wh_word", "forward_reference", "n_named_things", "n_units",
    "first_person", "second_person", "third_person", "format_how_to", "format_listicle", "format_i_tried",
    "format_versus", "format_challenge", "all_caps_share", "clickbait_without_payload",
)
"""Features that rest on English words: set to the reference titles' mean for a mostly non-Latin title."""


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


def shift_compound(compound: np.ndarray | float, delta_valence: float) -> np.ndarray | float:
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
    return _plain_extractor().features(normalize_title(title))[0][FEATURE_INDEX["sentiment_compound"]]


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
