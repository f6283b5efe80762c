"""The offline engine's spec of the six learning tools (``agent.offline.OfflineSpec``): per tool its example
requests (``*_EXAMPLES``, shown to creators), its clarifying question (``*_ASK``), its action in a creator's words
(``*_ACTION``), its argument extractor (``extract_*(text, context)``) and, where it has them, its claim on a message
(``claim_*``: a message that is the tool's whatever its words), its test of whether it applies to the conversation
so far (``applies_*``) and its resolver of arguments from the conversation (``resolve_*``).
"""

from __future__ import annotations

import re
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage

from tools import extract
from tools.base import context_of
from tools.learning.choices import WHICH_FEEDBACK, WHICH_TITLE, generated_titles
from tools.learning.transcripts import TRANSCRIPT_CHANNELS
from tools.scripts.offline import claim as transcript_claim
from tools.scripts.parsing import split_message

CLAIM_MAX_CHARS = 400
"""Longer messages are not claimed (a pasted transcript may contain "I'll use 'this'" or "changed it to 'this'")."""

# ---------------------------------------------------------------------------------------------------------------
# use_title
# ---------------------------------------------------------------------------------------------------------------

USE_TITLE_EXAMPLES = [
    "I'm going with the third title",
    "I'll use \"My Lego Volcano Erupted\" as my title",
]
USE_TITLE_ASK = WHICH_TITLE
"""The question the tool itself asks when no title is named (``tools.learning.choices.WHICH_TITLE``)."""
USE_TITLE_ACTION = "note the title you're going with"

_DECLARED = re.compile(
    r"\b(?:(?:I|we)(?:'ll|'m|'re| will| am| are)?\s+(?:going\s+to\s+)?|let'?s\s+)"
    r"(?:use|using|go(?:ing)?\s+with|pick(?:ing)?|choos(?:e|ing)|tak(?:e|ing)|nam(?:e|ing)|call(?:ing)?)\b",
    re.I,
)


def claim_use_title(text: str) -> str | None:
    """A short statement that the creator uses a quoted title ("I'll use 'X'", "we're going with “X”"; not a
    question) is use_title's whatever the title's words, which would otherwise decide the routing; returns the
    request with the title taken out."""
    if len(text) > CLAIM_MAX_CHARS or text.rstrip().endswith("?") or not _DECLARED.search(text):
        return None
    titles = extract.quoted(text)
    if not titles:
        return None
    for title in titles:
        text = text.replace(title, "the title")
    return text


async def extract_use_title(text: str, context: Any = None) -> dict:
    """A quoted title ("I'll use 'X'"), else the number of a listed title ("the second one", "number 3", "#2",
    "the 3rd", "the last one": ``tools.extract.references``)."""
    if quoted := extract.quoted(text):
        return {"title": quoted[0]}
    if found := extract.references(text):
        return {"choice": found[0]}
    return {}


def resolve_use_title(text: str, args: dict, messages: list[BaseMessage]) -> dict:
    """With no title named ("great, that's the one I'm using"), the title the creator just had scored, when one
    title was; else the arguments as they are (the tool asks which title)."""
    if args.get("title") or args.get("choice"):
        return args
    for m in reversed(messages):
        if isinstance(m, AIMessage) and (calls := [c for c in m.tool_calls if c["name"] == "score_title"]):
            titles = calls[-1]["args"].get("titles") or []
            return {"title": titles[0]} if len(titles) == 1 else args
    return args


# ---------------------------------------------------------------------------------------------------------------
# record_feedback
# ---------------------------------------------------------------------------------------------------------------

RECORD_FEEDBACK_EXAMPLES = [
    "Save the third title",
    "Thumbs down on #1, too clickbaity",
]
RECORD_FEEDBACK_ASK = WHICH_FEEDBACK
"""The question the tool itself asks when no title is named (``tools.learning.choices.WHICH_FEEDBACK``)."""
RECORD_FEEDBACK_ACTION = "note what you think of a title I wrote"

_EDIT_CUE = re.compile(r"\b(chang|edit|tweak|rewr|reword|rephras|renam|modif)\w*\b.*\b(to|into|as)\b", re.I)
_SIGNAL_CUES: list[tuple[str, re.Pattern[str]]] = [
    ("edit", _EDIT_CUE),
    ("thumbs_down", re.compile(r"👎|thumbs?[ -]?down|\b(dislike|don'?t like|do not like|meh|weak|boring|bad|terrible|"
                               r"awful|hate)\b", re.I)),
    ("reject", re.compile(r"\b(reject|drop|remove|discard|scrap|ditch|no to|not that|never)\b", re.I)),
    ("save", re.compile(r"\b(save|bookmark|keep|shortlist|star)\b", re.I)),
    ("copy", re.compile(r"\b(copy|copied)\b", re.I)),
    ("thumbs_up", re.compile(r"👍|thumbs?[ -]?up|\b(love|like|great|nice|good|awesome|perfect|brilliant)\b", re.I)),
]
"""The offline engine's reading of a feedback message: the first cue that matches decides (edits first, then
negatives, so "I don't like" is not read as "like")."""


def claim_record_feedback(text: str) -> str | None:
    """A short statement that the creator edited a generated title to a quoted wording ("I changed #1 to 'X'") is
    record_feedback's, whatever the quoted words, which would otherwise decide the routing; returns the request
    with the quoted wording taken out."""
    quoted = extract.quoted(text)
    if len(text) > CLAIM_MAX_CHARS or not quoted or _EDIT_CUE.search(text) is None:
        return None
    for span in quoted:
        text = text.replace(span, "the title")
    return text


