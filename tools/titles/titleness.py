"""Title-likeness: does a phrase read like a title or like a piece of speech cut out of a transcript? The fluency
guard's rules (``tools.titles.fluency``) catch the cuts they name (a dangling "and the", a "you know"); a window of
speech such as "Walk You Through Exactly How You Can Set" breaks none of them and is still no title. This model
catches those.

- **Features**: the phrase's shape, not its topic. Lower-cased words, every word outside English's 300 most
  frequent (``wordfreq.top_n_list``) replaced by ``_w`` and every number by ``_n``, with start and end markers;
  word 1-3-grams of that sequence, hashed (scikit-learn's ``HashingVectorizer``). "How You Can Set" becomes
  "<s> how you can _w </s>": the model learns where function words sit in a title and in speech, so a finance
  transcript does not teach it that finance words are speech.
- **Training data** (``CORTEX_DATA_DIR``, read, never copied): titles are the real titles of the 2017 and 2024
  US trending tables and of ``youtube_ai_topic_videos``, and the headlines of the Upworthy A/B tests' dev file
  (whole sentences and questions that are headlines: without them the model took "We Built a Car That Runs on
  Water" for speech; with them the guard's precision on the labelled set written beside it went from 0.94 to 1.00,
  its recall unchanged, at the cost of recall on validation speech windows, 0.755 -> 0.465, the rules catching
  many of those); speech is windows of 3-12 words cut at random from
  Nischa's English transcripts in ``youtube_ai_topic_videos``. The fluency eval's held-out sources (the titles of
  ``youtube_channel_uploads`` and the 3Blue1Brown transcripts) are never read here, and
  ``tests/tools/titles/test_titleness.py`` checks that no held-out title is a training title.
- **Model**: logistic regression (``C`` = ``C``). **Threshold**: chosen on a validation split (Nischa's videos split
  by video id, 1 in 5 held back; the 2024 trending titles held back as a source of their own): the highest
  threshold under which at most ``MAX_FALSE_REJECTIONS`` of the held-back real titles are rejected; the model is then
  refitted on everything with that threshold. ``TitlenessModel.report`` keeps the validation figures.
- **Cache**: fitting takes a few seconds; the model is kept in ``<state_dir>/models/titleness-<key>.joblib`` (the
  key hashes ``RECIPE`` and the sizes of the source files) and in memory, never in git.
"""

from __future__ import annotations

import csv
import hashlib
import random
import re
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import numpy as np

RECIPE = "v1:shape-top300:word1-3:hash2^18:lr-c1:false-rejections-0.02"
"""Names the features, model and threshold rule; part of the cache key."""
SEED = 16
C = 1.0
MAX_FALSE_REJECTIONS = 0.02
"""The share of real titles the model may reject on the validation split (the threshold is chosen for it)."""
WINDOWS = 8000
"""Speech windows drawn from the transcripts."""
TITLE_SOURCES = (
    ("youtube_trending_us_2017/USvideos.csv", "title", "train"),
    ("youtube_ai_topic_videos/videos_ai_search.csv", "title", "train"),
    ("upworthy_ab_tests/upworthy_dev.csv", "headline", "train"),
    ("youtube_trending_us_2024/US_youtube_trending_2024-04-10_to_15.csv", "title", "validation"),
)
"""(path under the data dir, title column, split): where the real titles come from."""
SPEECH_SOURCE = "youtube_ai_topic_videos/per_channel/Nischa_UCQpPo9BNwezg54N9hMFQp6Q/df_transcript_UCQpPo9BNwezg54N9hMFQp6Q.csv"
"""Nischa's transcripts (English, plain text): where the speech windows come from."""
HELDOUT_SOURCES = ("youtube_channel_uploads", "transcripts_3blue1brown")
"""The fluency eval's held-out sources: never read by this module."""

_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?|\d[\d,.]*")


@cache
def _function_words() -> frozenset[str]:
    from wordfreq import top_n_list

    return frozenset(top_n_list("en", 300))


def shape(text: str) -> str:
    """The phrase as the model reads it: "<s> how you can _w </s>" for "How You Can Set" (module docstring)."""
    common = _function_words()
    words = _TOKEN.findall(text.lower().replace("’", "'"))
    return " ".join(["<s>", *("_n" if w[0].isdigit() else w if w in common else "_w" for w in words), "</s>"])


@cache
def _vectorizer() -> Any:
    from sklearn.feature_extraction.text import HashingVectorizer

    return HashingVectorizer(analyzer="word", token_pattern=r"\S+", ngram_range=(1, 3), n_features=2**18,
                             alternate_sign=False, norm="l2", lowercase=False)


