"""The YouTube side of the title score: a title -> its predicted outlier multiplier on a channel, and how much it
reads as a curiosity gap.

Both models are fitted offline by ``evals.scorer_youtube`` (``python -m evals.scorer_youtube fit``), which writes
``youtube_weights.json`` (``YOUTUBE_WEIGHTS_PATH``) next to this file; this module only loads and applies them.

- **Outcome model** (data: the channel upload histories of ``youtube_channel_uploads`` and the near-complete
  channels of ``youtube_ai_topic_videos``; target = log outlier multiplier, the product's definition in
  ``memory.outliers``). A title becomes the row ``design_rows``: the headline-model packaging features, standardised
  (``TitleScorer``'s clip, mean and scale) and multiplied by a fitted ``pack_scale``; its embedding (L2-normalised;
  the model is a fitted setting, ``all-MiniLM-L6-v2`` with 384 numbers or the static tier with 256: nested
  leave-one-channel-out chose MiniLM) times ``EMBEDDING_SCALE``; and 1 for a Short. A ridge regression
  on within-channel centred rows and targets (the fixed-effects estimator: only differences between videos of one
  channel teach it) gives ``coef``; ``predict_log`` = ``(row - design_mean) @ coef``, the predicted log multiplier
  relative to a channel's typical upload (0 = typical, log 2 = twice the usual views).
- **Curiosity gap**, two stages. (1) Data: the clickbait corpus of Chakraborty et al. 2016
  (``clickbait_headlines``): a logistic regression on the static-tier embedding and the clickbait cue count
  (``features.clickbait_index``) gives a headline logit. (2) Data: the dev split of the hand-labelled YouTube
  titles (``evals/datasets/curiosity``): a logistic regression on that logit and two YouTube cue counts
  (``youtube_gap_cues``: descriptive format words and model numbers, which news headlines lack, against
  withheld-information cues) maps it onto YouTube titles, where "How to ..." tutorials and "... Review" are
  descriptive. ``curiosity_gap`` is the resulting probability that the title withholds its payoff to lure a
  click.
- **Directions on YouTube** (``directions``): per packaging feature, the sign of its within-channel Spearman
  correlation with the log multiplier when at least two thirds of the channels agree on it (else 0): the scorer
  gives headline-test advice only where YouTube agrees.

The weights record the embedding model and a probe vector; a different static model (re-distilled elsewhere)
is refused with the command that refits, never silently mis-scored.
"""

from __future__ import annotations

import json
import math
import re
from functools import cache
from pathlib import Path

import numpy as np

from agent.embeddings import MINILM_STATIC, Embedder, get_embedder

YOUTUBE_WEIGHTS_PATH = Path(__file__).with_name("youtube_weights.json")
"""The fitted YouTube models (``python -m evals.scorer_youtube fit`` writes it)."""

EMBEDDING_MODEL = MINILM_STATIC
"""The embedding tier of the curiosity gap: the fast static tier (a table look-up per token, no transformer). The
outcome model's tier is a fitted setting (``outcome.embedding_model`` of the weights: the static tier or MiniLM,
chosen by leave-one-channel-out)."""

EMBEDDING_SCALE = 4.0
"""Embedding columns are multiplied by this before the ridge fit: a unit-length 256- or 384-dimension vector has
coordinates of about 1/16 to 1/20, and 4x brings their typical size near the packaging columns' so one ridge penalty
treats both blocks alike (the packaging block's own weight is the fitted ``pack_scale``)."""

PROBE_TEXT = "I Built a Giant Lego Volcano"
"""The title whose embedding head is stored with the weights, to check that the loaded static model is the one
they were fitted with."""

SHORTS_TAG = "#shorts"

_DESCRIPTIVE_RE = re.compile(
    r"(?i)\b(?:how to|tutorial|review|reviews|unboxing|recipe|explained|highlights|trailer|official|lyrics|audio|"
    r"live|episode|ep|part|vlog|haul|guide|vs|versus|interview|podcast|news)\b")
"""Words that name a video's format (the brief's how-to / tutorial / review plus YouTube's standard format words):
a title that says what kind of video it is does not withhold it."""
_MODEL_NUMBER_RE = re.compile(r"\b(?=[A-Za-z]*\d)(?=\d*[A-Za-z])[A-Za-z0-9]{2,}\b|\d+\.\d+")
"""Product and version names: a token mixing letters and digits (R3, S24, 4K) or a dotted version (10.3)."""
_WITHHELD_RE = re.compile(
    r"(?i)\b(?:this|these|here's (?:why|what|how)|what happened|the truth|the secret|secret|won't believe|"
    r"can't believe|changes? everything)\b|\.\.\.|…|\?\?|!\?")
