"""The router's training set is kept apart from the eval sets: no eval message (routing and trajectories, every
version, and the held-out sets) is a near-copy of a training request, by edit distance or by meaning; and it is the size and shape the
router needs."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from rapidfuzz import fuzz, process

from agent.embeddings import MINILM, get_embedder
from agent.intent import load_training
from agent.offline import offline_spec
from evals.intents import PATH, build
from tools import all_tools

DATASETS = Path(__file__).resolve().parents[2] / "evals" / "datasets"
MAX_RATIO = 88.0
"""Edit-distance similarity (rapidfuzz ratio, 0-100, on lowercased words) at or above which two messages are
near-copies: one or two changed characters in a short message, a few words in a long one."""
MAX_COSINE = 0.95
"""MiniLM cosine at or above which two messages say the same thing in nearly the same words."""


def _norm(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def eval_messages() -> list[str]:
    """Every creator message of every routing and trajectories dataset version, and of the held-out sets."""
    out = []
    for path in [*sorted((DATASETS / "routing").glob("routing.v*.jsonl")),
                 *sorted((DATASETS / "heldout").glob("routing_*.jsonl"))]:
        out += [json.loads(line)["inputs"]["message"] for line in path.read_text().splitlines() if line.strip()]
    for path in [*sorted((DATASETS / "trajectories").glob("trajectories.v*.jsonl")),
                 *sorted((DATASETS / "heldout").glob("trajectories_*.jsonl"))]:
        for line in filter(str.strip, path.read_text().splitlines()):
            out += [t["message"] for t in json.loads(line)["inputs"]["turns"]]
    return [m for m in dict.fromkeys(out) if _norm(m)]


@pytest.fixture(scope="module")
def training() -> list[str]:
    return [row["text"] for row in load_training()]


def test_the_committed_training_set_is_what_the_generator_writes():
    rows = [json.loads(line) for line in PATH.read_text(encoding="utf-8").splitlines()]
    assert rows == build()


def test_training_set_covers_every_tool_and_kind_of_small_talk():
    counts = Counter(row["label"] for row in load_training())
    assert sum(counts.values()) >= 1500
    for tool in all_tools():
        assert counts[tool.name] >= 20, tool.name
        assert offline_spec(tool).action, f"{tool.name}: give it an ACTION, offered in clarifying questions"
    for kind in ("greeting", "thanks", "help", "advice", "off_topic", "vague"):
        assert counts[f"none.{kind}"] >= 30, kind
    assert counts["followup"] >= 100


def test_no_eval_message_is_a_near_copy_of_a_training_request_by_edit_distance(training):
    normed = [_norm(t) for t in training]
    copies = []
    for message in eval_messages():
        match, ratio, i = process.extractOne(_norm(message)[:300], normed, scorer=fuzz.ratio)
        if ratio >= MAX_RATIO:
            copies.append((message[:80], training[i], round(ratio)))
    assert not copies, copies


def test_no_eval_message_is_a_near_copy_of_a_training_request_by_meaning(training):
    embedder = get_embedder(MINILM)
    messages = eval_messages()
    sims = embedder.embed([m[:300] for m in messages]) @ embedder.embed(training).T
    best = sims.argmax(axis=1)
    copies = [(m[:80], training[j], round(float(sims[i, j]), 3)) for i, (m, j) in enumerate(zip(messages, best))
              if sims[i, j] >= MAX_COSINE]
    assert not copies, copies
    assert float(np.max(sims)) < MAX_COSINE


def test_the_held_out_sets_are_test_only_and_cover_what_they_claim():
    singles = [json.loads(line) for path in sorted((DATASETS / "heldout").glob("routing_*.jsonl"))
               for line in path.read_text().splitlines() if line.strip()]
    scenarios = [json.loads(line) for path in sorted((DATASETS / "heldout").glob("trajectories_*.jsonl"))
                 for line in path.read_text().splitlines() if line.strip()]
    assert all(case["metadata"]["splits"] == ["test"] for case in [*singles, *scenarios])
    v2 = [c for c in singles if c["id"].startswith("unseen2-")]
    assert len(v2) >= 60 and len(scenarios) >= 10
    assert {c["reference_outputs"]["tool"] for c in v2} >= {t.name for t in all_tools()}
    assert {c["metadata"]["category"] for c in v2 if c["reference_outputs"]["tool"] is None} >= {
        "greeting", "thanks", "help", "advice", "off_topic", "vague"}
    assert any(t.get("resume") == "wait" for s in scenarios for t in s["inputs"]["turns"])  # a typed approval


def test_cross_validation_by_template_finds_a_label_the_templates_do_not_cover():
    # Two labels the router tells apart well, and a third whose requests are relabelled copies of the first's: the
    # cross-validation (whole templates held out) must report the first two as learnable and the copy as confused.
    from agent.intent import cross_validate

    rows = [r for r in load_training() if r["label"] in ("search_creators", "pull_analytics")]
    copies = [dict(r, label="copy", group="copy:" + r["group"]) for r in rows if r["label"] == "search_creators"][::2]
    result = cross_validate(rows + copies)
    assert result["pull_analytics"]["recall"] >= 0.9
    assert result["copy"]["recall"] <= 0.6
    assert result["copy"]["confused_with"][0][0] == "search_creators"
    assert result["all"]["n"] == len(rows) + len(copies)
