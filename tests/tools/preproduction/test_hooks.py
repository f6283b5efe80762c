"""Hook development on real data: the Creator DNA of 3Blue1Brown and Nischa built from their own transcripts, a real
3Blue1Brown caption file as a draft. No database: the tool's reading of the store and the outliers is covered by the
graph test (``test_preproduction_graph.py``)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from evals.hooks_voice import evaluate
from tools.base import CortexContext
from tools.learning.transcripts import load_channel_videos
from tools.learning.voice import build_voice_profile, style_counts
from tools.learning.voice_fit import feature_distance
from tools.preproduction.hooks import (
    HOOK_KINDS,
    INTRO_SECONDS,
    Material,
    develop_hooks,
    develop_hooks_llm,
    guard_problems,
    hook_features,
    hooks_markdown,
    transcript_openers,
    voice_of,
)
from tools.preproduction.offline import hooks_args, hooks_topic
from tools.scripts.hooks import hook_strength, specificity
from tools.scripts.parsing import parse_script
from tools.titles.fluency import Evidence


@pytest.fixture(scope="module")
def videos(data_dir: Path) -> dict:
    return {c: load_channel_videos(data_dir, c) for c in ("3Blue1Brown", "Nischa")}


@pytest.fixture(scope="module")
def dna(videos) -> dict:
    return {c: build_voice_profile([v.text for v in vs], c) for c, vs in videos.items()}


def test_five_hooks_one_of_each_kind_scored_by_the_rubric_and_fluent(dna):
    result = develop_hooks(Material("compound interest"), dna["Nischa"])
    assert sorted(h.kind for h in result.hooks) == sorted(HOOK_KINDS)
    assert [h.strength for h in result.hooks] == sorted((h.strength for h in result.hooks), reverse=True)
    evidence = Evidence.from_text("compound interest")
    for h in result.hooks:
        spec, _ = specificity(h.text)
        assert h.specificity == spec
        assert h.strength == hook_strength(h.text, h.rubric_type or "", spec, 0.0)[0]
        assert not guard_problems(h.text, evidence), h.text
        assert h.seconds <= INTRO_SECONDS[1] and "compound interest" in h.text.lower()
        assert not re.search(r"\d", h.text), "a hook from a topic alone states no number"
    assert result.voice == "Nischa" and "Nischa's voice" in hooks_markdown(result)


def test_the_voice_decides_you_i_and_we(dna):
    rates = {}
    for channel, profile in dna.items():
        result = develop_hooks(Material("the golden ratio"), profile)
        counts = Counter()
        for h in result.hooks:
            counts.update(style_counts(h.text))
            counts["words"] += len(h.text.split())
        rates[channel] = {k: 1000 * counts[k] / counts["words"] for k in ("you", "i", "we")}
        assert any(n.startswith("Written to your habits") for n in result.notes)
    # Nischa: you 46, I 38, we 6 per 1,000 words; 3Blue1Brown: you 23, I 15, we 14 (their whole DNA)
    assert rates["Nischa"]["i"] > 2 * rates["Nischa"]["we"]
    assert rates["3Blue1Brown"]["we"] > rates["Nischa"]["we"]
    assert rates["3Blue1Brown"]["you"] < rates["Nischa"]["you"] and rates["3Blue1Brown"]["i"] < rates["Nischa"]["i"]


def test_the_lines_are_chosen_to_follow_the_dna(dna):
    """The hooks in a creator's voice are nearer their DNA's habits than the same kinds in the neutral voice's lines:
    fails if the choice ignores the DNA."""
    for profile in dna.values():
        target = voice_of(profile).target
        mine, neutral = Counter(), Counter()
        for hooks, total in ((develop_hooks(Material("index funds"), profile).hooks, mine),
                             (develop_hooks(Material("index funds")).hooks, neutral)):
            for h in hooks:
                total.update(style_counts(h.text))
                sentences = [s for s in re.split(r"(?<=[.!?])\s+", h.text) if s]
                total.update({"words": len(h.text.split()), "sentences": len(sentences),
                              "questions": sum(s.endswith("?") for s in sentences)})
        assert feature_distance(hook_features(mine), target) < feature_distance(hook_features(neutral), target) - 0.1


def test_a_signature_phrase_and_teaching_move_of_the_creator_show(dna):
    result = develop_hooks(Material("budgeting"), dna["Nischa"])
    assert any("when it comes to budgeting" in h.text.lower() for h in result.hooks)  # her phrase, 56 % of her videos
    assert any("first of all" in h.text.lower() for h in result.hooks)  # her top move: step / sequence


def test_a_draft_gives_its_own_lines_and_the_creators_openers_are_cited(videos, dna):
    srt = next(v for v in videos["3Blue1Brown"] if v.title and "Fourier Transform?" in v.title).text
    openers = transcript_openers([(v.text, v.title or "") for v in videos["3Blue1Brown"]])
    assert openers and all(t for t, _ in openers)
    result = develop_hooks(Material("the Fourier transform", draft=parse_script(srt), openers=openers),
                           dna["3Blue1Brown"])
    drafted = [h for h in result.hooks if h.source == "draft"]
    assert drafted, "a draft with questions and demonstrations gives its own lines"
    passages = [p.text.lower() for p in parse_script(srt).passages]
    for h in drafted:
        assert any(p[:40] in h.text.lower() for p in passages if len(p) >= 40), h.text
    assert any("your own best opener" in w for h in result.hooks for w in h.why)


def test_the_guard_rejects_a_hook_that_stops_mid_phrase_or_invents_a_number():
    evidence = Evidence.from_text("index funds")
    assert guard_problems("Index funds are simpler than you think. The reason is hidden in the", evidence)
    assert guard_problems("Index funds returned 12 percent last year. Here's why.", evidence)
    assert not guard_problems("Index funds are simpler than you think. Here's why.", evidence)


def test_without_a_topic_or_draft_it_asks():
    with pytest.raises(ValueError, match="what the video is about"):
        develop_hooks(Material("  "))


async def test_the_hook_request_names_its_topic_and_voice():
    context = CortexContext(channels=["Nischa", "Veritasium"])
    assert await hooks_args("write 5 intro hooks for a video about index funds in Nischa's voice", context) == {
        "topic": "index funds", "channel": "Nischa"}
    assert await hooks_args("hooks for a video on eigenvectors like 3blue1brown", context) == {
        "topic": "eigenvectors", "channel": "3Blue1Brown"}
    assert hooks_topic("write 5 intro hooks for a video about index funds in my voice") == "index funds"
    assert hooks_topic("hooks for the Fourier transform") == "the Fourier transform"
    assert hooks_topic("give me hooks for this draft") == ""


@pytest.fixture(scope="module")
def voice_eval(data_dir: Path):
    return {d.voice: d for d in evaluate(data_dir)}


def test_hooks_in_nischas_voice_are_closer_to_her_held_out_dna_than_to_3blue1browns(voice_eval):
    d = voice_eval["Nischa"]
    assert d.own < d.other


def test_hooks_in_3blue1browns_voice_are_closer_to_his_held_out_dna_than_to_nischas(voice_eval):
    d = voice_eval["3Blue1Brown"]
    assert d.own < d.other


class ToolCallingFake(GenericFakeChatModel):
    """langchain's fake chat model (its messages are the model's answers), able to be bound to the schema
    ``with_structured_output`` binds: the answer's tool call is parsed as the structured output."""

    def bind_tools(self, tools, **kwargs):
        return self


