"""Throughput of batch title scoring on one CPU core, with real titles.

Run from the repository root::

    .venv/bin/python -m evals.benchmarks.bench_score [--data-dir DIR] [--n 50000] [--repeats 3]

Pins the process to one core (``os.sched_setaffinity``, Linux) and caps BLAS threads to 1, takes the unique
titles of ``youtube_channel_uploads`` and the two US trending lists, repeats them up to ``--n`` titles, warms the
per-word caches with one pass, then times ``--repeats`` runs of two scorers and prints the best titles/second
of each: the packaging part (the headline features, reasons and improvements: ``TitleScorer`` without the YouTube
model; target >= 20,000 titles/s) and the full score (``score_titles``: plus the static-tier embedding, the YouTube
outcome model and the curiosity gap).
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import json  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import pandas as pd  # noqa: E402
import typer  # noqa: E402

from evals.scorer import DEFAULT_DATA_DIR, load_reference_titles  # noqa: E402
from tools.scoring.scorer import WEIGHTS_PATH, TitleScorer, default_scorer  # noqa: E402

TARGET_TITLES_PER_SECOND = 20_000


def real_titles(data_dir: Path) -> list[str]:
    """Unique real titles: the shared channel uploads plus the US trending lists (about 7,000)."""
    uploads = pd.read_csv(Path(data_dir) / "youtube_channel_uploads" / "videos.csv")["title"].dropna().tolist()
    return sorted(set(uploads) | set(load_reference_titles(data_dir)))


def run(data_dir: Path = DEFAULT_DATA_DIR, n: int = 50_000, repeats: int = 3) -> dict[str, float]:
    """Best titles/second over ``repeats`` timed runs of ``n`` titles on one core: ``{"packaging": ..., "full": ...}``."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    base = real_titles(data_dir)
    titles = (base * (n // len(base) + 1))[:n]
    full = default_scorer()
    packaging = TitleScorer(json.loads(WEIGHTS_PATH.read_text(encoding="utf-8")))
    rates = {}
    for name, scorer in (("packaging", packaging), ("full", full)):
        scorer.score_many(base)  # warm-up: fills the per-word syllable cache
        best = 0.0
        for _ in range(repeats):
            start = time.perf_counter()
            results = scorer.score_many(titles)
            elapsed = time.perf_counter() - start
            assert len(results) == n
            best = max(best, n / elapsed)
        rates[name] = best
    return rates


def main(
    data_dir: Path = typer.Option(DEFAULT_DATA_DIR, help="shared data folder"),
    n: int = typer.Option(50_000, help="titles per timed run"),
    repeats: int = typer.Option(3, help="timed runs (best is reported)"),
) -> None:
    """Print batch scoring throughput (titles/second, one core)."""
    rates = run(data_dir, n, repeats)
    verdict = "meets" if rates["packaging"] >= TARGET_TITLES_PER_SECOND else "BELOW"
    typer.echo(f"packaging part: {rates['packaging']:,.0f} titles/s on one core ({n:,} real titles, best of "
               f"{repeats}); {verdict} the {TARGET_TITLES_PER_SECOND:,}/s target")
    typer.echo(f"full score (+ embeddings, YouTube model, curiosity gap): {rates['full']:,.0f} titles/s")


if __name__ == "__main__":
    typer.run(main)
