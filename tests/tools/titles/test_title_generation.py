"""Title generation: hook selection, formulas, post-processing rules, the judge's order handling, the subgraph
offline and with scripted (recording) models, and its trace events reaching the conversation's stream."""

from __future__ import annotations

import itertools
import re
import uuid
from pathlib import Path

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode
from rapidfuzz import fuzz

from agent.models import UsageRecorder
from agent.turns import run_config
from graphs.conversation import build_graph
from tools.base import CortexContext
from tools.scripts.hooks import Hook, analyze_offline
from tools.scripts.llm import structured_call
from tools.scripts.parsing import parse_script
from tools.titles.candidates import Exemplar, TitleCandidate, select_hooks
from tools.titles.drafting import detect_formulas, hook_slots, offline_titles, postprocess
from tools.titles.fluency import Evidence, check_title
from tools.titles.graph import LLM_CALL_BUDGET, TitleGenContext, title_graph
from tools.titles.judge import apply_pairwise, resolve_pair, rubric_score
from tools.titles.prompts import JudgeOut, judge_from_llm, judge_prompt
from tools.titles.tool import tool as generate_titles_tool

from support import ScriptedModel

PIPELINE_TRACES = {"script.parsed", "hooks.found", "hooks.selected", "titles.retrieval", "rag.retrieval",
                   "titles.generated", "titles.cuts", "titles.judged"}


@pytest.fixture(scope="module")
def captions(data_dir: Path) -> str:
    return (data_dir / "transcripts_3blue1brown" / "videos" / "2016_brachistochrone" / "captions.srt").read_text(encoding="utf-8")


def hook(id: str, bucket: str, strength: float, text: str = "Why does the fastest path curve downward?") -> Hook:
    return Hook(id, "question", text, 1.0, "real", bucket, 0.0, 2, strength, "test")


def cand(title: str, self_score: float = 50.0, hook_id: str = "h1") -> TitleCandidate:
    return TitleCandidate(title, hook_id, "creator_hooks", "curiosity", "question", (), self_score, "test")


def test_hook_selection_gate_and_bucket_diversity():
    hooks = [hook("h1", "later", 9), hook("h2", "later", 8), hook("h3", "0-5s", 6), hook("h4", "30-60s", 3.9)]
    kept, dropped = select_hooks(hooks, max_hooks=2)
    assert [h.id for h in kept] == ["h1", "h3"]  # h2 is stronger than h3 but shares h1's bucket
    reasons = {h.id: why for h, why in dropped}
    assert "quality gate" in reasons["h4"] and "already has the stronger h1" in reasons["h2"]
    kept, _ = select_hooks(hooks, max_hooks=3)
    assert [h.id for h in kept] == ["h1", "h2", "h3"]
    kept, _ = select_hooks([hook("h1", "later", 2.0)])
    assert [h.id for h in kept] == ["h1"]  # none passes: the strongest is still used


def test_formulas_are_detected_in_real_titles():
    assert detect_formulas("Why Are 96,000,000 Black Balls on This Reservoir?") == ["question", "how/why explainer"]
    assert detect_formulas("ACCOUNTANT EXPLAINS: Money Habits Keeping You Poor") == ["topic: hook"]
    assert "first-person story" in detect_formulas("I read 40 books on money. Here's what will make you rich")
    assert "number-first" in detect_formulas("6 Financial Goals To Achieve In Your 30s")


def test_offline_titles_carry_their_evidence(captions):
    analysis = analyze_offline(parse_script(captions), captions)
    h = analysis.hooks[0]
    slots = hook_slots(h, analysis, Evidence.from_text(captions))
    exemplars = (Exemplar("The Oldest Unsolved Problem in Math", "Veritasium", 2.4),
                 Exemplar("Why Is This Problem So Hard?", "Veritasium", 3.1))
    titles = offline_titles(h, "outlier_patterns", "stakes", slots, exemplars, None)
    assert titles and titles[0].exemplars  # the exemplars' own formulas first
    for t in titles:
        assert t.hook_id == h.id and t.self_score == h.strength * 10 and t.generator == "offline"
        assert all(t.formula in detect_formulas(e.title) for e in t.exemplars)  # a fallback formula cites none
        assert check_title(t.title, Evidence.from_text(captions)).ok


