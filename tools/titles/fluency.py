"""The fluency guard: does a title read as a complete title a creator would publish, and does it promise only what
the video holds? Both generators (the offline drafter and an LLM) go through it before the judge, and the judge's
grade is gated by it (``tools.titles.judge``): a fragment is never graded A.

A title fails for any of these problems (each said in a creator's words):

- **dangling word**: it ends on an article, conjunction, preposition, auxiliary or possessive ("... and the"),
  except a question that ends on a preposition ("What Is It Made Of?") and an auxiliary after its subject ("... the
  Way They Do");
- **starts mid-sentence**: it opens with a connector ("And", "But", "Which", "Because", "Than" ...);
- **clause without a main clause**: a subordinate clause alone ("When Both of Them Are Played"), unless it speaks to
  the viewer ("When You ...") or asks;
- **speech residue**: spoken fillers and pointing words lifted from a transcript ("you know", "kind of", "over
  here", "as we just saw", "we're going to" ...);
- **pronoun with nothing to point to**: its first content word is "they", "them", "these", "those", "he", "she",
  "its" or "their" (after "both of", "all of" ...): the title never names what it is about;
- **glued suffix**: a stock ending (", and Why It Matters", ", Explained Simply", ": Here's What Happened" ...) after
  a part that is not a title by itself;
- **word list**: three or more comma-separated words or pairs and nothing joining them ("Budget, Money, Savings");
- **repeated word** twice in a row, or in two comma-joined parts of one section ("A Negative, Not Even a Negative
  ...": speech restarting; a word repeated across the `|`, `:` or dash sections of a real title is a choice);
- **broken punctuation**: ends on a comma, colon or dash, doubled punctuation, unbalanced brackets or quotes;
- **speech**: none of the above, and still a line of speech rather than a title ("Walk You Through Exactly How You
  Can Set"): the title-likeness model says so (``tools.titles.titleness``, fitted on real titles and transcript
  windows of sources the held-out eval set does not use);
- **length**: under 2 words, or over YouTube's 100 characters;
- **unsupported promise** (with the video's ``Evidence``): a number, a name, or a first-person experiment ("I
  Tried ...", "for 30 Days") that the transcript or description never says.

Its precision and recall are measured on a hand-written labelled set (``evals/datasets/titles/fluency.v1.jsonl``)
and a held-out one (``fluency.v2.jsonl``) by ``cortex eval titles``. No database; the title-likeness model is
fitted once per data dir and cached.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tools.titles.titleness import get_titleness_model

_ARTICLES = {"a", "an", "the"}
_CONJUNCTIONS = {"and", "or", "but", "nor", "yet", "because", "although", "though", "while", "if", "than", "that",
                 "which", "whose", "whereas", "unless", "whether"}
_PREPOSITIONS = {"of", "to", "in", "on", "at", "for", "with", "from", "by", "about", "into", "onto", "over", "under",
                 "between", "through", "like", "as", "via", "without", "within", "across", "toward", "towards"}
_AUXILIARIES = {"is", "are", "was", "were", "be", "been", "being", "has", "have", "had", "do", "does", "did", "will",
                "would", "can", "could", "should", "may", "might", "must", "shall", "it's", "that's", "there's"}
_POSSESSIVES = {"my", "your", "his", "her", "its", "our", "their", "very", "really", "just", "not", "so", "such"}
DANGLING_END = _ARTICLES | _CONJUNCTIONS | _PREPOSITIONS | _AUXILIARIES | _POSSESSIVES
"""Words a complete title does not end on."""

DANGLING_START = {"and", "but", "or", "nor", "because", "which", "than", "whereas", "plus", "also", "then", "therefore",
                  "hence", "thus", "namely", "though", "meaning", "whose", "whom"}
"""Words a complete title does not open with: they continue a sentence that started before it."""

SUBORDINATORS = {"when", "if", "while", "although", "whereas", "since", "unless", "once", "whenever", "wherever"}
"""Openers of a subordinate clause: a title of only such a clause is a fragment (unless it asks or says "you")."""

_SPEECH = re.compile(
    r"\b(?:you know|i mean|kind of|sort of|gonna|wanna|gotta|okay|um+|uh+|yeah|let's say|so to speak|i guess|"
    r"you see|we(?:'re| are) going to|i(?:'m| am) going to|i want(?:ed)? to (?:show|talk|say)|let me|as i said|"
    r"as we (?:just |already )?(?:saw|said|did|showed)|we just (?:saw|did|said|showed)|in this video|"
    r"over here|right here|up here|down here|over there|this one|that one|like this|like that|this guy|this thing|"
    r"you can see|notice that|remember that|which means|so now|for example|for instance|in other words|"
    r"and so on|etc|basically|literally|it turns out|turns out that|not only does|this same|that same)\b",
    re.IGNORECASE,
)
_POINTING = {"they", "them", "these", "those", "he", "she", "him", "its", "their", "theirs"}
_LEADS = re.compile(r"^(?:(?:both|all|each|either|neither|one|some|most|many|none|two|three) of\s+|the \w+ of\s+)",
                    re.IGNORECASE)
STOCK_SUFFIXES = (
    ", and why it matters", "and why it matters", ", explained simply", ", explained", ": here's what happened",
    ": here is what happened", " (and what it cost me)", ", explained for complete beginners",
    ": a simple explanation for everyone", " (it's not what you think)",
)
"""Stock endings a drafter glues on; the part before one must be a title by itself."""
_SUBJECTS = {"i", "you", "we", "they", "it", "he", "she"}
_WH = {"what", "why", "how", "who", "whom", "which", "where", "when", "whose"}
MIN_WORDS = 2
"""A title of one word does not say what the video is; two can ("The Brachistochrone", "Papyrus 2")."""
_SMALL = {"the", "and", "for", "with", "that", "this", "from", "your", "what", "into", "than", "when", "then", "they",
          "them", "have", "will", "more", "most", "much", "just"}


@dataclass(frozen=True)
class FluencyVerdict:
    """``ok``: the title passes; ``problems``: what is wrong, in a creator's words (empty when ok)."""

    ok: bool
    problems: tuple[str, ...]


