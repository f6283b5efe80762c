"""The offline engine's spec of the pre-production tools: check_promise (the promise guard), check_idea (the idea
check), develop_hooks (hook development) and outline_script (outlines): their example requests, questions, actions and argument extractors."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from langchain_core.messages import BaseMessage

from tools import extract
from tools.base import context_of
from tools.learning.transcripts import TRANSCRIPT_CHANNELS
from tools.scripts.parsing import split_message
from tools.scripts.transcript import find_transcript

PROMISE_EXAMPLES = [
    "Does my video deliver on the title “How pi was almost 6.283185” early enough?",
]
"""A request a creator can send with a transcript (shown in the help text)."""
PROMISE_ACTION = "check where a title's promise is kept in the video"
"""What check_promise does, in a creator's words."""
PROMISE_ASK = ("Which title should I check, and against which video? Paste or attach the transcript and give the "
               "title in quotes, e.g. “does my video keep the promise of ‘But what is a neural network?’”.")
"""The question when the title or the transcript is missing."""

IDEA_EXAMPLES = [
    "Is a video about compound interest worth making for Nischa?",
]
"""A request a creator can send as it is (shown in the greeting and the help text)."""
IDEA_ACTION = "check whether a video idea is worth making, from the data"
"""What check_idea does, in a creator's words."""
IDEA_ASK = "Which video idea should I check? For example: “is a video about index funds worth making for my channel?”."
"""The question when the request names no topic."""

_TITLE_AFTER = re.compile(r"\btitle\b[^:“\"']{0,20}[:“\"'‘]\s*(.+?)[”\"'’]?\s*(?:\?|$)", re.IGNORECASE)


async def promise_args(text: str, context: Any = None) -> dict:
    """Offline engine: the title to check, in quotes or after "title:" (none: the tool checks the titles it last
    showed); the transcript is read from the conversation by the tool."""
    request, _ = split_message(text)
    titles = extract.quoted(request)
    if titles:
        return {"title": max(titles, key=len)}
    m = _TITLE_AFTER.search(request)
    return {"title": m.group(1).strip(" .“”\"'‘’")} if m else {}


def promise_resolve(text: str, args: dict, messages: list[BaseMessage]) -> dict | None:
    """The arguments when the conversation holds a transcript, else None (the engine asks)."""
    return args if find_transcript(messages) else None


_IDEA_LEADS = (
    re.compile(r"\b(?:idea|topic)(?:\s+(?:of|check))?\s*[:\-–]?\s*(?:about|on|is)?\s*(?P<t>.+)", re.IGNORECASE),
    re.compile(r"\b(?:should i|is it worth|worth it to|is it smart to)\s+(?:make|making|do|doing|film|cover|covering)\s+"
               r"(?:a\s+)?(?:video\s+)?(?:about|on)?\s*(?P<t>.+)", re.IGNORECASE),
)
"""An idea check's own ways of naming the topic ("idea: X", "should I make X"), after ``extract.video_topic``'s."""
_IDEA_TAIL = re.compile(r"\s+(?:be\s+)?(?:worth|a good|good|viable|work|make sense|saturated|crowded|oversaturated|"
                        r"too crowded)\b.*$", re.IGNORECASE)
"""The judgements an idea check asks of its topic ("... worth it?", "... saturated?"), beyond ``extract.video_topic``'s
own ends (the voice, the channel, "a good idea")."""


def idea_topic(text: str) -> str:
    """The topic an idea-check request names ("is a video about index funds worth making?" -> "index funds"), or
    ""."""
    topic = _IDEA_TAIL.sub("", extract.video_topic(text, _IDEA_LEADS)).strip(" ,.?!“”\"'")
    return topic if re.search(r"[A-Za-z]{3,}", topic) else ""


def _topic_and_channel(text: str, known: list[str], topic_of: Callable[[str], str]) -> dict:
    """``{"topic": ..., "channel": ...}`` (each only when found): the first of the ``known`` channels the text names,
    and the topic ``topic_of`` reads in the text without the channel's name."""
    channels = extract.match_channels(text, known)
    args: dict = {}
    if topic := topic_of(extract.mark_channels(text, channels)):
        args["topic"] = topic
    if channels:
        args["channel"] = channels[0]
    return args


async def idea_args(text: str, context: Any = None) -> dict:
    """Offline engine: the topic and the channel named ("for Nischa", "for my channel Veritasium")."""
    return _topic_and_channel(text, await context_of(context).channel_names(), idea_topic)


def idea_resolve(text: str, args: dict, messages: list[BaseMessage]) -> dict | None:
    """The arguments when they name a topic, else None (the engine asks or carries the previous topic over)."""
    return args if args.get("topic") else None


