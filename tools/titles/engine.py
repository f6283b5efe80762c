"""Title generation from a script's hooks: hook selection, title formulas, offline generation, post-processing
and the judge. Pure functions and typed results; the graph that runs them is ``tools/titles/tool.py``.

Vocabulary
----------
- method: where a title's packaging comes from. ``outlier_patterns`` (the formulas of real outliers retrieved
  for the hook), ``proven_packaging`` (the formulas of the channel's own best titles, or of the strongest
  outliers on the video's topic when no channel is known, avoiding those of its worst titles),
  ``creator_hooks`` (the creator's own words from the hook).
- angle: the emotion or audience a title is written for (``ANGLES``).
- formula: a known title structure (``FORMULAS``), detected in real titles by a pattern.
- evidence: every title carries its hook, the outlier exemplars it drew on (title, channel, outlier
  multiplier) and its formula.

The judge
---------
With an LLM (fast tier): the rubric ``RUBRIC`` (five criteria scored 1-5, weighted, with anchors that are real
titles and their real outlier multipliers), turned into 0-100 by ``rubric_score``; pairwise comparisons of the
leading titles are asked in both orders and a disagreement counts as a tie (``resolve_pair``), then applied to
the ranking (``apply_pairwise``). Offline the deterministic title scorer (``tools.scoring.scorer``) is the judge.
In both cases a gap of ``GAP_FLAG_POINTS`` or more between the generator's self-score and the judge's score is
flagged.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Literal

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel, Field
from rapidfuzz import fuzz
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from tools.scripts.hooks import Hook, ScriptAnalysis, named_things
from tools.scoring.results import grade_for
from tools.scoring.scorer import score_titles

METHODS: dict[str, str] = {
    "outlier_patterns": "the title formulas of real outlier videos retrieved for this hook",
    "proven_packaging": "the formulas of the channel's own best titles (or of the strongest outliers on the topic), "
    "avoiding those of its worst titles",
    "creator_hooks": "the creator's own words from the hook",
}
ANGLES: dict[str, str] = {
    "curiosity": "open a loop the viewer wants closed",
    "stakes": "what the viewer loses or gets wrong without this video",
    "newcomer": "for someone new to the topic: plain words, the promise of understanding",
}

DEFAULT_MAX_HOOKS = 3
MIN_HOOK_STRENGTH = 4.0
"""Quality gate: hooks under this strength (0-10 rubric of ``tools.scripts.hooks``) are not turned into titles."""

DEFAULT_TITLES_PER_HOOK = 3
DEFAULT_MIN_CHARS, DEFAULT_MAX_CHARS = 40, 70
"""Length window: under 40 characters a title rarely says what the video is and how it is special; over 70 it is
cut in most feeds (mobile shows about 50, desktop search about 70)."""

DUPLICATE_RATIO = 0.82
"""Two titles whose rapidfuzz ratio (0-1, case-insensitive) is at least this are near-duplicates: one is cut."""

MAX_SAME_OPENER = 2
"""At most this many kept titles may start with the same word (a list of "Why ..." titles reads as one idea)."""

GAP_FLAG_POINTS = 25.0
"""A self-score and a judge score this far apart (0-100 scale) are flagged: one of them misjudges the title."""

PAIRWISE_TOP = 4
"""The leading titles (by the deterministic scorer) compared pairwise, neighbour with neighbour, in both orders."""


# ---------------------------------------------------------------------------------------------------------------
# Types
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Exemplar:
    """A real title used as evidence: its channel and outlier multiplier (views / the channel's rolling median)."""

    title: str
    channel: str
    multiplier: float

    def cite(self) -> str:
        """“Title” (Channel, 5.2x)."""
        return f"“{self.title}” ({self.channel}, {self.multiplier:.1f}x)"


@dataclass(frozen=True)
class Packaging:
    """Proven packaging: ``source`` says where it comes from; ``best`` and ``worst`` are real titles."""

    source: str
    best: tuple[Exemplar, ...]
    worst: tuple[Exemplar, ...] = ()


@dataclass(frozen=True)
class GenerationTask:
    """One generation branch: a method applied to hooks and angles (offline one hook and one angle per task;
    with an LLM all of a method's hooks and angles in one call, to stay within the call budget)."""

    method: str
    hook_ids: tuple[str, ...]
    angles: tuple[str, ...]


@dataclass(frozen=True)
class TitleCandidate:
    """A generated title and its evidence. ``self_score``: the generator's own 0-100 estimate (an LLM's, or
    offline the strength of the hook it drew on x 10). ``generator``: "offline" or the model's name."""

    title: str
    hook_id: str
    method: str
    angle: str
    formula: str
    exemplars: tuple[Exemplar, ...]
    self_score: float
    generator: str


@dataclass(frozen=True)
class Cut:
    """A title removed in post-processing: the rule that cut it and why."""

    title: str
    rule: Literal["length", "near-duplicate", "opener cap"]
    reason: str


@dataclass(frozen=True)
class PairVerdict:
    """A pairwise comparison of titles ``a`` and ``b`` asked in both orders. ``a_first``: the winner when ``a``
    was shown first; ``b_first``: when ``b`` was; ``result``: the winner ("a" / "b") or "tie" (``resolve_pair``)."""

    a: str
    b: str
    a_first: str
    b_first: str
    result: str


@dataclass(frozen=True)
class JudgedTitle:
    """A judged title: ``score`` 0-100 and ``grade`` (A+ to F, ``tools.scoring.results.GRADE_BANDS``), the criteria
    behind it (rubric criteria 1-5, or the scorer's components 0-100), the judge's note, the self-score gap
    (self_score - score) and whether it is flagged (|gap| >= ``GAP_FLAG_POINTS``)."""

    candidate: TitleCandidate
    score: float
    grade: str
    criteria: dict[str, float]
    note: str
    gap: float
    flagged: bool

    def to_dict(self) -> dict:
        """JSON-ready data."""
        return asdict(self)


@dataclass
class Judgement:
    """The judge's ranking: titles best first, the pairwise verdicts, who judged."""

    ranked: list[JudgedTitle]
    pairs: list[PairVerdict] = field(default_factory=list)
    judge: str = "offline scorer"


# ---------------------------------------------------------------------------------------------------------------
# Hook selection
# ---------------------------------------------------------------------------------------------------------------


def select_hooks(
    hooks: Sequence[Hook], max_hooks: int = DEFAULT_MAX_HOOKS, min_strength: float = MIN_HOOK_STRENGTH
) -> tuple[list[Hook], list[tuple[Hook, str]]]:
    """(kept, dropped with reasons): the quality gate (strength >= ``min_strength``), then diversity across time
    buckets (strongest first, one hook per bucket, then the next strongest whatever their bucket) up to
    ``max_hooks``. When no hook passes the gate the strongest one is kept, and its reason says so."""
    ordered = sorted(hooks, key=lambda h: -h.strength)
    passing = [h for h in ordered if h.strength >= min_strength]
    dropped = [
        (h, f"below the quality gate (strength {h.strength:.1f} < {min_strength:.1f})")
        for h in ordered
        if h not in passing
    ]
    if not passing and ordered:
        passing = [ordered[0]]
        dropped = [d for d in dropped if d[0] is not ordered[0]]
    kept: list[Hook] = []
    buckets: set[str] = set()
    for h in passing:
        if h.bucket not in buckets and len(kept) < max_hooks:
            kept.append(h)
            buckets.add(h.bucket)
    for h in passing:
        if h not in kept and len(kept) < max_hooks:
            kept.append(h)
    for h in passing:
        if h not in kept:
            same = next((k for k in kept if k.bucket == h.bucket), None)
            reason = (
                f"bucket {h.bucket} already has the stronger {same.id}" if same else f"over the {max_hooks}-hook limit"
            )
            dropped.append((h, reason))
    kept.sort(key=lambda h: -h.strength)
    return kept, dropped


# ---------------------------------------------------------------------------------------------------------------
# Formulas and offline generation
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Formula:
    """A known title structure: ``pattern`` finds it in a real title (lower-cased); ``templates`` per angle use
    the slots {S} (the subject), {S2} (a second subject), {Q} (the hook as a question), {C} (the hook's claim),
    {N} (a number phrase) and {F} (a first-person clause), and agree with the subject through {Is} ("Is" / "Are")
    and {s} (a verb's "s"); a template whose slots are missing is skipped."""

    name: str
    pattern: str
    templates: dict[str, tuple[str, ...]]


FORMULAS: tuple[Formula, ...] = (
    Formula(
        "question",
        r"\?\s*$",
        {
            "curiosity": ("{Q}", "What {Is} {S}, Really? The Idea Behind It"),
            "stakes": ("Are You Getting {S} Wrong? Here's the Catch", "{Q}"),
            "newcomer": ("What {Is} {S}? A Simple Explanation for Everyone",),
        },
    ),
    Formula(
        "number-first",
        r"^(?:the )?\$?\d",
        {
            "curiosity": ("{N}: {C}", "{N} That Changed How I See {S}"),
            "stakes": ("{N} You Can't Afford to Ignore About {S}",),
            "newcomer": ("{N}, Explained for Complete Beginners",),
        },
    ),
    Formula(
        "how/why explainer",
        r"^(?:how|why)\b",
        {
            "curiosity": ("Why {S} {Is} Stranger Than You Think", "How {S} Really Work{s} (It's Not What You Think)"),
            "stakes": ("Why Most People Get {S} Completely Wrong",),
            "newcomer": ("How {S} Actually Work{s}, Explained Simply",),
        },
    ),
    Formula(
        "reveal",
        r"\b(?:truth|secret|nobody|no one|never|really|hidden|surprising|mistake|wrong|actually)\b",
        {
            "curiosity": ("The Hidden Story Behind {S} Nobody Tells You",),
            "stakes": ("The Truth About {S} That Nobody Tells You",),
            "newcomer": ("{S}: What Nobody Explains to Beginners",),
        },
    ),
    Formula(
        "superlative",
        r"\b(?:most|best|worst|biggest|largest|smallest|fastest|strongest|only|world'?s)\b",
        {
            "curiosity": ("The Most Surprising Thing About {S}",),
            "stakes": ("The Biggest {S} Mistake You Can Make",),
            "newcomer": ("The Simplest Way to Finally Understand {S}",),
        },
    ),
    Formula(
        "first-person story",
        r"^(?:i|we)\b|\b(?:i|we) (?:tried|spent|built|made|bought|read|quit|tested|asked)\b",
        {
            "curiosity": ("{F}", "{F}: Here's What Happened"),
            "stakes": ("{F} (and What It Cost Me)",),
            "newcomer": ("{F}: What I Learned About {S}",),
        },
    ),
    Formula(
        "versus",
        r"\bvs\.?(?=\s|$)|\bversus\b",
        {
            "curiosity": ("{S} vs {S2}: Which One Really Wins?",),
            "stakes": ("{S} vs {S2}: The Difference That Matters",),
            "newcomer": ("{S} vs {S2}, Explained Simply",),
        },
    ),
    Formula(
        "topic: hook",
        r":\s|\s[-–—|]\s",
        {
            "curiosity": ("{S}: {C}",),
            "stakes": ("{S}: What Most People Get Wrong",),
            "newcomer": ("{S}, Explained: {C}",),
        },
    ),
)
_FORMULA = {f.name: f for f in FORMULAS}
OWN_WORDS = "the hook's own words"
_OWN_WORDS_TEMPLATES = {
    "curiosity": ("{Q}", "{C}"),
    "stakes": ("{C}, and Why It Matters",),
    "newcomer": ("{C}, Explained Simply",),
}


def detect_formulas(title: str) -> list[str]:
    """Names of the ``FORMULAS`` a real title uses, in library order (a title can use several)."""
    low = title.lower().strip()
    return [f.name for f in FORMULAS if re.search(f.pattern, low)]


_SMALL_WORDS = frozenset("a an the and but or nor for of on in at to by vs via as is it its".split())
_LEADING_FILLERS = re.compile(
    r"^(?:(?:so|and|but|now|well|okay|ok|of course|i mean|by the way|you know|namely|which is|in fact|also|then)"
    r"[,\s]+)+",
    re.IGNORECASE,
)
_ASIDES = re.compile(
    r",\s*(?:for example|for instance|you know|i mean|of course|say|really|in other words),", re.IGNORECASE
)
_NUMBER_WORDS = {
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "twenty": "20",
    "thirty": "30",
    "forty": "40",
    "fifty": "50",
    "hundred": "100",
}
_NUMBER_PHRASE = re.compile(
    r"(\$?\d[\d,.]*%?|\b(?:" + "|".join(_NUMBER_WORDS) + r")\b)(?:\s+((?:[a-z-]+\s+)?[a-z]+s)\b)?", re.IGNORECASE
)
_STOP = ENGLISH_STOP_WORDS | frozenset(
    "the a an and or but of to in on at for with from by as is are was were be been being it its this that these "
    "those there here what which who whom whose when where why how i you he she we they me him her us them my your "
    "his our their not no so if then than too very just really actually also some any all each every one can could "
    "would should will may might must do does did done have has had having get got going gonna like know think "
    "thing things way lot kind sort bit right okay yeah well now mean say said see look want make time point don't "
    "doesn't didn't isn't aren't can't won't it's that's there's you're we're i'm i've let's".split()
)


def title_case(text: str) -> str:
    """Title Case as YouTube titles use it: each word capitalised except short function words inside; words
    already containing capitals (names, acronyms) are kept."""
    words = text.split()
    out = []
    for i, w in enumerate(words):
        if any(c.isupper() for c in w[1:]) or (w[:1].isupper() and i):
            out.append(w)
        elif 0 < i < len(words) - 1 and w.lower() in _SMALL_WORDS:
            out.append(w.lower())
        else:
            out.append(w[:1].upper() + w[1:])
    return " ".join(out)


def _clause(text: str, limit: int = 58) -> str | None:
    """The hook cut to one whole clause of 4+ words and at most ``limit`` characters (ending at a comma or before
    a conjunction, trailing function words dropped), or None when it has no such clause."""
    text = _LEADING_FILLERS.sub("", " ".join(text.split())).rstrip(" ,.;:!?")
    if len(text) > limit:
        window = text[: limit + 1]
        cuts = [m.start() for m in re.finditer(r",\s|\s(?:and|but|because|while|although)\s", window)]
        if not cuts or cuts[-1] < limit // 2:
            return None
        text = window[: cuts[-1]]
    words = text.rstrip(" ,").split()
    while words and words[-1].lower() in _STOP:
        words.pop()
    return " ".join(words) if len(words) >= 4 else None


@dataclass(frozen=True)
class Slots:
    """What a hook offers a template: subject(s), the hook as a question, its claim, a number phrase and a
    first-person clause; None where the hook has none. ``plural``: the subject is a plural noun (ends in "s")."""

    S: str | None
    S2: str | None
    Q: str | None
    C: str | None
    N: str | None
    F: str | None
    plural: bool = False


def script_vocabulary(text: str) -> Counter[str]:
    """How often the script says each lower-case word and each pair of consecutive words (for ``hook_slots``)."""
    words = re.findall(r"[a-z][a-z'-]+", text.lower())
    counts = Counter(words)
    counts.update(f"{a} {b}" for a, b in zip(words, words[1:]))
    return counts


def hook_slots(hook: Hook, analysis: ScriptAnalysis, script_words: Counter[str]) -> Slots:
    """The slots of a hook. The subject is the hook's most salient term: score = how often the whole script says
    it x its length^1.5 (longer words are rarer, Zipf's law of abbreviation), doubled for a named thing (widened to
    the key entity that contains it) and x1.5 for a pair of words the script repeats; else the first key entity."""
    text = _LEADING_FILLERS.sub("", " ".join(hook.text.split()))
    tokens = re.findall(r"[a-z][a-z'-]+", text.lower())
    candidates: list[tuple[float, str]] = []
    for n in named_things(hook.text):
        full = max((e for e in analysis.key_entities if n in e), key=len, default=n)
        candidates.append((2 * max(script_words[full.lower()], 1) * len(full) ** 1.5, full))
    for i, t in enumerate(tokens):
        if t in _STOP or len(t) < 4:
            continue
        candidates.append((script_words[t] * len(t) ** 1.5, t))
        if i + 1 < len(tokens) and tokens[i + 1] not in _STOP and len(tokens[i + 1]) >= 4:
            pair = f"{t} {tokens[i + 1]}"
            if script_words[pair] >= 2:
                candidates.append((1.5 * script_words[pair] * len(pair) ** 1.5, pair))
    candidates.sort(key=lambda x: -x[0])
    subjects = [c for score, c in candidates if score > 0]
    subject = subjects[0] if subjects else (analysis.key_entities[0] if analysis.key_entities else None)
    second = next(
        (s for s in subjects[1:] if subject and s.lower() not in subject.lower() and subject.lower() not in s.lower()),
        None,
    )
    question = None
    if hook.text.rstrip().endswith("?"):
        q = _LEADING_FILLERS.sub("", _ASIDES.sub("", hook.text.strip()))
        while (
            len(q) > 80 and ", " in q
        ):  # keep the asking clause: "Of course, ..., how would you X?" -> "How would you X?"
            q = q.split(", ", 1)[1]
        if len(q) <= 80 and len(q.split()) >= 4:
            question = title_case(q[0].upper() + q[1:])
    claim = _clause(hook.text)
    number = None
    if m := _NUMBER_PHRASE.search(text):
        n = _NUMBER_WORDS.get(m.group(1).lower(), m.group(1))
        number = title_case(f"{n} {m.group(2)}" if m.group(2) and m.group(2).lower() not in _STOP else n)
    first_person = title_case(claim) if claim and re.match(r"^(?:i|we)\b", claim, re.IGNORECASE) else None
    return Slots(
        S=title_case(subject) if subject else None,
        S2=title_case(second) if second else None,
        Q=question,
        C=title_case(claim[0].upper() + claim[1:]) if claim else None,
        N=number,
        F=first_person,
        plural=bool(subject and re.search(r"[^su]s$|^(?:people|children|men|women|data|media)$", subject.split()[-1].lower())),
    )


def fill(template: str, slots: Slots) -> str | None:
    """The template with its slots filled, or None when a slot it uses is missing or two slots repeat a word."""
    values = asdict(slots)
    needed = set(re.findall(r"\{(\w+)\}", template)) - {"Is", "s"}
    if any(values.get(k) is None for k in needed):
        return None
    words = [w for k in needed for w in set(re.findall(r"[a-z]{4,}", values[k].lower()))]
    if len(words) != len(set(words)):
        return None  # two slots say the same thing ("4 Books ... Books")
    title = template.format(**values, Is="Are" if slots.plural else "Is", s="" if slots.plural else "s")
    return re.sub(r"\s+([,:?])", r"\1", re.sub(r"\?\?|\?:", "?", title)).strip()


def formula_ranking(exemplars: Sequence[Exemplar], avoid: Sequence[Exemplar] = ()) -> list[tuple[str, list[Exemplar]]]:
    """Formulas used by ``exemplars`` with the exemplars that use each, strongest evidence first (sum of their
    multipliers, minus one per title in ``avoid`` using the same formula)."""
    uses: dict[str, list[Exemplar]] = {}
    for ex in exemplars:
        for name in detect_formulas(ex.title):
            uses.setdefault(name, []).append(ex)
    avoid_count = Counter(n for ex in avoid for n in detect_formulas(ex.title))
    ranked = sorted(uses.items(), key=lambda kv: -(sum(e.multiplier for e in kv[1]) - avoid_count[kv[0]]))
    return [(name, sorted(exs, key=lambda e: -e.multiplier)) for name, exs in ranked]


def offline_titles(
    hook: Hook,
    method: str,
    angle: str,
    slots: Slots,
    outliers: Sequence[Exemplar],
    packaging: Packaging | None,
    per_task: int = 2,
) -> list[TitleCandidate]:
    """Titles for one (hook, method, angle) without an LLM: real hook x real exemplars x known formulas.

    outlier_patterns: the formulas of the hook's retrieved outliers (best evidence first); proven_packaging: the
    formulas of ``packaging.best`` not favoured by ``packaging.worst``; creator_hooks: the hook's own words. Up to
    ``per_task`` titles, each citing up to 3 exemplars that use its formula. Self-score: hook strength x 10."""
    if method == "creator_hooks":
        plans = [(OWN_WORDS, _OWN_WORDS_TEMPLATES[angle], list(outliers[:1]))]
    else:
        source = outliers if method == "outlier_patterns" else (packaging.best if packaging else ())
        avoid = packaging.worst if (packaging and method == "proven_packaging") else ()
        plans = [(name, _FORMULA[name].templates[angle], exs[:3]) for name, exs in formula_ranking(source, avoid)]
    out: list[TitleCandidate] = []
    for name, templates, exemplars in plans:
        title = next((t for t in (fill(tpl, slots) for tpl in templates) if t), None)
        if title and all(c.title != title for c in out):
            out.append(
                TitleCandidate(
                    title, hook.id, method, angle, name, tuple(exemplars), round(hook.strength * 10, 1), "offline"
                )
            )
        if len(out) == per_task:
            break
    return out


def plan_tasks(
    hooks: Sequence[Hook], methods: Sequence[str], angles: Sequence[str], grouped: bool
) -> list[GenerationTask]:
    """The generation branches: one per (hook, method, angle), or, ``grouped`` (LLM), one per method covering
    all hooks and angles, so that generation costs ``len(methods)`` calls."""
    ids = tuple(h.id for h in hooks)
    if grouped:
        return [GenerationTask(m, ids, tuple(angles)) for m in methods]
    return [GenerationTask(m, (h,), (a,)) for h in ids for m in methods for a in angles]


# ---------------------------------------------------------------------------------------------------------------
# Post-processing
# ---------------------------------------------------------------------------------------------------------------


def opener(title: str) -> str:
    """The first word of a title, lower-cased, numbers as "<n>" (so "5 Ways" and "7 Ways" share an opener)."""
    first = (re.findall(r"[\w$'’]+", title.lower()) or [""])[0]
    return "<n>" if re.match(r"^\$?\d", first) else first


def postprocess(
    candidates: Sequence[TitleCandidate],
    min_chars: int = DEFAULT_MIN_CHARS,
    max_chars: int = DEFAULT_MAX_CHARS,
    duplicate_ratio: float = DUPLICATE_RATIO,
    max_same_opener: int = MAX_SAME_OPENER,
) -> tuple[list[TitleCandidate], list[Cut]]:
    """(kept, cuts). Candidates are taken best self-score first; each is cut if its length is outside
    [``min_chars``, ``max_chars``] characters, if its rapidfuzz ratio (0-1, case-insensitive) with a kept title is
    at least ``duplicate_ratio``, or if ``max_same_opener`` kept titles already start with its first word."""
    kept: list[TitleCandidate] = []
    cuts: list[Cut] = []
    openers: Counter[str] = Counter()
    for c in sorted(candidates, key=lambda c: -c.self_score):
        n = len(c.title)
        if not min_chars <= n <= max_chars:
            side = "short" if n < min_chars else "long"
            cuts.append(Cut(c.title, "length", f"too {side}: {n} characters, the window is {min_chars}-{max_chars}"))
            continue
        twin = next((k for k in kept if fuzz.ratio(c.title.lower(), k.title.lower()) / 100 >= duplicate_ratio), None)
        if twin:
            ratio = fuzz.ratio(c.title.lower(), twin.title.lower()) / 100
            cuts.append(
                Cut(c.title, "near-duplicate", f"{ratio:.2f} similar to “{twin.title}” (limit {duplicate_ratio:.2f})")
            )
            continue
        first = opener(c.title)
        if openers[first] >= max_same_opener:
            cuts.append(Cut(c.title, "opener cap", f"already {max_same_opener} titles start with “{first}”"))
            continue
        openers[first] += 1
        kept.append(c)
    return kept, cuts


# ---------------------------------------------------------------------------------------------------------------
# The judge
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Criterion:
    """One rubric criterion: its weight (the weights sum to 1) and what a 1, 3 and 5 look like."""

    name: str
    weight: float
    question: str
    anchors: tuple[str, str, str]


RUBRIC: tuple[Criterion, ...] = (
    Criterion(
        "curiosity",
        0.25,
        "Does it open a question the viewer wants closed, without being vague?",
        ("states everything or nothing", "a mild question", "an itch the viewer must scratch"),
    ),
    Criterion(
        "specificity",
        0.20,
        "Numbers, names, stakes: can the viewer picture it?",
        ("generic words", "one concrete detail", "a vivid, precise image"),
    ),
    Criterion(
        "clarity",
        0.20,
        "Is it clear at a glance what the video is, readable in two seconds?",
        ("confusing or jargon", "clear after a second read", "instantly clear"),
    ),
    Criterion(
        "emotional pull",
        0.15,
        "Does it make the viewer feel something: wonder, fear, desire, surprise?",
        ("flat", "some pull", "strong, fitting emotion"),
    ),
    Criterion(
        "faithfulness",
        0.20,
        "Does the video (its hook) deliver exactly what the title promises?",
        ("misleading clickbait", "stretches the hook", "the hook delivers it fully"),
    ),
)
"""Weights: curiosity first (information-gap theory, Loewenstein 1994), specificity and clarity next (concrete,
readable headlines win A/B tests: see ``tools.scoring.scorer``), faithfulness weighted like them (clickbait lowers
credibility, Molyneux & Coddington 2020)."""

ANCHORS: tuple[tuple[int, Exemplar], ...] = (
    (5, Exemplar("Why Are 96,000,000 Black Balls on This Reservoir?", "Veritasium", 16.2)),
    (5, Exemplar("I read 40 books on money. Here's what will make you rich", "Nischa", 11.0)),
    (3, Exemplar("How Old Is The Earth?", "Veritasium", 0.97)),
    (3, Exemplar("6 Financial Goals To Achieve In Your 30s", "Nischa", 1.0)),
    (1, Exemplar("Destination: Alaska", "Veritasium", 0.05)),
    (1, Exemplar("Atomic Rant", "Veritasium", 0.04)),
)
"""Calibration anchors: real titles with the overall level they anchor and their real outlier multipliers (as
ingested from youtube_channel_uploads and youtube_ai_topic_videos; views / the channel's rolling median)."""


def rubric_score(criteria: dict[str, float]) -> float:
    """0-100 from criterion scores 1-5: sum of weight x (score - 1) / 4 x 100 (missing criteria count as 1)."""
    return round(sum(c.weight * (max(1.0, min(5.0, criteria.get(c.name, 1.0))) - 1) / 4 * 100 for c in RUBRIC), 1)


def resolve_pair(a_first: str, b_first: str) -> str:
    """The outcome of a pair judged in both orders. ``a_first`` is the verdict ("first" / "second" / "tie") when
    title a was shown first, ``b_first`` when b was. Returns "a", "b" or "tie": a title wins only if it wins in
    both orders; a disagreement (position bias) or any tie is a tie."""
    winner_1 = {"first": "a", "second": "b"}.get(a_first, "tie")
    winner_2 = {"first": "b", "second": "a"}.get(b_first, "tie")
    return winner_1 if winner_1 == winner_2 else "tie"


def apply_pairwise(order: list[str], verdicts: Sequence[PairVerdict]) -> list[str]:
    """``order`` (title ids, best first) after the pairwise results: a winner ranked below its loser moves to
    just above it; ties change nothing. Verdicts are applied in the order given."""
    order = list(order)
    for v in verdicts:
        if v.result == "tie":
            continue
        winner, loser = (v.a, v.b) if v.result == "a" else (v.b, v.a)
        if winner in order and loser in order and order.index(winner) > order.index(loser):
            order.remove(winner)
            order.insert(order.index(loser), winner)
    return order


def pairwise_pairs(candidates: Sequence[TitleCandidate], top: int = PAIRWISE_TOP) -> list[tuple[int, int]]:
    """Index pairs to compare: the ``top`` candidates by the deterministic scorer, each with its neighbour."""
    scores = score_titles([c.title for c in candidates]) if candidates else []
    leading = sorted(range(len(candidates)), key=lambda i: -scores[i].score)[:top]
    return list(zip(leading, leading[1:]))


def _judged(candidate: TitleCandidate, score: float, grade: str, criteria: dict[str, float], note: str) -> JudgedTitle:
    gap = round(candidate.self_score - score, 1)
    return JudgedTitle(candidate, score, grade, criteria, note, gap, abs(gap) >= GAP_FLAG_POINTS)


def judge_offline(candidates: Sequence[TitleCandidate]) -> Judgement:
    """The deterministic scorer as the judge: score 0-100, grade and components per title, best first; the note
    names the strongest and the weakest weighted component (0-100, penalties aside) and the scorer's fix for the
    weakest. No pairwise step: the scorer has no order."""
    scores = score_titles([c.title for c in candidates])
    judged = []
    for c, s in zip(candidates, scores):
        comps = sorted((k for k in s.components if k.weight > 0 and k.name != "penalties"), key=lambda k: -k.value)
        note = "; ".join(s.warnings)
        if comps:
            best, worst = comps[0], comps[-1]
            note = f"strongest: {best.name} ({best.value:.0f}); weakest: {worst.name} ({worst.value:.0f})"
            note += f": {worst.improvement}" if worst.improvement else ""
        judged.append(_judged(c, s.score, s.grade, {k.name: k.value for k in s.components}, note))
    judged.sort(key=lambda j: -j.score)
    return Judgement(judged, [], "the offline title scorer (tools.scoring.scorer)")


# --- LLM judge: schema, prompt and assembly ---


class CriterionScores(BaseModel):
    """The rubric scores of one title."""

    id: str = Field(description="The title's id, e.g. t3.")
    curiosity: int = Field(ge=1, le=5)
    specificity: int = Field(ge=1, le=5)
    clarity: int = Field(ge=1, le=5)
    emotional_pull: int = Field(ge=1, le=5)
    faithfulness: int = Field(ge=1, le=5)
    note: str = Field(description="One short sentence: the main strength or flaw.")


class PairOut(BaseModel):
    """One pairwise comparison, as asked."""

    pair: str = Field(description="The pair's id, e.g. p2.")
    winner: Literal["first", "second", "tie"]


class JudgeOut(BaseModel):
    """The judge's output: every title scored, every pair decided."""

    scores: list[CriterionScores]
    pairs: list[PairOut]


def judge_prompt(
    candidates: Sequence[TitleCandidate], hooks: dict[str, Hook], pairs: Sequence[tuple[int, int]]
) -> tuple[list[BaseMessage], list[tuple[str, int, int]]]:
    """(messages for the fast tier, the pair items asked: (pair id, index shown first, index shown second)).
    Each pair in ``pairs`` is asked twice, once in each order, under different ids and far apart in the list."""
    rubric = "\n".join(
        f"- {c.name} (weight {c.weight:.2f}): {c.question} 1 = {c.anchors[0]}; 3 = {c.anchors[1]}; 5 = {c.anchors[2]}."
        for c in RUBRIC
    )
    anchors = "\n".join(
        f"- level {lvl}: “{e.title}” ({e.channel}, {e.multiplier:g}x its channel's median views)" for lvl, e in ANCHORS
    )
    system = (
        "You judge YouTube titles for a creator. Score each title 1-5 on every criterion; be strict and use the "
        f"whole scale.\nRubric:\n{rubric}\nCalibration (real titles, overall level):\n{anchors}\n"
        'Then decide each pair: which title would get more clicks from the same audience, "first" or "second" '
        'as listed in the pair, or "tie".'
    )
    lines = ["Titles (with the hook each one comes from):"]
    for i, c in enumerate(candidates):
        h = hooks.get(c.hook_id)
        lines.append(f"t{i}: {c.title}  [hook: “{h.text[:160] if h else ''}”]")
    items = [(i, j) for i, j in pairs] + [(j, i) for i, j in pairs]
    asked = [(f"p{k}", first, second) for k, (first, second) in enumerate(items)]
    if asked:
        lines.append("\nPairs:")
        lines += [f"{pid}: first = t{a} | second = t{b}" for pid, a, b in asked]
    return [SystemMessage(system), HumanMessage("\n".join(lines))], asked


def judge_from_llm(
    candidates: Sequence[TitleCandidate], out: JudgeOut, asked: Sequence[tuple[str, int, int]], judge: str
) -> Judgement:
    """Assemble the LLM judge's output: rubric scores -> 0-100 (``rubric_score``), the pair items resolved in
    both orders (``resolve_pair``) and applied to the ranking (``apply_pairwise``). A title the judge skipped is
    scored by the offline scorer and its note says so."""
    by_id = {s.id: s for s in out.scores}
    verdict = {p.pair: p.winner for p in out.pairs}
    judged: dict[str, JudgedTitle] = {}
    missing = [i for i in range(len(candidates)) if f"t{i}" not in by_id]
    fallback = dict(zip(missing, score_titles([candidates[i].title for i in missing]))) if missing else {}
    for i, c in enumerate(candidates):
        s = by_id.get(f"t{i}")
        if s is None:
            f = fallback[i]
            judged[f"t{i}"] = _judged(c, f.score, f.grade, {}, "not scored by the judge: the offline scorer's score")
            continue
        criteria = {
            "curiosity": s.curiosity,
            "specificity": s.specificity,
            "clarity": s.clarity,
            "emotional pull": s.emotional_pull,
            "faithfulness": s.faithfulness,
        }
        score = rubric_score(criteria)
        judged[f"t{i}"] = _judged(c, score, grade_for(score), criteria, s.note)
    half = len(asked) // 2
    pairs = []
    for (pid_ab, a, b), (pid_ba, _, _) in zip(asked[:half], asked[half:]):
        a_first, b_first = verdict.get(pid_ab, "tie"), verdict.get(pid_ba, "tie")
        pairs.append(PairVerdict(f"t{a}", f"t{b}", a_first, b_first, resolve_pair(a_first, b_first)))
    order = sorted(judged, key=lambda k: -judged[k].score)
    order = apply_pairwise(order, pairs)
    return Judgement([judged[k] for k in order], pairs, judge)


# --- LLM generation: schema and prompt ---


class GeneratedTitle(BaseModel):
    """One title written by the model."""

    hook_id: str = Field(description="The id of the hook it comes from, e.g. h2.")
    angle: str = Field(description="One of the angles asked for.")
    title: str = Field(description="The title, 40-70 characters.")
    formula: str = Field(description="The formula it uses: one of the listed names, or a short name of your own.")
    exemplars: list[str] = Field(default_factory=list, description="Exemplar titles it drew on, copied exactly.")
    self_score: int = Field(ge=0, le=100, description="Your estimate, 0-100, of how well it will perform.")


class GenerationOut(BaseModel):
    """The titles of one generation call."""

    titles: list[GeneratedTitle]


def generation_prompt(
    task: GenerationTask,
    hooks: dict[str, Hook],
    analysis: ScriptAnalysis,
    outliers: dict[str, tuple[Exemplar, ...]],
    packaging: Packaging | None,
    per_pair: int = 2,
    min_chars: int = DEFAULT_MIN_CHARS,
    max_chars: int = DEFAULT_MAX_CHARS,
    creator_context: str = "",
) -> list[BaseMessage]:
    """Messages for one grouped generation call: the method, the angles, the hooks with their evidence, what is
    known about the creator (``creator_context``: their voice, learned preferences and channel evidence,
    ``tools.learning.blocks.MemoryBlocks.prompt_block``) and ``per_pair`` titles asked for each (hook, angle)."""
    formulas = ", ".join(f.name for f in FORMULAS)
    system = (
        "You write YouTube titles from a creator's own video: every title must be delivered by its hook. "
        f"Method: {task.method}, i.e. {METHODS[task.method]}. Known formulas: {formulas}. "
        f"Titles are {min_chars}-{max_chars} characters, varied in their first words, no ALL CAPS, no emoji. "
        "Cite the exemplar titles you drew on, copied exactly from the lists given."
    )
    lines = [f"Video topic: {analysis.topic}. Audience: {analysis.audience}."]
    if creator_context:
        lines.append(f"About the creator (write in their voice, follow their preferences):\n{creator_context}")
    lines.append("Angles:")
    lines += [f"- {a}: {ANGLES[a]}" for a in task.angles]
    if task.method == "proven_packaging" and packaging:
        lines.append(f"Proven packaging ({packaging.source}), best titles:")
        lines += [f"- {e.cite()}" for e in packaging.best]
        if packaging.worst:
            lines.append("Worst titles (avoid their patterns):")
            lines += [f"- {e.cite()}" for e in packaging.worst]
    for hid in task.hook_ids:
        h = hooks[hid]
        lines.append(f"\nHook {h.id} ({h.type}, at {h.at}): “{h.text}”")
        if task.method == "outlier_patterns":
            lines.append("Outliers retrieved for it:")
            lines += [f"- {e.cite()}" for e in outliers.get(hid, ())]
    lines.append(
        f"\nWrite {per_pair} titles for each hook and each angle ({len(task.hook_ids) * len(task.angles) * per_pair} in all)."
    )
    return [SystemMessage(system), HumanMessage("\n".join(lines))]


def candidates_from_llm(
    out: GenerationOut,
    task: GenerationTask,
    outliers: dict[str, tuple[Exemplar, ...]],
    packaging: Packaging | None,
    generator: str,
) -> tuple[list[TitleCandidate], list[str]]:
    """(candidates, rejected with reasons). A title must name a hook and an angle of the task; its exemplars
    are kept only if they are titles that were shown (the evidence is real); an unknown formula name is kept
    as the model's own."""
    shown = {e.title.lower(): e for es in outliers.values() for e in es}
    if packaging:
        shown.update({e.title.lower(): e for e in (*packaging.best, *packaging.worst)})
    kept, rejected = [], []
    for t in out.titles:
        if t.hook_id not in task.hook_ids or t.angle not in task.angles:
            rejected.append(f"“{t.title}”: hook {t.hook_id} / angle {t.angle} not asked for")
            continue
        exemplars = tuple(shown[x.lower()] for x in t.exemplars if x.lower() in shown)
        kept.append(
            TitleCandidate(
                " ".join(t.title.split()),
                t.hook_id,
                task.method,
                t.angle,
                t.formula,
                exemplars,
                float(t.self_score),
                generator,
            )
        )
    return kept, rejected


# ---------------------------------------------------------------------------------------------------------------
# Display
# ---------------------------------------------------------------------------------------------------------------


def shown_titles(judgement: Judgement, titles_per_hook: int) -> list[JudgedTitle]:
    """The titles a creator is shown, in the order they are numbered (1 = first): the ranking, at most
    ``titles_per_hook`` from each hook."""
    shown: list[JudgedTitle] = []
    per_hook: Counter[str] = Counter()
    for j in judgement.ranked:
        if per_hook[j.candidate.hook_id] < titles_per_hook:
            shown.append(j)
            per_hook[j.candidate.hook_id] += 1
    return shown


def titles_markdown(
    analysis: ScriptAnalysis,
    hooks: Sequence[Hook],
    judgement: Judgement,
    cuts: Sequence[Cut],
    titles_per_hook: int,
    channel: str | None,
) -> str:
    """The ranked titles a creator reads: each with its score, hook, method, angle, formula and exemplars; the
    flags, the pairwise results and a summary of the cuts."""
    by_id = {h.id: h for h in hooks}
    shown = shown_titles(judgement, titles_per_hook)
    lines = [
        f"**Titles** (ranked by {judgement.judge}; {len(shown)} shown of {len(judgement.ranked)} judged"
        + (f"; proven packaging from {channel}" if channel else "")
        + ")",
        "",
    ]
    for rank, j in enumerate(shown, 1):
        c = j.candidate
        h = by_id.get(c.hook_id)
        where = f"{h.id} at {h.at}, {h.type}" if h else c.hook_id
        lines.append(f"{rank}. **{c.title}**: {j.score:.0f}/100 ({j.grade})")
        lines.append(f"   - from hook {where} · {c.method.replace('_', ' ')} · {c.angle} angle · formula: {c.formula}")
        if c.exemplars:
            lines.append("   - exemplars: " + "; ".join(e.cite() for e in c.exemplars))
        lines.append(f"   - judge: {j.note}")
        if j.flagged:
            lines.append(
                f"   - ⚠ the generator rated it {c.self_score:.0f}, the judge {j.score:.0f}: check it yourself"
            )
    resolved = [p for p in judgement.pairs if p.result != "tie"]
    if judgement.pairs:
        lines.append(
            f"\n_Pairwise (both orders): {len(resolved)} decided, {len(judgement.pairs) - len(resolved)} ties "
            "(an order-dependent verdict counts as a tie)._"
        )
    if cuts:
        by_rule = Counter(c.rule for c in cuts)
        lines.append("\n_Cut: " + ", ".join(f"{n} {rule}" for rule, n in by_rule.items()) + "._")
    return "\n".join(lines)


def hooks_used_markdown(hooks: Sequence[Hook], dropped: Sequence[tuple[Hook, str]]) -> str:
    """The hooks turned into titles (with time and bucket) and how many were left out."""
    lines = ["**Hooks used**"]
    lines += [f"- {h.id} · {h.at} ({h.bucket}) · {h.type} · strength {h.strength:.1f}: “{h.text}”" for h in hooks]
    if dropped:
        lines.append(
            f"_{len(dropped)} other hook(s) left out (quality gate {MIN_HOOK_STRENGTH:.0f}/10, one per time bucket first)._"
        )
    return "\n".join(lines)
