"""Learned title preferences: a creator's feedback on generated titles turned into per-feature preferences that
re-rank the next generation, each change explained. Pure functions over typed values; storing the events
(``feedback_events``) and the learned ``Preferences`` (the per-creator store) is the caller's.

The model
---------
Implicit and explicit feedback are weighed the way Hu, Koren & Volinsky (2008, "Collaborative Filtering for
Implicit Feedback Datasets", ICDM) weigh implicit feedback: every title a creator was shown is an observation
with a preference ``p`` (+1 acted on favourably, -1 rejected, 0 shown and left alone) and a confidence
``c = 1 + alpha * |r|`` that grows with the strength ``r`` of what the creator did (``SIGNAL_WEIGHTS``, alpha = 1
because the weights are already on our scale). A title's ``r`` is the sum of the weights of its events, clipped
to the strongest single weight (copying then using a title is one use, not two; saving then rejecting it
cancels out). A whole-list thumbs (no title) is spread evenly over the titles of that generation.

A feature (a formula, a method, an angle, a packaging trait such as "asks a question") gets the
confidence-weighted mean preference of the titles that have it, shrunk toward 0 by a prior of
``PRIOR_CONFIDENCE`` pseudo-observations at preference 0 (additive smoothing)::

    score_f = sum_i c_i * p_i / (sum_i c_i + PRIOR_CONFIDENCE)        in (-1, 1)

so one click does not make a rule. A feature is *preferred* (*rejected*) when its score is at least
``PREFER_THRESHOLD`` (at most minus it), at least ``MIN_ACTED_TITLES`` titles with it were acted on, and it
does better (worse) than the titles without it by ``MIN_LIFT``: a creator who saves everything prefers no feature in
particular, and a trait every title shown had (all of them medium length) is no preference either.

Only preferred and rejected features move a ranking: ``POINTS_PER_FEATURE`` x score each, the total bounded by
``MAX_ADJUSTMENT`` on the judge's 0-100 scale (``tools.learning.ranking``: ``preference_adjustment``, ``rerank``).

Which numbers are ours: the signal weights, the prior, the thresholds and the points are product choices (not
fitted: there is no creator feedback data to fit them on yet), stated where they are defined.

This module holds the model's numbers, its types (``FeedbackEvent``, ``FeatureStat``, ``Preferences``), the learning
(``learn_preferences``, the rebuild cadence) and what the creator reads (``preferences_markdown``). The features are
in ``tools.learning.features``, the re-ranking in ``tools.learning.ranking``, forgetting in
``tools.learning.forgetting``.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from memory.learning import SIGNALS, Signal
from tools.learning.features import PreferenceInputError, event_features, feature_label, packaging_features
from tools.scoring.features import MOBILE_CUT_CHARS, normalize_title
from tools.titles.drafting import opener

SIGNAL_WEIGHTS: dict[str, float] = {
    "use": 4.0,
    "save": 3.0,
    "thumbs_up": 2.0,
    "copy": 1.5,
    "edit": 1.0,
    "view": 0.0,
    "thumbs_down": -2.0,
    "reject": -3.0,
}
"""Strength ``r`` of each signal (our choices; the order is the product's: use > save > thumbs_up > copy > edit).
Using a title is the strongest evidence a creator can give; saving is a near-use; a thumbs up is explicit but
cheap; a copy may be for comparison; an edit means the creator wanted the idea but changed the words (what they
changed is learned separately, ``typical_edits``). A reject (dismissing a title) says more than a thumbs down.
A view is exposure only: it makes the title an observation with preference 0 (the denominator), as unobserved
items are in Hu, Koren & Volinsky (2008)."""

MAX_SIGNAL = max(abs(w) for w in SIGNAL_WEIGHTS.values())
"""A title's summed ``r`` is clipped to +-this (one use)."""

RESULT_WEIGHT = 4.0
"""Strength ``r`` a used title's result on YouTube adds after the clip (``TitleResult``; our choice): as strong as the
use itself, because the audience's verdict on a title is worth the creator's own. A used title whose video beat
their usual views counts twice a use; one that fell under them cancels the use (neither liked nor avoided)."""

OUTPERFORM_AT = 1.5
"""Outlier multiplier (views / the median of the up to 10 uploads before it) from which a used title's video did
better than usual; at most 1 / this (0.67x) it did worse; in between it did as usual and teaches nothing. Our choice,
symmetric on the log scale the title model predicts on (``tools.scoring.history``)."""

PRIOR_CONFIDENCE = 5.0
"""Pseudo-observations at preference 0 added to every feature's denominator (additive smoothing toward 0; our
choice): the confidence of one used title (1 + 4). A feature whose only title was used scores 0.5; two saved
titles out of two shown score 0.62."""

PREFER_THRESHOLD = 0.35
"""Smoothed score from which a feature is preferred (at most -0.35: rejected). Our choice: one saved title of
four shown (0.33) is not a preference; two of three (0.57) is."""

MIN_ACTED_TITLES = 2
"""A feature needs at least this many distinct titles acted on (not just shown) to be preferred or rejected."""

MIN_LIFT = 0.2
"""How much better (worse) than the titles without it a feature must score to be preferred (rejected). Our choice:
the smoothing shrinks small groups more, so a creator who saves all 11 titles shown scores a 7-title feature 0.85
and the other 4 titles 0.76; 0.2 keeps such artefacts out."""

POINTS_PER_FEATURE = 10.0
"""Judge points per unit of a preferred (rejected) feature's score: a feature at +0.6 adds 6 points."""

MAX_ADJUSTMENT = 15.0
"""Bound on a title's total preference adjustment, in points of the judge's 0-100 scale: about one grade band
(``tools.scoring.results.GRADE_BANDS``: B spans 70-85), enough to reorder titles the judge found close, never enough
to lift an F over an A."""

REBUILD_EVERY = 5
"""Preferences are rebuilt after every this many new feedback events (views do not count)."""

_VERBS = {
    "save": "saved", "copy": "copied", "use": "used", "reject": "rejected", "thumbs_up": "liked",
    "thumbs_down": "disliked", "edit": "edited",
}
_LIST_VERBS = {"thumbs_up": "liked", "thumbs_down": "disliked"}


# ---------------------------------------------------------------------------------------------------------------
# Types
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedbackEvent:
    """One feedback signal (a row of ``feedback_events``).

    ``title``: the generated title acted on (None only for a thumbs on a whole generation); ``candidate``: its
    ``JudgedTitle.to_dict()`` from the generation's artifact (None for a creator's own title); ``edited_title``:
    the creator's words, for "edit" and for a "use" of an edited title; ``generation_id``: the generate_titles
    call (None for a creator's own title); ``created_at``: timezone-aware. Raises ``PreferenceInputError`` when a
    field does not fit the signal."""

    signal: Signal
    title: str | None
    candidate: dict | None
    edited_title: str | None
    generation_id: str | None
    created_at: datetime

    def __post_init__(self) -> None:
        if self.signal not in SIGNAL_WEIGHTS:
            raise PreferenceInputError(f"Unknown signal {self.signal!r}: use one of {', '.join(SIGNALS)}.")
        if self.title is None and self.signal not in ("thumbs_up", "thumbs_down"):
            raise PreferenceInputError(f"A {self.signal!r} event needs the title it is about; only a thumbs up or "
                                       "down may be about a whole generation (title None).")
        if self.title is None and not self.generation_id:
            raise PreferenceInputError("A thumbs on a whole generation needs its generation_id.")
        if self.title is not None and not self.title.strip():
            raise PreferenceInputError(f"The {self.signal!r} event's title is empty: pass the title acted on.")
        if self.signal == "edit" and not (self.edited_title and self.edited_title.strip()):
            raise PreferenceInputError("An 'edit' event needs edited_title: the creator's version of the title.")
        if self.candidate is not None:
            inner = self.candidate.get("candidate") if isinstance(self.candidate, dict) else None
            if not isinstance(inner, dict) or any(k not in inner for k in ("title", "formula", "method", "angle")):
                raise PreferenceInputError("candidate must be the JudgedTitle.to_dict() of the title (its 'candidate' "
                                           "holds the formula, method and angle), or None for a creator's own title.")
        if not isinstance(self.created_at, datetime) or self.created_at.tzinfo is None:
            raise PreferenceInputError("created_at must be a timezone-aware datetime (e.g. datetime.now(UTC)).")


@dataclass(frozen=True)
class TitleResult:
    """How the video of a title the creator used did (``tools.learning.outcomes.Outcome``): ``title`` as used,
    ``generation_id`` (the generate_titles call it came from; None for their own title), ``multiplier`` (its latest
    actual outlier multiplier on their channel, > 0)."""

    title: str
    generation_id: str | None
    multiplier: float

    @property
    def signal(self) -> str | None:
        """"outperformed" (at least ``OUTPERFORM_AT``), "underperformed" (at most its inverse), or None."""
        if self.multiplier >= OUTPERFORM_AT:
            return "outperformed"
        if self.multiplier <= 1 / OUTPERFORM_AT:
            return "underperformed"
        return None


def results_of(calibration: Mapping[str, Any] | None) -> list[TitleResult]:
    """The ``TitleResult`` of every outcome in a stored ``calibration`` block (``title_outcomes``: its "outcomes",
    each an ``Outcome.to_dict()``) whose latest period has a multiplier; [] for None or no outcomes."""
    found = []
    for o in (calibration or {}).get("outcomes") or []:
        latest = (o.get("actuals") or [{}])[-1]
        if latest.get("multiplier"):
            found.append(TitleResult(o["title"], o.get("generation_id"), float(latest["multiplier"])))
    return found


@dataclass
class FeatureStat:
    """What the feedback says about one feature. ``exposures``: distinct titles with it that were shown or acted
    on; ``acted``: those with a non-zero net signal; ``positive`` / ``negative``: summed confidence-weighted
    evidence for and against (``c = 1 + |r|`` per title); ``score``: the smoothed preference in (-1, 1);
    ``without``: the same score over the exposed titles without the feature (None when every title had it);
    ``signals``: events by signal on titles with it (``list_thumbs_up`` / ``list_thumbs_down``: whole-list thumbs
    on lists that had it); ``own``: of the exposures, the creator's own titles."""

    group: str
    label: str
    exposures: int = 0
    acted: int = 0
    positive: float = 0.0
    negative: float = 0.0
    score: float = 0.0
    without: float | None = None
    signals: dict[str, int] = field(default_factory=dict)
    own: int = 0


@dataclass
class Preferences:
    """A creator's learned preferences (stored as ``to_dict()`` JSON).

    - ``events``: feedback events learned from (views excluded); ``by_signal``: every event by signal (views too)
      and the results of used titles ("outperformed" / "underperformed", ``TitleResult``).
    - ``features``: ``{"group:value": FeatureStat}`` for groups formula, method, angle, packaging and length.
    - ``preferred`` / ``rejected``: ``[{"feature", "label", "score", "evidence"}]``, strongest first.
    - ``edit_rate``: titles edited / titles acted on (None before any); ``avg_final_length``: mean characters of
      the titles the creator ended with (used, saved, or their edit, unless later rejected); ``typical_edits``:
      ``[{"edit", "count", "note"}]`` most common first.
    - ``muted``: feature keys the creator told us to forget; ``rebuilt_at``: the time of the latest event learned
      from; ``rebuilt_after_events``: ``events`` at that rebuild (for ``due_for_rebuild``)."""

    events: int = 0
    by_signal: dict[str, int] = field(default_factory=dict)
    features: dict[str, FeatureStat] = field(default_factory=dict)
    preferred: list[dict] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)
    edit_rate: float | None = None
    avg_final_length: float | None = None
    typical_edits: list[dict] = field(default_factory=list)
    muted: list[str] = field(default_factory=list)
    rebuilt_at: datetime | None = None
    rebuilt_after_events: int = 0

    def to_dict(self) -> dict:
        """JSON-ready data (``rebuilt_at`` as ISO 8601)."""
        data = asdict(self)
        data["rebuilt_at"] = self.rebuilt_at.isoformat() if self.rebuilt_at else None
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Preferences:
        """The inverse of ``to_dict``. Raises ``PreferenceInputError`` when ``data`` is not a stored Preferences."""
        try:
            values = dict(data)
            values["features"] = {k: FeatureStat(**v) for k, v in values.get("features", {}).items()}
            values["rebuilt_at"] = datetime.fromisoformat(values["rebuilt_at"]) if values.get("rebuilt_at") else None
            return cls(**values)
        except (TypeError, ValueError, AttributeError) as exc:
            raise PreferenceInputError(f"Stored preferences are not in the expected shape ({exc}): erase them and "
                                       "rebuild from the feedback events.") from exc


