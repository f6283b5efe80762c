"""The title scorer: a 0-100 score, a grade and a per-component breakdown for a YouTube title.

Pure functions over strings; no database, no network, no LangChain. The only file read is the fitted model
``tools/scoring/weights.json`` (``WEIGHTS_PATH``, written by ``cortex eval fit-scorer``: ``evals.scorer``), loaded
once and cached.

How a title is scored
---------------------
1. ``tools.scoring.features.extract_features`` turns a title into ``len(FEATURE_NAMES)`` raw numbers (characters,
   words, syllables, VADER sentiment, question marks, digits, named things, known formats, ALL CAPS, ...).
   ``FeatureExtractor.features`` cites the evidence behind each rule.
2. The weights are fitted, not hand-set: a pairwise logistic regression on standardised feature differences
   between two headlines of the same Upworthy A/B test (Matias et al. 2021, Scientific Data 8:195), label = which
   headline had the higher CTR (see ``evals/scorer.py``). The linear score is
   ``s = sum_j coef_j * (x_j - mean_j) / scale_j``, and ``sigmoid(s_a - s_b)`` is the model's probability that
   title A gets the higher CTR when both are A/B tested on the same audience.
3. ``s`` is mapped to 0-100 as its percentile among reference titles (unique US YouTube trending titles of 2017
   and 2024, stored as quantile knots in the weights file): 70 means "stronger than 70 % of those titles by this
   model". A component's sub-score is the mid-rank percentile of its part of ``s`` (the terms of its features)
   among the same reference titles.
4. With the YouTube model (``tools.scoring.youtube``, ``youtube_weights.json``) the score's linear scale is the blend
   ``w * youtube / sd_youtube + (1 - w) * s / sd_headline`` (each model in standard deviations over the reference
   titles; ``w`` chosen by the leave-one-channel-out eval of ``evals.scorer_youtube``), mapped to 0-100 the same way;
   the breakdown adds the ``youtube`` component (its weight ``w``) and the ``curiosity gap`` (weight 0, shown for
   information), and each component names its data (``Component.source``). Improvements are weighed on the blend
   and offered only where YouTube data confirms the headline-test direction (``improvements.edit_gains``).
5. Product rules on top: YouTube refuses titles over 100 characters, so such a title is still scored but its
   score is capped below the D band (``UNUSABLE_SCORE_CAP``) with a warning; so is a title with no words (emoji or
   symbols only). Three or more emoji get an "emoji clutter" warning (``EMOJI_CLUTTER``).

Improvements are data-driven too (``tools.scoring.improvements``): for each component the scorer tries a few
concrete edits (add a number, cut to the mobile limit, drop the ALL CAPS, ...), computes each edit's effect on
``s`` with the fitted weights and suggests the one that raises the score most, with its gain in points;
``improvement`` is None when no edit helps.

Not English / not Latin script: the rules for readability, emotion, curiosity words, named things, voice and
formats are English-only. For a title whose letters are mostly non-Latin those features are set to the mean of
the reference titles (neutral), the components say "not applicable" (weight 0) and a warning lists them. Other
Latin-script languages are scored with the English rules (there is no language detector in the dependencies).

The results (``TitleScore``, ``TitleComparison``, ``ChannelScore``) are ``tools.scoring.results``'.
"""

from __future__ import annotations

import gc
import json
import math
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process

from tools.scoring.features import (
    COMPONENT_INDEX,
    COMPONENTS,
    FEATURE_COMPONENT,
    FEATURE_INDEX,
    FEATURE_LABELS,
    FEATURE_NAMES,
    FORMAT_FEATURES,
    FORMATS,
    LANGUAGE_DEPENDENT,
    MOBILE_CUT_CHARS,
    Evidence,
    FeatureExtractor,
    TitleInputError,
    normalize_title,
)
from tools.scoring.improvements import EDIT_TEXT, edit_gains
from tools.scoring.results import (
    SOURCE_CLICKBAIT,
    SOURCE_HEADLINE,
    SOURCE_YOUTUBE,
    ChannelScore,
    Component,
    TitleComparison,
    TitleScore,
    grade_for,
)
from tools.scoring.youtube import (
    YouTubeModel,
    default_youtube_model,
    is_short_title,
    multiplier_text,
    youtube_gap_cues,
)

WEIGHTS_PATH = Path(__file__).with_name("weights.json")
"""The fitted model (``evals.scorer.fit_weights`` writes it; ``cortex eval fit-scorer``)."""

