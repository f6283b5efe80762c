"""Fit and evaluate the YouTube side of the title score (``tools/scoring/youtube.py``, ``tools/scoring/history.py``).

Commands::

    python -m evals.scorer_youtube fit    # writes tools/scoring/youtube_weights.json (about a minute on 2 cores)
    cortex eval scorer                    # the YouTube figures beside the Upworthy ones (``evals.scorer``)

Data (``data_dir`` = the shared data folder):

- Channel histories: every upload with an outlier multiplier (``memory.corpus.ingest.compute_multipliers``, the
  product's definition) of the full-history sources, ``youtube_channel_uploads`` (8 channels) and the per-channel
  folders of ``youtube_ai_topic_videos`` (Nischa, Nude Project and Feid have enough uploads). The trending
  snapshots are titles without a channel baseline: they are the reference titles of the 0-100 scale only.
- Outcome model: ridge regression on within-channel centred rows (``tools.scoring.youtube.design_rows``) and
  targets (ln multiplier). Its two settings (the ridge penalty ``ALPHAS`` and the packaging block's weight
  ``PACK_SCALES``) are chosen by leave-one-channel-out (LOCO) Spearman.
- **Evaluation is split by channel and refits per fold**: for each held-out channel the settings are chosen by
  an inner LOCO over the *other* channels, the model is fitted on them, and only then the held-out channel is
  predicted. Reported per channel: Spearman(prediction, ln multiplier) with a 95 % bootstrap interval (videos
  resampled), and within-channel pairwise accuracy (pairs of uploads of one format: is the one predicted higher
  the one with the higher multiplier?), against baselines (length and has-a-digit, their direction taken from
  the training channels; the headline A/B model as shipped). The blend weight of the score and the history
  predictor's prequential Spearman are reported on the same folds (see ``run_youtube_eval``).
- Curiosity gap: stage 1 on the clickbait corpus split by headline (``sha1(CLICKBAIT_SALT + headline) mod 5 != 0``
  trains, the rest is held out); stage 2 on ``evals/datasets/curiosity/youtube_titles.v1.jsonl``, YouTube titles
  from the shared data labelled by hand (curiosity gap or not), split by title (``LABELS_SPLIT_RULE``) into dev
  (stage 2 is fitted there; its cues and C were chosen by cross-validation on dev) and test (reported only).
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from agent.embeddings import MINILM, MINILM_STATIC, Embedder, get_embedder
from evals.scorer import DEFAULT_DATA_DIR, SEED, load_clickbait, load_reference_titles
from memory.corpus.ingest import compute_multipliers
from memory.corpus.sources import read_ai_topic_channels, read_channel_uploads
from tools.scoring.features import FEATURE_NAMES, normalize_title
from tools.scoring.history import prequential_log_predictions, trailing_log_multipliers
from tools.scoring.scorer import WEIGHTS_PATH, TitleScorer
from tools.scoring.youtube import (
    EMBEDDING_MODEL,
    PROBE_TEXT,
    YOUTUBE_WEIGHTS_PATH,
    design_rows,
    is_short_title,
    youtube_gap_cues,
)

ALPHAS = (3.0, 10.0, 30.0, 100.0, 300.0)
PACK_SCALES = (0.1, 0.3, 1.0)
OUTCOME_EMBEDDINGS = (MINILM_STATIC, MINILM)
"""The embedding models the outcome model may read; which one is a setting chosen by LOCO like the two above."""
BLEND_GRID = tuple(round(w, 1) for w in np.linspace(0.0, 1.0, 11))
"""Share of the YouTube model in the score (on standardised scales); the rest is the headline A/B model's."""
N_BOOTSTRAP = 1000
REFERENCE_QUANTILES = 201
DIRECTION_SHARE = 2 / 3
"""A packaging feature's YouTube direction holds when at least this share of the channels agree on its sign."""
CLICKBAIT_SALT = "creator-cortex/curiosity-gap/"
CURIOSITY_C = 0.3
CUE_SCALE = 0.3
STAGE_C = 1.0
"""Inverse ridge strength of the curiosity gap's YouTube stage (3 weights fitted on the dev split)."""
LABELS_PATH = Path(__file__).parent / "datasets" / "curiosity" / "youtube_titles.v1.jsonl"
LABELS_SPLIT_RULE = "sha1('creator-cortex/curiosity-labels/' + title) mod 10 < 6 -> test, else dev"
PAIRS_PER_CHANNEL = 20_000