# ---------------------------------------------------------------------------------------------------------------
# Learning
# ---------------------------------------------------------------------------------------------------------------


def feedback_count(events: Sequence[FeedbackEvent]) -> int:
    """Feedback events that count toward a rebuild: every signal but "view"."""
    return sum(e.signal != "view" for e in events)


def due_for_rebuild(events_now: int, events_at_last_build: int) -> bool:
    """Whether to rebuild: ``REBUILD_EVERY`` or more feedback events (``feedback_count``) since the last build, or
    fewer than then (events were erased). Raises ``PreferenceInputError`` for a negative count."""
    if events_now < 0 or events_at_last_build < 0:
        raise PreferenceInputError("Event counts cannot be negative: pass feedback_count(events) and "
                                   "Preferences.rebuilt_after_events.")
    return events_now - events_at_last_build >= REBUILD_EVERY or events_now < events_at_last_build


@dataclass
class _Title:
    """One distinct title of one generation, as the feedback saw it."""

    features: list[str]
    own: bool
    r: float = 0.0
    acted: bool = False
    signals: Counter = field(default_factory=Counter)
    final: str | None = None
    edited: str | None = None


def _score(titles: Sequence[_Title]) -> tuple[float, float, float]:
    """(positive, negative, smoothed score) of titles: confidence c = 1 + |r|, preference sign(r)."""
    pos = sum(1 + t.r for t in titles if t.r > 0)
    neg = sum(1 - t.r for t in titles if t.r < 0)
    total = sum(1 + abs(t.r) for t in titles)
    return pos, neg, (pos - neg) / (total + PRIOR_CONFIDENCE)