class Prompts(BaseCallbackHandler):
    """Keeps the messages each chat-model call was given."""

    def __init__(self):
        self.seen = []

    def on_chat_model_start(self, serialized, messages, **kwargs):
        self.seen.extend(messages)


async def test_with_an_llm_the_dna_is_in_the_prompt_and_its_hooks_pass_the_same_guard(dna):
    hooks = [
        {"kind": "question", "text": "What if compound interest is the quiet reason some people retire early? "
                                     "I looked at how it really works, and I'll show you exactly where the money "
                                     "comes from, step by step."},
        {"kind": "stakes", "text": "Compound interest made 37 percent of savers rich in 2019."},  # invented numbers
        {"kind": "story", "text": "When it comes to compound interest, I learned it the hard way, and"},  # fragment
    ]
    answer = AIMessage("", tool_calls=[{"name": "HooksOut", "args": {"hooks": hooks}, "id": "call-1"}])
    prompts = Prompts()
    model = ToolCallingFake(messages=iter([answer]), callbacks=[prompts])
    result = await develop_hooks_llm(Material("compound interest"), dna["Nischa"], model, "fake-model")
    prompt = "\n".join(str(m.content) for m in prompts.seen[0])
    assert "Creator voice (Nischa" in prompt and "when it comes to" in prompt
    assert f"you {dna['Nischa'].you_per_1k:.0f}, I {dna['Nischa'].i_per_1k:.0f}" in prompt  # her measured person
    by_kind = {h.kind: h for h in result.hooks}
    assert sorted(by_kind) == sorted(HOOK_KINDS) and result.engine == "fake-model"
    assert by_kind["question"].source == "model" and "written by fake-model" in by_kind["question"].why[1]
    assert by_kind["stakes"].source != "model" and by_kind["story"].source != "model"
    assert any("stakes hook was replaced" in n and "37" in n for n in result.notes)
    q = by_kind["question"]
    assert q.strength == hook_strength(q.text, q.rubric_type or "", q.specificity, 0.0)[0]
