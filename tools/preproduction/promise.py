"""The promise guard: where a title's promise is first delivered on a video's timeline.

A title promises its key words: the concepts, names and numbers a viewer clicked for ("neural network", "Basel
problem", "6.283185"). The promise is *delivered* at the first stretch of the script (consecutive passages of at most
``WINDOW_WORDS`` words, about 20 seconds of speech) that says at least ``needed_terms`` of them together: one term
said in passing is not the video stating what the title promised, and one of them must be distinctive (rarer than an
everyday word) when the title has one. Words are compared by their Snowball stem ("counting" and "count"), a stem of
``PREFIX`` letters or more also matching a longer one it starts ("geometr", "geometri"). A stretch also delivers the
promise when it says it in other words: MiniLM cosine between the title's promise and the stretch of at least
``SEMANTIC_FLOOR``.

The verdict: "kept" when that stretch starts before ``LATE_AFTER_S`` (30 s: the window in which viewers decide to
stay, as the hook rubric's "early position"), "late" after it, "never" when no stretch of the script says enough of
the title's terms. A late promise comes with the line to move up; a missed one with the concepts the opening does
state, for a title that matches what the video delivers.

Times are real for timed scripts (SRT, WebVTT, timestamped lines) and estimated from the word position at
``tools.scripts.parsing.SPEAKING_RATE_WPM`` otherwise (the answer marks them "~"). What it cannot see: a promise kept
on screen (visuals, on-screen text), or in words neither the stems nor MiniLM see as the title's.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import Literal

from tools.scripts.parsing import Passage, Script, format_time
from tools.scripts.topic import COMMON_ZIPF, STOP_WORDS, key_concepts

LATE_AFTER_S = 30.0
"""A promise first delivered after this many seconds is late (the hook rubric's "first 30 s")."""

WINDOW_WORDS = 60
"""Longest stretch of script, in words, read as one statement of the promise (about 20 s at 180 words a minute)."""

PREFIX = 5
"""Stems of at least this many letters match a longer stem they start ("geometr", "geometri")."""

SEMANTIC_FLOOR = 0.43
"""MiniLM cosine between the title's promise (``promise_text``) and a stretch from which the stretch states it in
other words. Fitted by ``python -m evals.promise --fit`` on 29 3Blue1Brown dev videos (never the hand-labelled ones):
each real title's best stretch scored 0.46 or more, each mismatched title's 0.40 or less; the floor is the middle of
the cut-offs that separate them all."""

SHARE_NEEDED = 0.6
"""Share of the title's terms a stretch must say (rounded up, at least 1, at most 4): two of two, two of three,
three of four or five, four from six on."""

PACKAGING_WORDS = frozenset(
    "explained explain explaining visualized visualizing visualised visual intro introduction guide tutorial "
    "chapter part ep episode lesson lecture essence series video videos why how what really actually simple simply "
    "easy best worst ultimate complete full quick new secret truth shocking insane crazy surprising surprisingly "
    "beautiful beautifully mess answer question questions thing things way ways".split()
)
"""Title words that package a promise rather than state it ("explained", "the truth", "Chapter 3"): not terms."""

_SERIES = re.compile(r"\b(?:chapter|ep\.?|episode|part|lesson|lecture|lockdown|essence of|series)\b", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*|\d[\d,.]*\d|\d")

Verdict = Literal["kept", "late", "never"]


@cache
def _stemmer():
    import snowballstemmer

    return snowballstemmer.stemmer("english")


def _stem(word: str) -> str:
    """The word's Snowball (Porter2) stem, lower case, possessive off ("networks" -> "network", "counting" ->
    "count"); numbers as written, without thousands separators."""
    w = word.lower().replace("’", "'").strip(".,-'")
    if w[:1].isdigit():
        return w.replace(",", "")
    return _stemmer().stemWord(re.sub(r"'s$", "", w))


def _same(a: str, b: str) -> bool:
    """Two stems name the same word: equal, or one starts the other from ``PREFIX`` letters on ("geometr" and
    "geometri")."""
    return a == b or (min(len(a), len(b)) >= PREFIX and (a.startswith(b) or b.startswith(a)))


def distinctive(term: str) -> bool:
    """A term rarer than an everyday word (Zipf frequency under ``tools.scripts.topic.COMMON_ZIPF``, ``wordfreq``)
    or a number: what the title is specifically about ("basis", "quaternions", "1000"), not "change" or "power"."""
    from wordfreq import zipf_frequency

    return term[:1].isdigit() or zipf_frequency(term.lower().replace("’", "'"), "en") < COMMON_ZIPF


_ASIDE = re.compile(r"\([^)]*\)|\[[^\]]*\]")


def _promise_parts(title: str) -> list[str]:
    """The parts of a title that state its promise: asides in brackets out, and after the first part, the parts
    that label a series ("| Chapter 3, Essence of calculus", "| Optics puzzles 5", "| DE1")."""
    parts = [p for p in re.split(r"\s+[|–—]\s+|\s+-\s+", _ASIDE.sub(" ", title)) if p.strip()]
    return parts[:1] + [p for p in parts[1:] if not (_SERIES.search(p) or re.search(r"\d\s*$", p))]


def promise_text(title: str) -> str:
    """The title's promise as one text (``_promise_parts`` joined), what is compared by meaning."""
    return " ".join(" ".join(_promise_parts(title)).split())


def promise_terms(title: str) -> list[str]:
    """The words a title promises, in title order, each once: its content words (not stop words, not
    ``PACKAGING_WORDS``) and its numbers. Left out: asides in brackets ("(old version)", "(2011 IMO, Q2)") and, after
    the first part, parts that label a series ("| Chapter 3, Essence of calculus", "| Optics puzzles 5", "| DE1").
    [] when the title promises nothing checkable."""
    terms: dict[str, str] = {}
    for part in _promise_parts(title):
        for w in _WORD.findall(part):
            low = re.sub(r"'s$", "", w.lower().replace("’", "'")).strip("'")
            if not low[:1].isdigit() and (len(low) < 2 or low in STOP_WORDS or low in PACKAGING_WORDS):
                continue
            terms.setdefault(_stem(low), w.strip("'’"))
    return list(terms.values())


def needed_terms(terms: list[str]) -> int:
    """How many of a title's terms a stretch must say: ``SHARE_NEEDED`` of them rounded up, at least 1, at most 4
    (two of two, two of three, three of four or five, four from six on)."""
    return min(max(1, math.ceil(SHARE_NEEDED * len(terms))), 4, len(terms))


def delivers(said: Sequence[str], terms: Sequence[str]) -> bool:
    """Whether a stretch that says ``said`` of the title's ``terms`` delivers its promise: at least
    ``needed_terms`` of them, one of them distinctive (``distinctive``) when the title has any ("problem" and
    "test" without "hardest" do not deliver "The hardest problem on the hardest test")."""
    if len(said) < needed_terms(list(terms)):
        return False
    return any(distinctive(t) for t in said) or not any(distinctive(t) for t in terms)


@dataclass(frozen=True)
class PromiseCheck:
    """Where one title's promise lands in one script.

    ``terms``: the title's promised words (``promise_terms``); ``needed``: how many a stretch must say;
    ``verdict``: "kept" (delivered before ``LATE_AFTER_S``), "late" or "never"; ``at_s``: seconds into the video of
    the delivering stretch (None when never), ``timing``: "real" or "estimated"; ``line``: the delivering stretch's
    text; ``said``: the terms it says; ``first_mentions``: each term's first time in seconds (None when never said);
    ``suggestion``: what to change, in a creator's words ("" when kept); ``opening``: the key concepts the first
    ``LATE_AFTER_S`` seconds state (for a title that matches what the video delivers).
    """

    title: str
    terms: tuple[str, ...]
    needed: int
    verdict: Verdict
    at_s: float | None
    timing: Literal["real", "estimated"]
    line: str = ""
    said: tuple[str, ...] = ()
    first_mentions: dict[str, float | None] = field(default_factory=dict)
    suggestion: str = ""
    opening: tuple[str, ...] = ()

    @property
    def at(self) -> str:
        """The time as a creator reads it ("0:42", "~0:42" when estimated, "never")."""
        if self.at_s is None:
            return "never"
        return ("" if self.timing == "real" else "~") + format_time(self.at_s)

    def to_dict(self) -> dict:
        """JSON-ready data (with ``at`` as the creator reads it)."""
        return {**asdict(self), "at": self.at}


def _passage_stems(p: Passage) -> set[str]:
    return {_stem(w) for w in _WORD.findall(p.text)}


def _says(stems: set[str], term_stem: str) -> bool:
    return term_stem in stems or any(_same(term_stem, s) for s in stems)


def terms_said(text: str, terms: Sequence[str]) -> list[str]:
    """The ``terms`` (``promise_terms``) that ``text`` says, by their stems (``_same``), in the terms' order."""
    stems = {_stem(w) for w in _WORD.findall(text)}
    return [t for t in terms if _says(stems, _stem(t))]


def opening_concepts(script: Script, seconds: float = LATE_AFTER_S, top: int = 3) -> tuple[str, ...]:
    """The key concepts (``tools.scripts.topic.key_concepts``) of the script's first ``seconds`` seconds, best
    first; () when the opening is too short to have any."""
    head = " ".join(p.text for p in script.passages if p.start_s < seconds)
    if len(head.split()) < 8:
        return ()
    return tuple(c.phrase for c in key_concepts(head, max_concepts=top))


def windows(script: Script) -> list[tuple[int, int, str]]:
    """Every stretch the promise may be delivered in: from each passage, it and the passages after it up to
    ``WINDOW_WORDS`` words, as (first passage index, index after the last, text)."""
    out = []
    passages = script.passages
    for i in range(len(passages)):
        words, j = 0, i
        while j < len(passages) and (j == i or words + len(passages[j].text.split()) <= WINDOW_WORDS):
            words += len(passages[j].text.split())
            j += 1
        out.append((i, j, " ".join(p.text for p in passages[i:j])))
    return out


def check_promises(titles: Sequence[str], script: Script) -> list[PromiseCheck]:
    """``check_promise`` for several titles on one script, its stretches embedded once.

    Raises ValueError when a title has no word to check (only stop words or packaging: "What is this?")."""
    from agent.embeddings import get_embedder

    spans = windows(script)
    embedder = get_embedder()
    vectors = embedder.embed([t for _, _, t in spans]) if spans else None
    titles_v = embedder.embed([promise_text(t) or t for t in titles])
    return [_check(t, script, spans, vectors @ v if vectors is not None else None) for t, v in zip(titles, titles_v)]


def check_promise(title: str, script: Script) -> PromiseCheck:
    """Where ``title``'s promise is first delivered in ``script`` (the module docstring says how), with the
    suggestion when it comes late or never.

    Raises ValueError when the title has no word to check (only stop words or packaging: "What is this?")."""
    return check_promises([title], script)[0]


def _check(title: str, script: Script, spans: list[tuple[int, int, str]], cosines) -> PromiseCheck:
    terms = promise_terms(title)
    if not terms:
        raise ValueError(f"“{title}” names nothing the video could deliver (no concept, name or number): "
                         "check a title that says what the video is about.")
    need = needed_terms(terms)
    keys = {t: _stem(t) for t in terms}
    per_passage = [_passage_stems(p) for p in script.passages]
    first: dict[str, float | None] = dict.fromkeys(terms)
    for p, stems in zip(script.passages, per_passage):
        for t in terms:
            if first[t] is None and _says(stems, keys[t]):
                first[t] = p.start_s
    timing: Literal["real", "estimated"] = "real" if script.timed else "estimated"
    passages = script.passages
    delivered: tuple[int, int, tuple[str, ...]] | None = None
    for n, (i, _, _) in enumerate(spans):
        stems: set[str] = set()
        for j in range(i, spans[n][1]):
            stems |= per_passage[j]
            said = tuple(t for t in terms if _says(stems, keys[t]))
            if delivers(said, terms):
                delivered = (i, j + 1, said)
                break
        if delivered is None and cosines is not None and float(cosines[n]) >= SEMANTIC_FLOOR:
            stems = set().union(*per_passage[i:spans[n][1]])
            delivered = (i, spans[n][1], tuple(t for t in terms if _says(stems, keys[t])))
        if delivered:
            break
    opening = opening_concepts(script)
    if delivered is None:
        said_early = [t for t in terms if first[t] is not None and first[t] < LATE_AFTER_S]
        suggestion = ("The video never states what this title promises together"
                      + (f" (it mentions {', '.join(said_early)} early, but not the rest)" if said_early else "")
                      + ": pick a title about what it delivers"
                      + (f", e.g. {', '.join(opening)}, which the first 30 seconds say." if opening else "."))
        return PromiseCheck(title, tuple(terms), need, "never", None, timing, "", (),
                            first, suggestion, opening)
    i, j, said = delivered
    start = passages[i].start_s
    line = " ".join(p.text for p in passages[i:j])
    if start < LATE_AFTER_S:
        return PromiseCheck(title, tuple(terms), need, "kept", start, timing, line, said, first, "", opening)
    at = ("" if script.timed else "~") + format_time(start)
    suggestion = (f"The title's promise first comes at {at}: move this line into the first 30 seconds: “{line}”"
                  + (f"; or pick a title about what the opening says ({', '.join(opening)})." if opening else "."))
    return PromiseCheck(title, tuple(terms), need, "late", start, timing, line, said, first, suggestion, opening)


def promise_markdown(checks: list[PromiseCheck]) -> str:
    """The checks as a creator reads them: one line per title with where its promise lands, then what to change
    for the late and missed ones."""
    if not checks:
        return ""
    marks = {"kept": "kept early", "late": "comes late", "never": "never kept"}
    lines = ["**Does the video keep each title's promise early?** (the title's key words said together in the first "
             "30 seconds)", "", "| title | promise | at | said |", "|---|---|---|---|"]
    for c in checks:
        said = ", ".join(c.said) if c.said else "—"
        lines.append(f"| {c.title} | {marks[c.verdict]} | {c.at} | {said} |")
    fixes = [f"- **{c.title}**: {c.suggestion}" for c in checks if c.suggestion]
    if fixes:
        lines += ["", *fixes]
    if any(c.timing == "estimated" for c in checks):
        lines += ["", "_Times marked ~ are estimated from the word position (the script has no timestamps)._"]
    return "\n".join(lines)
