"""Hook development (develop_hooks): five intro hooks for a video, one of each kind, in the creator's voice.

The five kinds (``HOOK_KINDS``): a **question**, the **stakes** for the viewer, a **surprising fact**, a **story** and
a **demonstration**. Each hook is what the creator says in the first 15-30 seconds (``INTRO_SECONDS``): its length is
read at the creator's own pace (their Creator DNA's words per minute, else ``tools.scripts.parsing.SPEAKING_RATE_WPM``).

What a hook is built from (offline), best first for each kind:

1. **the draft** (when the creator gives a script): its own strongest whole sentence of that kind that names the topic
   (the hook rubric's classifier, ``tools.scripts.hooks.hook_type``; a statistic or contrarian claim is a surprising
   fact), quoted in the creator's words and brought to the first seconds (``draft_passages``);
2. **a frame in their voice** (``FRAMES``): the topic in a sentence pattern of that kind, written in the person
   they speak in (hook by hook, "we" or "I" is chosen to keep the share of "we" among the "I" and "we" said so far
   nearest theirs: ``voice_of``, ``_closest_person``), led by a signature phrase of
   theirs that can open a sentence (``LEADS``) and with their most used teaching moves (``MOVE_LINES``). A frame
   states no fact, number or story the creator did not give: where a kind needs one (a surprising fact, a story)
   the frame says so and the explanation asks for theirs.

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

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Literal

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel, Field

from tools.learning.voice import I_CAPS_PATTERN, WE_PATTERN, VoiceProfile
from tools.learning.voice_fit import voice_prompt_block
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

WE_ORDER: tuple[HookKind, ...] = ("demonstration", "question", "surprising fact", "stakes", "story")
"""The kinds that say "we" first when the creator's voice mixes "we" and "I" (a demonstration is done together, a
story is told in the first person)."""

LEADS: tuple[str, ...] = (
    "in fact", "of course", "it turns out", "when it comes to", "the thing is", "here's the thing", "the truth is",
    "to be honest", "at the end of the day", "the key is", "in other words", "the point is", "believe it or not",
)
"""Signature phrases that can open a sentence; the first of the creator's signature phrases among them leads the
stakes or fact hook."""

MOVE_LINES: dict[str, dict[str, str]] = {
    "imagine / visualize": {"we": "Imagine we could actually see {topic} at work.",
                            "I": "Imagine you could actually see {topic} at work."},
    "let's (doing it together)": {"we": "Let's build {topic} up together, one piece at a time.",
                                  "I": "Let's build {topic} up together, one piece at a time."},
    "step / sequence": {"we": "First of all, we'll take the simplest case, and then we'll build up from there.",
                        "I": "First of all, I'll take the simplest case, and then I'll build up from there."},
    "example": {"we": "Suppose we start with one concrete case and build from there.",
                "I": "Suppose you start with one real case; I'll build from there."},
    "analogy": {"we": "There's a way to think of it as something you already know, and we'll get to it.",
                "I": "There's a way to think of it as something you already know, and I'll give it to you."},
    "check (notice / remember)": {"we": "Notice what happens at each step, because that's the whole trick.",
                                  "I": "Notice what happens at each step, because that's the whole trick."},
    "recap": {"we": "In other words, by the end {topic} will feel obvious.",
              "I": "In other words, by the end {topic} will feel obvious."},
}
"""The line each teaching move of the Creator DNA (``tools.learning.voice.TEACHING_MOVES``) adds to a demonstration
or question hook, by person; each says one of the move's own cue phrases, so the hook makes the move the way the DNA
counts it."""

FRAMES: dict[str, dict[str, list[str]]] = {
    "question": {
        "we": ["What is really going on with {topic}? It looks simple at first, but when we look closely it raises a "
               "question most explanations quietly skip. {move} By the end of this video you'll be able to answer "
               "that question yourself, and see why the answer could not be anything else."],
        "I": ["Have you ever wondered what's really behind {topic}? I did, and the answer was not what I expected at "
              "all. {move} By the end of this video you'll know exactly how it works, and what to do with it."],
    },
    "stakes": {
        "we": ["{lead_topic} getting it wrong costs you more than you think, and most people never see it coming. So we are "
               "going to look at what actually matters, what you can safely ignore, and the one mistake that "
               "undoes everything else. {question}"],
        "I": ["{lead_topic} getting it wrong costs you more than you think, and most people never see it coming. I'm going "
              "to show you what actually matters, what you can safely ignore, and the one mistake I see over and "
              "over again. {question}"],
    },
    "surprising fact": {
        "we": ["{lead}{fact} That surprised me, and it is the key to this whole video. So let's see why it's true, "
               "where it comes from, and what it means for you."],
        "I": ["{lead}{fact} That surprised me, and it changes how you should think about the whole thing. I'll show "
              "you why it's true, where it comes from, and what it means for you."],
    },
    "story": {
        "we": ["{story} That moment is where this really starts, and it's where we'll start too. Stick with me, "
               "because where it ends up is not what you'd guess, and it changes how you see {topic}."],
        "I": ["{story} That moment changed how I think about all of it. Here's what happened, what I learned from "
              "it, and why it matters for you too."],
    },
    "demonstration": {
        "we": ["Take a look at this. {move} By the end of this video you won't just memorise {topic}; you'll actually "
               "see what's going on, and why it couldn't have worked any other way."],
        "I": ["Watch what happens when I put {topic} to the test on a real example. {move} By the end you'll be able "
              "to do this yourself, and you'll see exactly where most people go wrong."],
    },
}
"""Sentence patterns of each kind, by the person the hook is said in. Slots: ``topic``; ``move`` (``MOVE_LINES``);
``lead`` / ``lead_topic`` (a signature lead: "In fact, ", "When it comes to {topic}, "); ``question`` (a question
line when the creator asks often); ``fact`` and ``story`` (from the draft; without one,
the frame says the fact or the story is theirs to add: ``NO_FACT``, ``NO_STORY``)."""

NO_FACT = "Most of what people say about {topic} skips the part that matters most."
"""The surprising-fact line when the draft holds no fact on the topic, or there is no draft (a claim to
back with their own number: the explanation asks for it)."""
NO_STORY = ("The first time I really had to understand {topic}, I got it completely wrong, and it took me a while to "
            "see why.")
"""The story line without a story in the material (a first line for the creator's own story: the explanation asks for
the real one)."""

OUTLIER_QUESTION = {
    "we": "{question} That's the question we're going to answer today, and the answer is not what most people expect. "
          "{move} By the end of this video you'll see exactly why.",
    "I": "{question} That's the question I want to answer for you today, and the answer is not what most people "
         "expect. {move} By the end of this video you'll know exactly what to do.",
}
"""The question frame when the niche's best outlier on the topic asks a question (``_question_line``)."""

