"""Script parsing: find the transcript in a chat message, tell its format, and split it into timed, bucketed
passages.

1. ``split_message``: the transcript inside a chat message (an ``[Attached file: NAME]`` block, a pasted SRT
   or WebVTT, timestamped lines, or a long paste) and the creator's own words around it; ``compact_message``
   shortens it for a routing prompt.
2. ``detect_format`` / ``parse_script``: SRT, WebVTT, timestamped lines ("0:42 text", "[00:01:05] text"),
   paragraphs or plain text, split into passages (sentences; 20-word windows when the text has no sentence
   punctuation, as YouTube auto-captions). Each passage has a start time: real when the script has timestamps,
   otherwise estimated from its word position at ``SPEAKING_RATE_WPM``; then a time bucket (``TIME_BUCKETS``).

The hooks found in the passages are ``tools.scripts.hooks``'. Pure functions over text; no database, no model.
"""

from __future__ import annotations

import hashlib
import html
import math
import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import Literal

ScriptFormat = Literal["srt", "webvtt", "timestamped", "paragraphs", "plain", "idea"]
"""How a script came: a transcript format, or "idea" (a described video idea, ``tools.scripts.hooks.analyze_idea``)."""

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


class ScriptInputError(ValueError):
    """A script that cannot be analysed; the message says what to fix."""


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


def word_count(text: str) -> int:
    """Whitespace-separated words in ``text``."""
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
        if word_count(body) >= MIN_SCRIPT_WORDS:
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
        if _REQUEST_WORDS.search(request) and word_count(request) <= 60 and word_count(rest) >= MIN_SCRIPT_WORDS:
            return request, rest
    if word_count(text) >= MIN_BARE_PASTE_WORDS:
        return "", text.strip()
    return text.strip(), None


_CUE_LINES = re.compile(r"^(?:\d+|WEBVTT.*|.*-->.*)[ \t]*$", re.MULTILINE)


def compact_message(text: str, keep_words: int = 300) -> str:
    """The message with a pasted transcript shortened to its first ``keep_words`` words and a note of its size.

    For prompts to a chat model that routes the conversation: the transcript tools read the full text from the
    message itself, so the model needs only to know it is there. Messages without a transcript are unchanged.
    """
    request, transcript = split_message(text)
    if transcript is None or word_count(transcript) <= keep_words:
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
    if len(blocks) >= 2 and word_count(text) / len(blocks) >= 15:
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
        for m in re.finditer(r"(?:\S+\s*){1,20}", seg) if word_count(seg) > high else [None]:
            part_start, part = (start + m.start(), m.group(0)) if m else (start, seg)
            if pieces and (word_count(pieces[-1][1]) < low or word_count(pieces[-1][1]) + word_count(part) <= high // 2):
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
    words = word_count(body)
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
        if word_count(sentence) > MAX_PASSAGE_WORDS:
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
        word_offset += word_count(piece)
    if duration is None:
        duration = starts[-1] if timed and starts else words * 60 / SPEAKING_RATE_WPM
    return Script(fmt, tuple(passages), words, timed, round(duration, 2), tuple(notes))


def fingerprint(text: str) -> str:
    """A short stable id of a script's text (whitespace-insensitive), for reusing its analysis."""
    return hashlib.sha1(" ".join(text.split()).encode()).hexdigest()[:16]
