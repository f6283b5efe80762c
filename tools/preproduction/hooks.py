"""Hook development (develop_hooks): five intro hooks for a video, one of each kind, in the creator's voice.

The five kinds (``HOOK_KINDS``): a **question**, the **stakes** for the viewer, a **surprising fact**, a **story** and
a **demonstration**. Each hook is what the creator says in the first 15-30 seconds (``INTRO_SECONDS``): its length is
read at the creator's own pace (their Creator DNA's words per minute, else ``tools.scripts.parsing.SPEAKING_RATE_WPM``).

What a hook is built from (offline), best first for each kind:

1. **the draft** (when the creator gives a script): its own strongest whole sentence of that kind that names the topic
   (the hook rubric's classifier, ``tools.scripts.hooks.hook_type``; a statistic or contrarian claim is a surprising
   fact), quoted in the creator's words and brought to the first seconds (``draft_passages``);
2. **a frame in their voice** (``FRAMES``): the topic in lines of that kind, each slot of the frame a choice of lines
   that say the same thing to the viewer ("you" / "I"), together ("we") or to no one, with or without a question,
   and with a line of one of their two most used teaching moves (``MOVE_LINES``, in the move's own cue words); the
   stakes hook (and the fact hook) opens with a signature phrase of theirs that can open a sentence (``LEADS``). Of
   all the combinations that pass the guard, the five hooks together take the lines whose measured habits (you / I /
   we, question openers, questions per sentence, sentence length, teaching moves and numbers per 1,000 words: the
   Creator DNA's own features) are nearest the creator's, by the distance that compares two voices (``_choose``).
   A frame states no fact, number or story the creator did not give: where a kind needs one (a surprising fact, a
   story) the frame says so and the explanation asks for theirs, so a hook from a topic alone carries no numbers.

The creator's own best hooks (their channel's transcripts, when the data holds them) are read from the first 30
seconds of each of their videos (``transcript_openers``): the strongest opener of each kind by the rubric is shown
beside the hook of that kind as the model to match (``best_openers``).

The niche's outliers on the topic (``tools.preproduction.tool`` passes the most relevant) give the question hook its
question when one of the first three titles asks one, and the question hook's explanation cites the first as the angle
that worked.

Every hook goes through the fluency guard of the title engine (``tools.titles.fluency.check_title``) sentence by
sentence, with the problems that apply to speech (an ending or an opening mid-phrase, broken punctuation, a number or a
name the material never says); a candidate that fails is replaced by the next. Each hook is scored with the hook
rubric of ``tools.scripts.hooks`` (specificity 0-8, strength 0-10, as the creator says it at 0:00) and explained.

**With an LLM** (``develop_hooks_llm``): the premium tier writes the five hooks with the Creator DNA in its prompt
(``tools.learning.voice_fit.voice_prompt_block``), the topic, the draft's opening and the creator's best openers; each
model hook goes through the same fluency guard and rubric, and a kind the model missed or wrote badly takes the offline
hook, said so in its explanation.

No database: the tool reads the Creator DNA, the transcripts and the outliers and passes them in (and the model).
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Literal

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel, Field

from tools.learning.voice import I_CAPS_PATTERN, WE_PATTERN, VoiceProfile, style_counts
from tools.learning.voice_fit import feature_distance, voice_features, voice_prompt_block
from tools.preproduction.promise import promise_terms, terms_said
from tools.scripts.hooks import _NOT_A_HOOK, hook_strength, hook_type, specificity
from tools.scripts.parsing import SPEAKING_RATE_WPM, Script, format_time, word_count
from tools.titles.fluency import DANGLING_START, Evidence, check_title

HookKind = Literal["question", "stakes", "surprising fact", "story", "demonstration"]
HOOK_KINDS: tuple[HookKind, ...] = ("question", "stakes", "surprising fact", "story", "demonstration")
"""The five kinds of intro hook, one of each per answer."""

INTRO_SECONDS = (15.0, 30.0)
"""An intro hook is said in this many seconds (at the creator's pace): shorter reads as a line, longer as the intro."""

RUBRIC_KINDS: dict[str, tuple[str, ...]] = {
    "question": ("question",),
    "stakes": ("promise", "contrarian claim"),
    "surprising fact": ("statistic", "contrarian claim", "curiosity gap"),
    "story": ("story",),
    "demonstration": ("demonstration",),
}
"""Which types of the hook rubric's classifier (``tools.scripts.hooks.HOOK_TYPES``) a passage of the draft or of the
creator's transcripts must have to stand for each kind."""

LEADS: tuple[str, ...] = (
    "in fact", "of course", "it turns out", "when it comes to", "the thing is", "here's the thing", "the truth is",
    "to be honest", "at the end of the day", "the key is", "in other words", "the point is", "believe it or not",
)
"""Signature phrases that can open a sentence; the first of the creator's signature phrases among them leads the
stakes hook (and the fact hook, but for "when it comes to", which needs the topic after it)."""

MOVE_LINES: dict[str, tuple[str, ...]] = {
    "imagine / visualize": ("Imagine you could actually see {topic} at work.",
                            "Imagine we could actually see {topic} at work.",
                            "Imagine being able to actually see {topic} at work, piece by piece."),
    "let's (doing it together)": ("Let's build {topic} up together, one piece at a time.",
                                  "Let's start with the simplest case we can find."),
    "step / sequence": ("First of all, I'll take the simplest case, and then I'll build up from there.",
                        "First of all, we'll take the simplest case, and then we'll build up from there.",
                        "First of all, take the simplest case you can find, and then build up from there."),
    "example": ("Suppose you start with one real case; I'll build from there.",
                "Suppose we start with one concrete case and build from there.",
                "Suppose the whole thing is reduced to one concrete case."),
    "analogy": ("There's a way to think of it as something you already know, and I'll give it to you.",
                "There's a way to think of it as something you already know, and we'll get to it.",
                "There's a way to think of it as something much more familiar."),
    "check (notice / remember)": ("Notice what happens at each step, because that's the whole trick.",),
    "recap": ("In other words, by the end {topic} will feel obvious.",),
}
"""The lines a teaching move of the Creator DNA (``tools.learning.voice.TEACHING_MOVES``) adds to a question or
demonstration hook, in different persons (to you / I, we, no one); each says one of the move's own cue phrases, so the
hook makes the move the way the DNA counts it."""

MOVE = "{move}"
"""The slot alternative that stands for the line of one of the creator's teaching moves (``MOVE_LINES``)."""

FRAMES: dict[str, tuple[tuple[str, ...], ...]] = {
    "question": (
        ("Have you ever wondered what's really behind {topic}? I did, and the answer was not what I expected at all.",
         "What is really going on with {topic}? It looks simple at first, but when we look closely it raises a question "
         "most explanations quietly skip.",
         "What's the real idea behind {topic}? On the surface it looks simple, but the answer sits one layer deeper "
         "than most explanations ever go.",
         "{question} That's the question I want to answer for you today, and the answer is not what most people "
         "expect.",
         "{question} That's the question we're going to answer today, and the answer is not what most people expect."),
        (MOVE, ""),
        ("By the end of this video you'll know exactly how it works, and what to do with it.",
         "By the end of this video you'll be able to answer that question yourself, and see why the answer could not "
         "be anything else.",
         "By the end, the answer should feel less like a trick and more like something we could have found "
         "ourselves.",
         "By the end of this video, the answer should feel almost inevitable."),
    ),
    "stakes": (
        ("{lead_topic} getting it wrong costs you more than you think, and most people never see it coming.",
         "{lead_topic} getting it wrong costs you more than you think, and most people never see it coming. So what "
         "does it actually cost you?",
         "{lead_topic} one small misunderstanding early on quietly undoes everything that comes after it, and most "
         "explanations never point it out."),
        ("I'm going to show you what actually matters, what you can safely ignore, and the one mistake I see over "
         "and over again.",
         "We are going to look at what actually matters, what you can safely ignore, and the one mistake that "
         "undoes everything else.",
         "We'll look at what actually matters, what can safely be ignored, and where that mistake creeps in.",
         "This video is about what actually matters, what can safely be ignored, and where the usual explanation "
         "goes wrong."),
    ),
    "surprising fact": (
        ("{lead}{fact}",),
        ("That surprised me, and it changes how you should think about the whole thing.",
         "That surprised me, and it is the key to this whole video.",
         "That is the key to this whole video."),
        ("I'll show you why it's true, where it comes from, and what it means for you.",
         "So let's see why it's true, where it comes from, and what it means for you.",
         "So let's see why it's true, and where it comes from.",
         "We'll see why it's true, where it comes from, and what it changes."),
    ),
    "story": (
        ("{story}",),
        ("That moment changed how I think about all of it.",
         "That moment is where this really starts, and it's where we'll start too.",
         "That moment is where this video starts."),
        ("Here's what happened, what I learned from it, and why it matters for you too.",
         "Stick with me, because where it ends up is not what you'd guess, and it changes how you see {topic}.",
         "Where it ends up is not what anyone would guess, and it changes how {topic} looks from then on."),
    ),
    "demonstration": (
        ("Watch what happens when I put {topic} to the test on a real example.",
         "Take a look at this.",
         "Watch what happens when we put {topic} to the test on a real example.",
         "Here's a concrete example of {topic} at work."),
        (MOVE,),
        ("By the end you'll be able to do this yourself, and you'll see exactly where most people go wrong.",
         "By the end of this video you won't just memorise {topic}; you'll actually see what's going on, and why it "
         "couldn't have worked any other way.",
         "By the end, {topic} should look less like a rule to memorise and more like something we could have "
         "invented ourselves.",
         "By the end, it should be clear why it couldn't have worked any other way."),
    ),
}
"""Each kind's hook as slots said one after the other, each slot a choice of lines ("" leaves it out; ``MOVE`` is a
line of one of the creator's teaching moves). The lines of a slot say the same thing to the viewer ("you" and "I"),
together ("we") or to no one, at different lengths, so that the choice of lines can follow the creator's habits
(``_choose``). Slots: ``topic``; ``lead_topic`` ("When it comes to {topic},", "In fact, with {topic},", "With
{topic},"), ``lead`` ("In fact, ") from a signature phrase; ``question`` (the niche's best outlier's question, or the
lines that need it are left out); ``fact`` and ``story`` (from the draft; without one, ``NO_FACT`` / ``NO_STORY``, and
the explanation asks for theirs). The first line of each slot is the neutral voice's (no Creator DNA)."""

NO_FACT = "Most of what people say about {topic} skips the part that matters most."
"""The surprising-fact line when the draft holds no fact on the topic, or there is no draft (a claim to
back with their own number: the explanation asks for it)."""
NO_STORY = ("The first time I really had to understand {topic}, I got it completely wrong, and it took me a while to "
            "see why.",
            "The first time I really had to understand {topic}, nothing about it made sense, and it took a long while "
            "to see why.")
"""The story's first lines without a story in the material (a first line for the creator's own story: the
explanation asks for the real one)."""

CLOSERS = ("Stick with me, because by the end of this video you'll know exactly why, and what to do about it.",
           "Stick with me, because by the end of this video we'll see exactly why, and what it means for you.",
           "Stick with it, because by the end of this video the reason should be clear.")
"""The line after a hook taken from the draft: it promises the payoff (chosen like a frame's lines)."""

ROUNDS = 4
"""Passes of ``_choose`` over the five kinds (it stops earlier when a pass changes nothing; 2 passes settle every
dev-topic set)."""

_SPEECH_PROBLEMS = ("reads like speech", "reads like a line of speech", "too short", "is only a", "repeats",
                    "is a list of words", "over YouTube")
"""Fluency-guard problems that are about titles, not speech: a spoken hook may say "you know", be a short sentence or
a "when ..." clause."""


@dataclass(frozen=True)
class Voice:
    """How the hooks are written: ``name`` (whose voice, None without a Creator DNA), ``moves`` (their most used
    teaching moves that have lines, most used first), ``lead`` (a signature phrase of theirs that opens a sentence, or
    None), ``wpm`` (their pace, words per minute), ``rates`` (you / I / we per 1,000 words, for the explanations) and
    ``target`` (their measured habits, ``tools.learning.voice_fit.voice_features``, that the lines are chosen to
    follow; empty without a Creator DNA)."""

    name: str | None
    moves: tuple[str, ...]
    lead: str | None
    wpm: float
    rates: tuple[float, float, float] = (0.0, 0.0, 0.0)
    target: dict[str, float] = field(default_factory=dict)


NEUTRAL = Voice(None, ("example",), None, float(SPEAKING_RATE_WPM))
"""The voice without a Creator DNA: first person, to the viewer, one example, 180 words per minute."""


def voice_of(profile: VoiceProfile | None) -> Voice:
    """The ``Voice`` of a Creator DNA (``NEUTRAL`` for None): its top two teaching moves by rate, the first signature
    phrase in ``LEADS``, its words per minute and its measured features (pace left out: hooks have no timing)."""
    if profile is None:
        return NEUTRAL
    p = profile
    moves = tuple(m for m, r in sorted(p.teaching_moves.items(), key=lambda kv: -kv[1]) if r > 0 and m in MOVE_LINES)[:2]
    lead = next((ph for ph, _ in p.signature_phrases if ph in LEADS), None)
    target = {k: v for k, v in voice_features(p).items() if k != "wpm"}
    return Voice(p.name, moves or ("example",), lead, p.wpm or float(SPEAKING_RATE_WPM),
                 (p.you_per_1k, p.i_per_1k, p.we_per_1k), target)


@dataclass(frozen=True)
class Material:
    """What the hooks may say: ``topic`` (a phrase, "compound interest"), ``draft`` (the creator's script, or None),
    ``openers`` (the opening passages of the creator's own videos: (text, video title or ""),
    ``transcript_openers``), ``outliers`` (the
    niche's outliers on the topic: (title, channel, multiplier), best first)."""

    topic: str
    draft: Script | None = None
    openers: tuple[tuple[str, str], ...] = ()
    outliers: tuple[tuple[str, str, float], ...] = ()

    def evidence(self) -> Evidence:
        """What the material says, for the fluency guard's check of numbers and names."""
        parts = [self.topic, *(t for t, _, _ in self.outliers)]
        if self.draft is not None:
            parts += [p.text for p in self.draft.passages]
        return Evidence.from_text(" ".join(parts))


@dataclass(frozen=True)
class DevelopedHook:
    """One intro hook. ``kind`` (``HOOK_KINDS``); ``text`` (what the creator says); ``seconds`` (spoken at their
    pace); ``rubric_type`` (the hook rubric's classifier on the text, None when it sees none); ``specificity`` 0-8 and
    ``strength`` 0-10 (the hook rubric, said at 0:00); ``source`` ("draft", "frame" or "model");
    ``person`` ("we" / "I"); ``why`` (the rubric's reasons, the voice choices and the source, in a creator's words);
    ``todo`` (what the creator must add: their own number or story; "" when nothing)."""

    kind: str
    text: str
    seconds: float
    rubric_type: str | None
    specificity: int
    strength: float
    source: str
    person: str
    why: tuple[str, ...] = ()
    todo: str = ""

    def to_dict(self) -> dict:
        """JSON-ready data."""
        return asdict(self)


@dataclass(frozen=True)
class HookSet:
    """The answer: ``hooks`` (one per kind, strongest first), ``topic``, ``voice`` (whose voice, None: no Creator DNA),
    ``engine`` ("offline" or the model's name) and ``notes`` (what was missing)."""

    topic: str
    hooks: tuple[DevelopedHook, ...]
    voice: str | None
    engine: str = "offline"
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict:
        """JSON-ready data (the tool's artifact)."""
        return {"topic": self.topic, "hooks": [h.to_dict() for h in self.hooks], "voice": self.voice,
                "engine": self.engine, "notes": list(self.notes)}


def guard_problems(text: str, evidence: Evidence) -> list[str]:
    """The fluency guard's problems with a spoken hook: each sentence through ``check_title`` with the material's
    evidence, minus the problems that concern titles only (``_SPEECH_PROBLEMS``); the first sentence must also name
    what it points to."""
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]
    return [p for i, sentence in enumerate(sentences) for p in _sentence_problems(sentence, i == 0, evidence)]


