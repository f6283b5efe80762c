"""Outlines (outline_script): a video's sections with target timestamps for a given length, each saying what it must
deliver, following the structure of the channel's own best videos or, without history, an educational framework.

**The structure of a video** (``video_structure``), measured on its transcript as shares of its length (0-1), so
videos of any length compare:

- **hook end**: the first line that tells the viewer what they will get (the hook rubric's "promise" pattern,
  ``tools.scripts.hooks``: "in this video", "I'm going to show you", "here's how") within the first
  ``HOOK_SEARCH_SHARE`` of the video; without one, ``LATE_AFTER_S`` (30 s);
- **setup end**: where the title's promise is first delivered (its key words said together, the promise guard's
  lexical rule, ``tools.preproduction.promise.delivers``) after the hook; without one, ``DEFAULT_SETUP_SHARE``;
- **payoff**: the last stretch that delivers the title's promise before the closing call to action (where the
  question the title asked is answered); without one, ``DEFAULT_PAYOFF_SHARE``;
- **call to action**: the first closing call to action (subscribe, like, comment, Patreon, a sponsor, "thanks for
  watching") in the last ``CTA_SEARCH_SHARE`` of the video; without one, the end. A call to action earlier than that
  counts as a mid-roll.

**The channel's shape** (``channel_shape``): the median of each landmark over its best videos (by outlier multiplier
when the corpus has them, else all its transcripts, said so), and the share of them with a mid-roll.

**The outline** (``outline``): hook, setup, the body (in parts of at most ``BODY_PART_MINUTES``), payoff (at most
``PAYOFF_SHARE`` of the video, then "after the payoff" when the call to action comes much later), and the call to
action, at the channel's median shares of the target length (the hook kept within ``INTRO_SECONDS`` of
``tools.preproduction.hooks``), each with what it must deliver. Without a channel's history it follows
``FRAMEWORK``: the events of instruction of Gagné, Briggs & Wager (1992, *Principles of Instructional Design*, 4th
ed., ch. 10: gain attention, inform of the objective, recall prior knowledge, present the content with guidance,
elicit performance, enhance retention); the shares given to them are our choice, not the book's.

Pure functions (no database): the tool passes the transcripts and the multipliers.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from tools.preproduction.hooks import INTRO_SECONDS
from tools.preproduction.promise import LATE_AFTER_S, delivers, promise_terms, terms_said, windows
from tools.scripts.hooks import _TYPE_PATTERNS
from tools.scripts.parsing import Script, format_time

HOOK_SEARCH_SHARE = 0.25
"""The hook ends at the first promise line within this share of the video."""
CTA_SEARCH_SHARE = 0.2
"""The closing call to action is searched in this last share of the video."""
DEFAULT_SETUP_SHARE = 0.15
DEFAULT_PAYOFF_SHARE = 0.8
"""Landmarks of a video whose transcript never says its title's words together (our defaults, the framework's)."""
BEST_VIDEOS = 10
"""Videos a channel's shape is measured on: its best by outlier multiplier."""
MIN_VIDEOS = 3
"""Fewest measured videos from which a channel's shape is used (else the framework)."""
BODY_PART_MINUTES = 3.0
"""Longest body part of an outline, in minutes (a longer body is split into equal parts)."""
PAYOFF_SHARE = 0.12
"""Longest payoff section, as a share of the video; when the payoff comes earlier than that before the call to action
(a list video says its title's words last at 40 %), an "after the payoff" section fills the rest (our choice)."""

_CTA = re.compile(
    r"\b(?:subscrib\w*|patreon|sponsor(?:ed|s)?|link (?:is )?in the description|description below|like this video|"
    r"hit the (?:like|bell)|comment below|let me know in the comments|thanks? (?:you )?for watching|see you (?:in the )?next"
    r"|brilliant\.org|skillshare|squarespace|audible|use (?:the )?code)\b",
    re.IGNORECASE,
)
_PROMISE_LINE = _TYPE_PATTERNS["promise"]