def evidence(stat: FeatureStat, named: bool = True) -> str:
    """The evidence behind a feature in words: "saved 2 and used 1 of the 4 titles asking a question you saw"
    (``named`` False: "... of the 4 you saw")."""
    acts = [f"{_VERBS[s]} {stat.signals[s]}" for s in SIGNALS if stat.signals.get(s)]
    lists = [f"{_LIST_VERBS[s]} {stat.signals['list_' + s]} list(s) with them" for s in _LIST_VERBS
             if stat.signals.get("list_" + s)]
    acts += lists
    said = ", ".join(acts[:-1]) + (" and " if len(acts) > 1 else "") + acts[-1] if acts else "acted on none"
    seen = f"you saw or wrote ({stat.own} your own)" if stat.own else "you saw"
    results = [f"{stat.signals[s]} {words}" for s, words in (
        ("outperformed", f"did {OUTPERFORM_AT:g}x or more your usual views"),
        ("underperformed", f"did {1 / OUTPERFORM_AT:.2f}x or less")) if stat.signals.get(s)]
    on_youtube = f"; on YouTube {' and '.join(results)}" if results else ""
    return f"{said} of the {stat.exposures}{' ' + stat.label if named else ''} {seen}{on_youtube}"


def _words(title: str) -> list[str]:
    """Lower-case words of a title, possessives folded ("Bernoulli's" -> "bernoulli")."""
    return [re.sub(r"['’]s$", "", w) for w in re.findall(r"[\w'’$%-]+", title.lower())]


