"""The offline engine's intent model: what a creator's message asks for, with a calibrated probability.

- **Labels**: a tool name, ``followup`` (a change to the previous request: "narrow it to Shorts", "same for Mark
  Rober") or ``none.<kind>`` for messages no tool answers (``greeting``, ``thanks``, ``help``, ``advice``,
  ``off_topic``, ``vague``).
- **Training set**: ``evals/datasets/training/intents.v1.jsonl`` (``TRAINING``; written by ``python -m
  evals.intents``, kept apart from the eval sets by ``tests/evals/test_intents.py``).
- **Payload masked** (``mask``): quoted titles, a title pasted after a colon or an arrow, channel names and numbers
  become placeholders, so the request's own words decide, not the 12 words of a pasted title.
- **Features**: the MiniLM sentence embedding (``agent.embeddings``, all-MiniLM-L6-v2, 384 dimensions, unit length)
  of the masked message, next to character 2-5-gram TF-IDF of it (sublinear term frequency), which keeps a typo
  ("scroe my titel") close to its word. **Model**: scikit-learn's multinomial logistic regression.
- **Calibration**: a temperature (Guo et al. 2017, "On Calibration of Modern Neural Networks", section 4.2) fitted on
  a dev split of the training set by negative log-likelihood; the dev split is 20 % of the templates
  (``GroupShuffleSplit`` by the request's ``group``, so no template has requests on both sides). The expected
  calibration error on that split is recorded (``IntentModel.report``).
- **Abstention**: the threshold is read off the dev split's risk-coverage curve (Geifman & El-Yaniv 2017,
  "Selective Classification for Deep Neural Networks") over the messages the model would act on (a tool or a
  follow-up): the point where the most decisions are right, counting a clarifying question as right when the message
  needed no tool (``choose_threshold``). Below it the engine asks one short question. The dev split holds templates
  the model never saw, as a creator's own phrasing is, so its curve is the honest one; the report keeps it.
- **Cache**: fitting takes a few seconds (the embeddings dominate); the fitted model is kept in
  ``<state_dir>/models/intent-<sha256 of the training file and this recipe>.joblib`` and in memory, never in git.
  Training is deterministic (``SEED``).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from agent.embeddings import MINILM, get_embedder

TRAINING = Path(__file__).resolve().parents[1] / "evals" / "datasets" / "training" / "intents.v1.jsonl"
"""The training set (see ``evals.intents``)."""
SEED = 15
RECIPE = "v2:minilm+char2-5:lr-c4:temperature:most-right:bracket-masks"
"""Names the features, model and calibration; part of the cache key, so a change of recipe refits."""
ROUTING_CHARS = 300
"""Only the start of a long message (a pasted transcript) is classified."""

QUOTED = re.compile(r"[\"“”«»]([^\"“”«»]{2,200})[\"“”«»]|(?<!\w)'([^']{2,200})'(?!\w)")
"""A span in double quotes (straight, curly or guillemets) or single quotes: a title, in a creator's message."""
_PASTED = re.compile(r"(?:\s*(?::|→|->|=>|—|–)\s*|\s+-\s+)(?P<tail>[^:→]{3,200})$")
_TITLE_WORDS = re.compile(r"\b(?:title|titel|tittle|headline|score|scor|rate|grade|rank|check|thoughts?|clickable)\b", re.I)
_NUMBER = re.compile(r"(?<![A-Za-z])\d+(?:[.,]\d+)*")


def _title_cased(text: str) -> bool:
    words = [w for w in re.findall(r"[A-Za-z][\w']*", text)]
    return len(words) >= 2 and sum(w[0].isupper() for w in words) >= 0.6 * len(words)