CLOSERS = {"we": "Stick with me, because by the end of this video we'll see exactly why, and what it means for you.",
           "I": "Stick with me, because by the end of this video you'll know exactly why, and what to do about it."}
"""The line after a hook taken from the draft, by person: it promises the payoff."""

_SPEECH_PROBLEMS = ("reads like speech", "reads like a line of speech", "too short", "is only a", "repeats",
                    "is a list of words", "over YouTube")
"""Fluency-guard problems that are about titles, not speech: a spoken hook may say "you know", be a short sentence or
a "when ..." clause."""

@dataclass(frozen=True)
class Voice:
    """How the hooks are written: ``name`` (whose voice, None without a Creator DNA), ``we_share`` (share of "we" in
    their "I"/"we", 0-1), ``you_first`` (they say "you" more than "I" and "we"), ``moves`` (their most used teaching
    moves, most used first), ``lead`` (a signature phrase of theirs that opens a sentence, or None), ``asks`` (they ask
    often: 5 questions per 100 sentences, or 1.5 question openers per 1,000 words), ``wpm`` (their pace, words per
    minute), ``rates`` (you / I / we per 1,000 words, for the explanations)."""

    name: str | None
    we_share: float
    you_first: bool
    moves: tuple[str, ...]
    lead: str | None
    asks: bool
    wpm: float
    rates: tuple[float, float, float] = (0.0, 0.0, 0.0)


NEUTRAL = Voice(None, 0.0, True, ("example",), None, True, float(SPEAKING_RATE_WPM))
"""The voice without a Creator DNA: first person, to the viewer, one example, a question, 180 words per minute."""


