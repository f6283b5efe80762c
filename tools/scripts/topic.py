"""Topic understanding: what a video (or a described video idea) is about, offline.

- **Key concepts**: keyphrases of one to three words. Candidates come from YAKE (Campos et al. 2020, the ``yake``
  package: unsupervised statistical keyphrase extraction from one document: casing, position, frequency, spread
  and context of each term), kept when the text says them at least ``MIN_MENTIONS`` times (singular and plural
  counted together: "Hamming code" / "Hamming codes"); each is ranked by how central it is to the whole text, how
  often it is said and whether the opening says it (a phrase inside a better one is dropped, and a phrase that
  contains a better one replaces it when said at least half as often): ``score = cosine(phrase, text) x sqrt(log2(1 + mentions)) x
  MULTIWORD_BONUS (phrases of two or more words) x (1 + INTRO_BONUS if said in the first INTRO_WORDS words)``
  (the opening states what a video is about: first-position weighting as in PositionRank, Florescu & Caragea 2017),
  where the text's vector is the mean of the bundled MiniLM's vectors of ``DOC_CHUNKS`` evenly spaced
  passages of ``CHUNK_WORDS`` words (MiniLM reads at most 256 word pieces, so one vector of a long transcript would
  only see its opening). A phrase inside a better one, or containing one, is the same concept and is dropped.
- **Entities**: named things (capitalised mid-sentence: ``tools.scripts.hooks.named_things``) said twice or more.
- **Promise**: what the viewer is told they will learn or see ("by the end of this video you'll ...", "I want to show
  you ..."), in the script's own words, from its first quarter; "" when the script says none.
- **Niche and audience**: the creator niche (``memory.niches.CREATOR_NICHES``) one of whose described subjects
  ("physics", "math", "investing" ...: the niche's description split at its commas) is nearest (MiniLM cosine) to the
  text's vector (a subject matches a text far better than a whole description does: on 30 3Blue1Brown transcripts
  the whole descriptions put 6 in "beauty", for "transformations"). ``cortex eval titles`` reports the niches it
  gives the 3Blue1Brown videos. A math video is never "personal finance" for saying "interest".

Pure functions over text and the local embedder; no database. ``analyze_offline`` (``tools.scripts.hooks``) and the
title generator (``tools.titles``) use it; ``cortex eval titles`` measures whether the concepts name the real title's.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from agent.embeddings import get_embedder
from memory.niches import CREATOR_NICHES

MIN_MENTIONS = 2
"""A keyphrase of a script must be said at least this often (a described idea of under ``SHORT_TEXT_WORDS`` words: once)."""
SHORT_TEXT_WORDS = 120
DOC_CHUNKS, CHUNK_WORDS = 6, 100
"""The text's vector: the mean of MiniLM vectors of this many evenly spaced passages of this many words."""
MULTIWORD_BONUS = 1.5
"""A recurring phrase of two or more words names a concept more precisely than one of its words ("dot product" over
"product"): its score is multiplied by this."""
INTRO_WORDS, INTRO_BONUS = 200, 3.0
"""A phrase said in the first ``INTRO_WORDS`` words gets ``1 + INTRO_BONUS`` times the score.

How the weights were chosen: on the ``dev`` half of the 3Blue1Brown transcripts (split by video, ``evals.titles``),
by how often the first three concepts, as a query, rank the video's real title first among all 141 (MiniLM), over a
small grid (multi-word bonus 1.0-2.0; mentions weighted by log or square root of log; intro bonus 0-5: 0.44 top-1 at
0.5, 0.52 at 2, 0.55-0.56 from 3 on); the eval reports the ``heldout`` half, which no choice looked at."""
INTRO_CANDIDATES, INTRO_CANDIDATE_WORDS = 15, 300
"""YAKE also proposes this many phrases of the first ``INTRO_CANDIDATE_WORDS`` words, so that the concept an opening
names is a candidate even when the whole text says more frequent things."""
YAKE_CANDIDATES = 40
COMMON_ZIPF = 4.3
"""A single word more frequent than this in general English (Zipf scale, ``wordfreq``: 4.3 = about 20 per million
words: "math", "money", "billion") is too common to name what a video is about."""
MAX_CONCEPTS = 8

