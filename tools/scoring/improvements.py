"""Improvements: the concrete edits the scorer tries on a title, their effect on its score, and the words that
suggest them.

For each component the scorer tries a few plausible edits (add a number, cut to the mobile limit, drop the ALL
CAPS, ...): ``edit_gains`` models each as a change of the raw features and computes its effect on the linear score
with the fitted weights (features clipped to the training range, as in scoring); the scorer suggests the edit
that raises the score most, with ``EDIT_TEXT``'s wording and its gain in points, or none when no edit helps.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tools.scoring.features import (
    COMPONENT_INDEX,
    FEATURE_INDEX,
    FORMAT_FEATURES,
    FORMATS,
    MOBILE_CUT_CHARS,
    Evidence,
    shift_compound,
)

EDIT_TEXT: dict[str, Callable[[list[float], Evidence], str]] = {
    "cut": lambda x, ev: (f"Cut to about {MOBILE_CUT_CHARS} characters (now {x[FEATURE_INDEX['n_chars']]:.0f}) so it "
                          f"shows whole in mobile feeds, where “{ev.hidden_tail[:30]}…” is cut off."),
    "move_payoff": lambda x, ev: f"Move “{ev.payoff}” before character {MOBILE_CUT_CHARS}: mobile feeds cut the rest.",
    "add_detail": lambda x, ev: (f"Add a specific detail of about 15 characters "
                                 f"(now {x[FEATURE_INDEX['n_chars']]:.0f})."),
    "plain_words": lambda x, ev: (f"Use shorter, plainer words than “{max(ev.words, key=len)}” (now "
                                  f"{x[FEATURE_INDEX['syllables_per_word']]:.1f} syllables per word)."),
    "split": lambda x, ev: (f"Break it into two short phrases "
                            f"(now {x[FEATURE_INDEX['words_per_sentence']]:.0f} words in one)."),
    "one_phrase": lambda x, ev: "Make it one flowing phrase instead of fragments.",
    "add_negative": lambda x, ev: "Add one negative, high-stakes word (e.g. “mistake”, “wrong”, “never”, “worst”).",
    "add_positive": lambda x, ev: "Add one positive word (e.g. “best”, “easy”, “love”).",
    "drop_negative": lambda x, ev: f"Drop the negative word “{ev.negative[0]}”.",
    "drop_positive": lambda x, ev: f"Drop the positive word “{ev.positive[0]}”.",
    "drop_exclamation": lambda x, ev: "Drop the “!”.",
    "state": lambda x, ev: "State it instead of asking: give the claim, not a question.",
    "ask": lambda x, ev: "Turn it into a question (“Why …?”, “Can you …?”).",
    "add_wh": lambda x, ev: "Open a loop with “why” or “how”.",
    "unforward": lambda x, ev: f"Replace “{ev.forward[0]}” with the actual thing it refers to.",
    "forward": lambda x, ev: "Point forward (“This …”, “Here’s why …”) so the viewer wants the rest.",
    "add_number": lambda x, ev: "Add a concrete number (a count, a duration or an amount: “7”, “30 days”, “$1,000”).",
    "add_name": lambda x, ev: "Name the specific person, place, product or brand.",
    "add_unit": lambda x, ev: "Add a unit or an amount (“$”, “%”, “days”, “kg”).",
    "add_first_person": lambda x, ev: "Tell it in the first person (“I …”, “We …”).",
    "drop_first_person": lambda x, ev: "Take yourself out (“I”, “we”): make it about the subject.",
    "add_second_person": lambda x, ev: "Speak to the viewer (“you”, “your”).",
    "drop_second_person": lambda x, ev: "Drop “you/your”: describe the thing itself.",
    "add_third_person": lambda x, ev: "Put a person at the centre (whose story is it? “he”, “she”, “they”).",
    "drop_third_person": lambda x, ev: "Name the thing instead of “he/she/they”.",
    "fix_caps": lambda x, ev: f"Write “{ev.shouted[0]}” in normal case (ALL CAPS on one word at most).",
    "fix_punctuation": lambda x, ev: f"Replace “{ev.punct_runs[0]}” with a single mark.",
    "pay_off": lambda x, ev: "Pay off the hook: say what the viewer gets (a number, a name).",
}
for _fmt, _example in zip(FORMATS, ("“How to …”", "“7 … that …”", "“I tried … for 30 days”", "“… vs …”",
                                    "“… challenge”", "“Topic: the hook”")):
    EDIT_TEXT[f"add_{_fmt}"] = lambda x, ev, f=_fmt, e=_example: f"Use the {f} format ({e}) if it fits the video."
    EDIT_TEXT[f"drop_{_fmt}"] = lambda x, ev, f=_fmt: f"Drop the {f} framing."


def edit_gains(raw: np.ndarray, latin: np.ndarray, per_unit: np.ndarray, clip_low: np.ndarray,
               clip_high: np.ndarray, agree: np.ndarray) -> list[tuple[int, str, np.ndarray]]:
    """For every candidate edit: ``(component index, edit key, gain in s per title)``, gain = -inf where the
    edit does not apply. An edit is a plausible change of raw features (add a number, cut to the mobile
    limit ...); its gain comes from the fitted weights, with clipping.

    ``raw``: raw features ``(n, len(FEATURE_NAMES))``; ``latin``: Latin-script mask ``(n,)``; ``per_unit``
    (coefficient / scale), ``clip_low``, ``clip_high``: the fitted model's, one number per feature
    (``TitleScorer``). ``agree``: per feature +1 where YouTube channel data confirms the headline-test direction,
    -1 where it contradicts it, 0 where it shows none: an edit applies only when a feature it changes is
    confirmed and none is contradicted (advice only where YouTube agrees)."""
    col = {name: raw[:, j] for name, j in FEATURE_INDEX.items()}
    clipped = np.clip(raw, clip_low, clip_high)
    words = latin & (col["n_words"] > 0)
    n_chars, n_words, over = col["n_chars"], col["n_words"], col["chars_over_mobile_cut"]
    cbwp, comp = col["clickbait_without_payload"], col["sentiment_compound"]
    up, down = shift_compound(comp, 2.0) - comp, shift_compound(comp, -2.0) - comp
    no_payload = (col["has_digit"] == 0) & (col["n_named_things"] == 0) & (col["n_units"] == 0)
    spw, wps = col["syllables_per_word"], col["words_per_sentence"]
    candidates: list[tuple[str, str, np.ndarray, dict[str, np.ndarray | float]]] = [
        ("length", "cut", n_chars > MOBILE_CUT_CHARS + 5,
         {"n_chars": MOBILE_CUT_CHARS - n_chars, "n_words": np.round(n_words * MOBILE_CUT_CHARS / n_chars) - n_words,
          "chars_over_mobile_cut": -over, "payoff_after_cut": -col["payoff_after_cut"]}),
        ("length", "move_payoff", col["payoff_after_cut"] > 0, {"payoff_after_cut": -1.0}),
        ("length", "add_detail", n_chars < 80,
         {"n_chars": 15.0, "n_words": 3.0, "chars_over_mobile_cut": np.maximum(0, n_chars + 15 - MOBILE_CUT_CHARS) - over}),
        ("readability", "plain_words", words & (spw > 1.45),
         {"syllables_per_word": 1.35 - spw, "long_word_share": -np.minimum(0.15, col["long_word_share"])}),
        ("readability", "split", words & (wps > 8), {"words_per_sentence": -wps / 2}),
        ("readability", "one_phrase", words & (wps < 6) & (n_words >= 4), {"words_per_sentence": n_words - wps}),
        ("emotion", "add_negative", words, {"n_negative_words": 1.0, "sentiment_compound": down}),
        ("emotion", "add_positive", words, {"n_positive_words": 1.0, "sentiment_compound": up}),
        ("emotion", "drop_negative", words & (col["n_negative_words"] > 0), {"n_negative_words": -1.0, "sentiment_compound": up}),
        ("emotion", "drop_positive", words & (col["n_positive_words"] > 0), {"n_positive_words": -1.0, "sentiment_compound": down}),
        ("emotion", "drop_exclamation", col["n_exclamations"] > 0, {"n_exclamations": -col["n_exclamations"]}),
        ("curiosity", "state", col["question"] > 0, {"question": -1.0}),
        ("curiosity", "ask", words & (col["question"] == 0), {"question": 1.0, "wh_word": 1.0}),
        ("curiosity", "add_wh", words & (col["wh_word"] == 0), {"wh_word": 1.0}),
        ("curiosity", "unforward", words & (col["forward_reference"] > 0), {"forward_reference": -col["forward_reference"]}),
        ("curiosity", "forward", words & (col["forward_reference"] == 0),
         {"forward_reference": 1.0, "clickbait_without_payload": no_payload.astype(np.float64)}),
        ("specificity", "add_number", col["has_digit"] == 0, {"has_digit": 1.0, "n_numbers": 1.0, "clickbait_without_payload": -cbwp}),
        ("specificity", "add_name", words & (col["n_named_things"] == 0), {"n_named_things": 1.0, "clickbait_without_payload": -cbwp}),
        ("specificity", "add_unit", words & (col["n_units"] == 0), {"n_units": 1.0, "clickbait_without_payload": -cbwp}),
        ("penalties", "fix_caps", words & (col["all_caps_share"] > 0), {"all_caps_share": -col["all_caps_share"]}),
        ("penalties", "fix_punctuation", col["punctuation_runs"] > 0, {"punctuation_runs": -col["punctuation_runs"]}),
        ("penalties", "pay_off", cbwp > 0, {"n_named_things": 1.0, "clickbait_without_payload": -cbwp}),
    ]
    for person in ("first_person", "second_person", "third_person"):
        candidates.append(("voice", f"add_{person}", words & (col[person] == 0), {person: 1.0}))
        candidates.append(("voice", f"drop_{person}", words & (col[person] > 0), {person: -col[person]}))
    for feat, fmt in zip(FORMAT_FEATURES, FORMATS):
        candidates.append(("structure", f"add_{fmt}", words & (col[feat] == 0), {feat: 1.0}))
        candidates.append(("structure", f"drop_{fmt}", words & (col[feat] > 0), {feat: -1.0}))
    out = []
    for comp_name, key, mask, deltas in candidates:
        gain = np.zeros(len(raw))
        confirmed = np.zeros(len(raw), dtype=bool)
        contradicted = np.zeros(len(raw), dtype=bool)
        for name, delta in deltas.items():
            j = FEATURE_INDEX[name]
            change = np.clip(raw[:, j] + delta, clip_low[j], clip_high[j]) - clipped[:, j]
            gain += per_unit[j] * change
            if agree[j] > 0:
                confirmed |= change != 0
            elif agree[j] < 0:
                contradicted |= change != 0
        out.append((COMPONENT_INDEX[comp_name], key, np.where(mask & confirmed & ~contradicted, gain, -np.inf)))
    return out

