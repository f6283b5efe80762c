"""The offline engine's spec of pull_analytics: example requests, the clarifying question, and the extractor that
reads the view, the metric, the count and a quoted channel from a request."""

from __future__ import annotations

import re
from typing import Any

EXAMPLES = [
    "How did my last 10 videos do?",
    "Which of my titles got the best CTR?",
]
"""Requests a creator can send as they are (shown in the greeting and the help text)."""
ACTION = "look at your channel's numbers (views, CTR, watch time)"
"""What the tool does, in a creator's words."""
ASK = (
    "Which numbers would you like: your last uploads, your best titles by CTR or views, "
    "or your last upload against your usual video?"
)
"""The clarifying question, when the extracted arguments do not fit the tool."""

_METRIC_WORDS: tuple[tuple[str, str], ...] = (
    (r"\bctr\b|click[- ]?through|clickthrough|click rate", "ctr"),
    (r"\bimpressions?\b", "impressions"),
    (r"\bavd\b|average view duration|view duration|retention|watch duration", "avd"),
    (r"percentage viewed|% viewed|percent viewed", "avg_pct_viewed"),
    (r"watch[- ]?time|watch hours|hours watched", "watch_time"),
    (r"\bsub(?:scriber)?s\b|subscribers? gained", "subscribers_gained"),
    (r"\blikes?\b|most liked", "likes"),
    (r"\bcomments?\b", "comments"),
    (r"\bviews?\b|most viewed|most watched|popular", "views"),
)
_COMPARE = re.compile(
    r"\b(?:usual|typical|average|normal|median|compared?|versus|vs\.?|better|worse|under-?perform\w*|over-?perform\w*)\b"
)
_LAST_ONE = re.compile(r"\b(?:last|latest|newest|most recent|new)\s+(?:upload|video)\b(?!s)")
_TOP = re.compile(r"\b(?:best|top|highest|most|greatest|strongest|which (?:of my )?(?:titles?|videos?|uploads?))\b")
_COUNT = re.compile(
    r"\b(?:last|latest|recent|past|top|best|first)\s+(\d{1,2})\b|\b(\d{1,2})\s+(?:videos|uploads|titles)\b"
)
_QUOTED_CHANNEL = re.compile(r"\b(?:channel|on|for)\s+[\"“']([^\"”']{2,60})[\"”']", re.IGNORECASE)


async def extract_args(text: str, context: Any = None) -> dict:
    """Offline engine: the view (recent / top / last_vs_usual), the metric, the count and a quoted channel
    ('on “My Channel”') in a request."""
    lowered = text.lower()
    metric = next((m for pattern, m in _METRIC_WORDS if re.search(pattern, lowered)), None)
    if _LAST_ONE.search(lowered) and _COMPARE.search(lowered):
        view = "last_vs_usual"
    elif _TOP.search(lowered) and not re.search(r"\b(?:last|latest|recent)\s+\d", lowered):
        view = "top"
    else:
        view = "recent"
    args: dict = {"view": view}
    if view == "top":
        args["metric"] = metric or "views"
    if m := _COUNT.search(lowered):
        args["limit"] = max(1, min(int(m.group(1) or m.group(2)), 50))  # the tool takes 1-50
    if m := _QUOTED_CHANNEL.search(text):
        args["channel"] = m.group(1).strip()
    return args