def _content(words: Sequence[str]) -> list[str]:
    """The distinct content words, in order: no stop words (scikit-learn's English list), no numbers (an edit's
    numbers are counted as "added / removed a number")."""
    return list(dict.fromkeys(w for w in words if w not in ENGLISH_STOP_WORDS and not w[:1].isdigit()))


def _edit_changes(before: str, after: str) -> list[tuple[str, int]]:
    """What one edit changed: (edit, characters) pairs; characters only for shortened/lengthened."""
    out: list[tuple[str, int]] = []
    delta = len(normalize_title(after)) - len(normalize_title(before))
    if delta:
        out.append(("shortened" if delta < 0 else "lengthened", abs(delta)))
    a, b = set(packaging_features(before)), set(packaging_features(after))
    for trait, what in (("packaging:number", "a number"), ("packaging:question", "the question"),
                        ("packaging:second person", "“you”")):
        if trait in a - b:
            out.append((f"removed {what}", 0))
        elif trait in b - a:
            out.append((f"added {what}", 0))
    if opener(before) != opener(after):
        out.append(("changed the opener", 0))
    words_a, words_b = _words(before), _words(after)
    removed: list[str] = []
    added: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, words_a, words_b, autojunk=False).get_opcodes():
        if tag in ("delete", "replace"):
            removed += words_a[i1:i2]
        if tag in ("insert", "replace"):
            added += words_b[j1:j2]
    gone, new = _content(removed), _content(added)
    moved = set(gone) & set(new)  # reordered, not removed
    out += [(f"removed “{w}”", 0) for w in gone if w not in moved]
    out += [(f"added “{w}”", 0) for w in new if w not in moved]
    return out