# ---------------------------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------------------------


def load_channel_histories(data_dir: Path) -> pd.DataFrame:
    """Every upload with an outlier multiplier of the full-history sources: columns ``channel``, ``title``,
    ``published_at`` (UTC), ``views``, ``is_short`` (bool), ``multiplier`` (> 0), ordered by channel then time."""
    rows = read_channel_uploads(Path(data_dir)) + read_ai_topic_channels(Path(data_dir))
    compute_multipliers(rows)
    frame = pd.DataFrame([
        {"channel": r.channel_name, "title": " ".join(r.title.split()), "published_at": r.published_at,
         "views": r.views, "is_short": bool(r.is_short), "multiplier": r.outlier_multiplier}
        for r in rows if r.outlier_multiplier and r.outlier_multiplier > 0 and r.title.strip()
    ])
    return frame.sort_values(["channel", "published_at"], kind="stable").reset_index(drop=True)


@dataclass
class Prepared:
    """The channel histories as model inputs: ``frame`` (``load_channel_histories``), ``z`` standardised packaging
    features ``(n, n_features)``, ``raw`` raw ones, ``embs`` embeddings ``(n, dim)`` per embedding model name,
    ``shorts`` ``(n,)``, ``y`` ln multiplier ``(n,)``, ``groups`` channel per row, ``headline`` the A/B model's
    linear score ``(n,)``."""

    frame: pd.DataFrame
    raw: np.ndarray
    z: np.ndarray
    embs: dict[str, np.ndarray]
    shorts: np.ndarray
    y: np.ndarray
    groups: np.ndarray
    headline: np.ndarray
    channels: list[str]


def _title_inputs(scorer: TitleScorer, titles: list[str], embedders: list[Embedder]
                  ) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """(raw features, standardised features, embeddings per model name, headline linear score) of raw titles."""
    clean = [normalize_title(t) for t in titles]
    raw, _, _ = scorer.features(clean)
    z = (np.clip(raw, scorer.clip_low, scorer.clip_high) - scorer.mean) / scorer.scale
    return raw, z, {e.name: e.embed(clean) for e in embedders}, scorer.linear(raw)


def prepare(frame: pd.DataFrame, scorer: TitleScorer, embedders: list[Embedder]) -> Prepared:
    """Model inputs of ``frame`` (see ``Prepared``); ``scorer``: the headline A/B model (no YouTube model);
    ``embedders``: the embedding models the outcome model may read (``OUTCOME_EMBEDDINGS``)."""
    raw, z, embs, headline = _title_inputs(scorer, frame["title"].tolist(), embedders)
    groups = frame["channel"].to_numpy()
    return Prepared(frame, raw, z, embs, frame["is_short"].to_numpy(dtype=np.float64),
                    np.log(frame["multiplier"].to_numpy(dtype=np.float64)), groups, headline,
                    sorted(set(groups)))


# ---------------------------------------------------------------------------------------------------------------
# The outcome model: within-channel ridge, nested leave-one-channel-out
# ---------------------------------------------------------------------------------------------------------------


class Grams:
    """Per-channel sufficient statistics of the within-channel centred ridge fit for one embedding model and
    ``pack_scale``: ``X_c' X_c`` and ``X_c' y_c`` with rows and targets centred per channel (the fixed-effects
    estimator)."""

    def __init__(self, data: Prepared, pack_scale: float, embedding_model: str) -> None:
        self.x = design_rows(data.z, data.embs[embedding_model], data.shorts, pack_scale)
        self.stats: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for ch in data.channels:
            m = data.groups == ch
            xc = self.x[m] - self.x[m].mean(axis=0)
            yc = data.y[m] - data.y[m].mean()
            self.stats[ch] = (xc.T @ xc, xc.T @ yc)

    def fit(self, channels: list[str], alpha: float) -> np.ndarray:
        """Ridge coefficients ``(d,)`` fitted on ``channels``: ``(sum G + alpha I)^-1 sum b``."""
        g = sum(self.stats[c][0] for c in channels)
        b = sum(self.stats[c][1] for c in channels)
        return np.linalg.solve(g + alpha * np.eye(len(b)), b)