"""Withheld-information cues: a pointer without its referent ("this", "these"), the corpus's forward references
("here's why", "what happened", "the truth", "the secret"), hype of the "you won't believe" kind, a trailing
ellipsis and doubled question marks."""
_PRONOUN_RE = re.compile(r"(?i)^(?:it|this|that|these|he|she|they|him|her)\b|\b(?:him|her|it)\b")


def youtube_gap_cues(title: str, has_named_thing: bool) -> tuple[int, int]:
    """(descriptive, withheld) cue counts of one normalised title for the curiosity gap's YouTube stage.

    descriptive = format words (``_DESCRIPTIVE_RE``) + 1 for a product or version name + 1 for a spaced dash or a
    pipe (a series or channel name after the title); withheld = withheld-information cues (``_WITHHELD_RE``) + 1
    for a pronoun without a referent (a pronoun and no named thing, ``has_named_thing`` from the features'
    evidence). Both are counts >= 0."""
    descriptive = (len(_DESCRIPTIVE_RE.findall(title)) + (_MODEL_NUMBER_RE.search(title) is not None)
                   + (" - " in title or "|" in title))
    withheld = len(_WITHHELD_RE.findall(title)) + (not has_named_thing and _PRONOUN_RE.search(title) is not None)
    return descriptive, withheld


class YouTubeModelMismatch(RuntimeError):
    """The static embedding model on this machine differs from the one the YouTube weights were fitted with."""


def is_short_title(title: str) -> bool:
    """Whether a title alone says it is a Short (it carries ``#shorts``); the score assumes long-form otherwise."""
    return SHORTS_TAG in title.lower()


def design_rows(z: np.ndarray, embeddings: np.ndarray, shorts: np.ndarray, pack_scale: float) -> np.ndarray:
    """The outcome model's rows: ``[z * pack_scale, embeddings * EMBEDDING_SCALE, shorts]``.

    ``z``: standardised packaging features ``(n, n_features)``; ``embeddings``: ``(n, dim)`` unit rows; ``shorts``:
    ``(n,)`` 0/1. Returns ``(n, n_features + dim + 1)`` float64. Fitting (``evals.scorer_youtube``) and scoring use
    this one function."""
    return np.hstack([z * pack_scale, np.asarray(embeddings, dtype=np.float64) * EMBEDDING_SCALE,
                      np.asarray(shorts, dtype=np.float64).reshape(-1, 1)])


def _check_probe(embedder: Embedder, head: list[float]) -> None:
    """Raise ``YouTubeModelMismatch`` unless ``embedder`` embeds ``PROBE_TEXT`` to the stored vector head."""
    probe = embedder.embed([PROBE_TEXT])[0][: len(head)]
    if not np.allclose(probe, np.asarray(head), atol=1e-3):
        raise YouTubeModelMismatch(
            f"The {embedder.name} embeddings on this machine differ from the ones the YouTube title model was "
            "fitted with: run `python -m evals.scorer_youtube fit` to refit it.")