def test_length_window_cuts_with_reasons():
    titles = ["The Brachistochrone, and the Fastest Slide", "The Brachistochrone, and the Fastest Slides",
              "Why the Fastest Path Down a Slope Is a Cycloid and Never a Straight Line",
              "Why the Fastest Path Down a Slope Is a Cycloid and Never a Straight Lines"]
    assert [len(t) for t in titles] == [42, 43, 72, 73]
    kept, cuts = postprocess([cand(t) for t in titles], min_chars=43, max_chars=72)
    assert [len(c.title) for c in kept] == [43, 72]
    assert [(c.rule, c.reason) for c in cuts] == [
        ("length", "too short: 42 characters, the window is 43-72"),
        ("length", "too long: 73 characters, the window is 43-72"),
    ]


def test_near_duplicates_are_cut_at_the_ratio():
    a = "The Fastest Path Is Not a Straight Line, Here's Why"
    b = "The Fastest Path Is Not a Straight Line. Here Is Why"
    c = "Bernoulli's Challenge Stumped Europe's Best Minds"
    assert fuzz.ratio(a.lower(), b.lower()) / 100 >= 0.82 > fuzz.ratio(a.lower(), c.lower()) / 100
    kept, cuts = postprocess([cand(a, 90), cand(b, 80), cand(c, 70)])
    assert [k.title for k in kept] == [a, c]  # the better self-score is kept
    assert cuts[0].rule == "near-duplicate" and a in cuts[0].reason and "(limit 0.82)" in cuts[0].reason


def test_opener_cap():
    titles = ["Why the Fastest Slide Is Not a Straight Line", "Why Bernoulli Hid His Own Solution From Newton",
              "Why Light and Falling Balls Take the Same Path", "7 Ideas That Make the Brachistochrone Click",
              "12 Minutes That Explain Snell's Law Completely"]
    kept, cuts = postprocess([cand(t, 100 - i) for i, t in enumerate(titles)], max_same_opener=2)
    assert [k.title for k in kept] == [titles[0], titles[1], titles[3], titles[4]]
    assert cuts == [cuts[0]] and cuts[0].rule == "opener cap" and "“why”" in cuts[0].reason


def test_pairs_are_resolved_in_both_orders():
    assert resolve_pair("first", "second") == "a"  # a wins when shown first and when shown second
    assert resolve_pair("second", "first") == "b"
    assert resolve_pair("first", "first") == "tie"  # position bias: whoever is first wins -> tie
    assert resolve_pair("second", "second") == "tie"
    assert resolve_pair("tie", "second") == "tie"
    assert rubric_score({c: 5 for c in ("curiosity", "specificity", "clarity", "emotional pull", "faithfulness")}) == 100
    assert rubric_score({}) == 0


JUDGE_TITLES = ["Why the Fastest Slide Is Not a Straight Line", "Bernoulli Hid His Own Solution From Newton",
                "Light and Falling Balls Take the Same Path", "The Brachistochrone Problem That Fooled Europe"]


def _judge_answer(prefer, messages):
    """Rubric scores falling with the title index; pair verdicts by ``prefer(first, second)``."""
    text = messages[1].content
    ids = [int(i) for i in re.findall(r"^t(\d+): ", text, re.MULTILINE)]
    scores = [{"id": f"t{i}", "curiosity": max(1, 5 - i), "specificity": 4, "clarity": 4, "emotional_pull": 3,
               "faithfulness": 5, "note": "scripted"} for i in ids]
    pairs = [{"pair": pid, "winner": prefer(int(a), int(b))}
             for pid, a, b in re.findall(r"^(p\d+): first = t(\d+) \| second = t(\d+)", text, re.MULTILINE)]
    return {"scores": scores, "pairs": pairs}


async def _judge(prefer):
    candidates = [cand(t) for t in JUDGE_TITLES]
    messages, asked = judge_prompt(candidates, {"h1": hook("h1", "0-5s", 7)}, [(0, 1), (1, 2), (2, 3)])
    assert [(a, b) for _, a, b in asked] == [(0, 1), (1, 2), (2, 3), (1, 0), (2, 1), (3, 2)]
    model = ScriptedModel(respond=lambda m, s: _judge_answer(prefer, m))
    out = await structured_call(model, JudgeOut, messages)
    return judge_from_llm(candidates, out, asked, "scripted judge")


async def test_a_position_biased_judge_decides_nothing():
    judgement = await _judge(lambda first, second: "first")
    assert [p.result for p in judgement.pairs] == ["tie", "tie", "tie"]
    assert [j.candidate.title for j in judgement.ranked] == JUDGE_TITLES  # rubric order only
    assert judgement.ranked[0].score > judgement.ranked[-1].score