HOOKS_EXAMPLES = [
    "Write 5 intro hooks for a video about compound interest in my voice",
]
"""A request a creator can send as it is (shown in the help text)."""
HOOKS_ACTION = "write five intro hooks for your next video, in your voice"
"""What develop_hooks does, in a creator's words."""
HOOKS_ASK = ("What is the video about? Give me the topic (“hooks for a video about index funds”) or paste your draft "
             "script, and name your channel for your voice.")
"""The question when the request names no topic and the conversation holds no draft."""

_HOOKS_LEADS = (
    re.compile(r"\b(?:hooks?|intros?|openers?|openings?|opening lines?|cold opens?)\s+(?:for|about|on)\s+"
               r"(?!(?:my|this|the)\s+(?:video|draft|script)\b)(?P<t>.+)", re.IGNORECASE),
)
"""A hook request's own way of naming the topic ("hooks for X"), after ``extract.video_topic``'s."""


def hooks_topic(text: str) -> str:
    """The topic a hook request names ("5 intro hooks for a video about compound interest" -> "compound interest"),
    or ""."""
    return extract.video_topic(text, _HOOKS_LEADS)


async def hooks_args(text: str, context: Any = None) -> dict:
    """Offline engine: the topic (none: the draft in the conversation gives it) and the channel named ("in
    3Blue1Brown's voice", "for my channel Nischa")."""
    request, _ = split_message(text)
    known = await context_of(context).channel_names()
    return _topic_and_channel(request, [*known, *TRANSCRIPT_CHANNELS], hooks_topic)


def hooks_resolve(text: str, args: dict, messages: list[BaseMessage]) -> dict | None:
    """The arguments when they name a topic or the conversation holds a draft, else None (the engine asks or carries
    the previous topic over)."""
    return args if args.get("topic") or find_transcript(messages) else None


OUTLINE_EXAMPLES = [
    "Outline a 10 minute video about index funds for my channel Nischa",
]
"""A request a creator can send as it is (shown in the help text)."""
OUTLINE_ACTION = "outline your next video: sections with timestamps, shaped like your best videos"
"""What outline_script does, in a creator's words."""
OUTLINE_ASK = ("What is the video about, and how long should it be? For example: “outline a 10 minute video about index "
               "funds”.")
"""The question when the request names no topic and the conversation holds no draft."""

_MINUTES = re.compile(r"(?:\b(?:about|around|roughly|approximately|approx\.?|under|max|at most|at least)\s+|~\s*)?"
                      r"\b(\d{1,3}(?:\.\d)?)\s*(?:-\s*)?(?:minutes?|mins?|m)\b(?!\s*(?:subs|views))", re.IGNORECASE)
_HOURS = re.compile(r"\b(?:an|one|1)\s*(?:-\s*)?hours?\b", re.IGNORECASE)
_OUTLINE_LEADS = (
    re.compile(r"\b(?:outline|structure|plan|chapters|sections|timeline|skeleton|running order)s?\s+"
               r"(?:of|for|about|on|covering)\s+(?!(?:my|this|the)\s+(?:video|draft|script)\b)(?P<t>.+)", re.IGNORECASE),
)
"""An outline request's own ways of naming the topic ("structure for X"), after ``extract.video_topic``'s."""
_HALF_HOUR = re.compile(r"\bhalf(?:\s+an?|-an?)?[\s-]+hours?\b", re.IGNORECASE)


def outline_minutes(text: str) -> float | None:
    """The target length a request names, in minutes ("a 12 minute video", "15-min", "half an hour", "an hour"), or None."""
    if m := _MINUTES.search(text):
        return float(m.group(1))
    if _HALF_HOUR.search(text):
        return 30.0
    return 60.0 if _HOURS.search(text) else None


def outline_topic(text: str) -> str:
    """The topic an outline request names ("outline a 10 minute video about index funds" -> "index funds"), or ""."""
    return extract.video_topic(_HOURS.sub(" ", _HALF_HOUR.sub(" ", _MINUTES.sub(" ", text))), _OUTLINE_LEADS)


async def outline_args(text: str, context: Any = None) -> dict:
    """Offline engine: the topic, the length in minutes and the channel named."""
    request, _ = split_message(text)
    known = await context_of(context).channel_names()
    channels = extract.match_channels(request, [*known, *TRANSCRIPT_CHANNELS])
    args: dict = {}
    if topic := outline_topic(extract.mark_channels(request, channels)):
        args["topic"] = topic
    if (minutes := outline_minutes(extract.strip_channels(request, channels))) is not None:
        args["minutes"] = minutes
    if channels:
        args["channel"] = channels[0]
    return args


def outline_resolve(text: str, args: dict, messages: list[BaseMessage]) -> dict | None:
    """The arguments when they name a topic or the conversation holds a draft, else None."""
    return args if args.get("topic") or find_transcript(messages) else None