def mask(text: str, mentions: Sequence[str] = ()) -> str:
    """``text`` with its payload replaced: quoted spans -> ``<title>``, a title after a colon, an arrow or a dash
    (title-cased, or after a word such as "title", "score", "rate") -> ``<title>``, each of ``mentions`` (channel
    names, case-insensitive) -> ``<channel>``, numbers -> ``<n>``. Only the first ``ROUTING_CHARS`` characters. The
    brackets keep a placeholder apart from the word (a pasted title is not the word "title") in the character
    n-grams."""
    text = text[:ROUTING_CHARS]
    text = QUOTED.sub(" <title> ", text)
    if (m := _PASTED.search(text)) and (_title_cased(m.group("tail")) or _TITLE_WORDS.search(text[:m.start()])):
        text = text[:m.start()] + ": <title>"
    for name in sorted(set(mentions), key=len, reverse=True):
        if len(name) >= 3:
            text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", "<channel>", text, flags=re.I)
    text = _NUMBER.sub("<n>", text)
    return re.sub(r"\s+", " ", text).strip()


MESSAGE_VECTORS = 4096
"""Masked messages whose MiniLM vector is kept in memory (1.5 kB each, 6 MB at most)."""


@lru_cache(maxsize=MESSAGE_VECTORS)
def message_vector(masked: str) -> np.ndarray:
    """The MiniLM vector (384 floats, unit length, read-only) of one masked message, kept for the last
    ``MESSAGE_VECTORS`` messages: a request phrased like an earlier one ("Score this title: <title>": the payload is
    masked) is routed without running the encoder again; a new phrasing pays one encoder call (~13 ms of CPU,
    ``evals.benchmarks.bench_run_cost --profile``)."""
    vector = get_embedder(MINILM).embed([masked])[0]
    vector.flags.writeable = False
    return vector