async def test_a_consistent_pairwise_verdict_reorders_the_rubric():
    prefer_t3 = lambda first, second: "first" if first == 3 else "second" if second == 3 else "tie"  # noqa: E731
    judgement = await _judge(prefer_t3)
    assert [p.result for p in judgement.pairs] == ["tie", "tie", "b"]  # t2 vs t3: t3 wins in both orders
    assert [j.candidate.title for j in judgement.ranked] == [JUDGE_TITLES[i] for i in (0, 1, 3, 2)]
    assert apply_pairwise(["t0", "t1"], judgement.pairs) == ["t0", "t1"]


async def test_offline_subgraph_on_a_real_srt(db, captions):
    events, final = [], None
    async for mode, chunk in title_graph.astream(
        {"transcript": captions, "titles_per_hook": 3}, context=TitleGenContext(db=db, engine="offline"),
        stream_mode=["custom", "values"],
    ):
        if mode == "custom":
            events.append(chunk)
        else:
            final = chunk
    assert PIPELINE_TRACES <= {e["name"] for e in events}
    selected = next(e for e in events if e["name"] == "hooks.selected")["data"]
    assert selected["kept"] and len({h["bucket"] for h in selected["kept"]}) == len(selected["kept"])
    ranked = final["judgement"].ranked
    assert ranked and [j.score for j in ranked] == sorted((j.score for j in ranked), reverse=True)
    for j in ranked:
        c = j.candidate
        assert 40 <= len(c.title) <= 70 and 0 <= j.score <= 100 and j.grade
        assert c.hook_id in {h.id for h in final["hooks"]} and c.formula
        assert c.method == "creator_hooks" or all(c.formula in detect_formulas(e.title) for e in c.exemplars)
        assert check_title(c.title).ok
        assert all(e.multiplier >= 2.0 for e in c.exemplars)
    assert any(c.exemplars for c in (j.candidate for j in ranked))
    cuts = next(e for e in events if e["name"] == "titles.cuts")["data"]["cut"]
    assert all(c["reason"] for c in cuts)


def _generation_answer(messages):
    """Two titles per (hook, angle) asked, drawn from a pool, citing the first exemplar shown; plus one title
    for a hook that was not asked (rejected) and one too long (cut)."""
    text = messages[1].content
    hooks = re.findall(r"^Hook (h\d+) ", text, re.MULTILINE)
    angles = re.findall(r"^- (curiosity|stakes|newcomer): ", text, re.MULTILINE)
    exemplar = re.findall(r"“(.+?)” \(", text)
    titles = [{"hook_id": h, "angle": a, "title": next(_POOL), "formula": "question",
               "exemplars": exemplar[:1], "self_score": 90} for h in hooks for a in angles for _ in range(2)]
    titles.append({"hook_id": "h99", "angle": angles[0], "title": "A Hook Nobody Asked For, Titled Anyway Here",
                   "formula": "x", "self_score": 50})
    titles.append({"hook_id": hooks[0], "angle": angles[0], "title": "An Overly Long Title " * 5, "formula": "x",
                   "self_score": 50})
    return {"titles": titles}


_POOL = itertools.cycle([
    "Why the Fastest Slide Is Not a Straight Line", "Bernoulli Hid His Own Solution From Newton",
    "Light and Falling Balls Take the Same Path", "The 1696 Challenge That Stumped Europe's Best",
    "How a Light Ray Solved a Gravity Puzzle", "Newton Solved It Overnight, Anonymously",
    "The Curve That Beats Every Straight Line", "Snell's Law Was Hiding in a Falling Ball",
    "What the Brachistochrone Teaches About Physics", "One Problem, Two Brothers, a Bitter Rivalry",
    "Is the Shortest Path Ever the Fastest One?", "Steven Strogatz on Math's Most Elegant Trick",
    "The Cycloid: Nature's Secret Racing Track", "Galileo Guessed Wrong About This Curve",
    "A 300-Year-Old Puzzle Still Worth Solving", "You Have Been Drawing the Fastest Path Wrong",
    "The Proof Steve Showed Me Changed Everything", "Rolling Wheels Hold the Answer to Gravity",
])


def _llm_answer(messages, schema: str):
    if schema == "AnalysisOut":
        lines = re.findall(r"^\[(\d+)\] \S+ (.+)$", messages[1].content, re.MULTILINE)
        chosen = [lines[5], lines[40], lines[90]]  # 0:27, minutes 4-5 and later: three buckets
        return {"topic": "the brachistochrone problem", "audience": "math-curious viewers",
                "key_entities": ["Johann Bernoulli", "Newton", "Steven Strogatz"],
                "hooks": [{"passage": int(i), "type": "story", "text": t, "specificity": 4, "strength": 8 - n,
                           "why": "scripted"} for n, (i, t) in enumerate(chosen)]}
    if schema == "GenerationOut":
        return _generation_answer(messages)
    return _judge_answer(lambda first, second: "first" if first < second else "second", messages)


