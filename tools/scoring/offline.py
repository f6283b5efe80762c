"""The offline engine's spec of score_title: its example requests, the argument extractor and the question it
asks when a request gives no title."""

from __future__ import annotations

from typing import Any

from tools import extract
from tools.base import context_of

EXAMPLES = [
    "Score this title: I Built a Giant Lego Volcano",
    "Rate my title \"How I Paid Off $50,000 of Debt in 2 Years\"",
    "How good is this YouTube title?",
    "Grade my video title for me",
    "Which title is better: \"I tried yoga for 30 days\" or \"30 days of yoga\"?",
    "Compare these two titles",
    "Check my headline: Why the Moon Is Drifting Away",
    "Is this a good title for Veritasium?",
    "What do you think of the title 'This Slinky Can Walk Forever'?",
    "score these titles",
    "How would \"I Tried Every Fast Food Burger\" do on my channel?",
]

ASK = "Which title should I score? Paste it in quotes, e.g. Score “I Built a Giant Lego Volcano”."


async def extract_args(text: str, context: Any = None) -> dict:
    """Offline engine: the titles in a request (quoted spans, else the text after the colon), the channel
    named with 'for/on <channel>', whether two titles are to be compared, and whether the creator asks about
    their own channel ("my channel")."""
    titles = extract.quoted(text)
    if not titles:
        one = extract.pasted_title(text)
        titles = [one] if one else []
    args: dict = {"titles": titles} if titles else {}
    lowered = text.lower()
    if len(titles) == 2 and any(w in lowered for w in (" vs", "versus", "compare", "which is better", "or ")):
        args["compare"] = True
    if "my channel" in lowered:
        args["my_channel"] = True
    outside = text
    for t in titles:
        outside = outside.replace(t, " ")
    if channels := extract.match_channels(outside, await context_of(context).channel_names()):
        args["channel"] = channels[0]
    return args