@dataclass(frozen=True)
class Evidence:
    """What a video holds, to check a title's promises against: the lower-case words of its transcript or
    description (``words``), the numbers it says (``numbers``, digits as written and number words as digits), the
    verbs of the first-person experiences it tells (``first_person``: "tried" for "I tried", "built" for "we
    built" ...) and the durations it names (``durations``: "30 days")."""

    words: frozenset[str]
    numbers: frozenset[str]
    first_person: frozenset[str]
    durations: frozenset[str] = frozenset()

    @classmethod
    def from_text(cls, text: str) -> Evidence:
        """The evidence of a transcript or a described idea."""
        low = text.lower().replace("’", "'")
        words = frozenset(re.findall(r"[a-z][a-z'-]*", low)) | frozenset(re.sub(r"'s$", "", w) for w in
                                                                           re.findall(r"[a-z][a-z'-]*", low))
        numbers = {n.replace(",", "") for n in re.findall(r"\d[\d,]*(?:\.\d+)?", low)}
        numbers |= {str(v) for w, v in _NUMBER_WORDS.items() if re.search(rf"\b{w}\b", low)}
        first = frozenset(_PAST.get(v, v) for v in re.findall(r"\b(?:i|we)\s+(?:\w+\s+)?(" + _EXPERIMENTS + r")\b", low))
        durations = frozenset(f"{_NUMBER_WORDS.get(n, n)} {u.rstrip('s')}" for n, u in
                              re.findall(r"\b(\d+|" + "|".join(_NUMBER_WORDS) + r")\s+(day|week|month|year)s?\b", low))
        return cls(words, frozenset(numbers), first, durations)


