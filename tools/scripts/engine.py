"""Script analysis: parse a transcript, bucket it by time, and find its hooks.

Pure functions over text with typed results, plus one LLM path (``analyze_with_llm``) that takes the chat
model as an argument. No database, no graph.

Pipeline
--------
1. ``split_message``: the transcript inside a chat message (an ``[Attached file: NAME]`` block, a pasted SRT
   or WebVTT, timestamped lines, or a long paste) and the creator's own words around it.
2. ``detect_format`` / ``parse_script``: SRT, WebVTT, timestamped lines ("0:42 text", "[00:01:05] text"),
   paragraphs or plain text, split into passages (sentences; 20-word windows when the text has no sentence
   punctuation, as YouTube auto-captions). Each passage has a start time: real when the script has timestamps,
   otherwise estimated from its word position at ``SPEAKING_RATE_WPM``; then a time bucket (``TIME_BUCKETS``).
3. Hooks (``analyze_offline`` or ``analyze_with_llm``): passages that grab attention, each with a type
   (``HOOK_TYPES``), its text, its time, a specificity score (0-8, ``specificity``) and a strength score (0-10,
   ``hook_strength``), plus the video's topic, audience and key entities.

The two rubrics (the LLM is given the same ones, so both engines score on one scale)
------------------------------------------------------------------------------------
Specificity, 0-8 points (``specificity``): up to 2 for numbers (1 each), 1 for a unit or an amount ($, %,
years, miles...), up to 2 for named people, places, works or brands (1 each), 1 for a time anchor (a year, a
date, a duration), 1 for a comparison (than, vs, compared with, instead of, twice), 1 for a source (a study,
data, an experiment, or first-hand experience: "I tried", "we measured").

Strength, 0-10 (``hook_strength``): 3 x specificity / 8; 2 for an open loop (a question, a contrarian claim
or a curiosity gap: something the viewer now wants closed); 2 x |VADER compound| for emotional charge
(Hutto & Gilbert 2014); 1 for stakes for the viewer (addressed as "you", or money, time, risk, a mistake);
1 for concision (6-30 words: said in one breath); 1 for an early position (starts in the first 30 s, where
viewers decide to stay).

What the offline heuristics cannot see: delivery, tone, visuals, on-screen text and music; hook types come from
phrase patterns, named things from capital letters (lower-case auto-captions have none), topic and audience
from word counts.
"""

from __future__ import annotations

import hashlib
import html
import math
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import Literal

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel, Field
from rapidfuzz import fuzz
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

ScriptFormat = Literal["srt", "webvtt", "timestamped", "paragraphs", "plain"]

TIME_BUCKETS: tuple[tuple[float, float, str], ...] = (
    (0, 5, "0-5s"),
    (5, 10, "5-10s"),
    (10, 20, "10-20s"),
    (20, 30, "20-30s"),
    (30, 60, "30-60s"),
    (60, 180, "60-180s"),
    (180, 300, "180-300s"),
    (300, math.inf, "later"),
)
"""(start s inclusive, end s exclusive, label): the retention windows creators read a video's opening by."""

SPEAKING_RATE_WPM = 180
"""Words per minute used to place untimed scripts on the time buckets: the median of the 140 timed
3Blue1Brown transcripts in ``transcripts_3blue1brown`` (transcript_words / last_caption_end_s; pooled 179)."""

MIN_SCRIPT_WORDS = 30
"""Fewer words than this is a title or a question, not a script."""

MAX_SCRIPT_WORDS = 300_000
"""Longest script analysed (about 28 hours of speech at ``SPEAKING_RATE_WPM``); longer ones are refused."""

MIN_BARE_PASTE_WORDS = 300
"""A long message with no request words and no timestamps is taken as a pasted script from this length on."""

MAX_PASSAGE_WORDS = 50
CHUNK_WORDS = (8, 25)
"""Sentences longer than ``MAX_PASSAGE_WORDS`` (and text with no sentence punctuation, as auto-captions) are cut
into chunks of about ``CHUNK_WORDS`` words (about 3-8 seconds of speech, the length of a spoken hook) at commas and at
spoken discourse markers ("so", "but", "number one", "here's"...); a run with no such break is cut every 20."""

LLM_MAX_INPUT_WORDS = 12_000
"""Longest script sent whole to the long tier (about 16k tokens); longer ones are condensed to the opening plus
the strongest offline candidates (see ``llm_passages``), so one call covers any length."""

HOOK_TYPES: tuple[str, ...] = (
    "question",
    "statistic",
    "contrarian claim",
    "story",
    "promise",
    "demonstration",
    "curiosity gap",
)
"""Hook types, in the order the offline classifier tries them (the first that matches wins)."""

HookType = Literal["question", "statistic", "contrarian claim", "story", "promise", "demonstration", "curiosity gap"]


class ScriptInputError(ValueError):
    """A script that cannot be analysed; the message says what to fix."""


class StructuredOutputError(ValueError):
    """The model's output failed schema validation on every attempt."""


# ---------------------------------------------------------------------------------------------------------------
# Finding the transcript in a message
# ---------------------------------------------------------------------------------------------------------------

_ATTACHED = re.compile(r"^\[Attached file: ([^\]\n]+)\]\n", re.MULTILINE)
_CUE_TIME = re.compile(
    r"(?:(\d+):)?(\d{1,2}):(\d{2})[,.](\d{1,3})[ \t]*-->[ \t]*(?:(\d+):)?(\d{1,2}):(\d{2})[,.](\d{1,3})"
)
_SRT_START = re.compile(r"^(?:\d+[ \t]*\r?\n)?[ \t]*" + _CUE_TIME.pattern, re.MULTILINE)
_WEBVTT_START = re.compile(r"^\ufeff?WEBVTT\b", re.MULTILINE)
_STAMP_LINE = re.compile(
    r"^[ \t]*[\[(]?((?:\d{1,2}:)?\d{1,2}:\d{2})(?:[.,]\d{1,3})?[\])]?[ \t]*(?:[-–—|:][ \t]*)?(\S.*)?$", re.MULTILINE
)
_REQUEST_WORDS = re.compile(
    r"\b(?:transcripts?|scripts?|captions?|subtitles?|srt|vtt|webvtt|hooks?|voice-?over|narration|"
    r"my video|this video)\b",
    re.IGNORECASE,
)


