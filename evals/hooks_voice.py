"""Are the developed hooks in the creator's voice? Hooks written in 3Blue1Brown's and in Nischa's voice, each compared
with both creators' Creator DNA by profile distance (``tools.learning.voice_fit.profile_distance``).

The split: each channel's transcripts, oldest first, alternate between a **build** half (even positions: the Creator DNA
the hooks are written with) and a **held-out** half (odd positions: the Creator DNA they are measured against), so a
hook is never measured against the transcripts that shaped it. Both voices write hooks for the same ``TOPICS`` (from
both niches, so the topic does not tell the voices apart), offline, from the topic alone (no draft, no openers, no
outliers: the voice is the only difference). All hooks of one voice make one profile (``build_voice_profile``), the
way a creator's transcripts do.

Run from the repository root::

    .venv/bin/python -m evals.hooks_voice [--data-dir DIR] [--split heldout|dev]

Prints, for each voice, the distance of its hooks to each held-out Creator DNA; the hooks are in a creator's voice
when the distance to their own is the smaller. The frames' lines and the way they are chosen
(``tools.preproduction.hooks._choose``) were checked on the dev run only (``--split dev``: ``DEV_TOPICS``, against the
build half's own DNA); the held-out run is the reported figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import typer

from agent.settings import get_settings
from tools.learning.transcripts import load_channel_transcripts
from tools.learning.voice import VoiceProfile, build_voice_profile
from tools.learning.voice_fit import profile_distance
from tools.preproduction.hooks import Material, develop_hooks

CHANNELS = ("3Blue1Brown", "Nischa")
TOPICS = (
    "the Fourier transform", "eigenvectors", "neural networks", "prime numbers", "the central limit theorem",
    "complex numbers", "Bayes' theorem", "group theory", "differential equations", "the Riemann zeta function",
    "index funds", "compound interest", "budgeting", "emergency funds", "credit card debt", "side hustles",
    "saving for a house", "passive income", "retirement accounts", "frugal living",
)
"""The topics both voices write hooks for in the measured (held-out) run: ten from each niche."""
DEV_TOPICS = (
    "linear transformations", "the derivative", "probability", "quaternions", "the golden ratio",
    "investing in stocks", "paying off a mortgage", "saving money", "financial independence", "salary negotiation",
)
"""The topics of the dev run (hooks compared with the build half's own Creator DNA), where the voice rules may be
checked while they are written; never the held-out run's."""


@dataclass(frozen=True)
class VoiceDistance:
    """For the hooks written in ``voice``: ``own`` (distance to that creator's held-out Creator DNA), ``other``
    (to the other creator's), ``words`` (words of hooks measured)."""

    voice: str
    own: float
    other: float
    words: int

    @property
    def closer_to_own(self) -> bool:
        """The hooks are nearer their own creator's voice than the other's."""
        return self.own < self.other


def halves(data_dir: Path, channel: str) -> tuple[VoiceProfile, VoiceProfile]:
    """(the Creator DNA of the channel's even-position transcripts, that of its odd-position ones)."""
    texts = load_channel_transcripts(data_dir, channel)
    return (build_voice_profile(texts[0::2], f"{channel} (build half)"),
            build_voice_profile(texts[1::2], f"{channel} (held-out half)"))


def hooks_profile(profile: VoiceProfile, topics: tuple[str, ...] = TOPICS) -> VoiceProfile:
    """The voice profile of every hook written in ``profile``'s voice for ``topics``."""
    texts = [" ".join(h.text for h in develop_hooks(Material(t), profile).hooks) for t in topics]
    return build_voice_profile(texts, f"hooks in {profile.name}'s voice")


def evaluate(data_dir: Path, split: str = "heldout") -> list[VoiceDistance]:
    """The distances of each voice's hooks to both creators' Creator DNAs (module docstring): ``split`` "heldout"
    (``TOPICS``, measured against the held-out halves) or "dev" (``DEV_TOPICS``, against the build halves)."""
    build, held = {}, {}
    for channel in CHANNELS:
        build[channel], held[channel] = halves(data_dir, channel)
    if split == "dev":
        held = build
    out = []
    for channel in CHANNELS:
        other = next(c for c in CHANNELS if c != channel)
        hooks = hooks_profile(build[channel], DEV_TOPICS if split == "dev" else TOPICS)
        out.append(VoiceDistance(channel, round(profile_distance(hooks, held[channel]), 3),
                                 round(profile_distance(hooks, held[other]), 3), hooks.words))
    return out


def main(data_dir: Path = typer.Option(None, help="The shared data folder (default: CORTEX_DATA_DIR)."),
         split: str = typer.Option("heldout", help="heldout (the reported figure) or dev.")) -> None:
    """Print each voice's distances."""
    for d in evaluate(data_dir or get_settings().data_dir, split):
        typer.echo(f"hooks in {d.voice}'s voice ({d.words} words): distance to {d.voice} {d.own:.3f}, to the other "
                   f"{d.other:.3f} -> {'own voice' if d.closer_to_own else 'NOT own voice'}")


if __name__ == "__main__":
    typer.run(main)