def _spearman(x: np.ndarray, y: np.ndarray) -> float:
    return float(stats.spearmanr(x, y)[0]) if len(x) > 2 and np.ptp(x) > 0 else 0.0


def _loco_score(grams: Grams, data: Prepared, channels: list[str], alpha: float) -> float:
    """Mean LOCO Spearman over ``channels`` (each predicted by a fit on the others of ``channels``)."""
    out = []
    for c in channels:
        coef = grams.fit([o for o in channels if o != c], alpha)
        m = data.groups == c
        out.append(_spearman(grams.x[m] @ coef, data.y[m]))
    return float(np.mean(out))


def all_grams(data: Prepared) -> dict[tuple[str, float], Grams]:
    """``Grams`` of every (embedding model of ``data.embs``, ``PACK_SCALES``) setting."""
    return {(e, ps): Grams(data, ps, e) for e in data.embs for ps in PACK_SCALES}


def choose_settings(grams: dict[tuple[str, float], Grams], data: Prepared, channels: list[str]
                    ) -> tuple[tuple[str, float], float, float]:
    """((embedding model, pack_scale), alpha, mean LOCO Spearman) maximising the mean LOCO Spearman over
    ``channels``."""
    return max(((key, a, _loco_score(g, data, channels, a)) for key, g in grams.items() for a in ALPHAS),
               key=lambda t: t[2])


def nested_loco(data: Prepared) -> dict:
    """Per held-out channel: settings chosen by LOCO over the other channels, fitted on them, then predicted.
    Returns ``{"pred": (n,) predictions, "folds": {channel: {"embedding", "pack_scale", "alpha", "coef"}}}``."""
    grams = all_grams(data)
    pred = np.zeros(len(data.y))
    folds = {}
    for c in data.channels:
        others = [o for o in data.channels if o != c]
        key, alpha, _ = choose_settings(grams, data, others)
        coef = grams[key].fit(others, alpha)
        m = data.groups == c
        pred[m] = grams[key].x[m] @ coef
        folds[c] = {"embedding": key[0], "pack_scale": key[1], "alpha": alpha, "coef": coef}
    return {"pred": pred, "folds": folds}


def bootstrap_spearman(x: np.ndarray, y: np.ndarray, seed: int = SEED) -> tuple[float, float, float]:
    """Spearman's rho and its 95 % percentile-bootstrap interval (``N_BOOTSTRAP`` resamples of the videos)."""
    rng = np.random.default_rng(seed)
    rx, ry = stats.rankdata(x), stats.rankdata(y)
    draws = rng.integers(0, len(x), size=(N_BOOTSTRAP, len(x)))
    boot = [_spearman(rx[d], ry[d]) for d in draws]
    low, high = np.percentile(boot, [2.5, 97.5])
    return _spearman(x, y), float(low), float(high)


def pairwise_accuracy(pred: np.ndarray, y: np.ndarray, shorts: np.ndarray) -> float:
    """Share of within-format pairs of one channel with different multipliers whose higher prediction has the
    higher multiplier (prediction ties count half)."""
    hits = total = 0.0
    for fmt in (0.0, 1.0):
        m = shorts == fmt
        p, t = pred[m], y[m]
        dp, dt = np.sign(p[:, None] - p[None, :]), np.sign(t[:, None] - t[None, :])
        upper = np.triu(np.ones_like(dt, dtype=bool), 1) & (dt != 0)
        hits += float(np.where(dp[upper] == 0, 0.5, dp[upper] == dt[upper]).sum())
        total += float(upper.sum())
    return hits / total if total else float("nan")


def _baseline_sign(values: np.ndarray, data: Prepared, channels: list[str]) -> float:
    """+1 or -1: the sign of the mean within-channel Spearman of a baseline feature over ``channels``."""
    rhos = [_spearman(values[data.groups == c], data.y[data.groups == c]) for c in channels]
    return 1.0 if np.mean(rhos) >= 0 else -1.0