def load_training(path: Path = TRAINING) -> list[dict[str, Any]]:
    """The training rows (``{"text", "label", "group", "mentions"}``). Raises FileNotFoundError when missing."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def expected_calibration_error(probs: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    """ECE of top-label confidences (Guo et al. 2017, eq. 3): the mean |accuracy - confidence| over equal-width
    confidence bins, weighted by their share of the messages."""
    conf = probs.max(axis=1)
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        inside = (conf > lo) & (conf <= hi)
        if inside.any():
            total += inside.mean() * abs(correct[inside].mean() - conf[inside].mean())
    return float(total)


def risk_coverage(confidence: np.ndarray, correct: np.ndarray) -> list[tuple[float, float, float]]:
    """The risk-coverage curve: for each distinct confidence t (descending), (t, coverage = share of messages with
    confidence >= t, selective risk = error rate among them)."""
    order = np.argsort(-confidence)
    conf, ok = confidence[order], correct[order]
    errors = np.cumsum(~ok)
    curve = []
    for i in range(len(conf)):
        if i + 1 < len(conf) and conf[i + 1] == conf[i]:
            continue
        curve.append((float(conf[i]), (i + 1) / len(conf), float(errors[i] / (i + 1))))
    return curve


def choose_threshold(confidence: np.ndarray, correct: np.ndarray, no_tool_needed: np.ndarray) -> float:
    """The point of the risk-coverage curve of the messages the model would act on (a tool or a follow-up) where the
    most decisions are right: an accepted message is right when its label is; a message below the threshold gets a
    clarifying question, which is right when it needed no tool (``no_tool_needed``) and a lost turn when it did. Ties
    go to the higher threshold (fewer wrong actions)."""
    best_t, best = 1.0, -1
    for t, _, _ in risk_coverage(confidence, correct):
        accepted = confidence >= t
        right = int((accepted & correct).sum() + (~accepted & no_tool_needed).sum())
        if right > best:
            best_t, best = t, right
    return best_t


@dataclass
class IntentModel:
    """A fitted intent model: ``labels`` (classes, in the columns' order), the character TF-IDF ``vectorizer``, the
    logistic regression ``classifier``, the calibration ``temperature`` and the abstention ``threshold``
    (probability), and ``report`` (dev-split figures: accuracy, ECE before and after calibration, coverage and
    selective risk at the threshold among the messages the model would act on, the risk-coverage curve as
    (threshold, coverage, risk) points, sizes)."""

    labels: list[str]
    vectorizer: Any
    classifier: Any
    temperature: float
    threshold: float
    report: dict[str, Any] = field(default_factory=dict)

    def features(self, masked: Sequence[str], vectors: np.ndarray | None = None) -> Any:
        """The feature matrix of masked messages: MiniLM vectors (computed when not given; one message's kept by
        ``message_vector``) and char n-grams."""
        from scipy.sparse import csr_matrix, hstack

        if vectors is None:
            vectors = (message_vector(masked[0])[None, :] if len(masked) == 1
                       else get_embedder(MINILM).embed(list(masked)))
        return hstack([csr_matrix(vectors), self.vectorizer.transform(masked)]).tocsr()

    def probabilities(self, texts: Sequence[str], mentions: Sequence[str] = ()) -> np.ndarray:
        """Calibrated class probabilities, one row per message, columns in ``labels`` order."""
        masked = [mask(t, mentions) for t in texts]
        logits = self.classifier.decision_function(self.features(masked))
        return _softmax(np.asarray(logits) / self.temperature)

    def classify(self, text: str, mentions: Sequence[str] = ()) -> dict[str, float]:
        """``{label: probability}`` for one message, best first."""
        probs = self.probabilities([text], mentions)[0]
        return dict(sorted(zip(self.labels, map(float, probs)), key=lambda kv: -kv[1]))


def _vectorizer() -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True, lowercase=True)


def cross_validate(rows: Sequence[dict[str, Any]], folds: int = 5) -> dict[str, dict[str, Any]]:
    """Group k-fold cross-validation over training rows (scikit-learn's GroupKFold by ``group``: each fold holds out
    whole templates, as a creator's own phrasing is new): per label ``{"recall", "n", "confused_with"}`` (the three
    labels its held-out requests were most often given, with counts), and ``"all"`` with the overall accuracy. Uses
    only the training set; this is where template gaps are found, never on an eval set."""
    from collections import Counter

    from sklearn.model_selection import GroupKFold

    masked = [mask(r["text"], r.get("mentions", ())) for r in rows]
    y = np.array([r["label"] for r in rows])
    vectors = get_embedder(MINILM).embed(masked)
    predicted = np.empty(len(rows), dtype=object)
    for train, test in GroupKFold(folds).split(masked, y, [r["group"] for r in rows]):
        probe = IntentModel([], _vectorizer().fit([masked[i] for i in train]), None, 1.0, 0.0)
        clf = _fit_classifier(probe.features([masked[i] for i in train], vectors[train]), y[train])
        predicted[test] = clf.predict(probe.features([masked[i] for i in test], vectors[test]))
    out: dict[str, dict[str, Any]] = {"all": {"recall": round(float(np.mean(predicted == y)), 4), "n": len(rows)}}
    for label in sorted(set(y)):
        mine = y == label
        out[label] = {"recall": round(float(np.mean(predicted[mine] == label)), 4), "n": int(mine.sum()),
                      "confused_with": Counter(predicted[mine & (predicted != y)]).most_common(3)}
    return out


def _fit_classifier(features: Any, labels: np.ndarray) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=4.0, max_iter=3000, random_state=SEED).fit(features, labels)


def _fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """The temperature minimising the negative log-likelihood of ``y`` (indices) under softmax(logits / T)."""
    from scipy.optimize import minimize_scalar

    def nll(t: float) -> float:
        p = _softmax(logits / t)
        return float(-np.mean(np.log(p[np.arange(len(y)), y] + 1e-12)))

    return float(minimize_scalar(nll, bounds=(0.05, 20.0), method="bounded").x)


def dev_split(rows: Sequence[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
    """(train indices, dev indices): 20 % of the templates (``group``) go to dev, all of a template's requests on
    one side (scikit-learn's GroupShuffleSplit, seed ``SEED``)."""
    from sklearn.model_selection import GroupShuffleSplit

    groups = np.array([r["group"] for r in rows])
    split = GroupShuffleSplit(n_splits=1, test_size=0.2, random_state=SEED)
    train, dev = next(split.split(np.zeros(len(rows)), groups=groups))
    return train, dev


def fit(rows: Sequence[dict[str, Any]]) -> IntentModel:
    """Fit the model on ``rows`` (training rows): the recipe of the module docstring. Deterministic."""
    masked = [mask(r["text"], r.get("mentions", ())) for r in rows]
    y = np.array([r["label"] for r in rows])
    vectors = get_embedder(MINILM).embed(masked)
    train, dev = dev_split(rows)
    probe = IntentModel([], _vectorizer().fit([masked[i] for i in train]), None, 1.0, 0.0)
    clf = _fit_classifier(probe.features([masked[i] for i in train], vectors[train]), y[train])
    logits = np.asarray(clf.decision_function(probe.features([masked[i] for i in dev], vectors[dev])))
    y_dev = np.searchsorted(clf.classes_, y[dev])
    known = np.isin(y[dev], clf.classes_)
    logits, y_dev = logits[known], y_dev[known]
    temperature = _fit_temperature(logits, y_dev)
    raw, calibrated = _softmax(logits), _softmax(logits / temperature)
    correct = calibrated.argmax(axis=1) == y_dev
    predicted = clf.classes_[calibrated.argmax(axis=1)]
    acting = ~np.char.startswith(predicted.astype(str), "none.")
    confidence = calibrated.max(axis=1)
    no_tool = np.char.startswith(y[dev][known].astype(str), "none.")
    threshold = choose_threshold(confidence[acting], correct[acting], no_tool[acting])
    accepted = acting & (confidence >= threshold)
    report = {
        "train": int(len(train)), "dev": int(known.sum()), "dev_accuracy": round(float(correct.mean()), 4),
        "ece_raw": round(expected_calibration_error(raw, raw.argmax(axis=1) == y_dev), 4),
        "ece_calibrated": round(expected_calibration_error(calibrated, correct), 4),
        "temperature": round(temperature, 4), "threshold": round(threshold, 4),
        "acting": int(acting.sum()), "coverage": round(float(accepted.sum() / max(1, acting.sum())), 4),
        "selective_risk": round(float((~correct[accepted]).mean()) if accepted.any() else 0.0, 4),
        "curve": [(round(t, 3), round(c, 3), round(r, 3)) for t, c, r in
                  risk_coverage(confidence[acting], correct[acting])][:: max(1, int(acting.sum()) // 25)],
    }
    final = IntentModel([], _vectorizer().fit(masked), None, temperature, threshold, report)
    final.classifier = _fit_classifier(final.features(masked, vectors), y)
    final.labels = list(final.classifier.classes_)
    return final


def cache_key(path: Path = TRAINING) -> str:
    """SHA-256 (first 16 hex digits) of the training file and ``RECIPE``."""
    return hashlib.sha256(path.read_bytes() + RECIPE.encode()).hexdigest()[:16]


@lru_cache(maxsize=2)
def _load(path: Path, key: str, cache_dir: Path) -> IntentModel:
    from agent.artifacts import load_or_fit

    return load_or_fit(cache_dir / f"intent-{key}.joblib", lambda: fit(load_training(path)))


@lru_cache(maxsize=8)
def _key(path: Path, mtime_ns: int, size: int) -> str:
    return cache_key(path)


def get_intent_model(path: Path = TRAINING) -> IntentModel:
    """The fitted model for the training file at ``path``: from memory, else from the state dir's cache, else fitted
    (about 30 s on 2 idle cores) and cached. The file is hashed again only when its modification time or size
    changes."""
    from agent.settings import get_settings

    stat = path.stat()
    return _load(path, _key(path, stat.st_mtime_ns, stat.st_size), get_settings().state_dir / "models")