@lru_cache(maxsize=4096)
def _sentence_problems(sentence: str, first: bool, evidence: Evidence) -> tuple[str, ...]:
    """``guard_problems`` of one sentence (cached: the frames' candidates share their sentences)."""
    return tuple(p for p in check_title(sentence.rstrip(".!"), evidence).problems
                 if not any(p.startswith(x) or x in p for x in _SPEECH_PROBLEMS)
                 and (first or "points to something" not in p))


def spoken_seconds(text: str, wpm: float) -> float:
    """Seconds to say ``text`` at ``wpm`` words per minute (words as ``word_count`` counts them), to 0.1 s."""
    return round(60.0 * word_count(text) / max(wpm, 1.0), 1)


def _sentence(text: str) -> str:
    """A passage as one sentence: whitespace collapsed, a capital first, a full stop when it has no end mark."""
    t = " ".join(text.split()).strip()
    t = t[:1].upper() + t[1:]
    return t if re.search(r"[.!?…]$", t) else t + "."


def _whole(text: str) -> bool:
    """A passage that is a whole sentence to quote: 6 words or more, a capital first, not a connector first ("But",
    "And": ``tools.titles.fluency.DANGLING_START``), sentence punctuation last (the chunks of unpunctuated
    auto-captions start and stop mid-sentence)."""
    t = text.strip()
    first = t.split()[0].lower().strip(",") if t else ""
    return (word_count(t) >= 6 and t[:1].isupper() and first not in DANGLING_START
            and bool(re.search(r"[.!?…][\"'”’)]*$", t)))