def prequential(data: Prepared, global_pred: np.ndarray, folds: dict) -> np.ndarray:
    """The history predictor (``tools.scoring.history``) on every channel, format by format in time order:
    ``global_pred`` (the held-out channel's LOCO predictions) plus the channel's own earlier uploads, their
    similarity read in the embeddings of the channel's fold (``folds``, from ``nested_loco``). ``(n,)``."""
    out = np.zeros(len(data.y))
    for c in data.channels:
        emb = data.embs[folds[c]["embedding"]]
        for fmt in (0.0, 1.0):
            idx = np.flatnonzero((data.groups == c) & (data.shorts == fmt))  # frame is in time order per channel
            if not len(idx):
                continue
            trailing = trailing_log_multipliers(data.frame["views"].to_numpy()[idx].tolist())
            out[idx], _ = prequential_log_predictions(global_pred[idx], emb[idx], trailing)
    return out


def _blend(headline: np.ndarray, youtube: np.ndarray, w: float, sd_h: float, sd_y: float) -> np.ndarray:
    return (1 - w) * headline / sd_h + w * youtube / sd_y


def _mean_channel_spearman(values: np.ndarray, data: Prepared, channels: list[str]) -> float:
    return float(np.mean([_spearman(values[data.groups == c], data.y[data.groups == c]) for c in channels]))


def choose_blend(data: Prepared, youtube: np.ndarray, sd_h: float, sd_y: float, channels: list[str]) -> float:
    """The YouTube share of ``BLEND_GRID`` with the best mean within-channel Spearman over ``channels`` (ties:
    the larger headline share)."""
    scores = [(_mean_channel_spearman(_blend(data.headline, youtube, w, sd_h, sd_y), data, channels), -w, w)
              for w in BLEND_GRID]
    return max(scores)[2]


def pair_slope(data: Prepared, blended: np.ndarray, seed: int = SEED) -> float:
    """Slope ``k`` of ``P(i beats j) = sigmoid(k * (b_i - b_j))`` for two uploads of one channel and format,
    fitted by logistic regression without intercept on up to ``PAIRS_PER_CHANNEL`` random pairs per channel."""
    rng = np.random.default_rng(seed)
    diffs, wins = [], []
    for c in data.channels:
        for fmt in (0.0, 1.0):
            idx = np.flatnonzero((data.groups == c) & (data.shorts == fmt))
            if len(idx) < 2:
                continue
            i, j = rng.integers(0, len(idx), size=(2, PAIRS_PER_CHANNEL))
            keep = data.y[idx[i]] != data.y[idx[j]]
            diffs.append(blended[idx[i]][keep] - blended[idx[j]][keep])
            wins.append(data.y[idx[i]][keep] > data.y[idx[j]][keep])
    x, y = np.concatenate(diffs), np.concatenate(wins).astype(int)
    model = LogisticRegression(fit_intercept=False, C=1e6, max_iter=1000)
    model.fit(np.concatenate([x, -x])[:, None], np.concatenate([y, 1 - y]))
    return float(model.coef_[0][0])


def youtube_directions(data: Prepared) -> dict:
    """Per packaging feature: the within-channel Spearman with ln multiplier per channel (channels where the
    feature varies), and ``direction`` +1 / -1 when at least ``DIRECTION_SHARE`` of them agree on the sign, else 0.
    Returns ``{feature: {"direction", "channels_agree", "n_channels", "median_rho"}}``."""
    out = {}
    for j, name in enumerate(FEATURE_NAMES):
        rhos = []
        for c in data.channels:
            m = data.groups == c
            if np.ptp(data.raw[m, j]) > 0:
                rhos.append(_spearman(data.raw[m, j], data.y[m]))
        pos, neg, n = sum(r > 0 for r in rhos), sum(r < 0 for r in rhos), len(rhos)
        direction = 1 if n and pos >= DIRECTION_SHARE * n else -1 if n and neg >= DIRECTION_SHARE * n else 0
        out[name] = {"direction": direction, "channels_agree": int(max(pos, neg)), "n_channels": n,
                     "median_rho": round(float(np.median(rhos)), 4) if rhos else 0.0}
    return out


# ---------------------------------------------------------------------------------------------------------------
# The curiosity-gap model
# ---------------------------------------------------------------------------------------------------------------


def is_clickbait_train(headline: str) -> bool:
    """True if a clickbait-corpus headline is in the training part (``sha1(CLICKBAIT_SALT + headline) mod 5 != 0``)."""
    return int(hashlib.sha1((CLICKBAIT_SALT + headline).encode("utf-8")).hexdigest(), 16) % 5 != 0