def _word_count(text: str) -> int:
    return len(text.split())


def split_message(text: str) -> tuple[str, str | None]:
    """(the creator's request, the transcript) in a chat message; the transcript is None when there is none.

    Looked for, in order: an ``[Attached file: NAME]`` block (what the CLI and the chat UI append; the first
    one with at least ``MIN_SCRIPT_WORDS`` words), a WebVTT header or an SRT cue, at least three timestamped
    lines, a request that names a script ("here's my transcript: ...") followed by ``MIN_SCRIPT_WORDS`` words,
    and a bare paste of ``MIN_BARE_PASTE_WORDS`` words or more.
    """
    blocks = list(_ATTACHED.finditer(text))
    for i, m in enumerate(blocks):
        end = blocks[i + 1].start() if i + 1 < len(blocks) else len(text)
        body = text[m.end() : end].strip()
        if _word_count(body) >= MIN_SCRIPT_WORDS:
            return text[: blocks[0].start()].strip(), body
    for pattern in (_WEBVTT_START, _SRT_START):
        if m := pattern.search(text):
            return text[: m.start()].strip(), text[m.start() :].strip()
    stamps = list(_STAMP_LINE.finditer(text))
    if len(stamps) >= 3:
        return text[: stamps[0].start()].strip(), text[stamps[0].start() :].strip()
    head = text[:400]
    if m := re.search(r"[:\n]", head):
        request, rest = text[: m.start()].strip(), text[m.end() :].strip()
        if _REQUEST_WORDS.search(request) and _word_count(request) <= 60 and _word_count(rest) >= MIN_SCRIPT_WORDS:
            return request, rest
    if _word_count(text) >= MIN_BARE_PASTE_WORDS:
        return "", text.strip()
    return text.strip(), None


_CUE_LINES = re.compile(r"^(?:\d+|WEBVTT.*|.*-->.*)[ \t]*$", re.MULTILINE)


def compact_message(text: str, keep_words: int = 300) -> str:
    """The message with a pasted transcript shortened to its first ``keep_words`` words and a note of its size.

    For prompts to a chat model that routes the conversation: the transcript tools read the full text from the
    message itself, so the model needs only to know it is there. Messages without a transcript are unchanged.
    """
    request, transcript = split_message(text)
    if transcript is None or _word_count(transcript) <= keep_words:
        return text
    words = _CUE_LINES.sub("", transcript).split()
    return (
        f"{request}\n\n[Transcript pasted: {len(words):,} words ({detect_format(transcript)}). The transcript tools "
        f"read it from this message; do not copy it into tool arguments. It begins:]\n"
        + " ".join(words[:keep_words])
        + " …"
    )


# ---------------------------------------------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Passage:
    """One sentence (or word window) of the script.

    ``start_s``: seconds from the start, real (from the script's timestamps) or estimated (word position at
    ``SPEAKING_RATE_WPM``) as ``Script.timed`` says. ``word_offset``: words before it. ``bucket``: its time bucket.
    """

    index: int
    text: str
    start_s: float
    word_offset: int
    bucket: str


@dataclass(frozen=True)
class Script:
    """A parsed script. ``timed``: the start times are real timestamps; ``duration_s``: the end of the last cue
    (real) or the word count at ``SPEAKING_RATE_WPM`` (estimated). ``notes``: what the parser had to assume."""

    format: ScriptFormat
    passages: tuple[Passage, ...]
    words: int
    timed: bool
    duration_s: float
    notes: tuple[str, ...] = ()


def detect_format(text: str) -> ScriptFormat:
    """Which kind of script ``text`` is: "webvtt" (a WEBVTT header), "srt" (numbered cues with
    ``00:00:01,000 --> 00:00:04,000`` timings), "timestamped" (at least three lines, or a third of the lines,
    starting with a time such as "0:42", "[00:01:05]" or "(1:05)"), "paragraphs" (two or more blank-line
    separated blocks of 15+ words on average) or "plain"."""
    head = text.lstrip("\ufeff \t\r\n")
    if head.startswith("WEBVTT"):
        return "webvtt"
    cue = _CUE_TIME.search(text)
    if cue and _SRT_START.search(text):
        return "srt" if "," in cue.group(0) else "webvtt"
    lines = [ln for ln in text.splitlines() if ln.strip()]
    stamped = sum(1 for ln in lines if _STAMP_LINE.match(ln))
    if stamped >= 3 and stamped >= len(lines) / 3:
        return "timestamped"
    blocks = [b for b in re.split(r"\n[ \t]*\n", text.strip()) if b.strip()]
    if len(blocks) >= 2 and _word_count(text) / len(blocks) >= 15:
        return "paragraphs"
    return "plain"


def _seconds(h: str | None, m: str, s: str, frac: str = "0") -> float:
    return int(h or 0) * 3600 + int(m) * 60 + int(s) + int(frac.ljust(3, "0")[:3]) / 1000


_TAG = re.compile(r"<[^>]*>|\{\\[^}]*\}")


def _clean(line: str) -> str:
    return " ".join(html.unescape(_TAG.sub("", line)).split())