async def extract_record_feedback(text: str, context: Any = None) -> dict:
    """The signal from the message's cues (``_SIGNAL_CUES``), the title by its number or quoted text; for an edit
    the last quoted span is the new wording."""
    signal = next((name for name, cue in _SIGNAL_CUES if cue.search(text)), None)
    args: dict[str, Any] = {"signal": signal} if signal else {}
    quoted = extract.quoted(text)
    if signal == "edit" and quoted:
        args["edited_title"] = quoted[-1]
        quoted = quoted[:-1]
        rest = text.replace(args["edited_title"], "")
    else:
        rest = text
    args.update({k: v for k, v in (await extract_use_title(rest)).items() if k == "choice"})
    if quoted and "choice" not in args:
        args["title"] = quoted[0]
    return args


def applies_record_feedback(messages: list[BaseMessage]) -> bool:
    """Feedback applies once the conversation has generated titles to react to."""
    return generated_titles(messages)[2] is not None


# ---------------------------------------------------------------------------------------------------------------
# show_memory
# ---------------------------------------------------------------------------------------------------------------

SHOW_MEMORY_EXAMPLES = [
    "What have you learned about me?",
    "Show me my Creator DNA",
]
SHOW_MEMORY_ASK = "Ask me “what have you learned about me?” to see everything I keep about you."
SHOW_MEMORY_ACTION = "show what I've learned about you"

_BLOCK_CUES = {"dna": ("dna", "voice", "style", "how i talk", "how i speak"),
               "performance": ("best", "worst", "perform", "top video", "ctr"),
               "preferences": ("prefer", "preference", "like", "taste")}


async def extract_show_memory(text: str, context: Any = None) -> dict:
    """The block asked about (by its cue words) and a channel named in the request."""
    lower = text.lower()
    args: dict[str, Any] = {}
    if not any(w in lower for w in ("learned", "learnt", "know about me", "remember")):
        for block, cues in _BLOCK_CUES.items():
            if any(c in lower for c in cues):
                args["block"] = block
                break
    if channels := extract.match_channels(text, await context_of(context).channel_names()):
        args["channel"] = channels[0]
    return args


# ---------------------------------------------------------------------------------------------------------------
# edit_memory
# ---------------------------------------------------------------------------------------------------------------

EDIT_MEMORY_EXAMPLES = [
    "Forget that I like questions",
    "Erase my Creator DNA",
]
EDIT_MEMORY_ASK = ("What should I forget? E.g. “forget that I like questions”, “erase my preferences”, “erase my "
                   "Creator DNA”, or “erase everything you learned about me”.")
EDIT_MEMORY_ACTION = "forget something I've learned about you"

_ERASE = re.compile(r"\b(erase|delete|wipe|reset|clear|remove)\b", re.I)


async def extract_edit_memory(text: str, context: Any = None) -> dict:
    """Erase (which block) or forget (the words after "forget that I ..." / quoted)."""
    lower = text.lower()
    if _ERASE.search(text):
        if any(w in lower for w in ("everything", "all of it", "all you", "all that")):
            return {"action": "erase_all"}
        if any(w in lower for w in ("dna", "voice")):
            return {"action": "erase_dna"}
        return {"action": "erase_preferences"}
    if quoted := extract.quoted(text):
        return {"action": "forget", "item": quoted[0]}
    m = re.search(r"\bforget\b(?:\s+(?:that|about))?(?:\s+i\s+(?:like|love|prefer|hate|dislike|avoid|don'?t like))?"
                  r"\s+(.+?)[.!?]*$", text, re.I)
    return {"action": "forget", "item": m.group(1).strip()} if m and m.group(1).strip() else {"action": "forget"}


# ---------------------------------------------------------------------------------------------------------------
# learn_voice
# ---------------------------------------------------------------------------------------------------------------

LEARN_VOICE_EXAMPLES = [
    "Learn my voice from my channel 3Blue1Brown",
    "Build my Creator DNA from my transcripts",
]
LEARN_VOICE_ASK = ("Which transcripts are yours? Name your channel (e.g. “learn my voice from my channel 3Blue1Brown”; "
                   f"channels with transcripts in the data: {', '.join(TRANSCRIPT_CHANNELS)}), or paste a few of your "
                   "transcripts and say “learn my voice from these”.")
LEARN_VOICE_ACTION = "learn your voice from your transcripts"


def claim_learn_voice(text: str) -> str | None:
    """A message carrying a transcript is learn_voice's as it is analyze_script's (``tools.scripts``' claim): the
    request's own words decide between them."""
    return transcript_claim(text)


async def extract_learn_voice(text: str, context: Any = None) -> dict:
    """A channel with transcripts named in the request."""
    request, _ = split_message(text)
    found = extract.match_channels(request or "", list(TRANSCRIPT_CHANNELS), cutoff=80)
    return {"channel": found[0]} if found else {}


# ---------------------------------------------------------------------------------------------------------------
# title_outcomes
# ---------------------------------------------------------------------------------------------------------------

OUTCOMES_EXAMPLES = [
    "How did the titles I used do?",
]
OUTCOMES_ASK = ("Which channel's numbers should I read? Attach your YouTube Studio export, or name the channel you "
                "imported (“how did my titles do on Ken Jee?”).")
OUTCOMES_ACTION = "show how the titles you used did against what was predicted"


async def extract_title_outcomes(text: str, context: Any = None) -> dict:
    """Offline engine: the analytics channel, when named after "on" / "for" ("how did my titles do on Ken Jee?")."""
    m = re.search(r"\b(?:on|for)\s+(?:my\s+channel\s+)?([A-Z][\w'&.-]*(?:\s+[A-Z][\w'&.-]*){0,3})", text)
    return {"channel": m.group(1)} if m else {}