async def test_llm_run_stays_within_budget_and_records_tokens(db, captions):
    model = ScriptedModel(respond=_llm_answer)
    recorder = UsageRecorder()
    final = await title_graph.ainvoke(
        {"transcript": captions, "titles_per_hook": 3}, {"callbacks": [recorder]},
        context=TitleGenContext(db=db, models=lambda tier: model),
    )
    assert recorder.calls == model.calls[0] == LLM_CALL_BUDGET == 5
    assert recorder.prompt_tokens > 0 and recorder.completion_tokens > 0
    print(f"\nLLM calls {recorder.calls}, prompt tokens {recorder.prompt_tokens}, completion tokens "
          f"{recorder.completion_tokens}; per call: {recorder.per_call}")
    assert [h.start_s for h in final["hooks"]][:1] == [27.64]  # the first hook's time comes from the SRT
    assert any("h99" in r for r in final["rejected"])
    assert any(c.rule == "length" for c in final["cuts"]) and any(c.rule == "near-duplicate" for c in final["cuts"])
    judgement = final["judgement"]
    assert judgement.pairs and all(p.result != "tie" for p in judgement.pairs)
    assert all(j.candidate.generator == "scripted" and j.candidate.exemplars for j in judgement.ranked)
    assert all(j.flagged == (abs(90 - j.score) > 30) for j in judgement.ranked)
    assert all(check_title(j.candidate.title).ok for j in judgement.ranked)  # the guard ran on the model's titles


def _parent_graph():
    """A minimal conversation: a model node that calls generate_titles, then the ToolNode."""

    def call(state: MessagesState) -> dict:
        return {"messages": [AIMessage("", tool_calls=[{"name": "generate_titles", "args": {}, "id": "c1"}])]}

    builder = StateGraph(MessagesState, context_schema=CortexContext)
    builder.add_node("model", call)
    builder.add_node("tools", ToolNode([generate_titles_tool]))
    builder.add_edge(START, "model")
    builder.add_edge("model", "tools")
    return builder.compile()


async def test_trace_events_reach_the_parent_stream(db, captions):
    message = HumanMessage("Titles for my video please\n\n[Attached file: captions.srt]\n" + captions)
    events, result = [], None
    async for mode, chunk in _parent_graph().astream(
        {"messages": [message]}, context=CortexContext(engine="offline"), stream_mode=["custom", "updates"]
    ):
        if mode == "custom":
            events.append(chunk["name"])
        elif "tools" in chunk:
            result = chunk["tools"]["messages"][-1]
    assert PIPELINE_TRACES <= set(events)
    assert isinstance(result, ToolMessage) and result.name == "generate_titles"
    assert "**Hooks**" in result.content and "**Titles**" in result.content and "/100" in result.content
    assert result.artifact["titles"] and result.artifact["analysis"]["format"] == "srt"


async def test_an_earlier_analysis_is_reused(db, captions):
    analysis = analyze_offline(parse_script(captions), captions)
    history = [
        HumanMessage("find hooks\n\n[Attached file: captions.srt]\n" + captions),
        AIMessage("", tool_calls=[{"name": "analyze_script", "args": {}, "id": "a1"}]),
        ToolMessage("hooks...", tool_call_id="a1", name="analyze_script", artifact=analysis.to_dict()),
        HumanMessage("now write titles"),
    ]
    events = [c for mode, c in [x async for x in _parent_graph().astream(
        {"messages": history}, context=CortexContext(engine="offline"), stream_mode=["custom", "updates"])]
        if mode == "custom"]
    found = next(e for e in events if e["name"] == "hooks.found")
    assert "reused" in found["data"] and "script.parsed" not in [e["name"] for e in events]