@dataclass(frozen=True)
class VideoStructure:
    """Where one video's landmarks fall, as shares of its length (0-1): ``hook_end``, ``setup_end``, ``payoff``,
    ``cta``; ``mid_cta``: a call to action before the closing one; ``measured``: which landmarks were found in the
    transcript (the others are defaults); ``duration_s``: its length in seconds (estimated for plain text)."""

    title: str
    duration_s: float
    hook_end: float
    setup_end: float
    payoff: float
    cta: float
    mid_cta: bool
    measured: tuple[str, ...] = ()


def video_structure(script: Script, title: str) -> VideoStructure:
    """The landmarks of one video (module docstring). Raises ValueError for an empty script."""
    if not script.passages or script.duration_s <= 0:
        raise ValueError("The transcript is empty: there is no structure to measure.")
    dur = script.duration_s

    def share(seconds: float) -> float:
        return round(min(max(seconds / dur, 0.0), 1.0), 3)

    measured = []
    hook_end = next((p.start_s for p in script.passages if p.start_s <= HOOK_SEARCH_SHARE * dur
                     and _PROMISE_LINE.search(p.text)), None)
    if hook_end is not None:
        measured.append("hook")
        nxt = next((p.start_s for p in script.passages if p.start_s > hook_end), hook_end)
        hook_end = nxt
    else:
        hook_end = min(LATE_AFTER_S, dur)
    terms = promise_terms(title) if title else []
    delivered = []
    if terms:
        for i, _, text in windows(script):
            if delivers(terms_said(text, terms), terms):
                delivered.append(script.passages[i].start_s)
    ctas = [p.start_s for p in script.passages if _CTA.search(p.text)]
    closing = [t for t in ctas if t >= (1 - CTA_SEARCH_SHARE) * dur]
    cta = min(closing) if closing else dur
    if closing:
        measured.append("call to action")
    setup = next((t for t in delivered if t >= hook_end), None)
    payoff = max((t for t in delivered if t < cta and t > (setup or hook_end)), default=None)
    if setup is not None:
        measured.append("setup")
    if payoff is not None:
        measured.append("payoff")
    setup_share = share(setup) if setup is not None else max(DEFAULT_SETUP_SHARE, share(hook_end))
    payoff_share = share(payoff) if payoff is not None else max(DEFAULT_PAYOFF_SHARE, setup_share)
    return VideoStructure(title, dur, share(hook_end), setup_share, payoff_share, share(cta),
                          any(t < (1 - CTA_SEARCH_SHARE) * dur and t > hook_end for t in ctas), tuple(measured))


@dataclass(frozen=True)
class Shape:
    """A channel's typical structure: the median share (0-1) of each landmark over ``videos`` (their titles), the share
    of them with a mid-roll call to action, ``basis`` in words ("Nischa's 10 best videos by outlier multiplier") and
    ``defaults``: the landmarks too few of them showed, which follow the framework."""

    basis: str
    videos: tuple[str, ...]
    hook_end: float
    setup_end: float
    payoff: float
    cta: float
    mid_cta_share: float
    defaults: tuple[str, ...] = ()


FRAMEWORK = Shape(
    "an educational framework (Gagné's events of instruction; the shares are our choice)", (), 0.05, 0.15, 0.8, 0.93,
    0.0,
)
"""The shape without a channel's history (module docstring)."""


_LANDMARKS = {"hook_end": "hook", "setup_end": "setup", "payoff": "payoff", "cta": "call to action"}


