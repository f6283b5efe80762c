"""What the offline engine says when no tool answers: a greeting, thanks, "what can you do?", a general YouTube
question, an off-topic request, a request too vague to act on. Short, in a person's words, never a tool's name.

``actions`` are the bound tools' actions in a creator's words ("score a title"), ``examples`` requests a creator
can send as they are (``agent.offline.OfflineSpec``)."""

from __future__ import annotations

import re
from collections.abc import Sequence

ADVICE: list[tuple[str, str]] = [
    (r"title.*(length|long|short|characters)|(length|long|short|characters).*title",
     "Length matters less than the first words: YouTube cuts titles at about 70 characters on desktop and fewer on "
     "phones, so put the hook up front and keep the whole title readable on a phone."),
    (r"how often|post(ing)? (schedule|frequency)|upload (schedule|frequency)|how many videos",
     "There is no magic frequency: a pace you can keep with the same quality beats a fast one you drop after a month."),
    (r"thumbnail",
     "A thumbnail works with the title, not against it: one clear subject, few words, and no repeating the title."),
    (r"nam(?:e|ing)\s+(?:my|a|the|our)\s+(?:new\s+)?(?:\w+\s+)?channel|channel'?s?\s+name|call my (?:new\s+)?(?:\w+\s+)?channel",
     "A good channel name is short, easy to spell after hearing it once, and still fits if your topics grow."),
    (r"shorts?\b.*\blong|\blong.*\bshorts?",
     "Shorts bring reach and long-form brings watch time and loyal viewers; most channels use Shorts to point to "
     "their long videos."),
    (r"\bctr\b|click[- ]?through",
     "CTR depends on where impressions come from: browse and suggested traffic run lower than search, and it "
     "usually drops as a video reaches colder audiences, so compare a video with your own usual, not a fixed number."),
    (r"clickbait",
     "A title can be curious without being clickbait: what hurts is a promise the video does not keep, because "
     "viewers leave early and watch time drops."),
    (r"subscriber|\bsubs\b|grow",
     "Growth mostly follows from videos people click and watch to the end: a clear promise in the title and "
     "thumbnail, and a first 30 seconds that keeps it."),
    (r"upload time|time of day|when should i (post|upload)|best time",
     "Upload time matters far less than the video: publish when your audience is usually online (Studio's "
     "Audience tab shows it) and stay consistent."),
]
"""General questions the engine can answer in one honest sentence: (pattern, answer)."""


def _bullets(items: Sequence[str]) -> str:
    return "\n".join(f"- {item}" for item in items)


def _quoted(examples: Sequence[str]) -> str:
    return _bullets([f"“{e}”" for e in examples])


def greeting(examples: Sequence[str]) -> str:
    """A short welcome with up to three requests to try."""
    return "Hi! I'm Creator Cortex, here to help with your YouTube titles and ideas. Try one of these:\n" + _quoted(examples[:3])


def thanks() -> str:
    """A short reply to thanks or an acknowledgement."""
    return "You're welcome! Send me a title, a topic or a transcript whenever you're ready."


def help_text(actions: Sequence[str], examples: Sequence[str]) -> str:
    """What the engine can do, in a creator's words, with requests to try."""
    return ("I'm Creator Cortex. I can:\n" + _bullets([a[0].upper() + a[1:] for a in actions])
            + "\n\nFor example:\n" + _quoted(examples[:3]))


def _can_do(actions: Sequence[str]) -> str:
    shown = list(actions[:4])
    return "; ".join(shown[:-1]) + f"; or {shown[-1]}" if len(shown) > 1 else "".join(shown)


def advice(text: str, actions: Sequence[str]) -> str:
    """A short honest answer to a general YouTube question when one is known, and what the engine can do instead."""
    lowered = text.lower()
    answer = next((a for pattern, a in ADVICE if re.search(pattern, lowered)), None)
    lead = answer or "That's a general YouTube question, and I don't have data that answers it well."
    return f"{lead}\n\nWhere I can help with real data: I can {_can_do(actions)}."


def off_topic(actions: Sequence[str]) -> str:
    """A polite decline of a request outside YouTube work."""
    return f"Sorry, that's outside what I can help with: I work on YouTube videos. I can {_can_do(actions)}."


def clarify(options: Sequence[str]) -> str:
    """One short question offering the two likeliest actions (or asking for more when none stands out)."""
    if len(options) >= 2:
        return f"Just to be sure: do you want me to {options[0]}, or {options[1]}?"
    if options:
        return f"Just to be sure: do you want me to {options[0]}? Tell me a bit more and I'll get going."
    return "Could you tell me a bit more? For example, quote a title to score or name a topic to research."


def unclear_followup() -> str:
    """A follow-up ("same for Mark Rober") with nothing before it to follow."""
    return ("What should I apply that to? Ask for something first, e.g. outliers about a topic or creators in a "
            "niche, then narrow it down.")