def voice_of(profile: VoiceProfile | None) -> Voice:
    """The ``Voice`` of a Creator DNA (``NEUTRAL`` for None): "we" share from its I/we rates, its top two teaching
    moves by rate, the first signature phrase in ``LEADS``, whether it asks often (``voice_fit``'s thresholds: 5
    questions per 100 sentences, else 1.5 question openers per 1,000 words) and its words per minute."""
    if profile is None:
        return NEUTRAL
    p = profile
    total = p.i_per_1k + p.we_per_1k
    moves = tuple(m for m, r in sorted(p.teaching_moves.items(), key=lambda kv: -kv[1]) if r > 0 and m in MOVE_LINES)[:2]
    lead = next((ph for ph, _ in p.signature_phrases if ph in LEADS), None)
    asks = (p.questions_per_100_sentences >= 5.0 if p.questions_per_100_sentences is not None
            else p.question_openers_per_1k >= 1.5)
    return Voice(p.name, p.we_per_1k / total if total else 0.0, p.you_per_1k > max(p.i_per_1k, p.we_per_1k),
                 moves or ("example",), lead, asks, p.wpm or float(SPEAKING_RATE_WPM),
                 (p.you_per_1k, p.i_per_1k, p.we_per_1k))


def persons(voice: Voice) -> dict[HookKind, Literal["we", "I"]]:
    """The person each kind is said in: ``round(5 x we_share)`` kinds say "we", in ``WE_ORDER``; the rest "I"."""
    n_we = round(len(HOOK_KINDS) * voice.we_share)
    return {k: ("we" if i < n_we else "I") for i, k in enumerate(WE_ORDER)}


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
    problems: list[str] = []
    for i, sentence in enumerate(s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s):
        for p in check_title(sentence.rstrip(".!"), evidence).problems:
            if any(p.startswith(x) or x in p for x in _SPEECH_PROBLEMS):
                continue
            if i > 0 and "points to something" in p:
                continue
            problems.append(p)
    return problems


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


def _candidates(kind: HookKind, person: str, material: Material, voice: Voice) -> list[tuple[str, str, list[str], str]]:
    """(text, source, notes, todo) for one kind, best source first (module docstring)."""
    topic = material.topic
    out: list[tuple[str, str, list[str], str]] = []
    drafted = []
    if material.draft is not None:
        for text, start in draft_passages(material.draft, kind, topic)[:2]:
            where = ("" if material.draft.timed else "~") + format_time(start)
            drafted.append((_sentence(text), f"your draft's own line (at {where}), brought to the first seconds"))
    move = MOVE_LINES[voice.moves[0]][person].format(topic=topic) if voice.moves else ""
    lead = voice.lead
    if kind in ("surprising fact", "story"):
        slot = "fact" if kind == "surprising fact" else "story"
        todo = ("Back it with your most surprising real number about it." if kind == "surprising fact"
                else "Tell your real story here: this is its first line.")
        lines = [(line, note, "") for line, note in drafted]
        lines.append(((NO_FACT if kind == "surprising fact" else NO_STORY).format(topic=topic), "", todo))
        for line, note, missing in lines:
            lead_text = ""
            if kind == "surprising fact" and lead and lead != "when it comes to":
                lead_text = lead[:1].upper() + lead[1:] + ", "
                line = line if re.match(r"(?:I|[A-Z][a-z]*[A-Z])\b", line) else line[:1].lower() + line[1:]
            for frame in FRAMES[kind][person]:
                out.append((_fill(frame, topic=topic, lead=lead_text, **{slot: line}), "draft" if note else "frame",
                            [note] if note else [], missing))
        return out
    for line, note in drafted:
        out.append((f"{line} {CLOSERS[person]}", "draft", [note], ""))
    question = _question_line(material) if kind == "question" else None
    lead_topic = (f"When it comes to {topic}," if lead == "when it comes to"
                  else (f"{lead[:1].upper() + lead[1:]}, with {topic}," if lead else f"With {topic},"))
    for frame in FRAMES[kind][person]:
        text = _fill(frame, topic=topic, move=move, lead_topic=lead_topic,
                     question=("So what does it actually cost you?" if voice.asks else ""))
        out.append((text, "frame", [], ""))
    if question:
        out.insert(len(out) - len(FRAMES[kind][person]), (_fill(OUTLIER_QUESTION[person], question=question, move=move),
                                                          "frame", ["asks the question of the niche's best outlier on it"], ""))
    return out


