"""Fitted models kept in the state dir: fitted once, then loaded (``<state_dir>/models/<name>-<key>.joblib``, never
in git). The offline router's intent model (``agent.intent``) and the fluency guard's title-likeness model
(``tools.titles.titleness``) use it."""

from __future__ import annotations

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
    cached.parent.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_suffix(".tmp")
    joblib.dump(model, tmp)
    tmp.replace(cached)
    return model
