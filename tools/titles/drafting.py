"""Writing titles without an LLM, and cleaning any generator's output: the title formulas, the slots a hook fills,
the offline titles (real hook x real exemplars x known formulas), the generation branches, and post-processing
(length window, near-duplicates, opener caps). Pure functions; the types are ``tools.titles.candidates``."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from rapidfuzz import fuzz
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from tools.scripts.hooks import Hook, ScriptAnalysis, named_things
from tools.titles.candidates import (
    DEFAULT_MAX_CHARS,
    DEFAULT_MIN_CHARS,
    Cut,
    Exemplar,
    GenerationTask,
    Packaging,
    TitleCandidate,
)

DUPLICATE_RATIO = 0.82
"""Two titles whose rapidfuzz ratio (0-1, case-insensitive) is at least this are near-duplicates: one is cut."""

MAX_SAME_OPENER = 2
"""At most this many kept titles may start with the same word (a list of "Why ..." titles reads as one idea)."""


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
