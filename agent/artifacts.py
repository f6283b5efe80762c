"""Files kept in the state dir, made once and then read: fitted models (``<state_dir>/models/<name>-<key>.joblib``,
never in git: the offline router's intent model, ``agent.intent``, and the fluency guard's title-likeness model,
``tools.titles.titleness``) and generated secrets (the chat's session secret, the OAuth token key).

Several processes may make the same file at once (`cortex serve --workers N` starts N together; `cortex worker` and
the CLI run beside them): each writes its own temporary file and moves it into place in one step, so a reader sees
a whole file or none; a secret is linked into place only if none is there yet, so every process reads the first
one written."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def load_or_fit(cached: Path, fit: Callable[[], T]) -> T:
    """The object pickled at ``cached`` (joblib), else ``fit()``, written there atomically (a temporary file, then a
    rename) and returned. A file joblib cannot read (written by another library version) is refitted."""
    import joblib

    if cached.is_file():
        try:
            return joblib.load(cached)
        except Exception:  # a cache written by another library version: refit
            cached.unlink(missing_ok=True)
    model = fit()
    tmp = _temporary(cached)
    try:
        joblib.dump(model, tmp)
        tmp.replace(cached)
    finally:
        tmp.unlink(missing_ok=True)
    return model


def _temporary(path: Path) -> Path:
    """A new empty file of this process's own next to ``path`` (its folder created), mode 600."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    return Path(name)


def replace_file(path: Path, content: bytes) -> None:
    """Make ``path`` hold ``content`` (mode 600, its folder created), in one step: a reader sees the old file or the
    new one, never a part of it."""
    tmp = _temporary(path)
    try:
        tmp.write_bytes(content)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def write_once(path: Path, make: Callable[[], str]) -> str:
    """The text of ``path`` (stripped), after writing ``make()`` there (mode 600) if no file was there yet. Of several
    processes calling it at once, the first to finish writing wins and all read its text (a hard link, which
    fails when the name exists, puts the whole file in place)."""
    if not path.is_file():
        tmp = _temporary(path)
        try:
            tmp.write_text(make(), encoding="utf-8")
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process wrote it first
        finally:
            tmp.unlink(missing_ok=True)
    return path.read_text(encoding="utf-8").strip()