def draft_passages(draft: Script, kind: str, topic: str = "") -> list[tuple[str, float]]:
    """The draft's whole sentences (``_whole``) that stand for ``kind`` (``RUBRIC_KINDS``) and name the topic (one of
    its key words, ``tools.preproduction.promise.promise_terms``, when it has any: a line about something else
    leans on what came before it), strongest by the rubric first: (text, start in seconds). Sponsor reads and calls
    to action are never hooks."""
    terms = promise_terms(topic) if topic else []
    found = []
    for p in draft.passages:
        if not _whole(p.text) or _NOT_A_HOOK.search(p.text) or hook_type(p.text) not in RUBRIC_KINDS[kind]:
            continue
        if terms and not terms_said(p.text, terms):
            continue
        spec, _ = specificity(p.text)
        strength, _ = hook_strength(p.text, hook_type(p.text) or "", spec, 0.0)
        found.append((strength, -p.start_s, p.text, p.start_s))
    return [(t, s) for _, _, t, s in sorted(found, reverse=True)]


def best_openers(openers: Sequence[tuple[str, str]]) -> dict[str, tuple[str, str, float]]:
    """The creator's strongest opening line of each kind (``RUBRIC_KINDS``) among ``openers`` (text, video title:
    their videos' first ``INTRO_SECONDS[1]`` seconds, ``transcript_openers``), by the hook rubric: kind -> (text,
    title, strength)."""
    best: dict[str, tuple[str, str, float]] = {}
    for text, title in openers:
        if not _whole(text) or _NOT_A_HOOK.search(text):
            continue
        rubric = hook_type(text)
        kind = next((k for k, types in RUBRIC_KINDS.items() if rubric in types), None)
        if kind is None:
            continue
        spec, _ = specificity(text)
        strength, _ = hook_strength(text, rubric or "", spec, 0.0)
        if kind not in best or strength > best[kind][2]:
            best[kind] = (_sentence(text), title, strength)
    return best