def load_labelled_titles(path: Path = LABELS_PATH) -> pd.DataFrame:
    """The hand-labelled YouTube titles: columns ``title``, ``curiosity_gap`` (bool), ``split`` ("dev"/"test"),
    ``source``."""
    rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    return pd.DataFrame([{"title": r["inputs"]["title"], "curiosity_gap": bool(r["reference_outputs"]["curiosity_gap"]),
                          "split": r["metadata"]["splits"][0], "source": r["metadata"]["source"]} for r in rows])


def _curiosity_rows(emb: np.ndarray, cues: np.ndarray) -> np.ndarray:
    return np.hstack([emb, cues.reshape(-1, 1) * CUE_SCALE])


def _gap_inputs(scorer: TitleScorer, titles: list[str], embedder) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(embeddings ``(n, dim)``, clickbait cue counts ``(n,)``, ``youtube_gap_cues`` ``(n, 2)``) of raw titles."""
    clean = [normalize_title(t) for t in titles]
    _, evidence, _ = scorer.features(clean)
    cues = np.array([ev.clickbait for ev in evidence], dtype=np.float64)
    gap = np.array([youtube_gap_cues(t, bool(ev.named)) for t, ev in zip(clean, evidence)], dtype=np.float64)
    return embedder.embed(clean), cues, gap.reshape(-1, 2)


def fit_curiosity(data_dir: Path, scorer: TitleScorer, embedder) -> tuple[LogisticRegression, LogisticRegression,
                                                                          dict]:
    """Fit the curiosity-gap model (``tools.scoring.youtube``): stage 1 on the training part of the clickbait
    corpus, stage 2 on the dev split of the labelled YouTube titles (its setting ``STAGE_C`` and cues chosen by
    5-fold cross-validation on dev). Returns (stage 1, stage 2, figures): AUC on the held-out corpus part (stage
    1), on the dev split (cross-validated) and on the test split (stage 2 fitted on all of dev; stage 1 alone and
    the unfitted cue count as baselines), with bootstrap intervals."""
    titles, labels = load_clickbait(Path(data_dir))
    train = np.array([is_clickbait_train(t) for t in titles])
    emb, cues, _ = _gap_inputs(scorer, titles, embedder)
    x = _curiosity_rows(emb, cues)
    model = LogisticRegression(C=CURIOSITY_C, max_iter=3000).fit(x[train], labels[train])
    labelled = load_labelled_titles()
    emb_y, cues_y, gap_y = _gap_inputs(scorer, labelled["title"].tolist(), embedder)
    logit_y = model.decision_function(_curiosity_rows(emb_y, cues_y))
    stage_x = np.column_stack([logit_y, gap_y])
    y = labelled["curiosity_gap"].to_numpy().astype(int)
    dev, test = (labelled["split"] == "dev").to_numpy(), (labelled["split"] == "test").to_numpy()
    stage = LogisticRegression(C=STAGE_C, max_iter=1000).fit(stage_x[dev], y[dev])
    dev_cv = np.zeros(int(dev.sum()))
    folds = StratifiedKFold(5, shuffle=True, random_state=SEED)
    for tr, te in folds.split(stage_x[dev], y[dev]):
        dev_cv[te] = LogisticRegression(C=STAGE_C, max_iter=1000).fit(stage_x[dev][tr], y[dev][tr]).decision_function(
            stage_x[dev][te])
    figures = {
        "corpus_heldout": {"n": int((~train).sum()), "n_train": int(train.sum()),
                           "auc": float(roc_auc_score(labels[~train], model.decision_function(x[~train])))},
        "split_rule": f"sha1('{CLICKBAIT_SALT}' + headline) mod 5 != 0 -> train",
        "youtube_labelled_dev": {"n": int(dev.sum()), "n_curiosity_gap": int(y[dev].sum()),
                                 **_auc_interval(y[dev], dev_cv)},
        "youtube_labelled_test": {"n": int(test.sum()), "n_curiosity_gap": int(y[test].sum()),
                                  **_auc_interval(y[test], stage.decision_function(stage_x[test]))},
        "youtube_labelled_test_headline_stage_only": _auc_interval(y[test], logit_y[test]),
        "youtube_labelled_test_cue_count_baseline": _auc_interval(y[test], cues_y[test]),
    }
    return model, stage, figures


def _auc_interval(y: np.ndarray, score: np.ndarray, seed: int = SEED) -> dict:
    """ROC AUC with a 95 % bootstrap interval (titles resampled; resamples with one class skipped)."""
    rng = np.random.default_rng(seed)
    boot = []
    for _ in range(N_BOOTSTRAP):
        d = rng.integers(0, len(y), len(y))
        if 0 < y[d].sum() < len(d):
            boot.append(roc_auc_score(y[d], score[d]))
    low, high = np.percentile(boot, [2.5, 97.5])
    return {"auc": float(roc_auc_score(y, score)), "ci95": [float(low), float(high)]}


# ---------------------------------------------------------------------------------------------------------------
# Fit, evaluate
# ---------------------------------------------------------------------------------------------------------------


def _headline_scorer() -> TitleScorer:
    return TitleScorer(json.loads(WEIGHTS_PATH.read_text(encoding="utf-8")))


def _reference_inputs(data_dir: Path, scorer: TitleScorer, embedders: list[Embedder]) -> dict:
    titles = load_reference_titles(Path(data_dir))
    _, z, embs, headline = _title_inputs(scorer, titles, embedders)
    shorts = np.array([is_short_title(t) for t in titles], dtype=np.float64)
    return {"z": z, "embs": embs, "shorts": shorts, "headline": headline}


def _ref_pred(ref: dict, embedding_model: str, pack_scale: float, coef: np.ndarray) -> np.ndarray:
    return design_rows(ref["z"], ref["embs"][embedding_model], ref["shorts"], pack_scale) @ coef


def _embedders() -> list[Embedder]:
    return [get_embedder(name) for name in OUTCOME_EMBEDDINGS]


def fit_youtube(data_dir: Path = DEFAULT_DATA_DIR, out_path: Path = YOUTUBE_WEIGHTS_PATH) -> dict:
    """Fit the outcome model (settings by LOCO over all channels, then fitted on all of them), the blend weight
    (by the LOCO predictions), the pair slope, the directions and the curiosity-gap model; write ``out_path``
    (JSON) and return it."""
    data_dir = Path(data_dir)
    scorer, embedder, embedders = _headline_scorer(), get_embedder(EMBEDDING_MODEL), _embedders()
    data = prepare(load_channel_histories(data_dir), scorer, embedders)
    grams = all_grams(data)
    (emb_model, ps), alpha, loco_mean = choose_settings(grams, data, data.channels)
    coef = grams[(emb_model, ps)].fit(data.channels, alpha)
    x = grams[(emb_model, ps)].x
    design_mean = x.mean(axis=0)
    ref = _reference_inputs(data_dir, scorer, embedders)
    ref_yt = _ref_pred(ref, emb_model, ps, coef) - design_mean @ coef
    sd_h, sd_y = float(ref["headline"].std()), float(ref_yt.std())
    loco = nested_loco(data)["pred"]
    w = choose_blend(data, loco, sd_h, sd_y, data.channels)
    slope = pair_slope(data, _blend(data.headline, loco, w, sd_h, sd_y))
    levels = np.linspace(0, 1, REFERENCE_QUANTILES)
    curiosity, stage, _ = fit_curiosity(data_dir, scorer, embedder)
    weights = {
        "model": "YouTube outcome model (within-channel ridge) + curiosity gap (logistic regression); "
                 "fitted by `python -m evals.scorer_youtube fit`",
        "data": {"channels": data.channels, "n_channels": len(data.channels), "n_videos": int(len(data.y)),
                 "sources": ["youtube_channel_uploads", "youtube_ai_topic_videos/per_channel"],
                 "target": "ln outlier multiplier (memory.outliers)"},
        "embedding": {"model": EMBEDDING_MODEL, "probe_text": PROBE_TEXT,
                      "probe_head": embedder.embed([PROBE_TEXT])[0][:8].round(6).tolist()},
        "outcome": {"embedding_model": emb_model,
                    "probe_head": get_embedder(emb_model).embed([PROBE_TEXT])[0][:8].round(6).tolist(),
                    "pack_scale": ps, "alpha": alpha, "loco_mean_spearman_at_choice": round(loco_mean, 4),
                    "coef": coef.round(6).tolist(), "design_mean": design_mean.round(6).tolist()},
        "blend": {"w_youtube": w, "w_headline": round(1 - w, 4), "sd_youtube": sd_y, "sd_headline": sd_h,
                  "pair_slope": slope,
                  "score_quantiles": np.quantile(_blend(ref["headline"], ref_yt, w, sd_h, sd_y), levels).round(6).tolist(),
                  "youtube_quantiles": np.quantile(ref_yt, levels).round(6).tolist(),
                  "reference": "US YouTube trending titles 2017 + 2024 (unique)"},
        "directions": youtube_directions(data),
        "curiosity": {"coef": curiosity.coef_[0].round(6).tolist(), "intercept": float(curiosity.intercept_[0]),
                      "cue_scale": CUE_SCALE, "C": CURIOSITY_C,
                      "train": f"clickbait_headlines, sha1('{CLICKBAIT_SALT}' + headline) mod 5 != 0",
                      "youtube_stage": {"coef": stage.coef_[0].round(6).tolist(),
                                        "intercept": float(stage.intercept_[0]), "C": STAGE_C,
                                        "inputs": ["headline logit", "descriptive cues", "withheld cues"],
                                        "train": f"{LABELS_PATH.name}, dev split ({LABELS_SPLIT_RULE})"}},
    }
    Path(out_path).write_text(json.dumps(weights, indent=1) + "\n", encoding="utf-8")
    return weights


def run_youtube_eval(data_dir: Path = DEFAULT_DATA_DIR, weights_path: Path = YOUTUBE_WEIGHTS_PATH) -> dict:
    """The YouTube figures of ``cortex eval scorer``; every model is refitted per held-out channel (no leakage).

    Per channel: LOCO Spearman of the outcome model with a bootstrap interval and within-channel pairwise accuracy;
    the same for the baselines (length, has-a-digit, the headline A/B model) and for the blended score (its weight
    chosen on the other channels); the prequential Spearman of the history predictor (the held-out channel's LOCO
    model plus its own earlier uploads). Then the curiosity-gap model (refitted on the corpus training part) and
    the shipped blend weight."""
    data_dir = Path(data_dir)
    scorer, embedder, embedders = _headline_scorer(), get_embedder(EMBEDDING_MODEL), _embedders()
    data = prepare(load_channel_histories(data_dir), scorer, embedders)
    nested = nested_loco(data)
    loco = nested["pred"]
    ref = _reference_inputs(data_dir, scorer, embedders)
    sd_h = float(ref["headline"].std())
    length = data.frame["title"].str.len().to_numpy(dtype=np.float64)
    digit = data.frame["title"].str.contains(r"\d").to_numpy(dtype=np.float64)
    preq = prequential(data, loco, nested["folds"])
    rows = []
    for c in data.channels:
        others = [o for o in data.channels if o != c]
        m = data.groups == c
        fold = nested["folds"][c]
        sd_y = float(_ref_pred(ref, fold["embedding"], fold["pack_scale"], fold["coef"]).std())
        w = choose_blend(data, loco, sd_h, sd_y, others)
        systems = {
            "youtube_model": loco,
            "blended_score": _blend(data.headline, loco, w, sd_h, sd_y),
            "headline_model": data.headline,
            "length": _baseline_sign(length, data, others) * length,
            "has_digit": _baseline_sign(digit, data, others) * digit,
            "history_prequential": preq,
        }
        row = {"channel": c, "n_videos": int(m.sum()), "embedding": fold["embedding"],
               "pack_scale": fold["pack_scale"], "alpha": fold["alpha"],
               "blend_w_youtube": w}
        for name, values in systems.items():
            rho, low, high = bootstrap_spearman(values[m], data.y[m])
            row[name] = {"spearman": rho, "ci95": [low, high],
                         "pairwise": pairwise_accuracy(values[m], data.y[m], data.shorts[m])}
        rows.append(row)
    summary = {name: {"mean_spearman": float(np.mean([r[name]["spearman"] for r in rows])),
                      "mean_pairwise": float(np.mean([r[name]["pairwise"] for r in rows]))}
               for name in ("youtube_model", "blended_score", "headline_model", "length", "has_digit",
                            "history_prequential")}
    _, _, curiosity = fit_curiosity(data_dir, scorer, embedder)
    shipped = json.loads(Path(weights_path).read_text(encoding="utf-8")) if Path(weights_path).exists() else None
    return {
        "channels": rows,
        "summary": summary,
        "n_channels": len(rows),
        "n_videos": int(len(data.y)),
        "curiosity": curiosity,
        "shipped": {"blend": {k: shipped["blend"][k] for k in ("w_youtube", "w_headline", "pair_slope")},
                    "outcome": {k: shipped["outcome"][k] for k in ("embedding_model", "pack_scale", "alpha")},
                    "directions": {f: shipped["directions"][f] for f in ("first_person", "has_digit", "n_chars")}}
        if shipped else None,
    }


def _ci(block: dict) -> str:
    low, high = block["ci95"]
    return f"{block['spearman']:+.3f} [{low:+.2f}, {high:+.2f}]"


def render_youtube_markdown(report: dict) -> str:
    """The YouTube part of the scorer report, as markdown."""
    names = ("youtube_model", "blended_score", "headline_model", "length", "has_digit", "history_prequential")
    lines = [
        "## YouTube channels: leave-one-channel-out (every model refitted without the held-out channel)", "",
        f"{report['n_videos']:,} uploads of {report['n_channels']} channels with an outlier multiplier. Spearman with "
        "ln(outlier multiplier) and a 95 % bootstrap interval (videos resampled); pairwise = within-channel pairs "
        "of one format ordered right. history = the held-out channel's LOCO model plus its own earlier uploads "
        "(prequential: each upload predicted from the ones before it).", "",
        "| channel | videos | " + " | ".join(names) + " | pairwise (youtube_model) |",
        "|---|---:|" + "---|" * len(names) + "---:|",
    ]
    for r in report["channels"]:
        lines.append(f"| {r['channel']} | {r['n_videos']} | " + " | ".join(_ci(r[n]) for n in names)
                     + f" | {r['youtube_model']['pairwise']:.3f} |")
    s = report["summary"]
    lines.append("| **mean Spearman** | | " + " | ".join(f"**{s[n]['mean_spearman']:+.3f}**" for n in names) + " | |")
    lines.append("| **mean pairwise** | | " + " | ".join(f"{s[n]['mean_pairwise']:.3f}" for n in names) + " | |")
    cur = report["curiosity"]
    t, d = cur["youtube_labelled_test"], cur["youtube_labelled_dev"]
    lines += ["", "## Curiosity gap (trained on the clickbait corpus)", "",
              f"Held-out corpus part ({cur['corpus_heldout']['n']:,} headlines): AUC **{cur['corpus_heldout']['auc']:.3f}**. "
              f"Hand-labelled YouTube titles (evals/datasets/curiosity), test split ({t['n']} titles, "
              f"{t['n_curiosity_gap']} curiosity gaps): AUC **{t['auc']:.3f}** [{t['ci95'][0]:.2f}, {t['ci95'][1]:.2f}] "
              f"(the corpus stage alone: {cur['youtube_labelled_test_headline_stage_only']['auc']:.3f}; the unfitted "
              f"cue count: {cur['youtube_labelled_test_cue_count_baseline']['auc']:.3f}); dev split ({d['n']} titles, "
              f"the YouTube stage is fitted there), 5-fold cross-validated: {d['auc']:.3f}."]
    if report["shipped"]:
        b, dirs = report["shipped"]["blend"], report["shipped"]["directions"]
        lines += ["", "## The shipped score", "",
                  f"Blend chosen by LOCO over all channels: YouTube model {b['w_youtube']:.0%}, headline A/B model "
                  f"{b['w_headline']:.0%} (standardised scales); compare's probability slope {b['pair_slope']:.2f}.",
                  "Directions on YouTube (within-channel Spearman sign, channels agreeing): " + "; ".join(
                      f"{f}: {'+' if v['direction'] > 0 else '-' if v['direction'] < 0 else 'none'} "
                      f"({v['channels_agree']}/{v['n_channels']}, median rho {v['median_rho']:+.3f})"
                      for f, v in dirs.items()) + "."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover - command line
    if sys.argv[1:] != ["fit"]:
        sys.exit("usage: python -m evals.scorer_youtube fit")
    fitted = fit_youtube()
    print(f"wrote {YOUTUBE_WEIGHTS_PATH}: {fitted['data']['n_videos']} uploads of {fitted['data']['n_channels']} "
          f"channels, pack_scale {fitted['outcome']['pack_scale']}, alpha {fitted['outcome']['alpha']}, "
          f"YouTube share {fitted['blend']['w_youtube']}")
