"""The router's message vectors: one masked message's MiniLM vector is kept (``agent.intent.message_vector``), so a
request phrased like an earlier one is routed without the encoder, with the features the batch path gives."""

from __future__ import annotations

import numpy as np

from agent import intent
from agent.embeddings import MINILM, get_embedder


def test_a_kept_message_vector_is_the_encoders_and_is_not_computed_again(monkeypatch):
    masked = intent.mask("Score this title: I Built A Secret Room In My House")
    assert masked == "Score this title: <title>"
    intent.message_vector.cache_clear()
    first = intent.message_vector(masked)
    np.testing.assert_allclose(first, get_embedder(MINILM).embed([masked])[0], atol=1e-6)
    assert not first.flags.writeable  # callers cannot change the kept vector

    def no_encoder(*_args, **_kwargs):
        raise AssertionError("the encoder ran for a kept message")

    monkeypatch.setattr(intent, "get_embedder", no_encoder)
    other_title = intent.mask("Score this title: We Tried Every Fast Food Burger")
    assert other_title == masked
    assert intent.message_vector(other_title) is first


def test_one_message_gets_the_features_of_the_batch_path():
    model = intent.get_intent_model()
    texts = ["Score this title: I Built A Secret Room In My House", "what's working in cooking right now?"]
    masked = [intent.mask(t) for t in texts]
    batch = model.features(masked).toarray()
    single = np.vstack([model.features([m]).toarray() for m in masked])
    np.testing.assert_allclose(single, batch, atol=1e-5)
