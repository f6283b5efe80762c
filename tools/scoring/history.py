"""A title against a channel's own history: how would it do relative to this channel, judged only from the videos
published before it.

Input: the channel's uploads (title, publish time, views), from a CSV (``read_history_csv``: columns ``title``,
``published_at`` ISO date, ``views``), the corpus or the creator's analytics. ``predict_history`` walks them in time
order and, for each upload, predicts its log outlier multiplier from the uploads before it only (prequential):

1. the global YouTube model's prediction ``g`` (``tools.scoring.youtube``; fitted on other channels);
2. the channel's own evidence: every earlier upload with at least ``MIN_NEIGHBOURS`` uploads before it has a
   *trailing* multiplier, views / the median views of the up to ``WINDOW`` uploads before it (the centred window of
   ``memory.outliers`` would read later uploads, which a prediction may not). Their residuals against the global
   model (centred) are averaged over the ``K_NEAREST`` earlier titles most similar to this one (cosine of the
   embeddings of the YouTube outcome model, weights = similarity floored at 0): a channel's own topics and series that beat or trail
   what the global model expects;
3. prediction = ``g + n / (n + SHRINK) * local`` with ``n`` earlier uploads with a trailing multiplier: the local
   term counts more as the history grows. With fewer than ``MIN_HISTORY`` such uploads the prediction is ``g``
   alone and the row says so (``basis``).

The constants were set once, from the definitions above (the window and neighbour minimum of
``memory.outliers``, a 10-title neighbourhood, a prior worth 30 uploads), not tuned on the evaluation;
``evals.scorer_youtube`` reports the prequential Spearman this gives on every channel of the data.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from statistics import median

import numpy as np

from memory.outliers import MIN_NEIGHBOURS, WINDOW

MIN_HISTORY = 10
"""Earlier uploads with a trailing multiplier needed before the channel's own evidence is used."""
K_NEAREST = 10
SHRINK = 30.0
REQUIRED_COLUMNS = ("title", "published_at", "views")


class HistoryInputError(ValueError):
    """A history that cannot be read; the message says what to fix (file, column, row)."""


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One upload of the history: ``title``, ``published_at`` (aware UTC datetime), ``views`` (>= 0)."""

    title: str
    published_at: datetime
    views: int


@dataclass(slots=True)
class HistoryPrediction:
    """The prediction for one upload from the uploads before it.

    ``log_multiplier``: predicted ln(outlier multiplier); ``predicted_multiplier``: its exp (1.0 = the channel's
    usual views); ``score``: 0-100 (see ``predict_history``); ``n_earlier``: earlier uploads with a trailing
    multiplier; ``basis``: which evidence was used, in words."""

    title: str
    published_at: datetime
    log_multiplier: float
    predicted_multiplier: float
    score: float
    n_earlier: int
    basis: str

    def to_markdown(self, channel: str) -> str:
        """One chat line: the predicted multiplier on ``channel`` and the evidence it rests on."""
        return (f"**{self.title}** on **{channel}**: about **{self.predicted_multiplier:.2f}x** the channel's usual "
                f"views (score {self.score:.0f}/100; {self.basis}).")

    def to_dict(self) -> dict:
        """``{"title", "published_at" (ISO), "score", "predicted_multiplier", "basis"}``, JSON-ready."""
        return {"title": self.title, "published_at": self.published_at.isoformat(), "score": self.score,
                "predicted_multiplier": self.predicted_multiplier, "basis": self.basis}


def _parse_time(value: str, line: int) -> datetime:
    text = value.strip()
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise HistoryInputError(
            f"line {line}: published_at {text!r} is not an ISO date: write it as 2024-05-31 or 2024-05-31T17:00:00Z."
        ) from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _parse_views(value: str, line: int) -> int:
    text = value.strip().replace(",", "").replace("_", "")
    try:
        views = float(text)
    except ValueError:
        views = float("nan")
    if not math.isfinite(views) or views < 0 or views != int(views):
        raise HistoryInputError(f"line {line}: views {value.strip()!r} is not a whole number >= 0 (e.g. 125000).")
    return int(views)


def read_history_csv(path: Path) -> list[HistoryRow]:
    """Rows of a history CSV (header ``title,published_at,views``; other columns ignored; UTF-8, a BOM is fine).

    Raises ``HistoryInputError`` for a missing or unreadable file, a missing column, an empty title, a date that
    is not ISO 8601 or views that are not a whole number >= 0 (with the line number), or no rows."""
    path = Path(path)
    if not path.is_file():
        raise HistoryInputError(f"{path}: no such file; give the path of a CSV with columns title, published_at, views.")
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            columns = [c.strip().lower() for c in (reader.fieldnames or [])]
            missing = [c for c in REQUIRED_COLUMNS if c not in columns]
            if missing:
                raise HistoryInputError(
                    f"{path}: missing column(s) {', '.join(missing)}; the first line must name the columns "
                    "title, published_at, views.")
            rows = []
            for line, raw in enumerate(reader, start=2):
                record = {(k or "").strip().lower(): (v or "") for k, v in raw.items()}
                title = " ".join(record["title"].split())
                if not title:
                    raise HistoryInputError(f"line {line}: the title is empty.")
                rows.append(HistoryRow(title, _parse_time(record["published_at"], line),
                                       _parse_views(record["views"], line)))
    except UnicodeDecodeError:
        raise HistoryInputError(f"{path}: not UTF-8 text; save the CSV as UTF-8.") from None
    except csv.Error as exc:
        raise HistoryInputError(f"{path}: not a readable CSV ({exc}).") from None
    if not rows:
        raise HistoryInputError(f"{path}: no rows under the header.")
    return rows


def trailing_log_multipliers(views_in_order: Sequence[int]) -> np.ndarray:
    """ln(views / median views of the up to ``WINDOW`` uploads before), NaN with fewer than ``MIN_NEIGHBOURS``
    before or a zero view count or median. ``(n,)`` float64, same order as the input."""
    logs = np.full(len(views_in_order), np.nan)
    for i, v in enumerate(views_in_order):
        before = views_in_order[max(0, i - WINDOW) : i]
        if len(before) >= MIN_NEIGHBOURS:
            base = median(before)
            if v > 0 and base > 0:
                logs[i] = math.log(v / base)
    return logs


def prequential_log_predictions(global_log: np.ndarray, embeddings: np.ndarray,
                                trailing: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Step 2-3 of the module docstring for uploads in time order: ``global_log`` ``(n,)`` (the global model),
    ``embeddings`` ``(n, dim)`` unit rows, ``trailing`` ``(n,)`` trailing log multipliers (NaN where none).
    Prediction ``i`` reads rows ``< i`` only. Returns (predicted log multipliers ``(n,)``, earlier uploads used
    ``(n,)``)."""
    n = len(global_log)
    pred = np.array(global_log, dtype=np.float64)
    used = np.zeros(n, dtype=np.int64)
    known = ~np.isnan(trailing)
    for i in range(n):
        ok = np.flatnonzero(known[:i])
        used[i] = len(ok)
        pred[i] += _local_term(global_log[ok], embeddings[ok], trailing[ok], embeddings[i])
    return pred, used


