"""The pre-production tools through the real graph and Postgres: the idea check cites real corpus outliers with their
real multipliers; every generate_titles result on a transcript carries the promise check of its shown titles; a
promise request with a transcript reaches check_promise; hooks and outlines come through the offline router; the
trajectory idea -> hooks -> outline -> titles (with their promise check) passes."""

from __future__ import annotations

import statistics
import uuid

import pytest
from langchain_core.messages import ToolMessage

from agent.turns import run_config, run_turn
from evals.runner import load_dataset
from evals.trajectories import run_trajectory_suite
from graphs.conversation import build_graph
from memory.corpus.channels import channel_videos
from tools import all_tools
from tools.base import CortexContext
from tools.preproduction.idea import check_idea

CREATOR = "preproduction-dana"


@pytest.fixture(scope="module")
def graph(db):
    return build_graph(db.checkpointer, db.store)


@pytest.fixture(scope="module")
def transcript(data_dir) -> str:
    return (data_dir / "transcripts_3blue1brown" / "videos" / "2018_fourier-transforms" / "captions.srt").read_text()


async def tool_messages(graph, text: str) -> list[ToolMessage]:
    config = run_config(str(uuid.uuid4()), CREATOR)

    async def drain(stream) -> None:
        async for _ in stream:
            pass

    result = await run_turn(graph, {"messages": [("user", text)]}, config, CortexContext(creator_id=CREATOR),
                            on_stream=drain, stream_modes=["updates"], stopped="the test stopped")
    return [m for m in result.messages if isinstance(m, ToolMessage)]


async def test_the_idea_check_cites_real_outliers_with_their_real_multipliers(db):
    check = await check_idea(db.pool, "saving money", "Nischa")
    assert check.channel == "Nischa" and check.niche
    assert check.outliers, "a topic the corpus holds has outliers"
    channels = sorted({h.channel for h in check.outliers} | {h.channel for h in check.covered})
    real = {(v["channel"], v["title"]): v["outlier_multiplier"] for v in await channel_videos(db.pool, channels)}
    for hit in check.outliers:
        assert hit.channel != "Nischa" and hit.multiplier >= 2
        assert real[(hit.channel, hit.title)] == pytest.approx(hit.multiplier, abs=0.01)
    assert check.median_multiplier == pytest.approx(statistics.median(h.multiplier for h in check.outliers), abs=0.01)
    assert all(h.channel == "Nischa" for h in check.covered)
    own = {t for (c, t) in real if c == "Nischa"}
    assert all(g["closest"] in own and g["channel"] != "Nischa" and g["multiplier"] >= 3 for g in check.gaps)


async def test_generated_titles_come_with_their_promise_check(graph, transcript):
    messages = await tool_messages(graph, f"write titles for this video\n\n{transcript}")
    titles = [m for m in messages if m.name == "generate_titles"][-1]
    checks = titles.artifact["promise"]
    assert [c["title"] for c in checks] == titles.artifact["shown"][: len(checks)] and checks
    assert all(c["verdict"] in ("kept", "late", "never") and c["timing"] == "real" for c in checks)
    assert "Does the video keep each title's promise early?" in titles.content


async def test_a_promise_request_with_a_transcript_reaches_the_promise_guard(graph, transcript):
    messages = await tool_messages(
        graph, f"does my video deliver what the title “The Wallis product for pi, proved geometrically” promises?"
               f"\n\n{transcript}")
    check = [m for m in messages if m.name == "check_promise"][-1]
    assert check.artifact["checks"][0]["verdict"] != "kept"
    assert "never kept" in check.content or "comes late" in check.content


async def test_hooks_for_a_topic_in_a_named_voice_come_through_the_graph(graph):
    messages = await tool_messages(graph, "write 5 intro hooks for a video about index funds in Nischa's voice")
    hooks = [m for m in messages if m.name == "develop_hooks"][-1]
    assert hooks.artifact["voice"] == "Nischa" and hooks.artifact["topic"] == "index funds"
    assert sorted(h["kind"] for h in hooks.artifact["hooks"]) == sorted(
        ["question", "stakes", "surprising fact", "story", "demonstration"])
    assert "Five intro hooks for “index funds” in Nischa's voice" in hooks.content
    assert "develop_hooks" not in hooks.content


async def test_an_outline_follows_the_channels_best_videos_by_their_real_multipliers(graph, db):
    messages = await tool_messages(graph, "outline a 12 minute video about index funds for my channel Nischa")
    result = [m for m in messages if m.name == "outline_script"][-1]
    shape = result.artifact["shape"]
    assert result.artifact["minutes"] == 12 and result.artifact["sections"][-1]["end_s"] == pytest.approx(720)
    assert "best videos by outlier multiplier" in shape["basis"]
    real = {v["title"]: v["outlier_multiplier"] for v in await channel_videos(db.pool, ["Nischa"])}
    ranked = [real[t] for t in shape["videos"]]
    others = [m for t, m in real.items() if m is not None and t not in shape["videos"]]
    assert all(m is not None for m in ranked) and ranked
    assert min(ranked) >= statistics.median(others), "the outline follows her best videos, not a random set"


async def test_the_pre_production_trajectory_passes(graph, db, data_dir):
    case = next(c for c in load_dataset("trajectories", "full").cases if c["id"] == "t34-idea-hooks-outline-titles-promise")
    result = await run_trajectory_suite([case], graph=graph, pool=db.pool, data_dir=data_dir,
                                        tool_names=[t.name for t in all_tools()], engine="offline")
    assert not result["skipped"] and not result["failures"], result["failures"]