async def test_pasting_a_real_srt_in_the_chat_gives_hooks_and_ranked_titles(db, captions):
    graph = build_graph(db.checkpointer, db.store)
    config = run_config(str(uuid.uuid4()), "tester")
    events = [(mode, chunk) async for mode, chunk in graph.astream(
        {"messages": [("user", captions)]}, config, context=CortexContext(creator_id="tester"),
        stream_mode=["updates", "custom"])]
    traces = [c["name"] for m, c in events if m == "custom"]
    assert PIPELINE_TRACES <= set(traces)
    route = next(c["data"] for m, c in events if m == "custom" and c["name"] == "route")
    assert route["chosen"] == ["generate_titles"]
    answer = (await graph.aget_state(config)).values["messages"][-1].content
    assert re.search(r"\| h1 \| \d+:\d\d \|", answer) and "**Titles**" in answer and "exemplars: “" in answer
    assert "offline engine" in answer
    reply = await graph.ainvoke(
        {"messages": [("user", "here's my transcript, find the hooks\n\n[Attached file: captions.srt]\n" + captions)]},
        run_config(str(uuid.uuid4()), "tester"), context=CortexContext(creator_id="tester"),
    )
    assert reply["messages"][1].tool_calls[0]["name"] == "analyze_script"


def _shown(messages) -> tuple[list[str], dict]:
    tool = next(m for m in reversed(messages) if isinstance(m, ToolMessage) and m.name == "generate_titles")
    return tool.artifact.get("shown", []), tool.artifact


@pytest.mark.parametrize("kind", ["attached srt", "pasted plain transcript", "described idea"])
async def test_the_chat_gives_eight_complete_on_topic_titles(db, data_dir, kind):
    folder = data_dir / "transcripts_3blue1brown" / "videos" / "2018_fourier-transforms"
    message = {
        "attached srt": "Titles for my video please\n\n[Attached file: captions.srt]\n"
                        + (folder / "captions.srt").read_text(encoding="utf-8"),
        "pasted plain transcript": "Here's my transcript, write titles for it: "
                                   + (folder / "transcript.txt").read_text(encoding="utf-8"),
        "described idea": "10 title ideas for a video where I test 5 budgeting apps for a month",
    }[kind]
    graph = build_graph(db.checkpointer, db.store)
    config = run_config(str(uuid.uuid4()), "tester")
    state = await graph.ainvoke({"messages": [("user", message)]}, config, context=CortexContext(creator_id="tester"))
    shown, artifact = _shown(state["messages"])
    concepts = {w.lower() for c in artifact["analysis"]["concepts"][:3] for w in re.findall(r"[A-Za-z]{4,}", c)}
    assert len(shown) >= 8, shown
    for title in shown:
        assert check_title(title).ok, (title, check_title(title).problems)
        assert concepts & {w.lower().rstrip("s") for w in re.findall(r"[A-Za-z]{4,}", title)} | \
            concepts & {w.lower() for w in re.findall(r"[A-Za-z]{4,}", title)}, (title, concepts)
    answer = state["messages"][-1].content
    assert "**Titles**" in answer and "0 shown" not in answer
    if kind == "described idea":
        assert "**Your idea**" in answer and "budgeting app" in " ".join(artifact["analysis"]["concepts"]).lower()


FRAGMENTS = ["When Both of Them Are Played, and Why It Matters",
             "A Negative, Not Even a Negative Interest Rate, and Why It Matters"]


def _fragment_generation(messages):
    answer = _generation_answer(messages)
    hooks = re.findall(r"^Hook (h\d+) ", messages[1].content, re.MULTILINE)
    answer["titles"] += [{"hook_id": hooks[0], "angle": "curiosity", "title": t, "formula": "x", "self_score": 95}
                         for t in FRAGMENTS]
    return answer


async def test_an_llm_run_goes_through_the_same_guard_and_eval(db, data_dir):
    """``cortex eval titles`` with the LLM engine on a recorded model (no network): the model's fragments are drafted,
    the guard cuts them, and the eval's report counts them."""
    from evals.titles import evaluate, render_markdown

    def respond(messages, schema):
        return _fragment_generation(messages) if schema == "GenerationOut" else _llm_answer(messages, schema)

    model = ScriptedModel(respond=respond)
    report = await evaluate(data_dir, "smoke", engine="llm", db=db, models=lambda tier: model,
                            slugs=["brachistochrone"])
    run = report["runs"][0]
    assert model.calls[0] >= 3 and report["engine"] == "llm" and report["videos"] == 1
    assert run["drafts"] > run["drafts_fluent"]  # the fragments were drafted, and the guard saw them
    assert run["shown"] and run["shown_fluent"] == len(run["shown"])
    assert not set(FRAGMENTS) & set(run["shown"])
    result = report["results"]["all"]
    assert result["empty_lists"] == 0 and result["fluency"]["drafts_passing"]["mean"] < 1.0
    assert result["topic_fidelity"]["generated"]["top5"]["n"] == 1
    assert report["guard_heldout"]["labelled"] >= 100
    assert "# Title eval (llm, split smoke)" in render_markdown(report)
