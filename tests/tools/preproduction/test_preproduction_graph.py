"""The pre-production tools through the real graph and Postgres: the idea check cites real corpus outliers with their
real multipliers; every generate_titles result on a transcript carries the promise check of its shown titles; a
promise request with a transcript reaches check_promise."""

from __future__ import annotations

import statistics
import uuid

import pytest
from langchain_core.messages import ToolMessage

from agent.turns import run_config, run_turn
from graphs.conversation import build_graph
from memory.corpus.channels import channel_videos
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
    check = await check_idea(db.pool, "investing for beginners", "Nischa")
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
