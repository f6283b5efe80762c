"""The YouTube side of the title score: a title -> its predicted outlier multiplier on a channel, and how much it
reads as a curiosity gap.

Both models are fitted offline by ``evals.scorer_youtube`` (``python -m evals.scorer_youtube fit``), which writes
``youtube_weights.json`` (``YOUTUBE_WEIGHTS_PATH``) next to this file; this module only loads and applies them.

- **Outcome model** (data: the channel upload histories of ``youtube_channel_uploads`` and the near-complete
  channels of ``youtube_ai_topic_videos``; target = log outlier multiplier, the product's definition in
  ``memory.outliers``). A title becomes the row ``design_row``: the headline-model packaging features, standardised
  (``TitleScorer``'s clip, mean and scale) and multiplied by a fitted ``pack_scale``; its static-tier embedding
  (``minilm-static``, 256 numbers, L2-normalised) times ``EMBEDDING_SCALE``; and 1 for a Short. A ridge regression
  on within-channel centred rows and targets (the fixed-effects estimator: only differences between videos of one
  channel teach it) gives ``coef``; ``predict_log`` = ``(row - design_mean) @ coef``, the predicted log multiplier
  relative to a channel's typical upload (0 = typical, log 2 = twice the usual views).
- **Curiosity gap** (data: the clickbait corpus of Chakraborty et al. 2016, ``clickbait_headlines``): a logistic
  regression on the static-tier embedding and the clickbait cue count (``features.clickbait_index``);
  ``curiosity_gap`` is its probability that the title withholds its payoff to lure a click.
- **Directions on YouTube** (``directions``): per packaging feature, the sign of its within-channel Spearman
  correlation with the log multiplier when at least two thirds of the channels agree on it (else 0): the scorer
  gives headline-test advice only where YouTube agrees.

The weights record the embedding model and a probe vector; a different static model (re-distilled elsewhere)
is refused with the command that refits, never silently mis-scored.
"""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path

import numpy as np

from agent.embeddings import MINILM_STATIC, Embedder, get_embedder

YOUTUBE_WEIGHTS_PATH = Path(__file__).with_name("youtube_weights.json")
"""The fitted YouTube models (``python -m evals.scorer_youtube fit`` writes it)."""

EMBEDDING_MODEL = MINILM_STATIC
"""The embedding tier both models read: the fast static tier (a table look-up per token, no transformer)."""

EMBEDDING_SCALE = 4.0
"""Embedding columns are multiplied by this before the ridge fit: a unit-length 256-dimension vector has
coordinates of about 1/16, and 4x brings their typical size near the packaging columns' so one ridge penalty
treats both blocks alike (the packaging block's own weight is the fitted ``pack_scale``)."""

PROBE_TEXT = "I Built a Giant Lego Volcano"
"""The title whose embedding head is stored with the weights, to check that the loaded static model is the one
they were fitted with."""

SHORTS_TAG = "#shorts"


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


class YouTubeModel:
    """The fitted YouTube outcome and curiosity-gap models (see the module docstring), from the weights dict.

    Keys used: ``outcome`` (``coef``, ``design_mean``, ``pack_scale``), ``blend`` (read by ``TitleScorer``), ``curiosity`` (``coef``, ``intercept``,
    ``cue_scale``), ``embedding`` (``model``, ``probe_head``), ``directions``. ``embedder``: the static tier (loaded
    on first use when None). Raises ``YouTubeModelMismatch`` when the embedder's probe vector differs."""

    def __init__(self, weights: dict, embedder: Embedder | None = None) -> None:
        outcome = weights["outcome"]
        self.coef = np.asarray(outcome["coef"], dtype=np.float64)
        self.design_mean = np.asarray(outcome["design_mean"], dtype=np.float64)
        self.pack_scale = float(outcome["pack_scale"])
        cur = weights["curiosity"]
        self.cur_coef = np.asarray(cur["coef"], dtype=np.float64)
        self.cur_intercept = float(cur["intercept"])
        self.cue_scale = float(cur["cue_scale"])
        self.directions: dict[str, dict] = weights["directions"]
        self.blend: dict = weights["blend"]
        self.n_channels = int(weights["data"]["n_channels"])
        self.n_videos = int(weights["data"]["n_videos"])
        self.embedder = embedder or get_embedder(weights["embedding"]["model"])
        head = np.asarray(weights["embedding"]["probe_head"])
        probe = self.embedder.embed([PROBE_TEXT])[0][: len(head)]
        if not np.allclose(probe, head, atol=1e-3):
            raise YouTubeModelMismatch(
                f"The {weights['embedding']['model']} embeddings on this machine differ from the ones the YouTube "
                "title model was fitted with: run `python -m evals.scorer_youtube fit` to refit it.")

    def embed(self, titles: list[str]) -> np.ndarray:
        """Static-tier embeddings ``(n, dim)`` of normalised titles."""
        return self.embedder.embed(titles)

    def predict_log(self, z: np.ndarray, embeddings: np.ndarray, shorts: np.ndarray) -> np.ndarray:
        """Predicted log outlier multiplier ``(n,)`` relative to a channel's typical upload (0 = typical)."""
        return (design_rows(z, embeddings, shorts, self.pack_scale) - self.design_mean) @ self.coef

    def curiosity_gap(self, embeddings: np.ndarray, cues: np.ndarray) -> np.ndarray:
        """Probability (0-1) ``(n,)`` that each title is a curiosity gap, from its embedding and clickbait cue
        count ``cues`` ``(n,)``."""
        x = np.hstack([embeddings, np.asarray(cues, dtype=np.float64).reshape(-1, 1) * self.cue_scale])
        return 1.0 / (1.0 + np.exp(-(x @ self.cur_coef + self.cur_intercept)))

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
