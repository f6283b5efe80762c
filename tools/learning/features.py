"""The title features a creator's preferences are about, and how they are read off a title.

A feature key is "group:value": ``formula:<name>`` / ``method:<name>`` / ``angle:<name>`` (as the title generator
labels its candidates, ``tools.titles.drafting``), ``packaging:<trait>`` (``PACKAGING``, from the title scorer's own
feature extraction) and ``length:<band>`` (``LENGTH_BANDS``). ``feature_label`` says a key in plain English,
``feature_aliases`` gives the words a creator may use for it (for forgetting), ``catalogue`` lists every key.

``PreferenceInputError`` lives here, the base module of the preference modules (``preferences``, ``ranking``,
``forgetting`` import it from here): a title without words is the first thing that can fail.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from tools.scoring.features import FEATURE_NAMES, FORMATS, TitleInputError, normalize_title
from tools.scoring.scorer import default_scorer
from tools.titles.candidates import ANGLES, METHODS, TitleCandidate
from tools.titles.drafting import FORMULAS, OWN_WORDS, detect_formulas

SHORT_MAX_CHARS, LONG_MIN_CHARS = 45, 60
"""Length bands: under 45 characters, 45-60, over 60. The middle band brackets the mobile feed's cut (about 45-55
characters, ``tools.scoring.features.MOBILE_CUT_CHARS``) inside the generator's 40-70 window."""

_F = {name: i for i, name in enumerate(FEATURE_NAMES)}


class PreferenceInputError(ValueError):
    """Feedback or stored preferences that cannot be used; the message says what to fix."""


PACKAGING: dict[str, tuple[str, tuple[str, ...]]] = {
    "question": ("titles asking a question", ("question", "questions", "question marks")),
    "number": ("titles with a number", ("number", "numbers", "digits")),
    "first person": ("titles in the first person (I, we)", ("first person", "me", "my", "we")),
    "second person": ("titles speaking to “you”", ("second person", "your", "talking to the viewer")),
    "two-part": ("two-part titles (a colon or a dash)", ("colon", "colons", "dash", "two part", "topic: hook")),
    "parenthesis": ("titles with a parenthesis", ("parenthesis", "parentheses", "brackets")),
    "listicle": ("listicle titles", ("listicle", "listicles", "lists")),
    "how-to": ("how-to titles", ("how to", "how-tos", "tutorials")),
    "I tried X for N days": ("“I tried X for N days” titles", ("i tried", "challenge days")),
    "X vs Y": ("“X vs Y” titles", ("versus", "vs")),
    "challenge": ("challenge titles", ("challenge", "challenges")),
}
"""Packaging traits ``{name: (label, aliases)}``. Question, number, first and second person and the formats come
from the title scorer's own feature extraction (``tools.scoring.features.FeatureExtractor``); "two-part" is its
"topic: hook" format; "parenthesis" is a "(" in the title."""

LENGTH_BANDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "short": (f"titles under {SHORT_MAX_CHARS} characters", ("short", "shorter", "short titles")),
    "medium": (f"titles of {SHORT_MAX_CHARS}-{LONG_MIN_CHARS} characters", ("medium", "medium length")),
    "long": (f"titles over {LONG_MIN_CHARS} characters", ("long", "longer", "long titles")),
}


FORMULA_ALIASES: dict[str, tuple[str, ...]] = {
    "question": ("question", "questions"),
    "number-first": ("number", "numbers"),
    "first-person story": ("first person", "stories"),
    "versus": ("versus", "vs"),
    "topic: hook": ("colon", "colons", "two part"),
    OWN_WORDS: ("own words", "my words"),
}
"""Words that name a formula together with its packaging trait, so that "forget that I like questions" forgets
both the question formula and titles asking a question."""


def feature_label(feature: str) -> str:
    """A feature key ("group:value", e.g. "formula:question", "packaging:number", "length:short") in plain
    English, as a plural noun phrase ("titles on the “question” formula")."""
    group, _, value = feature.partition(":")
    if group == "packaging" and value in PACKAGING:
        return PACKAGING[value][0]
    if group == "length" and value in LENGTH_BANDS:
        return LENGTH_BANDS[value][0]
    if group == "formula":
        return "titles in the hook's own words" if value == OWN_WORDS else f"titles on the “{value}” formula"
    if group == "method":
        return f"titles from {value.replace('_', ' ')}"
    if group == "angle":
        return f"titles with the {value} angle"
    return feature


def feature_aliases(feature: str) -> tuple[str, ...]:
    """The words a creator may use for a feature: its value, its plain-English label and its aliases
    (``PACKAGING`` / ``LENGTH_BANDS`` / ``FORMULA_ALIASES``); what ``tools.learning.forgetting`` matches against."""
    group, _, value = feature.partition(":")
    if group == "formula":
        extra = FORMULA_ALIASES.get(value, ())
    else:
        table = PACKAGING if group == "packaging" else LENGTH_BANDS if group == "length" else {}
        extra = table[value][1] if value in table else ()
    return (value.replace("_", " "), feature_label(feature), *extra)


def catalogue() -> list[str]:
    """Every feature key the generator and the scorer can produce: formulas (plus the hook's own words),
    methods, angles, packaging traits and length bands."""
    return (
        [f"formula:{f.name}" for f in FORMULAS] + [f"formula:{OWN_WORDS}"]
        + [f"method:{m}" for m in METHODS] + [f"angle:{a}" for a in ANGLES]
        + [f"packaging:{p}" for p in PACKAGING] + [f"length:{b}" for b in LENGTH_BANDS]
    )


@lru_cache(maxsize=4096)
def packaging_features(title: str) -> tuple[str, ...]:
    """Packaging and length-band feature keys of one title, from the title scorer's feature extraction
    (``default_scorer().features``). Raises ``PreferenceInputError`` for an empty title."""
    try:
        clean = normalize_title(title)
    except TitleInputError as exc:
        raise PreferenceInputError(f"A feedback title is unusable: {exc}") from exc
    raw, evidence, _ = default_scorer().features([clean])
    row, formats = raw[0], evidence[0].formats
    found = [name for name, col in (("question", "question"), ("number", "has_digit"), ("first person", "first_person"),
                                    ("second person", "second_person")) if row[_F[col]] > 0]
    if "topic: hook" in formats:
        found.append("two-part")
    if "(" in clean:
        found.append("parenthesis")
    found += [f for f in FORMATS if f in formats and f != "topic: hook"]
    n = len(clean)
    band = "short" if n < SHORT_MAX_CHARS else "long" if n > LONG_MIN_CHARS else "medium"
    return (*(f"packaging:{p}" for p in found), f"length:{band}")


def candidate_features(candidate: TitleCandidate) -> list[str]:
    """Feature keys of a generated title: its formula, method and angle (as the generator labelled them) and its
    packaging (``packaging_features``)."""
    return [f"formula:{candidate.formula}", f"method:{candidate.method}", f"angle:{candidate.angle}",
            *packaging_features(candidate.title)]


def event_features(title: str, candidate: Mapping[str, Any] | None) -> list[str]:
    """Features of a title acted on: a generated one from its judged candidate, a creator's own one from the
    formulas it uses (``detect_formulas``) and its packaging."""
    if candidate is None:
        return [f"formula:{f}" for f in detect_formulas(title)] + list(packaging_features(title))
    c = candidate["candidate"]
    return [f"formula:{c['formula']}", f"method:{c['method']}", f"angle:{c['angle']}", *packaging_features(title)]