def channel_shape(structures: Sequence[VideoStructure], basis: str) -> Shape:
    """The medians of the structures' landmarks (``Shape``), each over the videos where the transcript showed it
    (``VideoStructure.measured``); a landmark shown in fewer than ``MIN_VIDEOS`` of them takes ``FRAMEWORK``'s value,
    and ``Shape.defaults`` names it. Raises ValueError with fewer than ``MIN_VIDEOS`` videos."""
    if len(structures) < MIN_VIDEOS:
        raise ValueError(f"{len(structures)} videos are too few to read a channel's structure (at least {MIN_VIDEOS}).")
    values, defaults = {}, []
    for attr, name in _LANDMARKS.items():
        seen = [getattr(s, attr) for s in structures if name in s.measured]
        if len(seen) >= MIN_VIDEOS:
            values[attr] = round(statistics.median(seen), 3)
        else:
            values[attr] = getattr(FRAMEWORK, attr)
            defaults.append(name)
    return Shape(basis, tuple(s.title for s in structures), mid_cta_share=round(sum(s.mid_cta for s in structures)
                 / len(structures), 2), defaults=tuple(defaults), **values)


@dataclass(frozen=True)
class Section:
    """One section of an outline: ``name``, ``start_s`` and ``end_s`` in the target video (seconds), ``deliver``
    (what it must do, in a creator's words)."""

    name: str
    start_s: float
    end_s: float
    deliver: str

    @property
    def span(self) -> str:
        """"0:00-0:25"."""
        return f"{format_time(self.start_s)}-{format_time(self.end_s)}"


@dataclass(frozen=True)
class Outline:
    """The answer: ``topic``, ``minutes`` (target length), ``sections`` in order (contiguous, from 0 to the end),
    ``shape`` (what they follow) and ``notes``."""

    topic: str
    minutes: float
    sections: tuple[Section, ...]
    shape: Shape
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict:
        """JSON-ready data (the tool's artifact)."""
        return {**asdict(self), "sections": [{**asdict(s), "span": s.span} for s in self.sections]}


BODY_ROLES = (
    "The core idea of {topic} on the simplest example, one step at a time, with one visual or worked example.",
    "Build on it: the next layer, each step with its example, and a checkpoint the viewer can test themselves on.",
    "The hardest or most surprising case, so the payoff lands: what the viewer could not see before this video.",
)
"""What the first, the middle and the last body part deliver."""
AFTER_ROLES = (
    "Put it to use: what the viewer can do with it now, step by step, with the numbers or the example that makes it "
    "concrete.",
    "The mistake to avoid and one more example; keep it moving, every minute here must earn its place before the call "
    "to action.",
)
"""What the first and any later part after the payoff deliver."""

MIN_MINUTES, MAX_MINUTES = 1.0, 120.0
"""Target lengths an outline is made for."""
DEFAULT_MINUTES = 10.0
"""The length an outline is made for when the request names none."""