def transcript_openers(videos: Sequence[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """The passages of the first ``INTRO_SECONDS[1]`` seconds of each of the creator's videos, as (text, video title):
    ``videos`` are (raw transcript, title or "") pairs, parsed by ``tools.scripts.parsing.parse_script`` (estimated
    times for plain text); transcripts it refuses are skipped."""
    from tools.scripts.parsing import ScriptInputError, parse_script

    out = []
    for text, title in videos:
        try:
            out += [(p.text, title) for p in parse_script(text).passages if p.start_s < INTRO_SECONDS[1]]
        except ScriptInputError:
            continue
    return tuple(out)


def _fill(template: str, **slots: str) -> str:
    text = template.format(**slots)
    return " ".join(text.split())


def _question_line(material: Material) -> str | None:
    """The best niche outlier's title when it is a question (the question that worked), else None."""
    for title, _, _ in material.outliers[:3]:
        if title.strip().endswith("?") and 3 <= len(title.split()) <= 14:
            return title.strip()
    return None


@dataclass(frozen=True)
class _Candidate:
    """One hook a kind may take: ``text``, ``source`` ("draft" / "frame"), ``notes`` (where its line came from),
    ``todo`` (what the creator must add), ``move`` (the teaching move it makes, or None) and ``counts`` (its words,
    sentences, questions, exclamations, then ``tools.learning.voice.style_counts``)."""

    text: str
    source: str
    notes: tuple[str, ...]
    todo: str
    move: str | None
    counts: Counter[str]


def _counted(text: str, source: str, notes: tuple[str, ...], todo: str, move: str | None) -> _Candidate:
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]
    counts = style_counts(text)
    counts.update({"words": len(text.split()), "sentences": len(sentences),
                   "questions": sum(s.rstrip("\"'”’").endswith("?") for s in sentences),
                   "exclamations": sum(s.rstrip("\"'”’").endswith("!") for s in sentences)})
    return _Candidate(text, source, notes, todo, move, counts)


def _candidates(kind: HookKind, material: Material, voice: Voice) -> list[_Candidate]:
    """Every hook ``kind`` may take (module docstring): the draft's lines first when the draft has one of this kind
    (then only those), else the frame's slots in every combination; unfilled slots leave their line out."""
    topic = material.topic
    drafted = []
    if material.draft is not None:
        for text, start in draft_passages(material.draft, kind, topic)[:2]:
            where = ("" if material.draft.timed else "~") + format_time(start)
            drafted.append((_sentence(text), f"your draft's own line (at {where}), brought to the first seconds"))
    lead = voice.lead
    lead_text = lead[:1].upper() + lead[1:] + ", " if lead and lead != "when it comes to" else ""
    lead_topic = (f"When it comes to {topic}," if lead == "when it comes to"
                  else (f"{lead[:1].upper() + lead[1:]}, with {topic}," if lead else f"With {topic},"))
    slots: dict[str, list[tuple[str, str, str]]] = {}  # slot -> (text, note, todo)
    if kind == "surprising fact":
        todo = "Back it with your most surprising real number about it."
        lines = [(line, note, "") for line, note in drafted] or [(NO_FACT.format(topic=topic), "", todo)]
        fact = []
        for line, note, missing in lines:
            if lead_text:
                line = line if re.match(r"(?:I|[A-Z][a-z]*[A-Z])\b", line) else line[:1].lower() + line[1:]
            fact.append((line, note, missing))
        slots["fact"] = fact
    elif kind == "story":
        todo = "Tell your real story here: this is its first line."
        slots["story"] = ([(line, note, "") for line, note in drafted]
                          or [(s.format(topic=topic), "", todo) for s in NO_STORY])
    elif drafted:
        return [_counted(f"{line} {closer}", "draft", (note,), "", None) for line, note in drafted for closer in CLOSERS]
    question = _question_line(material) if kind == "question" else None
    moves = [(m, line.format(topic=topic)) for m in voice.moves for line in MOVE_LINES[m]]
    out = []
    for combo in itertools.product(*FRAMES[kind]):
        if not question and any("{question}" in part for part in combo):
            continue
        picks: list[list[tuple[str, str, str, str | None]]] = []  # per part: (text, note, todo, move)
        for part in combo:
            if part == MOVE:
                picks.append([(line, "", "", m) for m, line in moves])
                continue
            name = next((s for s in slots if "{" + s + "}" in part), None)
            values = slots[name] if name else [("", "", "")]
            picks.append([(_fill(part, topic=topic, lead=lead_text, lead_topic=lead_topic, question=question or "",
                                 **{name: v}) if name else _fill(part, topic=topic, lead=lead_text,
                                                                  lead_topic=lead_topic, question=question or ""),
                           note, todo, None) for v, note, todo in values])
        for chosen in itertools.product(*picks):
            text = " ".join(t for t, _, _, _ in chosen if t)
            notes = tuple(n for _, n, _, _ in chosen if n)
            if question and question in text:
                notes = (*notes, "asks the question of the niche's best outlier on it")
            source = "draft" if any(n.startswith("your draft") for n in notes) else "frame"
            out.append(_counted(text, source, notes, next((t for _, _, t, _ in chosen if t), ""),
                                next((m for _, _, _, m in chosen if m), None)))
    if drafted:
        out = [c for c in out if c.source == "draft"] or out
    return out


def hook_features(counts: Counter[str]) -> dict[str, float]:
    """The features of ``tools.learning.voice_fit.voice_features`` (rates per 1,000 words, per 100 sentences, words
    per sentence) of hooks whose ``_Candidate.counts`` add up to ``counts``; pace is not among them."""
    words, sentences = max(counts["words"], 1), max(counts["sentences"], 1)
    out = {f"{k}_per_1k": 1000 * counts[k] / words for k in ("you", "i", "we", "question_openers", "numbers")}
    out |= {k: 1000 * v / words for k, v in counts.items() if k.startswith("move: ")}
    out |= {"sentence_words_mean": words / sentences, "questions_per_100_sentences": 100 * counts["questions"] / sentences,
            "exclamations_per_100_sentences": 100 * counts["exclamations"] / sentences}
    return out


def _choose(options: dict[str, list[_Candidate]], voice: Voice) -> dict[str, _Candidate]:
    """One candidate per kind. Without a Creator DNA, each kind's first. With one: the set whose habits
    (``hook_features`` of the five together) are nearest the creator's (``Voice.target``) by
    ``tools.learning.voice_fit.feature_distance``, profile_distance's formula, found by coordinate descent: from each
    kind's first candidate, each kind in turn takes the candidate that brings the set nearest, for up to ``ROUNDS``
    passes; ties keep the earlier candidate. Signature phrases are not a feature: the lead is in every stakes line."""
    chosen = {k: c[0] for k, c in options.items()}
    if not voice.target:
        return chosen

    def distance(pick: dict[str, _Candidate]) -> float:
        total: Counter[str] = Counter()
        for c in pick.values():
            total.update(c.counts)
        return feature_distance(hook_features(total), voice.target)

    for _ in range(ROUNDS):
        changed = False
        for kind, cands in options.items():
            now = distance(chosen)
            best = min(range(len(cands)), key=lambda i: (distance({**chosen, kind: cands[i]}), i))
            if distance({**chosen, kind: cands[best]}) < now:
                chosen[kind] = cands[best]
                changed = True
        if not changed:
            break
    return chosen


def _voice_reasons(candidate: _Candidate, voice: Voice) -> list[str]:
    if voice.name is None:
        return []
    reasons = []
    if voice.lead and voice.lead in candidate.text.lower():
        reasons.append(f"uses your phrase “{voice.lead}”")
    if candidate.move:
        reasons.append(f"your teaching move “{candidate.move}”")
    return reasons


def develop_hooks(material: Material, profile: VoiceProfile | None = None) -> HookSet:
    """Five intro hooks, one per ``HOOK_KINDS``, for ``material`` in the voice of ``profile`` (a Creator DNA, or None):
    the module docstring says how each is built, guarded, chosen and scored. Strongest by the hook rubric first.

    Raises ValueError when the topic is empty and there is no draft."""
    topic = " ".join(material.topic.split())
    if not topic:
        raise ValueError("Say what the video is about (“hooks for a video about compound interest”), or paste the draft.")
    material = Material(topic, material.draft, material.openers, material.outliers)
    theirs = best_openers(material.openers)
    voice = voice_of(profile)
    evidence = material.evidence()
    notes: list[str] = []
    options: dict[str, list[_Candidate]] = {}
    for kind in HOOK_KINDS:
        fit = [c for c in _candidates(kind, material, voice)
               if spoken_seconds(c.text, voice.wpm) <= INTRO_SECONDS[1] and not guard_problems(c.text, evidence)]
        named = [c for c in fit if topic.lower() in c.text.lower()]
        if fit:
            options[kind] = named or fit
        else:
            notes.append(f"No {kind} hook passed the fluency guard for “{topic}”.")
    hooks: list[DevelopedHook] = []
    total: Counter[str] = Counter()
    for kind, chosen in _choose(options, voice).items():
        total.update(chosen.counts)
        text = chosen.text
        rubric = hook_type(re.split(r"(?<=[.!?])\s+", text, maxsplit=1)[0]) or hook_type(text)
        spec, found = specificity(text)
        strength, reasons = hook_strength(text, rubric or "", spec, 0.0)
        seconds = spoken_seconds(text, voice.wpm)
        pace = f"{seconds:g} s at {'your' if voice.name else 'a typical'} pace ({voice.wpm:.0f} words per minute)"
        why = (f"strength {strength}/10: " + ", ".join(reasons + found), *chosen.notes,
               *_voice_reasons(chosen, voice), pace)
        if kind in theirs:
            line, title, score = theirs[kind]
            why = (*why, f"your own best opener of this kind{f' (in “{title}”)' if title else ''}, strength {score}: "
                         f"“{line}”")
        if material.outliers and kind == "question":
            t, ch, m = material.outliers[0]
            why = (*why, f"the angle that worked in your niche: “{t}” ({ch}, {m:.1f}x its usual views)")
        person = "we" if chosen.counts["we"] > chosen.counts["i"] else "I"
        hooks.append(DevelopedHook(kind, text, seconds, rubric, spec, strength, chosen.source, person, why,
                                   chosen.todo))
    if profile is None:
        notes.append("No Creator DNA yet: these hooks are in a neutral voice. Say “learn my voice from my channel …” "
                     "to write them in yours.")
    elif hooks:
        f, (you, i, we) = hook_features(total), voice.rates
        notes.append(f"Written to your habits: these hooks say you {f['you_per_1k']:.0f} · I {f['i_per_1k']:.0f} · "
                     f"we {f['we_per_1k']:.0f} times per 1,000 words; your videos say you {you:.0f} · I {i:.0f} · "
                     f"we {we:.0f}.")
    hooks.sort(key=lambda h: -h.strength)
    return HookSet(topic, tuple(hooks), profile.name if profile else None, "offline", tuple(notes))


class HookOut(BaseModel):
    """One hook the model wrote."""

    kind: HookKind = Field(description="question, stakes, surprising fact, story or demonstration")
    text: str = Field(description="What the creator says in the first 15-30 seconds, in their voice.")


class HooksOut(BaseModel):
    """The model's five hooks, one per kind."""

    hooks: list[HookOut]


HOOKS_SYSTEM = (
    "You write the intro hook of a YouTube video: what the creator says in its first 15-30 seconds ({low}-{high} "
    "words). Write exactly five, one of each kind: question, stakes, surprising fact, story, demonstration. Write in "
    "the creator's voice as described. Never invent a fact, number, name or story: use only what the material says; "
    "where a kind needs a fact or a story the material lacks, write the line so the creator adds theirs."
)


def hooks_prompt(material: Material, profile: VoiceProfile | None) -> list[BaseMessage]:
    """The messages for the model: the rules, the creator's voice, the topic, the draft's opening (its first
    ``INTRO_SECONDS[1]`` seconds and strongest lines), the creator's best openers and the niche's outliers."""
    wpm = (profile.wpm if profile and profile.wpm else SPEAKING_RATE_WPM) / 60
    parts = [f"Topic: {material.topic}"]
    parts.append(voice_prompt_block(profile) if profile else "Creator voice: unknown (write in a clear, neutral voice).")
    if material.draft is not None:
        head = " ".join(p.text for p in material.draft.passages if p.start_s < INTRO_SECONDS[1])
        lines = [t for kind in HOOK_KINDS for t, _ in draft_passages(material.draft, kind, material.topic)[:1]]
        parts.append(f"Their draft's opening: {head}")
        if lines:
            parts.append("Their draft's strongest lines: " + " | ".join(lines))
    if theirs := best_openers(material.openers):
        parts.append("Their own best openers: " + " | ".join(f"{k}: {t}" for k, (t, _, _) in theirs.items()))
    if material.outliers:
        parts.append("Titles that outperformed on this topic in their niche: "
                     + "; ".join(f"{t} ({m:.1f}x)" for t, _, m in material.outliers))
    system = HOOKS_SYSTEM.format(low=round(INTRO_SECONDS[0] * wpm), high=round(INTRO_SECONDS[1] * wpm))
    return [SystemMessage(system), HumanMessage("\n\n".join(parts))]


async def develop_hooks_llm(material: Material, profile: VoiceProfile | None, model: BaseChatModel,
                            model_name: str) -> HookSet:
    """The five hooks by ``model`` (module docstring), each guarded and scored like the offline ones; a kind the model
    missed or wrote badly takes the offline hook. Raises ``tools.scripts.llm.StructuredOutputError`` when the model's
    output stays invalid, ValueError as ``develop_hooks``."""
    from tools.scripts.llm import structured_call

    offline = develop_hooks(material, profile)
    out: HooksOut = await structured_call(model, HooksOut, hooks_prompt(material, profile))  # type: ignore[assignment]
    evidence = Material(offline.topic, material.draft, material.openers, material.outliers).evidence()
    voice = voice_of(profile)
    written: dict[str, DevelopedHook] = {}
    notes = [n for n in offline.notes]
    for h in out.hooks:
        text = " ".join(h.text.split())
        if h.kind in written or not text:
            continue
        if problems := guard_problems(text, evidence):
            notes.append(f"The model's {h.kind} hook was replaced: it {problems[0]}.")
            continue
        rubric = hook_type(re.split(r"(?<=[.!?])\s+", text, maxsplit=1)[0]) or hook_type(text)
        spec, found = specificity(text)
        strength, reasons = hook_strength(text, rubric or "", spec, 0.0)
        seconds = spoken_seconds(text, voice.wpm)
        person = "we" if len(WE_PATTERN.findall(text)) > len(I_CAPS_PATTERN.findall(text)) else "I"
        why = (f"strength {strength}/10: " + ", ".join(reasons + found), f"written by {model_name} in your voice",
               f"{seconds:g} s at {'your' if voice.name else 'a typical'} pace ({voice.wpm:.0f} words per minute)")
        written[h.kind] = DevelopedHook(h.kind, text, seconds, rubric, spec, strength, "model", person, why)
    hooks = []
    for h in offline.hooks:
        if h.kind in written:
            hooks.append(written[h.kind])
        else:
            hooks.append(DevelopedHook(**{**asdict(h), "why": (*h.why, "the offline hook: the model wrote none that "
                                                                        "passed")}))
    hooks.sort(key=lambda h: -h.strength)
    return HookSet(offline.topic, tuple(hooks), offline.voice, model_name, tuple(notes))


def hooks_markdown(result: HookSet) -> str:
    """The hooks as a creator reads them: each with its kind, rubric score, spoken length and why; then what to add."""
    who = f" in {result.voice}'s voice" if result.voice else ""
    lines = [f"**Five intro hooks for “{result.topic}”{who}** (scored with the hook rubric: strength 0-10, "
             "specificity 0-8)", ""]
    for n, h in enumerate(result.hooks, 1):
        lines.append(f"{n}. **{h.kind.capitalize()}** · strength {h.strength}/10 · specificity {h.specificity}/8 · "
                     f"{h.seconds:g} s")
        lines += [f"   > {h.text}", ""]  # the blank line ends the quote (else the why is read as part of it)
        lines.append("   _Why_: " + "; ".join(h.why))
        if h.todo:
            lines += ["", f"   _To do: {h.todo}_"]
        lines.append("")
    lines += [f"_{n}_" for n in result.notes]
    return "\n".join(lines)
