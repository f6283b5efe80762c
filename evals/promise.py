"""Promise guard eval (``tools.preproduction.promise``) on 3Blue1Brown's timed captions (``transcripts_3blue1brown``).

Command::

    python -m evals.promise [--fit]

Videos: the index's rows with a title, an SRT and more than 100 transcript words, in index order. Two disjoint
sets, chosen by position before anything was fitted:

- ``hand`` (``evals/datasets/promise/promise_hand.v1.jsonl``): rows 3, 17, 31, ... (every 14th from the 4th), 10
  videos, labelled by hand: reading the captions from the start, the time of the first sentence that states what the
  real title promises (in any words). Reported only; nothing is chosen on it.
- ``dev``: rows 1, 5, 9, ... (every 4th from the 2nd) minus the hand set: the only videos ``SEMANTIC_FLOOR`` is fitted
  on (``--fit``). Each video's real title is a positive and the title of the video 7 places further in the dev list a
  negative (a mismatched title); for each, the highest MiniLM cosine between the title's promise and any stretch of
  the captions. The floor is the middle of the range of cut-offs that best separates them (balanced accuracy).

Reported on the hand set: agreement of the verdict (kept before 30 s / late / never) with the hand label's, the
timestamps within 10 s, and on every hand video a mismatched title (the next hand video's) flagged (late or never).
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import numpy as np

from agent.embeddings import get_embedder
from agent.settings import get_settings
from tools.preproduction.promise import LATE_AFTER_S, SEMANTIC_FLOOR, check_promises, promise_text, windows
from tools.scripts.parsing import Script, parse_script

HAND = Path(__file__).parent / "datasets" / "promise" / "promise_hand.v1.jsonl"
"""The hand labels (module docstring)."""

AGREE_WITHIN_S = 10.0
"""A predicted time agrees with the hand label when within this many seconds."""


def videos(data_dir: Path | None = None) -> list[dict]:
    """The usable 3Blue1Brown rows (module docstring), in index order, each with its ``srt`` path."""
    root = (data_dir or get_settings().data_dir) / "transcripts_3blue1brown"
    rows = []
    for r in csv.DictReader(open(root / "index.csv", encoding="utf-8")):
        srt = root / r["folder"] / "captions.srt"
        if r["title"] and srt.exists() and int(r["transcript_words"] or 0) > 100:
            rows.append({**r, "srt": srt})
    return rows


def splits(rows: list[dict]) -> tuple[list[dict], list[dict]]:
    """(hand, dev): the module docstring's two disjoint sets."""
    hand = rows[3::14][:10]
    names = {r["folder"] for r in hand}
    return hand, [r for r in rows[1::4] if r["folder"] not in names]


def script_of(row: dict) -> Script:
    """The row's parsed captions."""
    return parse_script(row["srt"].read_text(encoding="utf-8"))


def fit_floor(dev: list[dict]) -> dict:
    """The cosine floor fitted on ``dev`` (module docstring): {"floor", "positives", "negatives", "range"}."""
    embedder = get_embedder()
    pos, neg = [], []
    for k, row in enumerate(dev):
        spans = windows(script_of(row))
        vectors = embedder.embed([t for _, _, t in spans])
        other = dev[(k + 7) % len(dev)]["title"]
        for title, out in ((row["title"], pos), (other, neg)):
            out.append(float((vectors @ embedder.embed([promise_text(title)])[0]).max()))
    p, n = np.array(pos), np.array(neg)
    cuts = np.round(np.arange(0.2, 0.9, 0.01), 2)
    acc = np.array([((p >= c).mean() + (n < c).mean()) / 2 for c in cuts])
    best = cuts[acc == acc.max()]
    return {"floor": round(float(best.mean()), 2), "balanced_accuracy": round(float(acc.max()), 3),
            "range": [float(best.min()), float(best.max())], "positives": len(p), "negatives": len(n),
            "positive_quantiles": np.round(np.percentile(p, [0, 10, 50]), 3).tolist(),
            "negative_quantiles": np.round(np.percentile(n, [50, 90, 100]), 3).tolist()}


def verdict_of(at_s: float | None) -> str:
    """"kept", "late" or "never" for a delivery time (``LATE_AFTER_S``)."""
    return "never" if at_s is None else "kept" if at_s < LATE_AFTER_S else "late"


def hand_report(hand: list[dict]) -> dict:
    """Agreement with the hand labels and the mismatched titles flagged (module docstring), with one row per
    video."""
    labels = {json.loads(line)["folder"]: json.loads(line) for line in HAND.read_text().splitlines() if line.strip()}
    rows = []
    for k, row in enumerate(hand):
        label = labels[row["folder"]]
        other = hand[(k + 1) % len(hand)]["title"]
        real, wrong = check_promises([row["title"], other], script_of(row))
        rows.append({"video": row["folder"], "title": row["title"], "hand_at_s": label["at_s"],
                     "hand_verdict": verdict_of(label["at_s"]), "at_s": real.at_s, "verdict": real.verdict,
                     "time_agrees": real.at_s is not None and abs(real.at_s - label["at_s"]) <= AGREE_WITHIN_S,
                     "mismatched_title": other, "mismatched_verdict": wrong.verdict})
    n = len(rows)
    return {
        "videos": n,
        "verdict_agreement": sum(r["verdict"] == r["hand_verdict"] for r in rows) / n,
        "time_agreement": sum(r["time_agrees"] for r in rows) / n,
        "mismatched_flagged": sum(r["mismatched_verdict"] != "kept" for r in rows) / n,
        "floor": SEMANTIC_FLOOR,
        "rows": rows,
    }


def main() -> None:
    """Print the floor fitted on dev (``--fit``) and the hand-set report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fit", action="store_true", help="fit SEMANTIC_FLOOR on the dev videos and print it")
    args = parser.parse_args()
    hand, dev = splits(videos())
    if args.fit:
        print(json.dumps({"dev_videos": len(dev), **fit_floor(dev)}, indent=1))
    report = hand_report(hand)
    for r in report["rows"]:
        print(f"{r['video']:45} hand {r['hand_at_s']:>4}s {r['hand_verdict']:5} | tool "
              f"{'-' if r['at_s'] is None else round(r['at_s'])!s:>4}s {r['verdict']:5} | mismatched: "
              f"{r['mismatched_verdict']}")
    print(json.dumps({k: v for k, v in report.items() if k != "rows"}))


if __name__ == "__main__":
    main()