def _parse_cues(text: str) -> list[tuple[float, float, str]]:
    """(start s, end s, text) of each SRT/WebVTT cue, in order. Tolerates missing cue numbers, CRLF, cue
    settings after the timing, styling tags, NOTE/STYLE/REGION blocks, and the rolling duplicate lines of
    YouTube auto-captions (a line repeated from the previous cue is dropped)."""
    cues: list[tuple[float, float, str]] = []
    previous: set[str] = set()
    for block in re.split(r"\r?\n[ \t]*\r?\n", text.replace("\r\n", "\n")):
        lines = block.strip("\ufeff").strip().splitlines()
        at = next((i for i, ln in enumerate(lines) if _CUE_TIME.search(ln)), None)
        if at is None:
            continue  # header, NOTE, STYLE, REGION, or stray text
        t = _CUE_TIME.search(lines[at]).groups()
        start, end = _seconds(*t[:4]), _seconds(*t[4:])
        body = [c for c in (_clean(ln) for ln in lines[at + 1 :]) if c]
        fresh = [c for c in body if c not in previous]
        previous = set(body)
        if fresh:
            cues.append((start, end, " ".join(fresh)))
    return cues


def _parse_stamped(text: str) -> list[tuple[float, str]]:
    """(start s, text) per timestamped line; untimed lines continue the line before (text before the first
    timestamp starts at 0)."""
    entries: list[tuple[float, list[str]]] = []
    for line in text.splitlines():
        m = _STAMP_LINE.match(line)
        if m:
            parts = m.group(1).split(":")
            h, mm, ss = (parts if len(parts) == 3 else [None, *parts])
            entries.append((_seconds(h, mm, ss), [m.group(2) or ""]))
        elif line.strip():
            if not entries:
                entries.append((0.0, []))
            entries[-1][1].append(line.strip())
    return [(s, _clean(" ".join(parts))) for s, parts in entries if _clean(" ".join(parts))]


_ABBREV = re.compile(r"\b(?:mr|mrs|ms|dr|st|vs|etc|e\.g|i\.e|prof|jr|sr|no|fig|approx)\.$", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’)\]]*\s+")


def _sentences(text: str) -> list[tuple[int, str]]:
    """(char offset, sentence) pairs; splits after . ! ? … unless the word before is a common abbreviation."""
    out: list[tuple[int, str]] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        if _ABBREV.search(text[start : m.start() + 1]):
            continue
        out.append((start, text[start : m.end()].strip()))
        start = m.end()
    if text[start:].strip():
        out.append((start, text[start:].strip()))
    return [(o, s) for o, s in out if s]


_BREAK = re.compile(
    r"[,;:–—]\s+|\s(?=(?:so|but|and then|and so|now|because|however|number (?:one|two|three|four|five|six|seven|"
    r"eight|nine|ten|\d+)|firstly|secondly|thirdly|finally|here are|here's|if you|when i|let's|okay|today|"
    r"the (?:first|second|third|next|last|biggest|main) (?:one|thing|book|step|reason|lesson|takeaway))\b)",
    re.IGNORECASE,
)