def _local_term(global_log: np.ndarray, embeddings: np.ndarray, trailing: np.ndarray, target: np.ndarray) -> float:
    """Step 2-3: the shrunk similarity-weighted mean residual of earlier uploads (all with a trailing multiplier)
    for one title's embedding ``target``; 0 with fewer than ``MIN_HISTORY`` of them."""
    n = len(trailing)
    if n < MIN_HISTORY:
        return 0.0
    residual = trailing - global_log
    residual -= residual.mean()
    sim = embeddings @ target
    top = np.argpartition(-sim, K_NEAREST - 1)[:K_NEAREST]
    w = np.maximum(sim[top], 0.0) + 1e-6
    return n / (n + SHRINK) * float((residual[top] * w).sum() / w.sum())


def _basis(n: int) -> str:
    if n < MIN_HISTORY:
        return (f"global model only: {n} earlier upload(s) with a baseline, {MIN_HISTORY} needed for this "
                "channel's own evidence")
    return f"global model + this channel's {n} earlier uploads"


def predict_new(history: Sequence[HistoryRow], titles: Sequence[str], scorer) -> list[HistoryPrediction]:
    """How each of ``titles`` (normalised) would do as the channel's next upload after all of ``history``: the
    same predictor as ``predict_history``, with every history row as an earlier upload. ``published_at`` of a
    prediction is now (UTC). Raises ``ValueError`` when the scorer has no YouTube model."""
    ordered = sorted(history, key=lambda r: r.published_at)
    hist_titles = [r.title for r in ordered]
    glob, emb = scorer.youtube_log_predictions(hist_titles + list(titles))
    trailing = trailing_log_multipliers([r.views for r in ordered])
    ok = np.flatnonzero(~np.isnan(trailing))
    k = len(ordered)
    now = datetime.now(UTC)
    out = []
    for j, title in enumerate(titles):
        p = float(glob[k + j]) + _local_term(glob[ok], emb[ok], trailing[ok], emb[k + j])
        score = float(scorer.youtube_percentile(np.array([p]))[0])
        out.append(HistoryPrediction(title, now, p, round(math.exp(p), 3), round(score, 1), len(ok), _basis(len(ok))))
    return out


def predict_history(rows: Sequence[HistoryRow], scorer) -> list[HistoryPrediction]:
    """Each upload of ``rows`` (any order; sorted by ``published_at``, stable) predicted from the earlier ones.

    ``scorer``: the ``TitleScorer`` with its YouTube model (``youtube_log_predictions`` and ``embed``). ``score``
    is the 0-100 percentile of the predicted log multiplier among the global model's predictions for the
    reference trending titles (50 = a typical title by this model). Raises ``ValueError`` when the scorer has no
    YouTube model."""
    ordered = sorted(rows, key=lambda r: r.published_at)
    if not ordered:
        return []
    titles = [r.title for r in ordered]
    global_log, embeddings = scorer.youtube_log_predictions(titles)
    trailing = trailing_log_multipliers([r.views for r in ordered])
    pred, used = prequential_log_predictions(global_log, embeddings, trailing)
    scores = scorer.youtube_percentile(pred)
    out = []
    for r, p, n, s in zip(ordered, pred.tolist(), used.tolist(), scores.tolist()):
        out.append(HistoryPrediction(r.title, r.published_at, p, round(math.exp(p), 3), round(s, 1), n, _basis(n)))
    return out