YOUTUBE_TITLE_MAX_CHARS = 100
"""YouTube rejects titles longer than 100 characters (YouTube Help "Add video titles & descriptions"; YouTube Data
API ``videos.snippet.title``: "maximum length of 100 characters")."""

EMOJI_CLUTTER = 3
"""Emoji count from which a title gets an "emoji clutter" warning. A rule of thumb, not fitted: the Upworthy
headlines have no emoji, so the data cannot weigh them (the fitted ``n_emoji`` weight is 0)."""

UNUSABLE_SCORE_CAP = 29.9
"""Highest score (an F) for a title that cannot work as is: over ``YOUTUBE_TITLE_MAX_CHARS`` (YouTube refuses it)
or without a single word (emoji or symbols only: neither viewers nor search can tell what the video is about)."""

_NOT_APPLICABLE = ("readability", "emotion", "voice", "structure")
"""Components whose rules are English-only: not applicable (weight 0) to a mostly non-Latin title."""


def midrank_percentile(values: np.ndarray, sorted_ref: np.ndarray) -> np.ndarray:
    """Mid-rank percentile (0-100) of each value among sorted reference values: ties count half."""
    lo = np.searchsorted(sorted_ref, values, side="left")
    hi = np.searchsorted(sorted_ref, values, side="right")
    return 50.0 * (lo + hi) / len(sorted_ref)


def _q(items: Sequence[str]) -> str:
    """Quote up to three items: “a”, “b”, “c” …"""
    text = "“" + "”, “".join(items[:3]) + "”"
    return text + " …" if len(items) > 3 else text