def outline(topic: str, minutes: float, shape: Shape = FRAMEWORK, key_points: Sequence[str] = ()) -> Outline:
    """The outline of a ``minutes``-long video on ``topic`` at ``shape``'s landmarks (module docstring); ``key_points``
    (the draft's key concepts, when there is one) are spread over the body parts. An empty ``topic`` gives the
    structure alone ("your topic" in each section, and a note asking for it): a creator may ask how to lay out a
    half-hour video before choosing what it is about.

    Raises ValueError for a length outside ``MIN_MINUTES``-``MAX_MINUTES``."""
    named = " ".join(topic.split())
    topic = named or "your topic"
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise ValueError(f"An outline is for a video of {MIN_MINUTES:g} to {MAX_MINUTES:g} minutes: "
                         f"{minutes:g} is outside that; give the length in minutes.")
    total = minutes * 60.0
    hook = min(max(shape.hook_end * total, INTRO_SECONDS[0]), INTRO_SECONDS[1] * 1.5, total * 0.2)
    setup = max(shape.setup_end * total, hook + 0.05 * total)
    payoff = max(shape.payoff * total, setup + 0.2 * total)
    cta = max(min(shape.cta * total, total - 10.0), payoff + 0.05 * total)
    cta = min(cta, total - 5.0)
    payoff = min(payoff, cta - 0.03 * total)
    sections = [
        Section("Hook", 0.0, hook, f"Grab attention and state the promise: what the viewer gets from this video about "
                f"{topic}, said by {format_time(hook)} (write it with the hook tool: a question, stakes, a surprising "
                "fact, a story or a demonstration)."),
        Section("Setup", hook, setup, f"What the viewer needs to follow: the problem behind {topic}, why it matters to "
                "them, and what they may already know. Say the title's key words here: this is where your best videos "
                "first deliver the title's promise." if shape.videos else
                f"Inform the objective and recall prior knowledge: the problem behind {topic}, why it matters, and "
                "what the viewer already knows that it builds on."),
    ]
    body = payoff - setup
    parts = max(1, round(body / 60.0 / BODY_PART_MINUTES + 0.49))
    step = body / parts
    for k in range(parts):
        point = f" Cover: {key_points[k % len(key_points)]}." if key_points else ""
        role = (BODY_ROLES[0] if k == 0 else BODY_ROLES[2] if k == parts - 1 else BODY_ROLES[1]).format(topic=topic)
        sections.append(Section(f"Body, part {k + 1} of {parts}" if parts > 1 else "Body", setup + k * step,
                                setup + (k + 1) * step, role + point))
    after = max(payoff + PAYOFF_SHARE * total, payoff + 30.0)
    if after >= cta - 20.0:
        after = cta
    sections.append(Section("Payoff", payoff, after, f"Answer the question the title asked: the moment {topic} comes "
                            "together, with the strongest example saved for here."))
    rest = cta - after
    n_after = max(1, round(rest / 60.0 / BODY_PART_MINUTES + 0.49)) if after < cta else 0
    for k in range(n_after):
        role = AFTER_ROLES[0] if k == 0 else AFTER_ROLES[1]
        sections.append(Section(f"After the payoff, part {k + 1} of {n_after}" if n_after > 1 else "After the payoff",
                                after + k * rest / n_after, after + (k + 1) * rest / n_after, role))
    sections.append(Section("Call to action", cta, total, "Recap in one sentence, then one call to action tied to the "
                            "video (the next video to watch, subscribe, or a comment question)."))
    notes = [f"Follows {shape.basis}."]
    if not named:
        notes.append(f"Tell me what the video is about and I will fill each section in (“outline a {minutes:g} minute "
                     "video about index funds”).")
    if shape.defaults:
        notes.append(f"Too few of those transcripts show the {', '.join(shape.defaults)}: "
                     f"{'it follows' if len(shape.defaults) == 1 else 'they follow'} the educational framework.")
    if shape.videos and shape.mid_cta_share >= 0.5:
        notes.append(f"{shape.mid_cta_share:.0%} of those videos have a call to action or a sponsor mid-video: plan "
                     "one at the end of the setup if you have one.")
    return Outline(named, minutes, tuple(sections), shape, tuple(notes))


def outline_markdown(o: Outline) -> str:
    """The outline as a creator reads it: a table of sections with their times and what each delivers, then where
    the structure comes from."""
    lines = [f"**Outline: {o.topic}, {o.minutes:g} minutes**" if o.topic else f"**Outline of a {o.minutes:g} minute video**", "", "| section | time | what it must deliver |",
             "|---|---|---|"]
    lines += [f"| {s.name} | {s.span} | {s.deliver} |" for s in o.sections]
    sh = o.shape
    lines.append("")
    if sh.videos:
        lines.append(f"_Timings follow {sh.basis}: on them the hook ends at a median {sh.hook_end:.0%} of the video, the "
                     f"title's promise is first delivered at {sh.setup_end:.0%}, the payoff comes at {sh.payoff:.0%} "
                     f"and the closing call to action at {sh.cta:.0%}._")
    lines += [f"_{n}_" for n in o.notes if not (sh.videos and n.startswith("Follows"))]
    return "\n".join(lines)