_PAST = {"tried": "try", "tested": "test", "spent": "spend", "built": "build", "made": "make", "bought": "buy",
         "quit": "quit", "lived": "live", "ate": "eat", "ran": "run", "asked": "ask", "read": "read", "learned": "learn",
         "lost": "lose", "saved": "save", "earned": "earn", "became": "become", "used": "use", "went": "go"}
_EXPERIMENTS = "|".join([*_PAST, *sorted(set(_PAST.values()) - set(_PAST))])
"""First-person experience verbs (past and base forms); compared by their base form."""
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                 "ten": 10, "twelve": 12, "twenty": 20, "thirty": 30, "fifty": 50, "hundred": 100}


def _words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z0-9$][A-Za-z0-9'’$%.-]*", text)


def _clean(word: str) -> str:
    return word.lower().replace("’", "'").strip(".-'")


def _stem(word: str) -> str:
    w = _clean(word)
    w = re.sub(r"'s$", "", w)
    for suffix in ("ies", "es", "s"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3 and not w.endswith(("ss", "us", "is")):
            return w[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return w


def _structure_problems(title: str) -> list[str]:
    """The problems that need no evidence (module docstring), for one title or one part of it."""
    problems: list[str] = []
    words = _words(title)
    if len(words) < MIN_WORDS:
        return [f"too short to say what the video is (under {MIN_WORDS} words)"]
    low = [_clean(w) for w in words]
    question = title.rstrip().endswith("?")
    last = low[-1]
    asks_back = question and (last in _POSSESSIVES or (low[0] in _WH | _AUXILIARIES and last in _PREPOSITIONS))
    elliptic = last in _AUXILIARIES and len(low) > 2 and low[-2] in _SUBJECTS and low[-3] in {"way", "as", "than"}
    teaser = title.rstrip().endswith(("...", "…"))  # a deliberate cliffhanger: "We're Getting Married In..."
    if last in DANGLING_END and not asks_back and not elliptic and not teaser:  # "What Is It Made Of?", "..., Really?" are whole
        problems.append(f"ends on “{words[-1]}”, so it stops mid-phrase")
    if low[0] in DANGLING_START and not ("?" in title and low[0] in _WH):
        problems.append(f"starts with “{words[0]}”, as if it continued a sentence")
    if low[0] in SUBORDINATORS and not question and not title.rstrip().endswith("!") and "you" not in low and not re.search(r"[,:;–—|]|\s-\s", title):
        problems.append(f"is only a “{words[0]} ...” clause with no main clause")
    if m := _SPEECH.search(title):
        problems.append(f"reads like speech (“{m.group(0)}”), not like a title")
    if not problems and (model := get_titleness_model()) is not None and model.reads_as_speech(title):
        problems.append("reads like a line of speech, not like a title")
    rest = _LEADS.sub("", title.strip())
    first = next((_clean(w) for w in _words(rest) if _clean(w) not in _ARTICLES), "")
    if first in _POINTING:
        problems.append(f"“{first}” points to something the title never names")
    return problems


def _repeats(title: str) -> str | None:
    """A content word said twice in a row, or in two comma-joined parts of one section of the title ("A Negative,
    Not Even a Negative ...": speech that restarts), or None. Sections split at ``:``, ``|`` and dashes are the
    search-keyword parts real titles add ("... Highlights | NBA Highlights", "... - Supermarket Simulator"): a word
    repeated across them is a choice, not a slip."""
    words = [_clean(w) for w in _words(title)]
    if twin := next((a for a, b in zip(words, words[1:]) if a == b and len(a) > 1 and not a.isdigit()), None):
        return twin
    for section in re.split(r"[:;–—|]|\s-\s|\(|\)", title):
        seen: dict[str, int] = {}
        for i, part in enumerate(p for p in section.split(",") if p.strip()):
            for w in _words(part):
                s = _stem(w)
                if len(s) < 4 or s in _SMALL or s.isdigit():
                    continue
                if s in seen and seen[s] != i:
                    return w
                seen.setdefault(s, i)
    return None


def _punctuation(title: str) -> str | None:
    t = title.strip()
    if re.search(r"[,:;–—-]$", t):
        return "ends on a punctuation mark"
    if re.search(r"[,;:]{2,}|\?\?|\s[,;.]|\s:(?!\s)|,\s*[,:]", t):  # " : " is a typographic choice ("Top 5 : ...")
        return "has broken punctuation"
    if t.count("(") != t.count(")") or t.count("[") != t.count("]") or t.count('"') % 2 or \
            (t.count("“") != t.count("”")):
        return "has an unclosed bracket or quote"
    return None


def _unsupported(title: str, evidence: Evidence) -> list[str]:
    """Numbers, names (capitalised words rarer than 1 in a million English words, ``wordfreq``, that are not an
    inflected ordinary word: "-ed", "-ly", "-ing") and first-person experiments in the title that the evidence does
    not hold."""
    from wordfreq import zipf_frequency

    problems = []
    for n in re.findall(r"\d[\d,]*(?:\.\d+)?", title):
        if n.replace(",", "") not in evidence.numbers:
            problems.append(f"promises “{n}”, which the video never says")
    known = {_stem(w) for w in evidence.words}
    for w in _words(title):
        base = re.sub(r"['’]s$", "", w).strip(".-")
        if base[:1].isupper() and base[1:].islower() and zipf_frequency(base.lower(), "en") < 3.0 and \
                not re.search(r"(?:ed|ly|ing|ally)$", base) and _stem(base) not in known:
            problems.append(f"names “{base}”, which the video never mentions")
    low = title.lower()
    verb = re.search(r"^(?:i|we)\s+(" + _EXPERIMENTS + r")\b", low)
    if verb and _PAST.get(verb.group(1), verb.group(1)) not in evidence.first_person:
        problems.append(f"promises a first-person experiment (“{title.split()[0]} {verb.group(1)}”) the video does "
                        "not tell")
    for n, unit in re.findall(r"\b(?:for|in|after)\s+(\d+)\s+(day|week|month|year)s?\b", low):
        if f"{n} {unit}" not in evidence.durations:
            problems.append(f"promises “{n} {unit}s”, which the video never says")
    return problems


def check_title(title: str, evidence: Evidence | None = None) -> FluencyVerdict:
    """The guard's verdict on one title (module docstring); ``evidence``: what the video holds (None: the promise
    checks are skipped)."""
    t = " ".join(title.split())
    problems: list[str] = []
    if len(t) > 100:
        problems.append(f"is {len(t)} characters, over YouTube's 100")
    if p := _punctuation(t):
        problems.append(p)
    low = t.lower()
    suffix = next((s for s in STOCK_SUFFIXES if low.endswith(s) and len(low) > len(s) + 3), None)
    if suffix:
        head = t[: len(t) - len(suffix)].rstrip(" ,:")
        head_problems = _structure_problems(head)
        if head_problems or _SPEECH.search(head):
            problems.append(f"glues “{t[len(head):].strip(' ,:')}” onto a fragment (the first part {head_problems[0]})"
                            if head_problems else f"glues a stock ending onto speech (“{head}”)")
    problems += _structure_problems(t)
    parts = [p.split() for p in t.split(",")]
    if len(parts) >= 3 and all(1 <= len(p) <= 2 for p in parts) and \
            not any(_clean(w) in DANGLING_END for p in parts for w in p):
        problems.append("is a list of words, not a title")
    if word := _repeats(t):
        problems.append(f"repeats “{word}” in two parts")
    if evidence is not None:
        problems += _unsupported(t, evidence)
    return FluencyVerdict(not problems, tuple(dict.fromkeys(problems)))


def is_fluent(title: str, evidence: Evidence | None = None) -> bool:
    """True when ``check_title`` finds no problem."""
    return check_title(title, evidence).ok