def _typical_edits(pairs: Sequence[tuple[str, str]]) -> list[dict]:
    """The changes of all edits, counted (one per edit), most common first, ties by name."""
    counts: Counter[str] = Counter()
    chars: defaultdict[str, list[int]] = defaultdict(list)
    for before, after in pairs:
        for edit, n in _edit_changes(before, after):
            counts[edit] += 1
            if n:
                chars[edit].append(n)
    return [
        {"edit": edit, "count": n,
         "note": f"by {sum(chars[edit]) / len(chars[edit]):.0f} characters on average" if chars[edit] else ""}
        for edit, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def learn_preferences(events: Sequence[FeedbackEvent], muted: Sequence[str] = (),
                      results: Sequence[TitleResult] = ()) -> Preferences:
    """Preferences learned from a creator's feedback events (any order; deterministic: events are taken by
    ``created_at``, ties in the order given) and the results of the titles they used (``results``: each adds
    +-``RESULT_WEIGHT`` to its title after the clip, when it did better or worse than usual; a result whose title has
    no event, e.g. erased feedback, is left out). ``muted`` feature keys are kept in the stats but left out of
    ``preferred`` / ``rejected``. Raises ``PreferenceInputError`` for an item that is not a ``FeedbackEvent``."""
    bad = next((e for e in events if not isinstance(e, FeedbackEvent)), None)
    if bad is not None:
        raise PreferenceInputError(f"learn_preferences takes FeedbackEvent items, got {type(bad).__name__}.")
    ordered = sorted(events, key=lambda e: e.created_at)
    titles: dict[tuple[str, str], _Title] = {}
    list_thumbs: list[FeedbackEvent] = []
    for e in ordered:
        if e.title is None:
            list_thumbs.append(e)
            continue
        key = (e.generation_id or "", " ".join(e.title.split()))
        t = titles.get(key)
        if t is None:
            t = titles[key] = _Title(event_features(e.title, e.candidate), own=e.candidate is None)
        elif t.own and e.candidate is not None:  # a later event carries the judged candidate
            t.features, t.own = event_features(e.title, e.candidate), False
        if e.signal == "view":
            continue
        t.acted = True
        t.signals[e.signal] += 1
        t.r += SIGNAL_WEIGHTS[e.signal]
        if e.edited_title and e.edited_title.strip() and e.signal in ("edit", "use"):
            t.edited = t.final = " ".join(e.edited_title.split())
        elif e.signal in ("use", "save") and t.edited is None:
            t.final = key[1]
    for e in list_thumbs:
        members = [t for (gen, _), t in titles.items() if gen == e.generation_id]
        for t in members:
            t.r += SIGNAL_WEIGHTS[e.signal] / len(members)
            t.signals["list_" + e.signal] += 1
    for t in titles.values():
        t.r = max(-MAX_SIGNAL, min(MAX_SIGNAL, t.r))
    by_result: Counter[str] = Counter()
    for res in results:
        t = titles.get((res.generation_id or "", " ".join(res.title.split())))
        if t is None or res.signal is None:
            continue
        t.acted = True
        t.signals[res.signal] += 1
        t.r += RESULT_WEIGHT if res.signal == "outperformed" else -RESULT_WEIGHT
        by_result[res.signal] += 1
    seen = list(titles.values())

    stats: dict[str, FeatureStat] = {}
    for key in sorted({f for t in seen for f in t.features}):
        having = [t for t in seen if key in t.features]
        others = [t for t in seen if key not in t.features]
        pos, neg, score = _score(having)
        signals: Counter[str] = Counter()
        for t in having:
            signals.update(t.signals)
        stats[key] = FeatureStat(
            group=key.partition(":")[0], label=feature_label(key), exposures=len(having),
            acted=sum(t.acted and t.r != 0 for t in having), positive=round(pos, 3), negative=round(neg, 3),
            score=round(score, 3), without=round(_score(others)[2], 3) if others else None,
            signals=dict(sorted(signals.items())), own=sum(t.own for t in having),
        )
    preferred, rejected = _learned(stats, muted)
    acted = [t for t in seen if t.acted]
    finals = [t.final for t in acted if t.final and t.r > 0]
    edits = [(k[1], t.edited) for k, t in titles.items() if t.edited]
    n_events = feedback_count(ordered)
    return Preferences(
        events=n_events,
        by_signal=dict(sorted((Counter(e.signal for e in ordered) + by_result).items())),
        features=stats,
        preferred=preferred,
        rejected=rejected,
        edit_rate=round(len(edits) / len(acted), 3) if acted else None,
        avg_final_length=round(sum(map(len, finals)) / len(finals), 1) if finals else None,
        typical_edits=_typical_edits(edits),
        muted=sorted(set(muted)),
        rebuilt_at=ordered[-1].created_at if ordered else None,
        rebuilt_after_events=n_events,
    )


def _learned(stats: Mapping[str, FeatureStat], muted: Sequence[str]) -> tuple[list[dict], list[dict]]:
    """(preferred, rejected) among ``stats``: past the threshold, with enough titles acted on, better (worse) than
    the titles without the feature by ``MIN_LIFT``, not muted; strongest first, ties by key."""
    preferred, rejected = [], []
    for key, s in sorted(stats.items(), key=lambda kv: (-abs(kv[1].score), kv[0])):
        if key in muted or s.acted < MIN_ACTED_TITLES or s.without is None:
            continue
        item = {"feature": key, "label": s.label, "score": s.score, "evidence": evidence(s)}
        if s.score >= PREFER_THRESHOLD and s.score - s.without >= MIN_LIFT:
            preferred.append(item)
        elif s.score <= -PREFER_THRESHOLD and s.without - s.score >= MIN_LIFT:
            rejected.append(item)
    return preferred, rejected



# ---------------------------------------------------------------------------------------------------------------
# What the creator reads
# ---------------------------------------------------------------------------------------------------------------

ERASE_HINT = ("To change this, tell me what to forget, one thing at a time (“forget that I like questions”, "
              "“stop avoiding numbers”), or say “erase everything you learned” to start over.")


def preferences_markdown(prefs: Preferences | None) -> str:
    """What the creator reads on "what have you learned about me?": preferred and avoided features with their
    evidence, edit rate, average final length, typical edits, what is muted, and how to erase or edit."""
    if prefs is None or not prefs.events:
        return ("**What I've learned about your titles**\n\nNothing yet: I learn from what you do with the titles I "
                f"write (save, copy, use, edit, thumbs, reject), after every {REBUILD_EVERY} actions.")
    when = f", latest on {prefs.rebuilt_at:%Y-%m-%d}" if prefs.rebuilt_at else ""
    lines = [f"**What I've learned about your titles** (from {prefs.events} actions{when})", ""]
    for heading, items in (("You prefer:", prefs.preferred), ("You avoid:", prefs.rejected)):
        if items:
            lines.append(heading)
            lines += [f"- **{p['label']}** (score {p['score']:+.2f}): you "
                      f"{evidence(prefs.features[p['feature']], named=False)}" for p in items]
    if not prefs.preferred and not prefs.rejected:
        lines.append(f"No clear preference yet: a pattern needs at least {MIN_ACTED_TITLES} titles you acted on "
                     f"and a score of ±{PREFER_THRESHOLD:.2f}.")
    if prefs.edit_rate is not None:
        lines.append(f"\nYou edited {prefs.edit_rate:.0%} of the titles you acted on.")
    if prefs.avg_final_length is not None:
        lines.append(f"Your final titles average {prefs.avg_final_length:.0f} characters "
                     f"(mobile feeds cut at about {MOBILE_CUT_CHARS}).")
    if prefs.typical_edits:
        lines.append("Typical edits: " + "; ".join(
            f"{e['edit']} ({e['count']}x{', ' + e['note'] if e['note'] else ''})" for e in prefs.typical_edits[:6]))
    if prefs.muted:
        lines.append("\nForgotten at your request (not used): " + ", ".join(feature_label(m) for m in prefs.muted))
    lines.append(f"\nThese move a title at most {MAX_ADJUSTMENT:.0f} points on the judge's 0-100 scale. {ERASE_HINT}")
    return "\n".join(lines)