def _chunks(offset: int, sentence: str) -> list[tuple[int, str]]:
    """(char offset, text) chunks of a long sentence, ``CHUNK_WORDS`` words each (see the constant)."""
    low, high = CHUNK_WORDS
    cuts = [0, *(m.end() for m in _BREAK.finditer(sentence)), len(sentence)]
    segments = [(a, sentence[a:b]) for a, b in zip(cuts, cuts[1:]) if sentence[a:b].strip()]
    pieces: list[tuple[int, str]] = []
    for start, seg in segments:
        for m in re.finditer(r"(?:\S+\s*){1,20}", seg) if _word_count(seg) > high else [None]:
            part_start, part = (start + m.start(), m.group(0)) if m else (start, seg)
            if pieces and (_word_count(pieces[-1][1]) < low or _word_count(pieces[-1][1]) + _word_count(part) <= high // 2):
                pieces[-1] = (pieces[-1][0], pieces[-1][1] + part)
            else:
                pieces.append((part_start, part))
    return [(offset + o, " ".join(t.split())) for o, t in pieces]


def bucket_for(seconds: float) -> str:
    """The time bucket label of a moment ``seconds`` into the video (``TIME_BUCKETS``)."""
    for start, end, label in TIME_BUCKETS:
        if start <= seconds < end:
            return label
    return TIME_BUCKETS[-1][2]


def format_time(seconds: float) -> str:
    """"m:ss" (or "h:mm:ss" from an hour on)."""
    s = int(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def parse_script(text: str) -> Script:
    """Parse a script of any supported format (``detect_format``) into timed, bucketed passages.

    Raises ``ScriptInputError`` when the text is empty, has fewer than ``MIN_SCRIPT_WORDS`` words or more than
    ``MAX_SCRIPT_WORDS``, or is SRT/WebVTT with no readable cue.
    """
    if not isinstance(text, str) or not text.strip():
        raise ScriptInputError("The script is empty: paste the transcript (SRT, WebVTT, timestamped lines or plain text).")
    fmt = detect_format(text)
    notes: list[str] = []
    timed_chunks: list[tuple[float, str]] | None = None
    duration: float | None = None
    if fmt in ("srt", "webvtt"):
        cues = _parse_cues(text)
        if not cues:
            raise ScriptInputError(
                f"This looks like {fmt.upper()} but no cue could be read: each cue needs a line such as "
                "'00:00:01,000 --> 00:00:04,000' followed by its text."
            )
        timed_chunks = [(s, t) for s, _, t in cues]
        duration = max(e for _, e, _ in cues)
    elif fmt == "timestamped":
        timed_chunks = _parse_stamped(text)
    if timed_chunks is not None:
        offsets, starts, parts, pos = [], [], [], 0
        for start, chunk in timed_chunks:
            offsets.append(pos)
            starts.append(start)
            parts.append(chunk)
            pos += len(chunk) + 1
        body = " ".join(parts)
    else:
        body = " ".join(text.split())
        offsets, starts = [], []
    words = _word_count(body)
    if words < MIN_SCRIPT_WORDS:
        raise ScriptInputError(
            f"That is {words} words: paste at least {MIN_SCRIPT_WORDS} words of the script (the whole transcript "
            "works best). To score a title instead, ask “score this title: …”."
        )
    if words > MAX_SCRIPT_WORDS:
        raise ScriptInputError(
            f"That script has {words:,} words, over the {MAX_SCRIPT_WORDS:,}-word limit (about "
            f"{MAX_SCRIPT_WORDS // SPEAKING_RATE_WPM // 60} hours of speech): send it in parts, one video at a time."
        )
    sentences = _sentences(body)
    if words / len(sentences) > MAX_PASSAGE_WORDS:
        notes.append(
            "No sentence punctuation (auto-captions?): the text was cut into short chunks at spoken breaks "
            "(“so”, “but”, “number one”...), so hook boundaries are approximate."
        )
    pieces: list[tuple[int, str]] = []
    for offset, sentence in sentences:
        if _word_count(sentence) > MAX_PASSAGE_WORDS:
            pieces.extend(_chunks(offset, sentence))
        else:
            pieces.append((offset, sentence))
    timed = timed_chunks is not None
    if not timed:
        notes.append(
            f"No timestamps: times are estimated from word position at {SPEAKING_RATE_WPM} words per minute."
        )
    passages: list[Passage] = []
    word_offset = 0
    for i, (offset, piece) in enumerate(pieces):
        if timed:
            start = starts[max(0, bisect_right(offsets, offset) - 1)]
        else:
            start = word_offset * 60 / SPEAKING_RATE_WPM
        passages.append(Passage(i, piece, round(start, 2), word_offset, bucket_for(start)))
        word_offset += _word_count(piece)
    if duration is None:
        duration = starts[-1] if timed and starts else words * 60 / SPEAKING_RATE_WPM
    return Script(fmt, tuple(passages), words, timed, round(duration, 2), tuple(notes))


# ---------------------------------------------------------------------------------------------------------------
# Hooks: the rubrics and the offline heuristics
# ---------------------------------------------------------------------------------------------------------------

_NUMBER_WORDS = (
    "two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty|seventy|"
    "eighty|ninety|hundred|hundreds|thousand|thousands|million|millions|billion|billions|trillion|dozen|half"
)
NUMBER_PATTERN = re.compile(rf"\$?\d[\d,.]*%?|\b(?:{_NUMBER_WORDS})\b", re.IGNORECASE)
_UNIT = re.compile(
    r"[$€£¥%]|\b(?:percent|seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?|centuries|century|"
    r"dollars?|pounds?|euros?|cents?|miles?|km|kilometers?|meters?|metres?|feet|foot|inches?|kg|kilograms?|"
    r"grams?|tons?|degrees?|calories?|times|x|k|subscribers|views|people|salary|income)\b",
    re.IGNORECASE,
)
_TIME_ANCHOR = re.compile(
    r"\b(?:1[5-9]\d\d|20\d\d)\b|\b(?:in|since|by|for|over|after)\s+(?:\d+|a|one|two|three|four|five|ten|"
    r"twenty|thirty)\s+(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?)\b|\byears? ago\b|"
    r"\blast (?:year|month|week)\b|\bcentur(?:y|ies)\b",
    re.IGNORECASE,
)
_COMPARISON = re.compile(
    r"\b(?:than|vs\.?|versus|compared (?:to|with)|instead of|twice|triple|double|whereas|rather than)\b",
    re.IGNORECASE,
)
_SOURCE = re.compile(
    r"\b(?:stud(?:y|ies)|research|researchers|paper|survey|data|according to|experiment|measured|proved?|proof|"
    r"theorem|statistics)\b|\b(?:i|we)\s+(?:tried|tested|spent|measured|built|found|read|lost|made|paid|saved|"
    r"earned|ran|interviewed|asked|bought|sold|quit)\b",
    re.IGNORECASE,
)
_STAKES = re.compile(
    r"\b(?:you|your|you're|yourself)\b|\b(?:money|cost|costs|lose|losing|lost|save|saving|debt|rich|poor|risk|"
    r"mistake|mistakes|wrong|fail|failure|die|dead|danger|dangerous|never|worst|best|free)\b",
    re.IGNORECASE,
)
_FILLER_CAPS = frozenset(
    "i i'm i've i'll i'd a an the and but or so if in on at to of for with as is it its it's this that these those "
    "there here what why how when where who which we you he she they my our your his her their me us them okay ok "
    "yes no now then well oh hey hi just also even let let's like do does did don't can could would should will "
    "first second next last one all some any every each".split()
)

_TYPE_PATTERNS: dict[str, re.Pattern[str]] = {
    "question": re.compile(
        r"\?\s*$|^(?:so,?\s+|and\s+|but\s+|now,?\s+)?(?:have you ever|did you know|what if|why (?:do|does|did|is|are|would|can)|"
        r"how (?:do|does|did|can|could|would|much|many)|what (?:do|does|would|happens|is the)|can you|is it|are you|"
        r"would you|do you)\b",
        re.IGNORECASE,
    ),
    "statistic": re.compile(
        r"(?:\$\s?\d|\d[\d,.]*\s?(?:%|percent|x\b|times\b|million|billion|thousand|k\b)|"
        r"\b(?:million|billion|trillion)s?\b|\bone in (?:\d+|ten|a hundred|a thousand)\b|"
        r"\d[\d,.]*\s+(?:people|dollars|pounds|years|days|hours|subscribers|views|books|videos))",
        re.IGNORECASE,
    ),
    "contrarian claim": re.compile(
        r"\b(?:in fact|contrary|myths?|wrong|misconceptions?|most people (?:think|believe|assume)|"
        r"everyone (?:thinks|says|tells)|you(?:'ve| have) been told|isn't what|not what you|turns out|the truth is|"
        r"counter-?intuitive|paradox(?:ical)?|doesn't work|don't work|overrated|stop (?:doing|buying|saving))\b",
        re.IGNORECASE,
    ),
    "story": re.compile(
        r"\b(?:i|we) (?:was|were|had|went|got|remember|decided|spent|lost|started|realized|realised|grew up|moved|"
        r"quit|found myself)\b|\byears ago\b|\bwhen i was\b|\bone day\b|\bback in (?:1[5-9]|20)\d\d\b|"
        r"^(?:in|back in) (?:1[5-9]|20)\d\d\b|\blet me tell you\b|\bstory\b",
        re.IGNORECASE,
    ),
    "promise": re.compile(
        r"\bby the end of (?:this|the) video\b|\bin this video\b|\byou(?:'ll| will) (?:learn|see|understand|know|"
        r"find out|discover)\b|\bi(?:'ll| will| am going to|'m going to|'m gonna) (?:show|teach|walk|explain|"
        r"break)\b|\bhere(?:'s| is) (?:how|exactly)\b|\bhere are (?:the )?(?:\d+|two|three|four|five|six|seven|"
        r"eight|nine|ten)\b|\bstep[- ]by[- ]step\b|\bwhat we(?:'re| are) going to\b|\bstick around\b",
        re.IGNORECASE,
    ),
    "demonstration": re.compile(
        r"^(?:this|here) is (?:a|an|the|what|how)\b|"
        r"\b(?:watch (?:this|what)|look at (?:this|that|what)|take a look|imagine|picture this|let's (?:see|try|"
        r"test|run|look)|here(?:'s| is) what happens|i (?:built|tested|tried|made)|on (?:the )?screen|"
        r"animation|visuali[sz]e)\b",
        re.IGNORECASE,
    ),
    "curiosity gap": re.compile(
        r"\b(?:secret|mystery|mysterious|puzzle|puzzling|strange|weird|bizarre|surprising|surprisingly|nobody|"
        r"no one|hidden|the reason|what happens|unexpected|shocking|crazy|insane|mind-?blowing|famous|legendary|"
        r"notorious|greatest|most important)\b",
        re.IGNORECASE,
    ),
}
_OPEN_LOOP_TYPES = frozenset({"question", "contrarian claim", "curiosity gap"})
_NOT_A_HOOK = re.compile(
    r"\b(?:sponsor(?:ed|s)?|patreon|link (?:is )?in the description|description below|use (?:the )?code|promo code|"
    r"sign up|free trial|first \d+ (?:people|subscribers)|subscribe|hit the (?:like|bell)|like this video|"
    r"comment below|skillshare|brilliant\.org|squarespace|audible)\b",
    re.IGNORECASE,
)
"""Sponsor reads and calls to action: they match hook patterns ("the first 500 people...") but are not the
video's own moments, so they are never hooks."""


@cache
def _vader() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


def named_things(text: str) -> list[str]:
    """Capitalised runs of words that are not sentence starts or common words ("Johann Bernoulli", "Cornell");
    each run once, in order. Lower-case text (auto-captions) has none."""
    runs: list[str] = []
    current: list[str] = []
    tokens = re.findall(r"[A-Za-z][\w'’.-]*|[.!?]", text)
    sentence_start = True
    for tok in tokens:
        if tok in ".!?":
            sentence_start = True
            if current:
                runs.append(" ".join(current))
                current = []
            continue
        clean = re.sub(r"['’]s$", "", tok.rstrip("."))
        is_name = clean[:1].isupper() and len(clean) > 1 and clean.lower() not in _FILLER_CAPS and not sentence_start
        if is_name:
            current.append(clean)
        elif current:
            runs.append(" ".join(current))
            current = []
        sentence_start = False
    if current:
        runs.append(" ".join(current))
    seen: dict[str, None] = {}
    for r in runs:
        seen.setdefault(r, None)
    return list(seen)


def specificity(text: str) -> tuple[int, list[str]]:
    """The specificity rubric (module docstring): (points 0-8, what earned them)."""
    found: list[str] = []
    numbers = NUMBER_PATTERN.findall(text)
    if numbers:
        found.append(f"number{'s' if len(numbers) > 1 else ''} {', '.join(numbers[:2])}")
    points = min(len(numbers), 2)
    if _UNIT.search(text):
        points += 1
        found.append("a unit or amount")
    names = named_things(text)
    if names:
        points += min(len(names), 2)
        found.append("named " + ", ".join(names[:2]))
    for rx, label in ((_TIME_ANCHOR, "a time anchor"), (_COMPARISON, "a comparison"), (_SOURCE, "a source")):
        if rx.search(text):
            points += 1
            found.append(label)
    return min(points, 8), found


def hook_type(text: str) -> str | None:
    """The first of ``HOOK_TYPES`` whose phrase pattern matches ``text``, or None (not a hook)."""
    return next((name for name, rx in _TYPE_PATTERNS.items() if rx.search(text)), None)


def hook_strength(text: str, kind: str, spec: int, start_s: float) -> tuple[float, list[str]]:
    """The strength rubric (module docstring): (score 0-10 rounded to 0.1, what earned it)."""
    reasons = [f"specificity {spec}/8"]
    score = 3 * spec / 8
    if kind in _OPEN_LOOP_TYPES:
        score += 2
        reasons.append("an open loop")
    charge = abs(_vader().polarity_scores(text)["compound"])
    score += 2 * charge
    if charge >= 0.3:
        reasons.append(f"emotional charge {charge:.2f}")
    if _STAKES.search(text):
        score += 1
        reasons.append("stakes for the viewer")
    if 6 <= _word_count(text) <= 30:
        score += 1
        reasons.append("said in one breath")
    if start_s < 30:
        score += 1
        reasons.append("in the first 30 s")
    return round(min(score, 10.0), 1), reasons


@dataclass(frozen=True)
class Hook:
    """A moment that grabs attention. ``start_s``: seconds into the video (real or estimated, as ``timing``
    says); ``position``: share of the script before it (0-1); ``specificity`` 0-8 and ``strength`` 0-10 per the
    module's rubrics; ``why``: what earned the scores (offline) or the model's reason (LLM)."""

    id: str
    type: str
    text: str
    start_s: float
    timing: Literal["real", "estimated"]
    bucket: str
    position: float
    specificity: int
    strength: float
    why: str

    @property
    def at(self) -> str:
        """The time as a creator reads it: "0:42", or "~0:42" when estimated."""
        return ("" if self.timing == "real" else "~") + format_time(self.start_s)


@dataclass(frozen=True)
class ScriptAnalysis:
    """The analysis of one script: its shape, its hooks (strongest first), topic, audience, key entities.

    ``engine``: "offline" or the model that found the hooks. ``notes``: what the analysis could not see or had
    to assume. ``fingerprint``: identifies the script text (reuse of an analysis for the same script)."""

    format: ScriptFormat
    words: int
    timed: bool
    duration_s: float
    passages: int
    hooks: tuple[Hook, ...]
    topic: str
    audience: str
    key_entities: tuple[str, ...]
    engine: str
    fingerprint: str
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict:
        """JSON-ready data (the tool's artifact)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ScriptAnalysis:
        """Rebuild from ``to_dict`` output (e.g. a previous tool call's artifact)."""
        fields = dict(data)
        fields["hooks"] = tuple(Hook(**h) for h in data["hooks"])
        fields["key_entities"] = tuple(data["key_entities"])
        fields["notes"] = tuple(data.get("notes", ()))
        return cls(**fields)


def fingerprint(text: str) -> str:
    """A short stable id of a script's text (whitespace-insensitive), for reusing its analysis."""
    return hashlib.sha1(" ".join(text.split()).encode()).hexdigest()[:16]


_NICHES: tuple[tuple[str, str], ...] = (
    ("personal finance", r"money|invest\w*|budget\w*|debt|income|salary|savings?|tax(?:es)?|stocks?|pension|rich|wealth"),
    ("math", r"theorem|equations?|proofs?|functions?|geometry|calculus|matri(?:x|ces)|probability|integers?|primes?|vectors?"),
    ("science", r"physics|atoms?|energy|experiments?|molecules?|gravity|quantum|particles?|light|chemistry|biology"),
    ("tech and AI", r"\bai\b|models?|neural|software|code|coding|computers?|algorithms?|data|chatgpt|apps?"),
    ("fitness and health", r"workouts?|muscles?|protein|gym|exercise|calories|sleep|diet|health"),
    ("beauty and fashion", r"makeup|skin|skincare|foundation|lipstick|outfits?|fashion|hair"),
    ("food", r"recipes?|cook\w*|bake\w*|flavou?r|kitchen|meals?|dinner"),
    ("filmmaking and photography", r"cameras?|lens(?:es)?|shots?|editing|footage|photos?|cinematic"),
)


SPOKEN_FILLERS = frozenset(
    "just like really actually going gonna know think thing things way right okay yeah kind lot want say said "
    "point time bit let make look get got new good sort pretty mean maybe stuff little don doesn didn isn aren "
    "wasn won ll ve re today video videos basically literally need use used start end able different number "
    "example case question answer idea came come does did went".split()
)


def _topic_and_entities(script: Script) -> tuple[str, str, tuple[str, ...]]:
    """(topic, audience, key entities) from word counts: the honest offline version."""
    text = " ".join(p.text for p in script.passages)
    names = Counter(n for p in script.passages for n in named_things(p.text))
    entities = tuple(n for n, c in names.most_common(12) if c >= 2)[:8]
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

    try:
        vec = CountVectorizer(
            stop_words=list(ENGLISH_STOP_WORDS | SPOKEN_FILLERS), ngram_range=(1, 2), max_features=60,
            token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z-]{2,}\b",
        )
        counts = vec.fit_transform([text]).toarray()[0]
        phrases = sorted(zip(vec.get_feature_names_out(), counts), key=lambda x: -x[1] * (2.5 if " " in x[0] else 1))
    except ValueError:  # only stop words
        phrases = []
    top: list[str] = []
    for phrase, _ in phrases:
        if not any(phrase in t or t in phrase for t in top):
            top.append(phrase)
        if len(top) == 3:
            break
    topic = ", ".join(top) if top else "unknown"
    if not entities:
        entities = tuple(top)
    low = text.lower()
    per_k = 1000 / max(script.words, 1)
    niche_hits = [(len(re.findall(rf"\b(?:{rx})\b", low)) * per_k, name) for name, rx in _NICHES]
    density, niche = max(niche_hits)
    you = len(re.findall(r"\byou(?:r|'re|'ll)?\b", low)) * per_k
    level = "beginners" if len(re.findall(r"\b(?:beginners?|basics|simple|simply|easy|start(?:ing)? out)\b", low)) >= 2 else "curious viewers"
    audience = (
        f"{level} interested in {niche} (guess from vocabulary: {density:.0f} {niche} words per 1,000)"
        if density >= 4
        else "unknown offline (no niche vocabulary stands out)"
    )
    audience += f"; the script says “you” {you:.0f} times per 1,000 words"
    return topic, audience, entities


def offline_candidates(script: Script) -> list[Hook]:
    """Every passage that matches a hook type, scored by both rubrics; strongest first (ties: earlier first).
    Ids are "h1", "h2"... in that order."""
    scored: list[tuple[float, int, Passage, str, int, list[str]]] = []
    for p in script.passages:
        kind = hook_type(p.text)
        if kind is None or _word_count(p.text) < 5 or _NOT_A_HOOK.search(p.text):
            continue
        spec, spec_found = specificity(p.text)
        strength, reasons = hook_strength(p.text, kind, spec, p.start_s)
        scored.append((strength, p.index, p, kind, spec, reasons + spec_found))
    scored.sort(key=lambda x: (-x[0], x[1]))
    timing = "real" if script.timed else "estimated"
    return [
        Hook(
            id=f"h{i}",
            type=kind,
            text=p.text,
            start_s=p.start_s,
            timing=timing,
            bucket=p.bucket,
            position=round(p.word_offset / max(script.words, 1), 3),
            specificity=spec,
            strength=strength,
            why="; ".join(reasons),
        )
        for i, (strength, _, p, kind, spec, reasons) in enumerate(scored, 1)
    ]


MAX_HOOKS = 12
"""Hooks reported per script (strongest first)."""


def analyze_offline(script: Script, text: str, max_hooks: int = MAX_HOOKS) -> ScriptAnalysis:
    """Hooks, topic, audience and key entities by the offline heuristics (the module's rubrics and patterns).
    ``text`` is the raw script (for the fingerprint)."""
    hooks = offline_candidates(script)
    kept: list[Hook] = []
    for h in hooks:  # the same sentence repeated in a script is one hook
        if all(fuzz.ratio(h.text.lower(), k.text.lower()) < 82 for k in kept):
            kept.append(h)
        if len(kept) == max_hooks:
            break
    kept = [Hook(**{**asdict(h), "id": f"h{i}"}) for i, h in enumerate(kept, 1)]
    topic, audience, entities = _topic_and_entities(script)
    notes = (
        *script.notes,
        "Offline heuristics: hook types come from phrase patterns and scores from the rubrics; delivery, tone, "
        "visuals and on-screen text are not visible.",
    )
    return ScriptAnalysis(
        script.format, script.words, script.timed, script.duration_s, len(script.passages), tuple(kept), topic,
        audience, entities, "offline", fingerprint(text), notes,
    )


# ---------------------------------------------------------------------------------------------------------------
# Hooks with an LLM (long tier)
# ---------------------------------------------------------------------------------------------------------------


class HookOut(BaseModel):
    """One hook found by the model."""

    passage: int = Field(description="The [number] of the passage where the hook starts.")
    type: HookType
    text: str = Field(description="The hook, copied verbatim from the passage(s), at most 40 words.")
    specificity: int = Field(ge=0, le=8, description="Specificity rubric, 0-8.")
    strength: float = Field(ge=0, le=10, description="Strength rubric, 0-10.")
    why: str = Field(description="One sentence: why it works, citing the rubric items it earns.")


class AnalysisOut(BaseModel):
    """The model's analysis of a script."""

    topic: str = Field(description="What the video is about, in at most 12 words.")
    audience: str = Field(description="Who it is for, in at most 15 words.")
    key_entities: list[str] = Field(description="Up to 8 people, places, works, products or ideas it names.")
    hooks: list[HookOut] = Field(description="3 to 12 hooks, strongest first.")


ANALYSIS_SYSTEM = f"""You are a YouTube script analyst. Find the hooks in a transcript: moments that make a viewer
stay or click (types: {", ".join(HOOK_TYPES)}). Hooks can be anywhere, but say when they are.
Score each with two rubrics:
- specificity, 0-8 points: up to 2 for numbers (1 each), 1 for a unit or amount, up to 2 for named people,
  places, works or brands (1 each), 1 for a time anchor (year, date, duration), 1 for a comparison, 1 for a
  source (study, data, experiment, first-hand experience).
- strength, 0-10: 3 x specificity/8; 2 for an open loop (question, contrarian claim, curiosity gap); up to 2 for
  emotional charge; 1 for stakes for the viewer; 1 for concision (6-30 words); 1 if it starts in the first 30 s.
Copy hook text verbatim from the transcript. Cite the passage number in [brackets] where the hook starts.
Topic, audience and key entities describe the whole video."""


def llm_passages(script: Script, max_words: int = LLM_MAX_INPUT_WORDS) -> tuple[list[Passage], bool]:
    """The passages to show the model, and whether the script was condensed.

    Up to ``max_words`` the whole script; beyond, the passages of the first 300 s (the opening, where most hooks
    live) and then the strongest offline hook candidates, up to ``max_words`` in all, in script order."""
    if script.words <= max_words:
        return list(script.passages), False
    chosen: dict[int, Passage] = {}
    budget = max_words
    for p in script.passages:
        if p.start_s >= 300 or budget < max_words // 2:
            break
        chosen[p.index] = p
        budget -= _word_count(p.text)
    by_index = {p.index: p for p in script.passages}
    strongest = sorted(
        ((hook_strength(p.text, k, specificity(p.text)[0], p.start_s)[0], p.index) for p in script.passages
         if p.index not in chosen and (k := hook_type(p.text))),
        reverse=True,
    )
    for _, index in strongest:
        p = by_index[index]
        if _word_count(p.text) > budget:
            break
        chosen[index] = p
        budget -= _word_count(p.text)
    return [chosen[i] for i in sorted(chosen)], True


def analysis_prompt(script: Script, creator_context: str = "") -> tuple[list[BaseMessage], list[Passage], bool]:
    """(messages for the long tier, the passages shown, condensed?). Each passage is one line:
    "[index] m:ss text" (the time marked "~" when estimated). ``creator_context``: what is known about the
    creator (their voice, ``tools.learning.blocks.MemoryBlocks.prompt_block``), added so hooks fit their voice."""
    shown, condensed = llm_passages(script)
    mark = "" if script.timed else "~"
    lines = [f"[{p.index}] {mark}{format_time(p.start_s)} {p.text}" for p in shown]
    header = (
        f"Transcript ({script.format}, {script.words:,} words, {format_time(script.duration_s)}"
        f"{'' if script.timed else ' estimated'})."
    )
    if condensed:
        header += (
            f" It is long: you see the first 5 minutes and the {len(shown)} strongest candidate passages "
            "(numbers jump where passages were left out)."
        )
    about = f"\n\nAbout the creator (prefer hooks in their voice):\n{creator_context}" if creator_context else ""
    return [SystemMessage(ANALYSIS_SYSTEM), HumanMessage(header + about + "\n\n" + "\n".join(lines))], shown, condensed


async def structured_call(
    model: BaseChatModel, schema: type[BaseModel], messages: Sequence[BaseMessage], retries: int = 1
) -> BaseModel:
    """One model call whose output is validated against ``schema`` (``with_structured_output``, raw kept); an
    invalid output is retried up to ``retries`` times with the validation error quoted back to the model.
    Raises ``StructuredOutputError`` when every attempt is invalid."""
    runnable = model.with_structured_output(schema, include_raw=True)
    attempt = list(messages)
    error: object = None
    for _ in range(retries + 1):
        out = await runnable.ainvoke(attempt)
        if out.get("parsed") is not None and out.get("parsing_error") is None:
            return out["parsed"]
        error = out.get("parsing_error") or "no structured output in the answer"
        attempt = [
            *messages,
            HumanMessage(f"Your previous answer did not match the schema ({error}). Answer again, valid for the schema."),
        ]
    raise StructuredOutputError(f"The model's output did not match {schema.__name__} after {retries + 1} tries: {error}")


async def analyze_with_llm(
    script: Script, text: str, model: BaseChatModel, model_name: str, creator_context: str = ""
) -> tuple[ScriptAnalysis, list[str]]:
    """Hooks, topic, audience and key entities by the model (one call, ``structured_call``), grounded: a hook
    must cite a passage that was shown and its text must be found there (rapidfuzz partial ratio >= 80 against
    that passage and the next); its time and bucket come from the script, not from the model.

    Returns (analysis, dropped) where ``dropped`` says which model hooks were not grounded and why. Raises
    ``StructuredOutputError`` when the model's output stays invalid."""
    messages, shown, condensed = analysis_prompt(script, creator_context)
    out: AnalysisOut = await structured_call(model, AnalysisOut, messages)  # type: ignore[assignment]
    by_index = {p.index: p for p in shown}
    timing = "real" if script.timed else "estimated"
    hooks: list[Hook] = []
    dropped: list[str] = []
    for h in sorted(out.hooks, key=lambda h: -h.strength):
        p = by_index.get(h.passage)
        if p is None:
            dropped.append(f"“{h.text[:60]}”: passage [{h.passage}] was not in the transcript shown")
            continue
        nxt = script.passages[p.index + 1].text if p.index + 1 < len(script.passages) else ""
        if fuzz.partial_ratio(h.text.lower(), f"{p.text} {nxt}".lower()) < 80:
            dropped.append(f"“{h.text[:60]}”: not found in passage [{h.passage}]")
            continue
        hooks.append(
            Hook(f"h{len(hooks) + 1}", h.type, h.text.strip(), p.start_s, timing, p.bucket,
                 round(p.word_offset / max(script.words, 1), 3), h.specificity, round(h.strength, 1), h.why)
        )
    notes = list(script.notes)
    if condensed:
        notes.append(f"Long script: the model saw the first 5 minutes and the {len(shown)} strongest candidate passages.")
    analysis = ScriptAnalysis(
        script.format, script.words, script.timed, script.duration_s, len(script.passages), tuple(hooks[:MAX_HOOKS]),
        out.topic, out.audience, tuple(out.key_entities[:8]), model_name, fingerprint(text), tuple(notes),
    )
    return analysis, dropped


# ---------------------------------------------------------------------------------------------------------------
# Display
# ---------------------------------------------------------------------------------------------------------------


def script_summary(a: ScriptAnalysis) -> str:
    """One line: format, words, duration (real or estimated), engine."""
    timing = "real timestamps" if a.timed else "no timestamps, times estimated"
    return (
        f"**Script**: {a.format.upper() if a.format in ('srt', 'webvtt') else a.format}, {a.words:,} words, "
        f"{format_time(a.duration_s)} ({timing}), {a.passages:,} passages; hooks by the {a.engine}."
    )


def hooks_table(hooks: Sequence[Hook]) -> str:
    """A markdown table of hooks: id, time, bucket, type, text (cut at 160 chars), specificity, strength."""
    lines = ["| # | At | Bucket | Type | Hook | Specificity | Strength |", "|---|---|---|---|---|---:|---:|"]
    for h in hooks:
        text = h.text if len(h.text) <= 160 else h.text[:157] + "…"
        lines.append(f"| {h.id} | {h.at} | {h.bucket} | {h.type} | {text} | {h.specificity}/8 | {h.strength:.1f}/10 |")
    return "\n".join(lines)


def analysis_markdown(a: ScriptAnalysis) -> str:
    """What a creator reads: the script line, topic/audience/entities, the hooks table, the notes."""
    parts = [
        script_summary(a),
        f"**Topic**: {a.topic}  \n**Audience**: {a.audience}  \n**Key entities**: {', '.join(a.key_entities) or 'none found'}",
    ]
    if a.hooks:
        parts.append(f"**Hooks** (strongest first; specificity 0-8, strength 0-10)\n\n{hooks_table(a.hooks)}")
    else:
        parts.append("**No hooks found**: no passage asks, claims, promises, shows or quantifies anything strongly.")
    if a.notes:
        parts.append("_" + " ".join(a.notes) + "_")
    return "\n\n".join(parts)