@dataclass
class TitlenessModel:
    """A fitted title-likeness model: ``probability(text)`` is P(title) in [0, 1]; below ``threshold`` the phrase reads
    as speech. ``report``: validation figures (false rejections of real titles, recall on speech windows, counts)."""

    classifier: Any
    threshold: float
    report: dict[str, Any] = field(default_factory=dict)

    def probability(self, text: str) -> float:
        """P(title) of one phrase."""
        return float(self.classifier.predict_proba(_vectorizer().transform([shape(text)]))[0, 1])

    def reads_as_speech(self, text: str) -> bool:
        """True when the phrase's P(title) is under the threshold."""
        return self.probability(text) < self.threshold


def _read_csv(path: Path) -> list[dict[str, str]]:
    csv.field_size_limit(1 << 30)
    with path.open(encoding="utf-8", errors="replace", newline="") as f:
        return list(csv.DictReader(f))


def training_titles(data_dir: Path) -> dict[str, list[str]]:
    """The real titles by split ("train", "validation"), de-duplicated, each source read once."""
    out: dict[str, set[str]] = {"train": set(), "validation": set()}
    for rel, column, split in TITLE_SOURCES:
        out[split] |= {" ".join(r[column].split()) for r in _read_csv(data_dir / rel) if r.get(column, "").strip()}
    out["validation"] -= out["train"]
    return {k: sorted(v) for k, v in out.items()}


def speech_windows(data_dir: Path, n: int = WINDOWS) -> dict[str, list[str]]:
    """``n`` windows of 3-12 words cut at random (seeded) from the transcripts, by split: 1 video in 5 (by a hash of
    its id) is "validation"."""
    rng = random.Random(SEED)
    rows = [r for r in _read_csv(data_dir / SPEECH_SOURCE) if len(r.get("transcript", "").split()) > 40]
    out: dict[str, list[str]] = {"train": [], "validation": []}
    for i in range(n):
        row = rows[i % len(rows)]
        words = row["transcript"].split()
        size = rng.randint(3, 12)
        start = rng.randrange(len(words) - size)
        split = "validation" if hashlib.sha256(row["video_id"].encode()).digest()[0] % 5 == 0 else "train"
        out[split].append(" ".join(words[start:start + size]))
    return out


def _fit_classifier(titles: list[str], speech: list[str]) -> Any:
    from sklearn.linear_model import LogisticRegression

    x = _vectorizer().transform([shape(t) for t in [*titles, *speech]])
    y = np.r_[np.ones(len(titles)), np.zeros(len(speech))]
    return LogisticRegression(C=C, max_iter=2000, class_weight="balanced").fit(x, y)


def fit(data_dir: Path) -> TitlenessModel:
    """Fit on the train split, choose the threshold on the validation split (module docstring), refit on both.
    Raises FileNotFoundError when a source file is missing from ``data_dir``."""
    titles, speech = training_titles(data_dir), speech_windows(data_dir)
    trial = _fit_classifier(titles["train"], speech["train"])
    vec = _vectorizer()
    p_titles = trial.predict_proba(vec.transform([shape(t) for t in titles["validation"]]))[:, 1]
    p_speech = trial.predict_proba(vec.transform([shape(t) for t in speech["validation"]]))[:, 1]
    threshold = float(np.quantile(p_titles, MAX_FALSE_REJECTIONS))
    report = {
        "validation_titles": len(p_titles), "validation_windows": len(p_speech),
        "false_rejections": float(np.mean(p_titles < threshold)), "speech_recall": float(np.mean(p_speech < threshold)),
        "train_titles": len(titles["train"]), "train_windows": len(speech["train"]), "threshold": threshold,
    }
    final = _fit_classifier(titles["train"] + titles["validation"], speech["train"] + speech["validation"])
    return TitlenessModel(final, threshold, report)


def cache_key(data_dir: Path) -> str:
    """Hash of ``RECIPE`` and the sizes of the source files: a new recipe or new data refits."""
    parts = [RECIPE] + [f"{rel}:{(data_dir / rel).stat().st_size}" for rel, _, _ in TITLE_SOURCES]
    parts.append(f"{SPEECH_SOURCE}:{(data_dir / SPEECH_SOURCE).stat().st_size}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


@lru_cache(maxsize=2)
def _load(data_dir: Path, cache_dir: Path) -> TitlenessModel | None:
    from agent.artifacts import load_or_fit

    if not all((data_dir / rel).is_file() for rel in [SPEECH_SOURCE, *(r for r, _, _ in TITLE_SOURCES)]):
        return None
    return load_or_fit(cache_dir / f"titleness-{cache_key(data_dir)}.joblib", lambda: fit(data_dir))


def get_titleness_model() -> TitlenessModel | None:
    """The fitted model for the configured data dir (memory, else the state dir's cache, else fitted: a few seconds),
    or None when the data dir lacks its sources (the guard's rules still run). Called for every title the guard
    checks: after the first call it is a dictionary look-up."""
    from agent.settings import get_settings

    settings = get_settings()
    return _load(Path(settings.data_dir), settings.state_dir / "models")
