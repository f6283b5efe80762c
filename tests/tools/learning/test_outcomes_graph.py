"""Learning from outcomes through the real graph and Postgres: a creator imports their real Studio export (Ken Jee's),
has used a title, and asks how it did: the answer shows predicted against actual, and the calibration is stored."""

from __future__ import annotations

import uuid
from collections import Counter

import pytest
from langchain_core.messages import ToolMessage

from agent.turns import run_config, run_turn
from graphs.conversation import build_graph
from memory.analytics import read_studio_export
from memory.learning import get_block, insert_feedback
from tools.analytics.sources import import_studio_export
from tools.base import CortexContext
from tools.learning.preferences import results_of

CREATOR = "outcomes-" + uuid.uuid4().hex[:6]


@pytest.fixture(scope="module")
def export(data_dir):
    return data_dir / "youtube_studio_analytics_kenjee" / "Aggregated_Metrics_By_Video.csv"


async def ask(db, text: str, creator: str = CREATOR) -> list[ToolMessage]:
    graph = build_graph(db.checkpointer, db.store)

    async def drain(stream) -> None:
        async for _ in stream:
            pass

    result = await run_turn(graph, {"messages": [("user", text)]}, run_config(str(uuid.uuid4()), creator),
                            CortexContext(creator_id=creator), on_stream=drain, stream_modes=["updates"],
                            stopped="the test stopped")
    return [m for m in result.messages if isinstance(m, ToolMessage)]


async def test_a_used_title_shows_predicted_against_actual_from_the_real_export(db, export):
    first = await ask(db, "so how did the titles I went with end up doing?")
    assert [m.name for m in first] == ["title_outcomes"] and "haven't told me which title you used" in first[0].content
    videos = sorted(read_studio_export(export), key=lambda v: v.published_at)
    used = videos[150]
    await import_studio_export(db.pool, export, CREATOR, "Ken Jee")
    await insert_feedback(db.pool, creator_id=CREATOR, thread_id="t-outcomes", signal="use", title=used.title,
                          generation_id="call-outcomes", candidate_rank=2, candidate={
                              "score": 64.0, "candidate": {"title": used.title, "formula": "question",
                                                           "method": "outlier_patterns", "angle": "curiosity"}})
    await insert_feedback(db.pool, creator_id=CREATOR, thread_id="t-outcomes", signal="use",
                          title="My next video, not out yet")
    result = (await ask(db, "so how did the titles I went with end up doing?"))[-1]
    assert result.name == "title_outcomes" and result.artifact, result.content
    [o] = result.artifact["outcomes"]
    assert o["video_id"] == used.video_id and o["judged_score"] == 64.0 and o["generation_id"] == "call-outcomes"
    assert o["predicted_multiplier"] > 0 and o["actuals"][-1]["views"] == used.views
    assert o["actuals"][-1]["ctr_pct"] == pytest.approx(used.ctr_pct)
    assert result.artifact["waiting"] == ["My next video, not out yet"]
    assert used.title in result.content and "What I learned" in result.content and "title_outcomes" not in result.content
    stored = await get_block(db.store, CREATOR, "calibration")
    assert stored["channel"] == "Ken Jee" and stored["outcomes"][0]["video_id"] == used.video_id


async def test_the_calibration_changes_what_score_title_predicts_on_the_creators_channel(db, export):
    """Four used titles of the real export teach a calibration; "how would X do on my channel?" then reads the title
    model's multiplier through it, in words. Fails if score_title ignores the stored calibration."""
    creator = "calibrated-" + uuid.uuid4().hex[:6]
    videos = sorted(read_studio_export(export), key=lambda v: (v.published_at, v.video_id))
    await import_studio_export(db.pool, export, creator, "Ken Jee")
    for v in videos[150:154]:
        await insert_feedback(db.pool, creator_id=creator, thread_id="t-cal", signal="use", title=v.title)
    learned = (await ask(db, "so how did the titles I went with end up doing?", creator))[-1]
    assert learned.name == "title_outcomes" and learned.artifact["calibration"]["n"] >= 3, learned.content
    factor = learned.artifact["calibration"]["factor"]
    assert abs(factor - 1) > 0.2, "the real outcomes must move the prediction, or this test could not fail"
    # the outcomes clearly better or worse than usual count in the creator's title preferences, rebuilt at once
    results = Counter(r.signal for r in results_of(await get_block(db.store, creator, "calibration")) if r.signal)
    assert results, "none of the four real videos was clearly better or worse than usual: pick others"
    prefs = await get_block(db.store, creator, "preferences")
    assert {s: prefs["by_signal"].get(s, 0) for s in results} == dict(results)
    assert f"{sum(results.values())} of them did clearly better or worse" in learned.content
    asked = 'How would "How I Would Learn Data Science in 2025" do on my channel?'
    scored = (await ask(db, asked, creator))[-1]
    assert scored.name == "score_title", scored.content
    on = scored.artifact["on_channel"][0]
    assert on["channel"] == "Ken Jee" and on["for_you"] == pytest.approx(on["predicted_multiplier"] * factor, abs=1e-3)
    assert f"{on['for_you']:.2f}x" in scored.content and f"{factor:.2f}x what I predicted" in scored.content
    assert f"**{on['predicted_multiplier']:.2f}x**" not in scored.content  # the uncorrected figure is not the headline

    # one used title is too early: the model's own multiplier, said so
    early = "early-" + uuid.uuid4().hex[:6]
    await import_studio_export(db.pool, export, early, "Ken Jee")
    await insert_feedback(db.pool, creator_id=early, thread_id="t-early", signal="use", title=videos[150].title)
    await ask(db, "so how did the titles I went with end up doing?", early)
    scored = (await ask(db, asked, early))[-1]
    on = scored.artifact["on_channel"][0]
    assert on["for_you"] == on["predicted_multiplier"] and "too early to correct" in scored.content.lower()
    assert f"**{on['predicted_multiplier']:.2f}x**" in scored.content
