"""Writing titles without an LLM, and cleaning any generator's output: the title formulas, the slots a hook fills,
the offline titles (real hook x real exemplars x known formulas), the generation branches, and post-processing
(length window, near-duplicates, opener caps). Pure functions; the types are ``tools.titles.candidates``."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace

from rapidfuzz import fuzz
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from tools.scripts.hooks import Hook, ScriptAnalysis
from tools.scripts.topic import is_plural
from tools.titles.candidates import (
    DEFAULT_MAX_CHARS,
    DEFAULT_MIN_CHARS,
    Cut,
    Exemplar,
    GenerationTask,
    Packaging,
    TitleCandidate,
)
from tools.titles.fluency import Evidence, check_title

DUPLICATE_RATIO = 0.82
"""Two titles whose rapidfuzz ratio (0-1, case-insensitive) is at least this are near-duplicates: one is cut."""

MAX_SAME_OPENER = 2
"""At most this many kept titles may start with the same word (a list of "Why ..." titles reads as one idea)."""


@dataclass(frozen=True)
class Formula:
    """A known title structure: ``pattern`` finds it in a real title (lower-cased); ``templates`` per angle use
    the slots {S} (the video's main concept, with its article: "the Fourier Transform"), {S2} (a second concept,
    the hook's own when it names one), {S3} (a third), {Q} (the hook as a question), {C} (the hook's claim), {N} (a number phrase
    of the hook) and {F} (a first-person clause), and agree with the subject through {Is} ("Is" / "Are") and {s} (a
    verb's "s"), {It} / {It_obj} ("It" / "They", "It" / "Them") and {es} ("Does" / "Do"), and with the second
    concept through {Does2} ("Does" / "Do"); a template whose slots are missing is skipped, and one that promises visuals ("Visual...") is used
    only when the script shows or draws things (``Slots.visual``). Every template is a complete phrase: nothing is
    glued onto a clause lifted from speech."""

    name: str
    pattern: str
    templates: dict[str, tuple[str, ...]]


FORMULAS: tuple[Formula, ...] = (
    Formula(
        "question",
        r"\?\s*$",
        {
            "curiosity": ("What {Is} {S}, Really? A Visual Explanation", "{Q}", "What {Does2} {S2} Have to Do With {S}?",
                          "What {Is} {S}, Really?"),
            "stakes": ("{Q}", "Are You Thinking About {S} the Wrong Way?", "Do You Really Understand {S}?"),
            "newcomer": ("What {Is} {S}? A Visual Introduction", "What {Is} {S}? An Intuitive Explanation",
                         "What {Is} {S}, and Where {Does2} {S2} Come In?"),
        },
    ),
    Formula(
        "number-first",
        r"^(?:the )?\$?\d",
        {
            "curiosity": ("{N}: {C}",),
            "stakes": ("{N}: {C}",),
            "newcomer": ("{N}: {C}",),
        },
    ),
    Formula(
        "how/why explainer",
        r"^(?:how|why)\b",
        {
            "curiosity": ("How {S} Actually Work{s}, Explained Visually", "Why {S} Work{s} the Way {It} Do{es}",
                          "Why {S} Work{s}: The Intuition Nobody Teaches"),
            "stakes": ("Why Most People Get {S} Wrong", "Why {S} Matter{s} More Than You Think"),
            "newcomer": ("How {S} Work{s}, Explained Visually", "How {S} Work{s}: The Intuition Behind {It_obj}",
                         "How {S} Work{s}, Explained for Beginners"),
        },
    ),
    Formula(
        "reveal",
        r"\b(?:truth|secret|nobody|no one|never|really|hidden|surprising|mistake|wrong|actually)\b",
        {
            "curiosity": ("The Hidden Idea Behind {S}", "The Surprising Link Between {S} and {S2}"),
            "stakes": ("The Truth About {S} Nobody Tells You", "What Nobody Tells You About {S}"),
            "newcomer": ("{S}: What Nobody Explains to Beginners", "The Idea Behind {S} That Nobody Explains"),
        },
    ),
    Formula(
        "superlative",
        r"\b(?:most|best|worst|biggest|largest|smallest|fastest|strongest|only|world'?s)\b",
        {
            "curiosity": ("The Most Surprising Thing About {S}", "The Most Beautiful Idea Behind {S}"),
            "stakes": ("The Biggest Mistake People Make About {S}",),
            "newcomer": ("The Simplest Way to Understand {S}", "The Best Way to Finally Understand {S}"),
        },
    ),
    Formula(
        "first-person story",
        r"^(?:i|we)\b|\b(?:i|we) (?:tried|spent|built|made|bought|read|quit|tested|asked)\b",
        {
            "curiosity": ("{F}", "{F}: Here's What Happened", "{F}: The Results"),
            "stakes": ("{F}: Here's What Happened", "{F}, and It Changed How I See {S}", "{F}: Was It Worth It?"),
            "newcomer": ("{F}: What I Learned About {S}", "{F}: What Worked and What Didn't"),
        },
    ),
    Formula(
        "versus",
        r"\bvs\.?(?=\s|$)|\bversus\b",
        {
            "curiosity": ("{S} vs {S2}: What's the Difference?",),
            "stakes": ("{S} vs {S2}: The Difference That Matters",),
            "newcomer": ("{S} vs {S2}, Explained Simply",),
        },
    ),
    Formula(
        "topic: hook",
        r":\s|\s[-–—|]\s",
        {
            "curiosity": ("{S} and {S2}, Visualized", "{S}: {C}", "{S}, {S2} and {S3}: How They Connect",
                          "Understanding {S}: The Intuition Behind {It_obj}"),
            "stakes": ("{S}: What Most People Get Wrong", "{S}: The Part Everyone Skips"),
            "newcomer": ("{S}, {S2} and {S3}, Explained Visually", "{S} and {S2}: The Intuition",
                         "{S}, Explained Visually From Scratch", "{S} and {S2}: A Visual Guide"),
        },
    ),
)
_FORMULA = {f.name: f for f in FORMULAS}
OWN_WORDS = "the hook's own words"
_OWN_WORDS_TEMPLATES = {
    "curiosity": ("{Q}", "{C}"),
    "stakes": ("{C}", "{Q}"),
    "newcomer": ("{S}: {C}", "{S} and {S2}, Visualized"),
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
    a conjunction or a condition: "how I would invest my first $1000 if I was starting today" -> "how I would invest
    my first $1000"; trailing function words dropped), or None when it has no such clause."""
    text = _LEADING_FILLERS.sub("", " ".join(text.split())).rstrip(" ,.;:!?")
    if len(text) > limit:
        window = text[: limit + 1]
        cuts = [m.start() for m in re.finditer(r",\s|\s(?:and|but|because|while|although|if|unless)\s", window)]
        if not cuts or cuts[-1] < limit // 2:
            return None
        text = window[: cuts[-1]]
    words = text.rstrip(" ,").split()
    while words and words[-1].lower() in _STOP:
        words.pop()
    return " ".join(words) if len(words) >= 4 else None


@dataclass(frozen=True)
class Slots:
    """What a hook offers a template (``Formula``): the video's main concept, a second and a third one, the hook as a
    question, its claim, a number phrase and a first-person clause; None where there is none or where the hook's
    words do not pass the fluency guard (``tools.titles.fluency``) or name none of the video's concepts.
    ``plural`` / ``plural2``: the main / second concept is a plural noun; ``visual``: the script shows or draws what it explains; ``name``:
    the main concept is a name (every word capitalised: a person, a place, a named puzzle), which "How X Works"
    templates do not fit."""

    S: str | None
    S2: str | None
    S3: str | None
    Q: str | None
    C: str | None
    N: str | None
    F: str | None
    plural: bool = False
    plural2: bool = False
    visual: bool = False
    name: bool = False


VISUAL_WORDS = frozenset(
    "visualize visualise visualized visualizing visualization animation animations animated picture pictures draw "
    "drawing drawn diagram diagrams graph graphs geometric geometry geometrically imagine shape shapes plot plotted "
    "screen".split()
)
"""Words of a script that shows what it explains: only then may a title promise "Visually" / "Visualized"."""


def _on_topic(text: str, subjects: Sequence[str]) -> bool:
    low = text.lower()
    heads = {s.lower().removeprefix("the ").split()[-1].rstrip("s") for s in subjects if s and s.split()}
    return any(re.search(r"\b" + re.escape(h), low) for h in heads if len(h) >= 3)


def _guarded(text: str | None, subjects: Sequence[str], evidence: Evidence) -> str | None:
    """``text`` when it passes the fluency guard and names one of ``subjects``, else None."""
    if not text or not _on_topic(text, subjects) or not check_title(text, evidence).ok:
        return None
    return text


MAX_CLAIM_WORDS = 9
"""The longest hook clause used as a title's claim: spoken clauses longer than this read as sentences."""


def hook_slots(hook: Hook, analysis: ScriptAnalysis, evidence: Evidence) -> Slots:
    """The slots of a hook. The subject is the video's main concept (``analysis.concepts``, from
    ``tools.scripts.topic``; else its key entities, else its topic), so every title says what the video is about; the
    second subject is the first other concept the hook says, else the next concept. The hook's question, claim and
    first-person clause are kept only when they pass the fluency guard against ``evidence`` and name a concept."""
    concepts = list(analysis.concepts) or list(analysis.key_entities) or \
        [t.strip() for t in analysis.topic.split(",") if t.strip() and analysis.topic != "unknown"]
    if concepts and _is_name(concepts[0]) and (thing := next((c for c in concepts[1:3] if not _is_name(c)), None)):
        concepts.remove(thing)  # a person or a place is what the video is about less often than a thing it explains
        concepts.insert(0, thing)
    subject = concepts[0] if concepts else None
    hook_low = hook.text.lower()
    others = [c for c in concepts[1:] if subject and c.lower().removeprefix("the ") not in subject.lower()]
    second = next((c for c in others if c.lower().removeprefix("the ") in hook_low), others[0] if others else None)
    third = next((c for c in others if c != second and second and c.lower().removeprefix("the ") not in second.lower()),
                 None)
    subjects = concepts[:4] + list(analysis.key_entities[:4])
    question = None
    if hook.text.rstrip().endswith("?"):
        q = _LEADING_FILLERS.sub("", _ASIDES.sub("", hook.text.strip()))
        while len(q) > 80 and ", " in q:  # keep the asking clause: "Of course, ..., how would you X?" -> "How would you X?"
            q = q.split(", ", 1)[1]
        if len(q) <= 80 and len(q.split()) >= 4:
            question = _guarded(title_case(q[0].upper() + q[1:]), subjects, evidence)
    claim = _clause(hook.text)
    if claim and hook.id == "idea":  # a described plan ("I test 5 apps") is titled as done ("I Tested 5 Apps")
        claim = re.sub(r"^((?:i|we)\s+)(\w+)", lambda m: m.group(1) + past_tense(m.group(2)), claim, flags=re.IGNORECASE)
    if claim and ("," in claim or len(claim.split()) > MAX_CLAIM_WORDS):
        claim = None  # a long or comma-spliced clause of speech reads as a sentence, not a title
    claim_title = title_case(claim[0].upper() + claim[1:]) if claim else None
    if hook.id == "idea":  # a described idea is the topic itself: its clause needs only to read as a title
        claim_title = claim_title if claim_title and check_title(claim_title, evidence).ok else None
    else:
        claim_title = _guarded(claim_title, subjects, evidence)
    number = None
    if m := _NUMBER_PHRASE.search(_LEADING_FILLERS.sub("", " ".join(hook.text.split()))):
        n = _NUMBER_WORDS.get(m.group(1).lower(), m.group(1))
        if m.group(2) and m.group(2).split()[-1].lower() not in _STOP:
            number = title_case(f"{n} {m.group(2)}")
    first_person = None
    if claim and re.match(r"^(?:i|we)\s+\w+(?:ed|t)\b", claim, re.IGNORECASE):
        first_person = _guarded(title_case(claim), [*subjects, claim], evidence)
    return Slots(
        S=_phrase(subject),
        S2=_phrase(second),
        S3=_phrase(third),
        Q=question,
        C=claim_title,
        N=number if claim_title else None,
        F=first_person,
        plural=bool(subject and is_plural(subject)),
        plural2=bool(second and is_plural(second)),
        visual=bool(evidence.words & VISUAL_WORDS),
        name=bool(subject and _is_name(subject)),
    )


_IRREGULAR_PAST = {"build": "built", "spend": "spent", "make": "made", "buy": "bought", "quit": "quit", "eat": "ate",
                   "run": "ran", "read": "read", "go": "went", "try": "tried", "sell": "sold", "find": "found",
                   "get": "got", "take": "took", "give": "gave", "become": "became", "do": "did", "cut": "cut"}


def past_tense(verb: str) -> str:
    """The simple past of an English verb ("test" -> "tested", "try" -> "tried", "build" -> "built"); a verb already
    in the past ("tested", "built") is returned as it is."""
    low = verb.lower()
    if low in _IRREGULAR_PAST.values() or low.endswith("ed"):
        return verb
    if low in _IRREGULAR_PAST:
        return _IRREGULAR_PAST[low]
    if low.endswith("e"):
        return verb + "d"
    if re.search(r"[^aeiou]y$", low):
        return verb[:-1] + "ied"
    return verb + "ed"


def _is_name(concept: str) -> bool:
    """Every word of the concept is capitalised (a person, a place, a named puzzle: "Johann Bernoulli")."""
    return all(w[:1].isupper() for w in concept.split() if w.lower() not in _SMALL_WORDS)


def _phrase(concept: str | None) -> str | None:
    """A concept as a title slot: Title Case, its article lower-case ("the Fourier Transform"; ``fill`` capitalises
    a title's first letter)."""
    if not concept:
        return None
    cased = title_case(concept)
    return "the" + cased[3:] if cased.startswith("The ") else cased


def fill(template: str, slots: Slots) -> str | None:
    """The template with its slots filled, or None when a slot it uses is missing, it promises visuals the script
    does not have, it asks how a name "works" or what a name "is", or two slots repeat a word."""
    values = asdict(slots)
    needed = set(re.findall(r"\{(\w+)\}", template)) - {"Is", "s", "It", "It_obj", "es", "Does2"}
    if any(values.get(k) is None for k in needed) or ("Visual" in template and not slots.visual) or \
            (slots.name and ("Work{s}" in template or "{Is} {S}" in template)):
        return None
    words = [w for k in needed for w in set(re.findall(r"[a-z]{4,}", values[k].lower()))]
    if len(words) != len(set(words)):
        return None  # two slots say the same thing ("4 Books ... Books")
    plural = slots.plural
    title = template.format(**values, Is="Are" if plural else "Is", s="" if plural else "s",
                            It="They" if plural else "It", It_obj="Them" if plural else "It", es="" if plural else "es",
                            Does2="Do" if slots.plural2 else "Does")
    title = re.sub(r"\s+([,:?])", r"\1", re.sub(r"\?\?|\?:", "?", title)).strip()
    return title[:1].upper() + title[1:]


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


FALLBACK_ORDER = ("how/why explainer", "topic: hook", "question", "reveal", "superlative", "versus",
                  "first-person story", "number-first")
"""Formulas tried when the exemplars' own could not be filled: first the structures that promise understanding (what
a video explaining a concept delivers), then the rest of the library."""


def _rotate(items: Sequence[str], by: int) -> tuple[str, ...]:
    k = by % len(items) if items else 0
    return tuple(items[k:]) + tuple(items[:k])


def offline_titles(
    hook: Hook,
    method: str,
    angle: str,
    slots: Slots,
    outliers: Sequence[Exemplar],
    packaging: Packaging | None,
    per_task: int = 3,
) -> list[TitleCandidate]:
    """Titles for one (hook, method, angle) without an LLM: real hook x real exemplars x known formulas.

    outlier_patterns: the formulas of the hook's retrieved outliers (best evidence first); proven_packaging: the
    formulas of ``packaging.best`` not favoured by ``packaging.worst``; then, when the exemplars' formulas could not
    be filled, the library's other formulas (with no exemplar: the evidence says so), those the hook's own specifics
    fill first (a first-person experience, its question, a number), then ``FALLBACK_ORDER``; creator_hooks:
    the hook's own words. Up to ``per_task`` titles (the first template of every formula before the second of any;
    which template is first turns with the hook and the method, so that branches sharing the video's concepts write
    different titles),
    each citing up to 3 exemplars that use its formula. Self-score:
    hook strength x 10."""
    turn = sum(map(ord, hook.id + method))  # each (hook, method) branch starts at another template of each formula
    if method == "creator_hooks":
        plans = [(OWN_WORDS, _rotate(_OWN_WORDS_TEMPLATES[angle], turn), list(outliers[:1]))]
    else:
        source = outliers if method == "outlier_patterns" else (packaging.best if packaging else ())
        avoid = packaging.worst if (packaging and method == "proven_packaging") else ()
        plans = [(name, _rotate(_FORMULA[name].templates[angle], turn), exs[:3])
                 for name, exs in formula_ranking(source, avoid)]
        used = {name for name, _, _ in plans}
        own = [name for name, slot in (("first-person story", slots.F), ("question", slots.Q),
                                       ("number-first", slots.N)) if slot]  # the hook's own specifics first
        plans += [(name, _rotate(_FORMULA[name].templates[angle], turn), [])
                  for name in dict.fromkeys([*own, *FALLBACK_ORDER]) if name not in used]
    out: list[TitleCandidate] = []
    filled = [(turn, order, name, title, exemplars) for order, (name, templates, exemplars) in enumerate(plans)
              for turn, title in enumerate(t for t in (fill(tpl, slots) for tpl in templates) if t)]
    for _, _, name, title, exemplars in sorted(filled, key=lambda f: (f[0], f[1])):  # one per formula first
        if all(c.title != title for c in out) and len(out) < per_task:
            out.append(TitleCandidate(title, hook.id, method, angle, name, tuple(exemplars),
                                      round(hook.strength * 10, 1), "offline"))
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
    """The first word of a title after an article, lower-cased, numbers as "<n>" (so "5 Ways" and "7 Ways" share an
    opener; "The Truth ..." and "The Hidden ..." do not)."""
    words = re.findall(r"[\w$'’]+", title.lower()) or [""]
    first = words[1] if words[0] in ("the", "a", "an") and len(words) > 1 else words[0]
    return "<n>" if re.match(r"^\$?\d", first) else first


def postprocess(
    candidates: Sequence[TitleCandidate],
    min_chars: int = DEFAULT_MIN_CHARS,
    max_chars: int = DEFAULT_MAX_CHARS,
    duplicate_ratio: float = DUPLICATE_RATIO,
    max_same_opener: int = MAX_SAME_OPENER,
    evidence: Evidence | None = None,
) -> tuple[list[TitleCandidate], list[Cut]]:
    """(kept, cuts). Candidates are taken best self-score first; each is cut if the fluency guard rejects it
    (``tools.titles.fluency.check_title`` against ``evidence``, the video's words), if its length is outside
    [``min_chars``, ``max_chars``] characters, if its rapidfuzz ratio (0-1, case-insensitive) with a kept title is at
    least ``duplicate_ratio``, or if ``max_same_opener`` kept titles already start with its first word."""
    kept: list[TitleCandidate] = []
    cuts: list[Cut] = []
    openers: Counter[str] = Counter()
    for c in sorted(candidates, key=lambda c: -c.self_score):
        verdict = check_title(c.title, evidence)
        if not verdict.ok:
            cuts.append(Cut(c.title, "fluency", "; ".join(verdict.problems)))
            continue
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


WEAK_DRAFTS = 3
"""Drafts shown, marked weak, when no title passes the checks."""


def weak_drafts(candidates: Sequence[TitleCandidate], cuts: Sequence[Cut], limit: int = WEAK_DRAFTS
                ) -> list[TitleCandidate]:
    """When nothing passed ``postprocess``: the best ``limit`` distinct drafts (by self-score) that were cut for
    fluency or length, each marked ``weak`` with the reason it was cut, so the creator sees drafts to edit rather than
    nothing. [] when there was no draft at all."""
    why = {c.title: c.reason for c in cuts if c.rule in ("fluency", "length")}
    out: list[TitleCandidate] = []
    for c in sorted(candidates, key=lambda c: -c.self_score):
        if c.title in why and all(fuzz.ratio(c.title.lower(), o.title.lower()) / 100 < DUPLICATE_RATIO for o in out):
            out.append(replace(c, weak=why[c.title]))
        if len(out) == limit:
            break
    return out
