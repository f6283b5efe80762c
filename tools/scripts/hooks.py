"""Hooks: the passages of a script that grab attention, their two rubrics, and the offline heuristics that find
them (with the video's topic, audience and key entities).

Each hook has a type (``HOOK_TYPES``), its text, its time and time bucket, a specificity score (0-8,
``specificity``) and a strength score (0-10, ``hook_strength``). ``analyze_offline`` finds them by phrase
patterns; ``tools.scripts.llm.analyze_with_llm`` asks the long-tier model with the same rubrics.

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
phrase patterns, named things from capital letters (lower-case auto-captions have none); topic, concepts, promise
and audience come from ``tools.scripts.topic`` (keyphrases ranked with the bundled MiniLM).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import Literal

from rapidfuzz import fuzz
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from tools.scripts.parsing import Passage, Script, ScriptFormat, fingerprint, format_time, word_count
from tools.scripts.topic import TopicUnderstanding, concept_phrases, understand

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
_TITLES = frozenset({"mr", "mrs", "ms", "dr", "st", "prof", "jr", "sr", "vs", "no"})
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
        # a full stop glued to the word ("all.") ends the sentence too, unless the word is an initial ("J.") or a title
        sentence_start = tok.endswith(".") and len(clean) > 1 and clean.lower() not in _TITLES
        if sentence_start and current:
            runs.append(" ".join(current))
            current = []
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
    if 6 <= word_count(text) <= 30:
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
    """The analysis of one script: its shape, its hooks (strongest first), topic, audience, key entities, its key
    ``concepts`` (best first, with the article the script uses: "the Fourier transform", ``tools.scripts.topic``) and
    its ``promise`` (what the viewer is told they will learn or see; "" when none).

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
    concepts: tuple[str, ...] = field(default=())
    promise: str = ""

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
        fields["concepts"] = tuple(data.get("concepts", ()))
        return cls(**fields)


def _understanding(script: Script) -> TopicUnderstanding:
    """Key concepts, entities, promise, niche and audience of the script (``tools.scripts.topic.understand``)."""
    names = Counter(n for p in script.passages for n in named_things(p.text))
    return understand(" ".join(p.text for p in script.passages), names)


def offline_candidates(script: Script) -> list[Hook]:
    """Every passage that matches a hook type, scored by both rubrics; strongest first (ties: earlier first).
    Ids are "h1", "h2"... in that order."""
    scored: list[tuple[float, int, Passage, str, int, list[str]]] = []
    for p in script.passages:
        kind = hook_type(p.text)
        if kind is None or word_count(p.text) < 5 or _NOT_A_HOOK.search(p.text):
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
    topic = _understanding(script)
    entities = topic.entities or tuple(c.phrase for c in topic.concepts[:3])
    notes = (
        *script.notes,
        "Offline heuristics: hook types come from phrase patterns and scores from the rubrics; delivery, tone, "
        "visuals and on-screen text are not visible.",
    )
    return ScriptAnalysis(
        script.format, script.words, script.timed, script.duration_s, len(script.passages), tuple(kept), topic.topic,
        topic.audience, entities, "offline", fingerprint(text), notes, concept_phrases(topic), topic.promise,
    )



IDEA_MAX_WORDS = 200
"""A described video idea longer than this is a script, not a description."""


def analyze_idea(text: str) -> ScriptAnalysis:
    """A described video idea ("a video where I test 5 budgeting apps for a month") read as a one-passage script:
    its concepts, promise, niche and audience (``tools.scripts.topic.understand``) and one hook, the description
    itself (id "idea", its type and scores by the same rubrics). Format "idea": no timestamps, no transcript.
    Raises ``ScriptInputError`` when the description is empty or longer than ``IDEA_MAX_WORDS`` words."""
    from tools.scripts.parsing import ScriptInputError

    idea = " ".join(text.split())
    if not idea:
        raise ScriptInputError("Describe the video in a sentence, e.g. “a video where I test 5 budgeting apps”.")
    if word_count(idea) > IDEA_MAX_WORDS:
        raise ScriptInputError(f"That description is {word_count(idea)} words: describe the video in under "
                               f"{IDEA_MAX_WORDS} words, or paste it as a transcript.")
    topic = understand(idea)
    kind = hook_type(idea) or "promise"
    spec, found = specificity(idea)
    strength, reasons = hook_strength(idea, kind, spec, 0.0)
    hook = Hook("idea", kind, idea, 0.0, "estimated", "0-5s", 0.0, spec, strength,
                "; ".join(["your description of the video", *reasons, *found]))
    return ScriptAnalysis(
        "idea", word_count(idea), False, 0.0, 1, (hook,), topic.topic, topic.audience,
        topic.entities or tuple(c.phrase for c in topic.concepts[:3]), "offline", fingerprint(idea),
        ("From your description of the video: no transcript, so no timestamps or spoken hooks.",),
        concept_phrases(topic), topic.promise,
    )