class TitleScorer:
    """A fitted title model, built from the weights dict written by ``evals.scorer.fit_weights``.

    Keys used: ``features`` (must equal ``FEATURE_NAMES``), ``clip_low``/``clip_high`` (raw features are clipped
    to the training range before scoring, so the model never extrapolates), ``mean``, ``scale``, ``coef`` (one
    number per feature), ``neutral`` (mean raw features of the reference titles: the value given to features
    that do not apply to a non-Latin-script title), ``score_quantiles`` (sorted linear scores of the reference
    titles at evenly spaced quantiles), ``component_quantiles`` ({component: sorted parts of the linear score}),
    ``component_weights`` ({component: 0-1}) and ``common_words`` (space-separated lower-case words). Raises
    ``ValueError`` if the feature list differs from ``FEATURE_NAMES``."""

    def __init__(self, weights: dict, youtube: YouTubeModel | None = None) -> None:
        if tuple(weights["features"]) != FEATURE_NAMES:
            raise ValueError("the weights were fitted on another feature set: run `python -m evals.scorer fit`")
        self.clip_low = np.asarray(weights["clip_low"], dtype=np.float64)
        self.clip_high = np.asarray(weights["clip_high"], dtype=np.float64)
        self.mean = np.asarray(weights["mean"], dtype=np.float64)
        self.neutral = np.asarray(weights["neutral"], dtype=np.float64)
        self.scale = np.asarray(weights["scale"], dtype=np.float64)
        self.coef = np.asarray(weights["coef"], dtype=np.float64)
        self.per_unit = self.coef / self.scale
        self.score_knots = np.asarray(weights["score_quantiles"], dtype=np.float64)
        self.score_levels = np.linspace(0.0, 100.0, len(self.score_knots))
        self.component_knots = [np.asarray(weights["component_quantiles"][c], dtype=np.float64) for c in COMPONENTS]
        self.component_weights = [float(weights["component_weights"][c]) for c in COMPONENTS]
        self.extractor = FeatureExtractor(frozenset(weights["common_words"].split()))
        self._neutral_idx = np.array([FEATURE_INDEX[n] for n in LANGUAGE_DEPENDENT])
        self.youtube = youtube
        # +1 where YouTube channel data confirms the headline-test direction of a feature, -1 where it contradicts
        # it, 0 where it shows no consistent direction (all 0 without a YouTube model: no advice is then withheld).
        self.agree = np.array([
            (1.0 if np.sign(self.per_unit[j]) == youtube.direction(name) else -1.0 if youtube.direction(name) else 0.0)
            if youtube else 1.0 for name, j in FEATURE_INDEX.items()])
        self._effect = {name: self._effect_text(name, j) for name, j in FEATURE_INDEX.items()}
        self._longer_words = "help" if self.per_unit[FEATURE_INDEX["syllables_per_word"]] > 0 else "hurt"
        if youtube:
            blend = youtube.blend
            self.w_headline, self.w_youtube = float(blend["w_headline"]), float(blend["w_youtube"])
            self.sd_headline, self.sd_youtube = float(blend["sd_headline"]), float(blend["sd_youtube"])
            self.pair_slope = float(blend["pair_slope"])
            self.score_knots = np.asarray(blend["score_quantiles"], dtype=np.float64)
            self.score_levels = np.linspace(0.0, 100.0, len(self.score_knots))
            self.youtube_knots = np.asarray(blend["youtube_quantiles"], dtype=np.float64)
        else:
            self.w_headline, self.w_youtube, self.sd_headline, self.sd_youtube, self.pair_slope = 1.0, 0.0, 1.0, 1.0, 1.0
        # An edit's effect on the score's linear scale per unit of each raw feature: the headline model's part plus
        # the YouTube model's packaging block (its embedding part is held fixed: an approximation for small edits).
        self.edit_per_unit = self.w_headline * self.per_unit / self.sd_headline
        if youtube:
            pack = youtube.coef[: len(FEATURE_NAMES)] * youtube.pack_scale / self.scale
            self.edit_per_unit = self.edit_per_unit + self.w_youtube * pack / self.sd_youtube

    def _effect_text(self, name: str, j: int) -> str:
        """A cue's direction in the headline A/B model and on YouTube, in words."""
        ab = f"{'helps' if self.per_unit[j] > 0 else 'hurts'} in headline A/B tests"
        return f"{ab}; {self.youtube.direction_text(name)}" if self.youtube else ab

    # -- numeric core --------------------------------------------------------------------------------------
    def _clip(self, raw: np.ndarray) -> np.ndarray:
        return np.clip(raw, self.clip_low, self.clip_high)

    def linear(self, raw: np.ndarray) -> np.ndarray:
        """Linear score ``s`` of a raw feature matrix ``(n, n_features)`` -> ``(n,)`` (features clipped to the
        training range first)."""
        return (self._clip(raw) - self.mean) @ self.per_unit

    def contributions(self, raw: np.ndarray) -> np.ndarray:
        """Each component's part of ``s``: ``(n, len(COMPONENTS))``; rows sum to ``linear(raw)``."""
        terms = (self._clip(raw) - self.mean) * self.per_unit
        out = np.zeros((raw.shape[0], len(COMPONENTS)))
        np.add.at(out.T, FEATURE_COMPONENT, terms.T)
        return out

    def to_score(self, s: np.ndarray) -> np.ndarray:
        """Linear score -> 0-100: percentile among the reference titles (linear interpolation between quantile
        knots; 0 below the lowest, 100 above the highest)."""
        return np.interp(s, self.score_knots, self.score_levels)

    def features(self, titles: Sequence[str]) -> tuple[np.ndarray, list[Evidence], np.ndarray]:
        """Raw features ``(n, n_features)``, evidence, and a boolean Latin-script mask ``(n,)`` for normalised,
        non-empty titles. Language-dependent features of mostly non-Latin titles are set to ``neutral``."""
        extract = self.extractor.features
        raw = np.empty((len(titles), len(FEATURE_NAMES)))
        evidence = []
        for i, t in enumerate(titles):
            raw[i], ev = extract(t)
            evidence.append(ev)
        latin = np.fromiter((ev.latin for ev in evidence), dtype=bool, count=len(evidence))
        if not latin.all():
            raw[np.ix_(~latin, self._neutral_idx)] = self.neutral[self._neutral_idx]
        return raw, evidence, latin

    # -- public modes --------------------------------------------------------------------------------------
    def score_many(self, titles: Iterable[str]) -> list[TitleScore]:
        """Score a batch (vectorised). An invalid title does not stop the batch: it gets a placeholder
        ``TitleScore`` (``valid`` False, score 0.0, grade "F", no components, the error message in ``warnings``).

        Python's cyclic garbage collector is paused while the batch is built (and restored after, even on error):
        the results hold no reference cycles, and the collector's repeated passes over millions of new small
        objects otherwise cost more than the scoring itself."""
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return self._score_many(list(titles))
        finally:
            if was_enabled:
                gc.enable()

    def _score_many(self, titles: list[str]) -> list[TitleScore]:
        out: list[TitleScore | None] = [None] * len(titles)
        clean: list[str] = []
        slots: list[int] = []
        for i, t in enumerate(titles):
            try:
                clean.append(normalize_title(t))
                slots.append(i)
            except TitleInputError as err:
                out[i] = TitleScore(t if isinstance(t, str) else repr(t), 0.0, "F", [], [str(err)])
        if not clean:
            return out  # type: ignore[return-value]
        raw, evidence, latin = self.features(clean)
        s = self.linear(raw)
        youtube = self._youtube_parts(clean, raw, evidence) if self.youtube else None
        b = self.blend_linear(s, youtube[0] if youtube else None)
        scores = self.to_score(b)
        contrib = self.contributions(raw)
        values = np.column_stack(
            [midrank_percentile(contrib[:, k], self.component_knots[k]) for k in range(len(COMPONENTS))]
        ).round(1)
        best_gain = np.zeros((len(clean), len(COMPONENTS)))
        best_key = np.full((len(clean), len(COMPONENTS)), "", dtype=object)
        for k, key, gain in edit_gains(raw, latin, self.edit_per_unit, self.clip_low, self.clip_high, self.agree):
            better = gain > best_gain[:, k] + 1e-12
            best_gain[better, k] = gain[better]
            best_key[better, k] = key
        points = (self.to_score(b[:, None] + best_gain) - scores[:, None]).round(0)
        points[best_gain <= 0] = 0.0
        rows, values, points, keys = raw.tolist(), values.tolist(), points.tolist(), best_key.tolist()
        scores = scores.round(1).tolist()
        extra = self._youtube_components(*youtube) if youtube else [[] for _ in clean]
        for r, (i, title) in enumerate(zip(slots, clean)):
            out[i] = self._assemble(title, rows[r], evidence[r], scores[r], values[r], keys[r], points[r], extra[r])
        return out  # type: ignore[return-value]

    # -- the YouTube side ----------------------------------------------------------------------------------
    def blend_linear(self, s_headline: np.ndarray, s_youtube: np.ndarray | None) -> np.ndarray:
        """The score's linear scale: ``w_headline * s_headline / sd_headline + w_youtube * s_youtube /
        sd_youtube`` (each model's prediction in standard deviations over the reference titles, weighted as the
        leave-one-channel-out eval chose); the headline model alone without a YouTube model."""
        if s_youtube is None:
            return s_headline
        return self.w_headline * s_headline / self.sd_headline + self.w_youtube * s_youtube / self.sd_youtube

    def youtube_log_predictions(self, titles: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """The global YouTube model's predicted log multipliers ``(n,)`` and the titles' embeddings of the outcome model
        ``(n, dim)`` for normalised titles. Raises ``ValueError`` without a YouTube model."""
        if not self.youtube:
            raise ValueError("no YouTube model: run `python -m evals.scorer_youtube fit`")
        raw, evidence, _ = self.features(list(titles))
        pred, emb, _ = self._youtube_parts(list(titles), raw, evidence)
        return pred, emb

    def youtube_percentile(self, log_multiplier: np.ndarray) -> np.ndarray:
        """0-100 percentile of predicted log multipliers among the YouTube model's predictions for the reference
        trending titles."""
        return np.interp(log_multiplier, self.youtube_knots, np.linspace(0.0, 100.0, len(self.youtube_knots)))

    def _youtube_parts(self, titles: list[str], raw: np.ndarray, evidence: list[Evidence]
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(predicted log multiplier ``(n,)``, the outcome model's embeddings ``(n, dim)``, curiosity-gap
        probability ``(n,)``)."""
        yt = self.youtube
        emb = yt.embed_outcome(titles)
        static = emb if yt.outcome_embedder is yt.embedder else yt.embed(titles)
        z = (self._clip(raw) - self.mean) / self.scale
        shorts = np.fromiter((is_short_title(t) for t in titles), dtype=np.float64, count=len(titles))
        cues = np.fromiter((ev.clickbait for ev in evidence), dtype=np.float64, count=len(titles))
        gap_cues = np.array([youtube_gap_cues(t, bool(ev.named)) for t, ev in zip(titles, evidence)],
                            dtype=np.float64).reshape(-1, 2)
        return yt.predict_log(z, emb, shorts), emb, yt.curiosity_gap(static, cues, gap_cues)

    def _youtube_components(self, pred: np.ndarray, _emb: np.ndarray, gap: np.ndarray) -> list[list[Component]]:
        """Per title: the YouTube outcome component (in the score) and the curiosity-gap component (not)."""
        yt = self.youtube
        values = self.youtube_percentile(pred).round(1).tolist()
        out = []
        for v, p, g in zip(values, pred.tolist(), gap.tolist()):
            outcome = (f"Predicted from {yt.n_videos:,} uploads of {yt.n_channels} YouTube channels (the words and "
                       f"topic of the title, its packaging, Short or long-form): {multiplier_text(p)} on a typical "
                       "channel; ask with your channel's history for a prediction on yours.")
            if g >= 0.5:
                gap_text = (f"Reads as a curiosity gap (p = {g:.2f}): it holds back what the video shows to make "
                            "people click. Shown for information; not part of the score.")
            else:
                gap_text = (f"Not a curiosity gap (p = {g:.2f}): it says what the video is about. Shown for "
                            "information; not part of the score.")
            out.append([
                Component("youtube", v, self.w_youtube, outcome, None, 0.0, SOURCE_YOUTUBE),
                Component("curiosity gap", round(100.0 * g, 1), 0.0, gap_text, None, 0.0, SOURCE_CLICKBAIT),
            ])
        return out

    def score(self, title: str) -> TitleScore:
        """Score one title; raises ``TitleInputError`` for non-text or empty titles."""
        return self.score_many([normalize_title(title)])[0]

    def compare(self, a: str, b: str) -> TitleComparison:
        """Compare two titles; raises ``TitleInputError`` if either is empty or not text.

        ``p_a_wins`` comes from the score's own linear scale, so the winner always has the higher score: with a
        YouTube model ``sigmoid(pair_slope * (b_a - b_b))``, the probability that A gets the higher outlier
        multiplier of two uploads of one channel (``pair_slope`` fitted on within-channel pairs of the
        leave-one-channel-out predictions); without one ``sigmoid(s_a - s_b)``, the headline A/B model's."""
        clean = [normalize_title(a), normalize_title(b)]
        sa, sb = self.score_many(clean)
        raw, evidence, _ = self.features(clean)
        s = self.linear(raw)
        blend = self.blend_linear(s, self._youtube_parts(clean, raw, evidence)[0] if self.youtube else None)
        p = round(1.0 / (1.0 + math.exp(-self.pair_slope * float(blend[0] - blend[1]))), 3)  # as reported
        winner = "tie" if abs(p - 0.5) < TitleComparison.TIE_BAND else ("a" if p > 0.5 else "b")
        contrib = self.contributions(raw)
        diff = contrib[0] - contrib[1]
        reasons = []
        if self.youtube:
            ya, yb = sa.component("youtube"), sb.component("youtube")
            if ya.value != yb.value:
                better = "the first" if ya.value > yb.value else "the second"
                reasons.append(f"youtube: {better} title is predicted to do better on a channel "
                               f"(sub-score {ya.value:.0f} vs {yb.value:.0f}).")
        for k in np.argsort(-np.abs(diff)):
            if abs(diff[k]) <= 1e-6:
                continue
            stronger = "the first" if diff[k] > 0 else "the second"
            reasons.append(
                f"{COMPONENTS[k]}: {stronger} title is stronger in headline A/B tests (sub-score "
                f"{sa.components[k].value:.0f} vs {sb.components[k].value:.0f}). First — {sa.components[k].reason} "
                f"Second — {sb.components[k].reason}")
        return TitleComparison(sa, sb, winner, round(sa.score - sb.score, 1), p, reasons,
                               "youtube" if self.youtube else "headline")

    def against_channel(self, title: str, channel_name: str, channel_titles: Sequence[tuple[str, float]]) -> ChannelScore:
        """Score ``title`` against a channel's own titles: ``channel_titles`` = ``[(title, outlier multiplier)]``
        (multiplier = views / the channel's usual views for that format). Entries with an empty title or a
        missing, non-finite or non-positive multiplier are skipped. Needs at least 10 usable titles; with fewer,
        ``score`` is the general score and a warning says so. Raises ``TitleInputError`` if ``title`` is empty."""
        clean = normalize_title(title)
        base = self.score(clean)
        usable = [
            (" ".join(t.split()), float(m))
            for t, m in channel_titles
            if isinstance(t, str) and t.strip() and m is not None and math.isfinite(m) and m > 0
        ]
        warnings = list(base.warnings)
        chars = np.array([len(t) for t, _ in usable], dtype=np.float64)
        typical = float(np.median(chars)) if usable else float("nan")
        if len(usable) < 10:
            warnings.append(
                f"Only {len(usable)} usable titles for {channel_name} (at least 10 with an outlier multiplier are "
                "needed): showing the general score instead of a channel-relative one."
            )
            return ChannelScore(clean, channel_name, base.score, base.grade, base, len(usable), typical, float("nan"),
                                [], [], [], [c.improvement for c in base.components if c.improvement], warnings)
        ch_titles = [t for t, _ in usable]
        mult = np.array([m for _, m in usable])
        raw, evidence, _ = self.features(ch_titles + [clean])
        z = (np.clip(raw, self.clip_low, self.clip_high) - self.mean) / self.scale
        z_ch, z_t = z[:-1], z[-1]
        cutoff = float(np.quantile(mult, 0.9))
        top = mult >= cutoff
        direction = z_ch[top].mean(axis=0) - z_ch[~top].mean(axis=0)
        score = round(float(midrank_percentile(np.array([z_t @ direction]), np.sort(z_ch @ direction))[0]), 1)

        top_chars = float(np.median(chars[top]))
        reasons = [
            f"Channel fit {score:.0f}/100: how much more this title resembles the top 10% of {channel_name}'s "
            f"{len(ch_titles)} titles (≥{cutoff:.1f}× usual views) than the rest.",
            f"Length: {len(clean)} characters; this channel's titles are usually {typical:.0f}, its outliers "
            f"{top_chars:.0f}.",
        ]
        improvements = []
        if abs(len(clean) - top_chars) > 15:
            improvements.append(f"Move toward this channel's outlier length (~{top_chars:.0f} characters; now {len(clean)}).")
        has = np.array([[f in ev.formats for f in FORMATS] for ev in evidence[:-1]])
        own = evidence[-1].formats
        top_formats = sorted(
            (
                (f, round(float(has[top, j].mean()), 3), round(float(has[:, j].mean()), 3))
                for j, f in enumerate(FORMATS)
                if has[top, j].sum() >= 2 and has[top, j].mean() >= 1.5 * has[:, j].mean()
            ),
            key=lambda x: -x[1],
        )
        if top_formats:
            reasons.append(
                "Formats over-represented in the outliers: "
                + ", ".join(f"{f} ({t:.0%} of top decile vs {c:.0%} overall)" for f, t, c in top_formats)
                + (f"; this title uses {', '.join(own)}." if own else "; this title uses none of them.")
            )
            missing = [f for f, _, _ in top_formats if f not in own]
            if missing:
                improvements.append(f"Try the “{missing[0]}” format that this channel's outliers use more often.")
        push = (z_t - z_ch.mean(axis=0)) * direction
        order = np.argsort(push)
        like = [FEATURE_LABELS[FEATURE_NAMES[j]] for j in order[::-1][:2] if push[j] > 0.05]
        unlike = [j for j in order[:2] if push[j] < -0.05]
        if like:
            reasons.append("Like this channel's outliers in: " + ", ".join(like) + ".")
        if unlike:
            reasons.append("Unlike them in: " + ", ".join(FEATURE_LABELS[FEATURE_NAMES[j]] for j in unlike) + ".")
            improvements += [
                f"This channel's outliers score {'higher' if direction[j] > 0 else 'lower'} on "
                f"{FEATURE_LABELS[FEATURE_NAMES[j]]} than its other titles."
                for j in unlike
            ]
        top_idx = np.flatnonzero(top)
        nearest = process.extract(clean, [ch_titles[i] for i in top_idx], scorer=fuzz.token_set_ratio, limit=3)
        nearest_outliers = [(t, float(mult[top_idx[i]]), round(float(sim), 1)) for t, sim, i in nearest]
        return ChannelScore(clean, channel_name, score, grade_for(score), base, len(ch_titles), typical, top_chars,
                            top_formats, nearest_outliers, reasons, improvements, warnings)

    # -- text ----------------------------------------------------------------------------------------------
    def _assemble(self, title: str, x: list[float], ev: Evidence, score: float, values: list[float],
                  keys: list[str], points: list[float], extra: list[Component]) -> TitleScore:
        """Build the ``TitleScore`` (reasons, improvements, product rules and warnings) for one title."""
        n_chars = int(x[FEATURE_INDEX["n_chars"]])
        latin = ev.latin
        warnings: list[str] = []
        reasons = self._reasons(x, ev)
        weights = [w * self.w_headline for w in self.component_weights]
        improvements = [EDIT_TEXT[key](x, ev) + f" (+{p:.0f} points)" if p >= 1 else None for key, p in zip(keys, points)]
        gains = [p if p >= 1 else 0.0 for p in points]
        if not latin:
            for c in _NOT_APPLICABLE:
                k = COMPONENT_INDEX[c]
                reasons[k] = "Not applicable: this rule works on English words and the title is mostly non-Latin script."
                improvements[k], weights[k], gains[k] = None, 0.0, 0.0
            warnings.append(
                "Mostly non-Latin script: readability, emotion, voice and structure are not applicable and curiosity "
                "and specificity count only “?” and digits; the score rests on length, digits, punctuation and emoji."
            )
        elif not x[FEATURE_INDEX["n_words"]]:
            warnings.append("The title has no words (only emoji or symbols): viewers and search cannot tell what the "
                            "video is about. Add words that say what happens; until then the score is capped at "
                            f"{UNUSABLE_SCORE_CAP} (F).")
            score = min(score, UNUSABLE_SCORE_CAP)
        if x[FEATURE_INDEX["n_emoji"]] >= EMOJI_CLUTTER:
            warnings.append(f"Emoji clutter: {x[FEATURE_INDEX['n_emoji']]:.0f} emoji. Keep one at most; the A/B data "
                            "has no emoji, so this is a rule of thumb and does not change the score.")
        if n_chars > YOUTUBE_TITLE_MAX_CHARS:
            cut = n_chars - YOUTUBE_TITLE_MAX_CHARS
            warnings.append(f"YouTube rejects titles over {YOUTUBE_TITLE_MAX_CHARS} characters: this one has {n_chars}. "
                            f"Cut at least {cut}; until then the score is capped at {UNUSABLE_SCORE_CAP} (F).")
            k = COMPONENT_INDEX["length"]
            improvements[k] = f"Cut at least {cut} characters: YouTube refuses titles over {YOUTUBE_TITLE_MAX_CHARS}."
            gains[k] = max(gains[k], 1.0)
            score = min(score, UNUSABLE_SCORE_CAP)
        components = [Component(name, values[k], weights[k], reasons[k], improvements[k], gains[k], SOURCE_HEADLINE)
                      for k, name in enumerate(COMPONENTS)] + extra
        return TitleScore(title, score, grade_for(score), components, warnings)

    def _reasons(self, x: list[float], ev: Evidence) -> list[str]:
        """Plain-language reason per component (``COMPONENTS`` order): what was found and, for cues, whether the
        fitted A/B-test model counts it as helping or hurting CTR."""
        eff = self._effect
        latin = ev.latin
        n = int(x[FEATURE_INDEX["n_chars"]])
        # length
        length = f"{n} characters, {x[FEATURE_INDEX['n_words']]:.0f} words. " if latin else f"{n} characters. "
        if n <= MOBILE_CUT_CHARS:
            length += f"Fits before the mobile cut (~{MOBILE_CUT_CHARS})."
        else:
            tail = ev.hidden_tail
            length += f"Mobile feeds cut near {MOBILE_CUT_CHARS}, hiding “{tail[:25]}{'…' if len(tail) > 25 else ''}”"
            if ev.payoff:
                side = "after" if x[FEATURE_INDEX["payoff_after_cut"]] else "before"
                length += f"; the payoff “{ev.payoff}” is {side} the cut."
            else:
                length += "."
        # readability
        if x[FEATURE_INDEX["n_words"]]:
            spw, wps = x[FEATURE_INDEX["syllables_per_word"]], x[FEATURE_INDEX["words_per_sentence"]]
            flesch = 206.835 - 1.015 * wps - 84.6 * spw
            level = "easy" if flesch >= 70 else "fairly easy" if flesch >= 60 else "standard" if flesch >= 50 else "hard"
            readability = (f"Flesch reading ease {flesch:.0f} ({level}): {spw:.1f} syllables per word, {wps:.0f} words "
                           f"per phrase; in the A/B data longer words {self._longer_words}.")
        else:
            readability = "No words to read."
        # emotion
        emotion = f"VADER sentiment {x[FEATURE_INDEX['sentiment_compound']]:+.2f}"
        if ev.negative:
            emotion += f"; negative words {_q(ev.negative)} ({eff['n_negative_words']})"
        if ev.positive:
            emotion += f"; positive words {_q(ev.positive)} ({eff['n_positive_words']})"
        if x[FEATURE_INDEX["n_exclamations"]]:
            emotion += f"; {x[FEATURE_INDEX['n_exclamations']]:.0f} “!” ({eff['n_exclamations']})"
        if not (ev.negative or ev.positive):
            emotion += "; no emotional words"
        emotion += "."
        # curiosity
        found = [f"a question ({eff['question']})"] if x[FEATURE_INDEX["question"]] else []
        if latin and ev.wh:
            found.append(f"{_q(ev.wh)} ({eff['wh_word']})")
        if latin and ev.forward:
            found.append(f"forward reference {_q(ev.forward)} ({eff['forward_reference']})")
        curiosity = ("Open loops: " + "; ".join(found) + ".") if found else "No open loop: no question, why/how or “this …”."
        # specificity
        found = [f"numbers {_q(ev.numbers)}"] if ev.numbers else []
        if latin and ev.named:
            found.append(f"named things {_q(ev.named)}")
        if latin and ev.units:
            found.append(f"units {_q(ev.units)}")
        specificity = ("Concrete: " + "; ".join(found) + ".") if found else "Nothing concrete: no number, name or unit."
        if not latin:
            curiosity = "Partly applicable (non-Latin script: only “?” counted). " + curiosity
            specificity = "Partly applicable (non-Latin script: only digits counted). " + specificity
        # voice
        found = [f"{FEATURE_LABELS[f]} ({eff[f]})" for f in ("first_person", "second_person", "third_person")
                 if x[FEATURE_INDEX[f]]]
        voice = ("Uses " + "; ".join(found) + ".") if found else "No people in it: no I/we, you or he/she/they."
        # structure
        if ev.formats:
            structure = "Format: " + ", ".join(f"{f} ({eff[FORMAT_FEATURES[FORMATS.index(f)]]})"
                                               for f in ev.formats) + "."
        else:
            structure = "No known format (how-to, listicle, I tried X for N days, X vs Y, challenge, topic: hook)."
        # penalties
        found = []
        if ev.shouted:
            found.append(f"ALL CAPS {_q(ev.shouted)}")
        if ev.punct_runs:
            found.append(f"punctuation runs {_q(ev.punct_runs)}")
        if x[FEATURE_INDEX["n_emoji"]]:
            found.append(f"{x[FEATURE_INDEX['n_emoji']]:.0f} emoji")
        if latin and x[FEATURE_INDEX["clickbait_without_payload"]]:
            found.append(f"{ev.clickbait} clickbait cue(s) and no concrete payoff")
        penalties = ("Found: " + "; ".join(found) + ".") if found else "No penalties."
        return [length, readability, emotion, curiosity, specificity, voice, structure, penalties]


@cache
def default_scorer() -> TitleScorer:
    """The scorer built from ``WEIGHTS_PATH`` and the YouTube models of ``youtube_weights.json`` (loaded once).
    Raises ``FileNotFoundError`` with the command that writes the file if ``WEIGHTS_PATH`` is missing."""
    if not WEIGHTS_PATH.exists():
        raise FileNotFoundError(f"{WEIGHTS_PATH} is missing: run `python -m evals.scorer fit` to fit the weights.")
    return TitleScorer(json.loads(WEIGHTS_PATH.read_text(encoding="utf-8")), default_youtube_model())


def score_title(title: str) -> TitleScore:
    """Score one title (0-100, grade, components, warnings). Raises ``TitleInputError`` if it is empty or not
    text. Titles over 100 characters or without words are scored, capped at ``UNUSABLE_SCORE_CAP`` and warned
    about; mostly non-Latin titles are scored on the language-independent features (see the module docstring)."""
    return default_scorer().score(title)


def score_titles(titles: Iterable[str]) -> list[TitleScore]:
    """Score many titles at once (fast path, same results as ``score_title``), in input order. An invalid title
    does not raise: it gets a ``TitleScore`` with ``valid`` False, score 0.0, grade "F", no components and the
    error message in ``warnings``."""
    return default_scorer().score_many(titles)


def compare_titles(a: str, b: str) -> TitleComparison:
    """Which of two titles is stronger and why, component by component. Raises ``TitleInputError`` for an empty
    or non-text title."""
    return default_scorer().compare(a, b)


def score_against_channel(title: str, channel_name: str, channel_titles: Sequence[tuple[str, float]]) -> ChannelScore:
    """Score ``title`` relative to a channel's own titles and their outlier multipliers (``[(title,
    multiplier)]``, e.g. from the platform's rolling-median definition). See ``TitleScorer.against_channel``."""
    return default_scorer().against_channel(title, channel_name, channel_titles)