def _voice_reasons(kind: str, person: str, text: str, voice: Voice) -> list[str]:
    if voice.name is None:
        return []
    you, i, we = voice.rates
    reasons = [f"says “{person}” as you do (you {you:.0f}, I {i:.0f}, we {we:.0f} per 1,000 words)"]
    if voice.lead and voice.lead in text.lower():
        reasons.append(f"uses your phrase “{voice.lead}”")
    for m in voice.moves[:1]:
        if kind in ("question", "demonstration"):
            reasons.append(f"your teaching move “{m}”")
    return reasons


def _closest_person(options: dict, counts: list[int], voice: Voice, default: str) -> str | None:
    """The person whose hook keeps the share of "we" among the "we" and "I" said so far nearest the creator's
    (``Voice.we_share``); ``default`` on a tie; None when neither person has a hook that passed the guard."""
    scored = []
    for person, found in options.items():
        if found is None:
            continue
        text = found[0][0]
        we, i = counts[0] + len(WE_PATTERN.findall(text)), counts[1] + len(I_CAPS_PATTERN.findall(text))
        share = we / (we + i) if we + i else voice.we_share
        scored.append((abs(share - voice.we_share), person != default, person))
    return min(scored)[2] if scored else None


def develop_hooks(material: Material, profile: VoiceProfile | None = None) -> HookSet:
    """Five intro hooks, one per ``HOOK_KINDS``, for ``material`` in the voice of ``profile`` (a Creator DNA, or None):
    the module docstring says how each is built, guarded and scored. Strongest by the hook rubric first.

    Raises ValueError when the topic is empty and there is no draft."""
    topic = " ".join(material.topic.split())
    if not topic:
        raise ValueError("Say what the video is about (“hooks for a video about compound interest”), or paste the draft.")
    material = Material(topic, material.draft, material.openers, material.outliers)
    theirs = best_openers(material.openers)
    voice = voice_of(profile)
    said_in = persons(voice)
    evidence = material.evidence()
    hooks: list[DevelopedHook] = []
    notes: list[str] = []
    counts = [0, 0]  # "we" and "I" said so far
    for kind in WE_ORDER:
        options = {}
        for person in ("we", "I"):
            options[person] = next(((c, person) for c in _candidates(kind, person, material, voice)
                                    if not guard_problems(c[0], evidence)), None)
        chosen_person = _closest_person(options, counts, voice, said_in[kind])
        if chosen_person is None:
            notes.append(f"No {kind} hook passed the fluency guard for “{topic}”.")
            continue
        said_in[kind] = chosen_person
        chosen = options[chosen_person][0]
        counts[0] += len(WE_PATTERN.findall(chosen[0]))
        counts[1] += len(I_CAPS_PATTERN.findall(chosen[0]))
        text, source, src_notes, todo = chosen
        rubric = hook_type(re.split(r"(?<=[.!?])\s+", text, maxsplit=1)[0]) or hook_type(text)
        spec, found = specificity(text)
        strength, reasons = hook_strength(text, rubric or "", spec, 0.0)
        seconds = spoken_seconds(text, voice.wpm)
        pace = f"{seconds:g} s at {'your' if voice.name else 'a typical'} pace ({voice.wpm:.0f} words per minute)"
        why = (f"strength {strength}/10: " + ", ".join(reasons + found), *src_notes,
               *_voice_reasons(kind, said_in[kind], text, voice), pace)
        if kind in theirs:
            line, title, score = theirs[kind]
            why = (*why, f"your own best opener of this kind{f' (in “{title}”)' if title else ''}, strength {score}: "
                         f"“{line}”")
        if material.outliers and kind == "question":
            t, ch, m = material.outliers[0]
            why = (*why, f"the angle that worked in your niche: “{t}” ({ch}, {m:.1f}x its usual views)")
        hooks.append(DevelopedHook(kind, text, seconds, rubric, spec, strength, source, said_in[kind], why, todo))
    if profile is None:
        notes.append("No Creator DNA yet: these hooks are in a neutral voice. Say “learn my voice from my channel …” "
                     "to write them in yours.")
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
        lines.append(f"   > {h.text}")
        lines.append("   _Why_: " + "; ".join(h.why))
        if h.todo:
            lines.append(f"   _To do: {h.todo}_")
    lines += [f"_{n}_" for n in result.notes]
    return "\n".join(lines)