class YouTubeModel:
    """The fitted YouTube outcome and curiosity-gap models (see the module docstring), from the weights dict.

    Keys used: ``outcome`` (``coef``, ``design_mean``, ``pack_scale``, ``embedding_model``, ``probe_head``),
    ``blend`` (read by ``TitleScorer``), ``curiosity`` (``coef``, ``intercept``, ``cue_scale``, ``youtube_stage``
    with ``coef`` and ``intercept``), ``embedding`` (the curiosity gap's ``model``, ``probe_head``),
    ``directions``. ``embedder``: the static tier (loaded when None); the outcome model's embedder is loaded by
    name (the same object when it is the static tier). Raises ``YouTubeModelMismatch`` when an embedder's probe
    vector differs from the one stored."""

    def __init__(self, weights: dict, embedder: Embedder | None = None) -> None:
        outcome = weights["outcome"]
        self.coef = np.asarray(outcome["coef"], dtype=np.float64)
        self.design_mean = np.asarray(outcome["design_mean"], dtype=np.float64)
        self.pack_scale = float(outcome["pack_scale"])
        cur = weights["curiosity"]
        self.cur_coef = np.asarray(cur["coef"], dtype=np.float64)
        self.cur_intercept = float(cur["intercept"])
        self.cue_scale = float(cur["cue_scale"])
        self.stage_coef = np.asarray(cur["youtube_stage"]["coef"], dtype=np.float64)
        self.stage_intercept = float(cur["youtube_stage"]["intercept"])
        self.directions: dict[str, dict] = weights["directions"]
        self.blend: dict = weights["blend"]
        self.n_channels = int(weights["data"]["n_channels"])
        self.n_videos = int(weights["data"]["n_videos"])
        self.embedder = embedder or get_embedder(weights["embedding"]["model"])
        _check_probe(self.embedder, weights["embedding"]["probe_head"])
        name = outcome["embedding_model"]
        self.outcome_embedder = self.embedder if name == self.embedder.name else get_embedder(name)
        _check_probe(self.outcome_embedder, outcome["probe_head"])

    def embed(self, titles: list[str]) -> np.ndarray:
        """The curiosity gap's (static-tier) embeddings ``(n, dim)`` of normalised titles."""
        return self.embedder.embed(titles)

    def embed_outcome(self, titles: list[str]) -> np.ndarray:
        """The outcome model's embeddings ``(n, dim)`` of normalised titles (also the title similarity of
        ``tools.scoring.history``)."""
        return self.outcome_embedder.embed(titles)

    def predict_log(self, z: np.ndarray, embeddings: np.ndarray, shorts: np.ndarray) -> np.ndarray:
        """Predicted log outlier multiplier ``(n,)`` relative to a channel's typical upload (0 = typical)."""
        return (design_rows(z, embeddings, shorts, self.pack_scale) - self.design_mean) @ self.coef

    def headline_gap_logit(self, embeddings: np.ndarray, cues: np.ndarray) -> np.ndarray:
        """Stage 1 of the curiosity gap: the clickbait-corpus model's logit ``(n,)`` from the embeddings
        ``(n, dim)`` and the clickbait cue counts ``cues`` ``(n,)``."""
        x = np.hstack([embeddings, np.asarray(cues, dtype=np.float64).reshape(-1, 1) * self.cue_scale])
        return x @ self.cur_coef + self.cur_intercept

    def curiosity_gap(self, embeddings: np.ndarray, cues: np.ndarray, gap_cues: np.ndarray) -> np.ndarray:
        """Probability (0-1) ``(n,)`` that each title is a curiosity gap: stage 2 on the headline logit and the
        ``youtube_gap_cues`` counts ``gap_cues`` ``(n, 2)``."""
        x = np.column_stack([self.headline_gap_logit(embeddings, cues), np.asarray(gap_cues, dtype=np.float64)])
        return 1.0 / (1.0 + np.exp(-(x @ self.stage_coef + self.stage_intercept)))

    def direction(self, feature: str) -> int:
        """+1 / -1 when a packaging feature's within-channel direction on YouTube holds (at least two thirds of
        the channels agree), else 0."""
        return int(self.directions.get(feature, {}).get("direction", 0))

    def direction_text(self, feature: str) -> str:
        """The feature's YouTube evidence in words, e.g. "on YouTube it goes with more views (8 of 11 channels)"."""
        d = self.directions.get(feature)
        if not d or not d["n_channels"]:
            return "no YouTube evidence"
        k, n = d["channels_agree"], d["n_channels"]
        if d["direction"] > 0:
            return f"on YouTube it goes with more views ({k} of {n} channels)"
        if d["direction"] < 0:
            return f"on YouTube it goes with fewer views ({k} of {n} channels)"
        return f"no consistent effect on YouTube ({k} of {n} channels agree)"


def multiplier_text(log_multiplier: float) -> str:
    """A predicted log multiplier as a creator reads it: "about 1.3x the channel's usual views"."""
    return f"about {math.exp(log_multiplier):.2f}x the channel's usual views"


@cache
def default_youtube_model() -> YouTubeModel | None:
    """The model of ``YOUTUBE_WEIGHTS_PATH`` (loaded once), or None when the file is missing (the score then rests
    on the headline model alone and says so). Raises ``YouTubeModelMismatch`` (see ``YouTubeModel``)."""
    if not YOUTUBE_WEIGHTS_PATH.exists():
        return None
    return YouTubeModel(json.loads(YOUTUBE_WEIGHTS_PATH.read_text(encoding="utf-8")))