SPOKEN_FILLERS = frozenset(
    "just like really actually going gonna know think thing things way right okay yeah kind lot want say said "
    "point time bit let make look get got new good sort pretty mean maybe stuff little don doesn didn isn aren "
    "wasn won ll ve re today video videos basically literally need use used start end able different number "
    "example case question answer idea came come does did went".split()
)
"""Words of speech that carry no topic (with scikit-learn's English stop words: what a keyphrase never starts or
ends with)."""
CONTENT_IN_SKLEARN = frozenset(
    "interest amount bill system fire bottom top front side name part thick thin empty full serious".split()
)
"""Content words in scikit-learn's English stop list (its surprising entries are discussed by Nothman, Qin & Yurchak
2018, "Stop Word Lists in Free Open-source Software Packages"): "compound interest" is a concept."""
STOP_WORDS = frozenset((ENGLISH_STOP_WORDS - CONTENT_IN_SKLEARN) | SPOKEN_FILLERS)
"""The stop list: scikit-learn's English list (the one the project uses) without its content words, plus the spoken
fillers (``tools.learning.voice`` uses it too)."""
_STOP = STOP_WORDS | frozenset(
    "equals equal times plus minus squared cubed divided works happens matters helps changes guys let's here's that's there's it's what's you'll we'll i'll you're we're they're i'm i've you've we've "
    "gets getting makes making looks looking means saying says doing done goes".split()
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_BEGINNER = re.compile(r"\b(?:beginners?|basics|from scratch|for the first time|never (?:seen|heard)|introduct\w+)\b",
                       re.IGNORECASE)
"""Words that say who a text is for (newcomers), not what it is about: "from scratch", "for beginners"."""


@dataclass(frozen=True)
class Concept:
    """A key concept: ``phrase`` as a title says it (names capitalised; a countable noun in the plural:
    "eigenvectors"), ``mentions`` (singular and plural together), ``centrality`` (MiniLM cosine with the text,
    -1..1), ``score`` (module docstring), ``article``: "the" when the text mostly says "the <phrase>", else "";
    ``plural``: its last word is a plural noun."""

    phrase: str
    mentions: int
    centrality: float
    score: float
    article: str
    plural: bool


@dataclass(frozen=True)
class TopicUnderstanding:
    """What a text is about: ``concepts`` best first, ``entities`` (named things said twice or more), the
    ``promise`` in the text's words ("" when none), the creator ``niche`` with its cosine, and the ``audience``."""

    concepts: tuple[Concept, ...]
    entities: tuple[str, ...]
    promise: str
    niche: str
    niche_similarity: float
    audience: str

    @property
    def topic(self) -> str:
        """The topic as a creator reads it: the first three concepts, or "unknown"."""
        return ", ".join(c.phrase for c in self.concepts[:3]) or "unknown"


def concept_phrases(topic: TopicUnderstanding) -> tuple[str, ...]:
    """The concepts as a title uses them, with the article the text uses ("the Fourier transform", "Hamming codes")."""
    return tuple(f"{c.article} {c.phrase}".strip() for c in topic.concepts)


@cache
def _yake(n: int, top: int):
    import yake

    return yake.KeywordExtractor(lan="en", n=n, dedup_lim=0.9, top=top)


_INVARIANT = ("ics", "series", "species", "news")
"""Endings of nouns that end in "s" and are singular ("mathematics", "Taylor series")."""


def _singular(word: str) -> str:
    if word.endswith(_INVARIANT):
        return word
    if len(word) > 3 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is", "'s", "’s")):
        return word[:-1]
    return word


def _key(phrase: str) -> str:
    words = phrase.lower().replace("’", "'").split()
    return " ".join([*words[:-1], _singular(words[-1])]) if words else ""


def is_plural(phrase: str) -> bool:
    """True when the phrase's last word is a plural noun by its ending ("codes", "networks"; not "bus", "analysis",
    "mechanics", "series")."""
    last = phrase.split()[-1].lower() if phrase.split() else ""
    return last != _singular(last) or last in {"people", "children", "men", "women", "data", "media"}


def _mentions(phrase: str, low_text: str) -> int:
    words = [re.escape(w) for w in phrase.lower().replace("’", "'").split()]
    if not words:
        return 0
    words[-1] = words[-1] + "(?:s|es)?" if not is_plural(phrase) else words[-1]
    return len(re.findall(r"\b" + r"[\s-]+".join(words) + r"\b", low_text.replace("’", "'")))


def _proper_words(text: str) -> set[str]:
    """Lower-case forms of words the text capitalises in mid-sentence most of the times it says them (names)."""
    caps: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for sentence in re.split(r"(?<=[.!?])\s+|\n", text):
        for i, w in enumerate(_WORD.findall(sentence)):
            if i == 0:
                continue
            low = re.sub(r"['’]s$", "", w.lower())
            total[low] += 1
            caps[low] += w[:1].isupper()
    return {w for w, n in total.items() if caps[w] * 2 > n and w not in _STOP}


def _display(phrase: str, proper: set[str]) -> str:
    out = []
    for w in phrase.split():
        base = re.sub(r"['’]s$", "", w.lower())
        out.append(w[:1].upper() + w[1:].lower() if base in proper else w.lower())
    return " ".join(out)


def _plural(phrase: str, low_text: str) -> str | None:
    """The phrase with its last word in the plural the text itself says ("vector" -> "vectors", "matrix" ->
    "matrices", "axis" -> "axes"), or None when the text never says a plural of it ("calculus": no "calculuses")."""
    words = phrase.split()
    last = words[-1]
    regular = last[:-1] + "ies" if re.search(r"[^aeiou]y$", last) else last + ("es" if re.search(r"(?:s|x|z|ch|sh)$", last)
                                                                               else "s")
    forms = [regular]
    forms += [last[:-2] + "ices"] if re.search(r"(?:ix|ex)$", last) else []
    forms += [last[:-2] + "es"] if last.endswith("is") else []
    forms += [last[:-2] + "i"] if last.endswith("us") else []
    said = [f for f in forms if re.search(r"\b" + re.escape(f.lower()) + r"\b", low_text)]
    return " ".join([*words[:-1], said[0]]) if said else None


def _form(phrase: str, low_text: str, proper: set[str]) -> tuple[str, str]:
    """(the phrase as a title says it, its article): "the" when the text mostly says "the <phrase>" (40 % or more);
    the plural when it is a countable noun the text counts ("a vector", "vectors": 30 % or more) or already plural;
    else "the" when the text puts a determiner before it twice or more and at least one time in three ("the graph",
    "this graph"; not
    counting "the calculus of ...", where the article belongs to the longer phrase: a countable noun, which a title cannot leave bare: "Where Does the Graph Come In?"); else the bare phrase (a mass
    noun or a name: "linear algebra", "Euler's formula")."""
    words = r"[\s-]+".join(re.escape(w) for w in phrase.lower().split())
    total = max(_mentions(phrase, low_text), 1)
    if is_plural(phrase) or "'" in phrase or all(w.lower() in proper for w in phrase.split()):
        return phrase, ""
    if len(re.findall(r"\bthe\s+" + words + r"\b", low_text)) * 5 >= total * 2:
        return phrase, "the"
    counted = len(re.findall(r"\b(?:an?|one|each|every)\s+" + words + r"\b", low_text))
    counted += len(re.findall(r"\b" + words + r"(?:s|es)\b", low_text))
    plural = _plural(phrase, low_text)
    if plural and counted * 10 >= total * 3:
        return plural, ""
    determined = len(re.findall(r"\b(?:the|an?|this|that|our|its|each|every)\s+" + words + r"\b(?!\s+of\b)", low_text))
    return (phrase, "the") if determined >= 2 and determined * 3 >= total else (phrase, "")


def _usable(phrase: str) -> bool:
    """A candidate names a concept: it neither starts nor ends with a stop word, has no token that is not a word,
    half its words carry content, and a single word is not an everyday one (``wordfreq`` Zipf above
    ``COMMON_ZIPF``: "math", "billion")."""
    from wordfreq import zipf_frequency

    words = phrase.lower().split()
    if not words or words[0] in _STOP or words[-1] in _STOP or any(not _WORD.fullmatch(w) for w in words):
        return False
    if len(words) == 1 and zipf_frequency(words[0], "en") > COMMON_ZIPF:
        return False
    if any(w in _STOP and w not in ("of", "and") for w in words[1:-1]):
        return False  # "build a treehouse" is a clause; "Towers of Hanoi", "weights and biases" are names of things
    if sum(w not in _STOP for w in words) < (len(words) + 1) // 2:
        return False
    return all(len(w) > 2 or w in {"ai", "pi"} for w in words if w not in _STOP)


def _word_runs(text: str) -> list[str]:
    """Runs of up to three consecutive words with no stop word among them ("compound interest"), for short texts."""
    runs, current = [], []
    for token in re.findall(r"[A-Za-z][A-Za-z'’-]*|[^\sA-Za-z]", text):
        if _WORD.fullmatch(token) and token.lower() not in _STOP:
            current.append(token)
            continue
        if current:
            runs.append(" ".join(current[-3:]))
        current = []
    if current:
        runs.append(" ".join(current[-3:]))
    return runs


def text_vector(text: str) -> np.ndarray:
    """The text's unit vector: the mean of MiniLM vectors of ``DOC_CHUNKS`` evenly spaced ``CHUNK_WORDS``-word passages."""
    words = text.split()
    chunks = [" ".join(words[i : i + CHUNK_WORDS]) for i in range(0, max(len(words), 1), CHUNK_WORDS)] or [text]
    picks = np.unique(np.linspace(0, len(chunks) - 1, min(DOC_CHUNKS, len(chunks))).astype(int))
    vec = get_embedder().embed([chunks[i] for i in picks]).mean(axis=0)
    return vec / max(float(np.linalg.norm(vec)), 1e-12)


CONCEPTS_IN_ABOUT, ABOUT_CONCEPTS = 0.4, 3
"""``about_vector``: the share of the key concepts' vector (the first ``ABOUT_CONCEPTS``, said as one phrase) in what
a video is about; the rest is the whole text's vector. Chosen on the ``dev`` half of ``cortex eval titles`` with the
judge's faithfulness scale and weight (``tools.titles.judge``), top-1 / top-5: the text alone 0.45 / 0.79, 0.2 0.48 /
0.82, 0.3 to 0.5 0.52 / 0.82, 0.7 0.51 / 0.82; the eval reports the ``heldout`` half."""


def about_vector(text: str, concepts: Sequence[str]) -> np.ndarray:
    """What a video is about as a unit vector: ``text_vector(text)`` and the MiniLM vector of its first
    ``ABOUT_CONCEPTS`` key concepts (``concepts``, best first, e.g. "the Fourier transform, winding frequency, sound
    waves"), mixed ``1 - CONCEPTS_IN_ABOUT`` : ``CONCEPTS_IN_ABOUT``. A title that names the central concepts is
    closer to it than one that only shares the script's vocabulary. Without concepts: the text's vector alone."""
    vec = text_vector(text)
    if not concepts:
        return vec
    named = get_embedder().embed([", ".join(concepts[:ABOUT_CONCEPTS])])[0]
    mixed = (1 - CONCEPTS_IN_ABOUT) * vec + CONCEPTS_IN_ABOUT * named
    return mixed / max(float(np.linalg.norm(mixed)), 1e-12)


def key_concepts(text: str, max_concepts: int = MAX_CONCEPTS, vector: np.ndarray | None = None) -> list[Concept]:
    """The text's key concepts, best first (module docstring). [] when it has no usable phrase. ``vector``: the
    text's ``text_vector`` when the caller has it."""
    words = len(text.split())
    min_mentions = 1 if words < SHORT_TEXT_WORDS else MIN_MENTIONS
    low = " ".join(text.lower().split())
    about = _BEGINNER.sub(" ", low)  # "scratch" said only in "from scratch" is no concept
    intro = " ".join(low.split()[:INTRO_WORDS])
    proper = _proper_words(text)
    merged: dict[str, tuple[str, int]] = {}
    flat = " ".join(text.split())
    opening = " ".join(flat.split()[:INTRO_CANDIDATE_WORDS])
    runs = _word_runs(flat) if words < SHORT_TEXT_WORDS else []  # a sentence is too short for YAKE's statistics
    for phrase, _ in [*_yake(3, YAKE_CANDIDATES).extract_keywords(flat),
                      *_yake(3, INTRO_CANDIDATES).extract_keywords(opening), *((r, 0.0) for r in runs)]:
        phrase = " ".join(phrase.split())
        if not _usable(phrase):
            continue
        key = _key(phrase)
        n = _mentions(phrase, low)
        if n < min_mentions or not _mentions(phrase, about):
            continue
        if key not in merged or n > merged[key][1]:
            merged[key] = (phrase, n)
    if not merged:
        return []
    phrases = [_display(p, proper) for p, _ in merged.values()]
    embedder = get_embedder()
    sims = embedder.embed(phrases) @ (text_vector(text) if vector is None else vector)
    scored = []
    for phrase, (_, n), sim in zip(phrases, merged.values(), sims):
        plural_n = _mentions(phrase, low)
        early = re.search(r"\b" + re.escape(phrase.lower()), intro) is not None
        score = (float(sim) * math.sqrt(math.log2(1 + max(n, plural_n))) * (MULTIWORD_BONUS if " " in phrase else 1.0)
                 * (1 + INTRO_BONUS * early))
        form, article = _form(phrase, low, proper)
        scored.append(Concept(form, max(n, plural_n), round(float(sim), 3), round(score, 3), article, is_plural(form)))
    scored.sort(key=lambda c: -c.score)
    kept: list[Concept] = []
    for c in scored:
        k = f" {_key(c.phrase)} "
        inside = next((i for i, o in enumerate(kept) if f" {_key(o.phrase)} " in k), None)
        if inside is not None and c.mentions * 2 >= kept[inside].mentions:
            kept[inside] = c  # the longer phrase, said about as often, names the concept better ("compound interest")
            continue
        if inside is not None or any(k in f" {_key(o.phrase)} " for o in kept):
            continue
        kept.append(c)
        if len(kept) == max_concepts:
            break
    return kept


_PROMISE = re.compile(
    r"\b(?:by the end of (?:this|the) (?:video|lesson)[, ]+(?:you(?:'ll| will)(?: be able to)?|i hope you(?:'ll)?)|"
    r"(?:what )?i (?:want|'d like|would like|hope) to (?:show|give) you(?: is)?|i(?:'m| am) going to show you|"
    r"(?:today|in this video|here),? (?:we(?:'re| are) going to|we(?:'ll| will)|i(?:'ll| will)|you(?:'ll| will))|"
    r"the (?:goal|point|aim) (?:of this video |here |today )?is(?: to)?|this video is (?:about|going to)|"
    r"you(?:'ll| will) (?:learn|see|understand|find out))\s+(.{12,140}?)(?:[.!?;]|$)",
    re.IGNORECASE,
)


def promise_of(text: str) -> str:
    """What the viewer is told they will learn or see, from the first quarter of the text (at most 14 words, in its
    own words), or "" when it says none."""
    head = " ".join(text.split()[: max(len(text.split()) // 4, 300)])
    for m in _PROMISE.finditer(head):
        clause = " ".join(m.group(1).split()[:14]).rstrip(" ,")
        if len(clause.split()) >= 3:
            return clause
    return ""


@cache
def _niche_subjects() -> tuple[list[str], np.ndarray]:
    """(the niche of each subject, the subjects' MiniLM vectors): every niche's name and each comma-separated subject
    of its description."""
    owners, subjects = [], []
    for name, description in CREATOR_NICHES.items():
        for subject in [name, *re.split(r"[,:]| and ", description)]:
            if subject.strip():
                owners.append(name)
                subjects.append(subject.strip())
    return owners, get_embedder().embed(subjects)




def understand(text: str, names: Counter[str] | None = None) -> TopicUnderstanding:
    """Concepts, entities, promise, niche and audience of ``text`` (a transcript or a described idea). ``names``:
    the named things said in it and how often (``tools.scripts.hooks.named_things`` per passage), else counted here."""
    from tools.scripts.hooks import named_things

    vector = text_vector(text)
    concepts = tuple(key_concepts(text, vector=vector))
    counts = names if names is not None else Counter(named_things(text))
    short = len(text.split()) < SHORT_TEXT_WORDS
    entities = tuple(n for n, c in counts.most_common(12) if c >= (1 if short else 2))[:8]
    owners, vectors = _niche_subjects()
    sims = vectors @ vector
    best = int(np.argmax(sims))
    niche = owners[best]
    level = "newcomers" if len(_BEGINNER.findall(text)) >= 2 else "curious viewers"
    subject = ", ".join(c.phrase for c in concepts[:2])
    audience = (f"{level} interested in {niche}" + (f" who want to understand {subject}" if subject else "")
                + f" (the niche nearest to what the text says, cosine {float(sims[best]):.2f})")
    return TopicUnderstanding(concepts, entities, promise_of(text), niche, round(float(sims[best]), 3), audience)
