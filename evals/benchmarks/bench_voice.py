"""Build time of a creator's voice profile (``tools.learning.voice``) from the real transcripts in the shared data.

Run from the repository root::

    .venv/bin/python -m evals.benchmarks.bench_voice [--data-dir DIR] [--repeats 3] [--channel 3Blue1Brown ...]

For each channel: the time to read its transcripts (``load_channel_transcripts``) and the best of ``--repeats``
timed ``build_voice_profile`` runs (parse every transcript, count words and phrases, the Fightin' Words z-scores,
the rates), after one warm-up build (loads ``wordfreq``'s English list). Prints words, words per second and the
profile's headline figures. Figures are reported, never asserted; the machine's load average is printed with them
(the machine may be shared).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import typer

from agent.settings import get_settings
from tools.learning.transcripts import load_channel_transcripts
from tools.learning.voice import build_voice_profile


def run(data_dir: Path, channel: str, repeats: int) -> tuple[float, float, object]:
    """(seconds to load, best seconds to build, the profile) for one channel."""
    start = time.perf_counter()
    transcripts = load_channel_transcripts(data_dir, channel)
    loaded = time.perf_counter() - start
    profile = build_voice_profile(transcripts, channel)  # warm-up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        profile = build_voice_profile(transcripts, channel)
        best = min(best, time.perf_counter() - start)
    return loaded, best, profile


def main(
    data_dir: Path = typer.Option(None, help="shared data folder (default: CORTEX_DATA_DIR)"),
    repeats: int = typer.Option(3, help="timed builds per channel (best is reported)"),
    channel: list[str] = typer.Option(["3Blue1Brown", "Nischa"], help="channels to profile"),
) -> None:
    """Print load and build times and each profile's headline figures."""
    data_dir = data_dir or get_settings().data_dir
    typer.echo(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    for name in channel:
        loaded, built, p = run(data_dir, name, repeats)
        wpm = f"{p.wpm:.0f}" if p.wpm is not None else p.not_measured["wpm"]
        if p.questions_per_100_sentences is not None:
            questions = f"{p.questions_per_100_sentences:g}/100 sentences"
        else:
            questions = f"{p.not_measured['questions_per_100_sentences']}; ~{p.question_openers_per_1k:g} openers/1k words"
        typer.echo(
            f"{p.source}: load {loaded:.2f} s, build {built:.2f} s (best of {repeats}, {p.words / built:,.0f} words/s)\n"
            f"  wpm {wpm}; questions {questions}; "
            f"you {p.you_per_1k:g}, I {p.i_per_1k:g}, we {p.we_per_1k:g} per 1k words\n"
            f"  words: {', '.join(p.distinctive_words[:8])}\n"
            f"  phrases: {', '.join(f'{ph} ({s:.0%})' for ph, s in p.signature_phrases[:5])}"
        )


if __name__ == "__main__":
    typer.run(main)
