"""Learning from outcomes on a real channel's YouTube Studio export (Ken Jee's, in the shared data): a used title's
video gets its predicted score and multiplier (from the uploads before it only) against its actual multiplier, views
and CTR. No database: the tool's reads and the stored calibration are covered in ``test_outcomes_graph``."""

from __future__ import annotations

import statistics
from dataclasses import replace
from pathlib import Path

import pytest

from memory.analytics import read_studio_export
from tools.learning.outcomes import (
    MIN_CALIBRATION,
    OutcomeReport,
    calibrate,
    calibrated_prediction,
    match_video,
    outcomes,
    outcomes_markdown,
)


@pytest.fixture(scope="module")
def videos(data_dir: Path):
    return read_studio_export(data_dir / "youtube_studio_analytics_kenjee" / "Aggregated_Metrics_By_Video.csv")


def _ordered(videos):
    return sorted(videos, key=lambda v: (v.published_at, v.video_id))


def test_a_used_titles_video_shows_predicted_against_actual(videos):
    ordered = _ordered(videos)
    target = ordered[120]
    used = [{"title": target.title.lower(), "candidate": {"score": 71.0}, "source_tool_call_id": "call-1"},
            {"title": "A title that was never published", "candidate": None, "source_tool_call_id": None}]
    found = outcomes(used, videos)
    assert len(found) == 1
    o = found[0]
    assert o.video_id == target.video_id and o.judged_score == 71.0 and o.generation_id == "call-1"
    assert 0 <= o.predicted_score <= 100 and o.predicted_multiplier > 0
    actual = o.latest
    assert actual.period == "lifetime" and actual.views == target.views and actual.ctr_pct == target.ctr_pct
    before = [v.views for v in ordered[110:120]]
    assert actual.multiplier == pytest.approx(target.views / statistics.median(before), rel=1e-3)


def test_the_prediction_uses_only_the_uploads_before_the_video(videos):
    ordered = _ordered(videos)
    target = ordered[150]
    used = [{"title": target.title, "candidate": None, "source_tool_call_id": None}]
    full = outcomes(used, videos)[0]
    later_changed = [replace(v, views=(v.views or 0) * 10) if v.published_at > target.published_at else v for v in videos]
    assert outcomes(used, later_changed)[0].predicted_multiplier == pytest.approx(full.predicted_multiplier)
    own_changed = [replace(v, views=(v.views or 0) * 10) if v.video_id == target.video_id else v for v in videos]
    changed = outcomes(used, own_changed)[0]
    assert changed.predicted_multiplier == pytest.approx(full.predicted_multiplier)
    assert changed.latest.multiplier == pytest.approx(full.latest.multiplier * 10, rel=1e-3)


def test_what_it_learned_needs_enough_outcomes_and_reads_them(videos):
    ordered = _ordered(videos)
    used = [{"title": v.title, "candidate": None, "source_tool_call_id": None} for v in ordered[100:130]]
    found = outcomes(used, videos)
    cal = calibrate(found, videos)
    pairs = [(o.predicted_multiplier, o.latest.multiplier) for o in found if o.latest.multiplier]
    assert cal.n == len(pairs) >= MIN_CALIBRATION
    assert cal.factor == pytest.approx(statistics.median(a / p for p, a in pairs), abs=0.01)
    assert "what the model predicted" in cal.reading
    early = calibrate(found[:1], videos)
    assert early.factor is None and "too early" in early.reading
    text = outcomes_markdown(OutcomeReport("Ken Jee", found[:2], early, ["Not out yet"]))
    assert "| predicted score | predicted | actual |" in text and "Not out yet" in text and "lifetime" in text


def test_titles_match_only_when_they_are_the_same_title(videos):
    v = videos[0]
    assert match_video(v.title.upper() + " ", videos) is v
    assert match_video("Completely different words here", videos) is None


def test_the_calibration_applies_only_to_its_channel_and_only_from_enough_outcomes():
    learned = {"channel": "Ken Jee", "n": 4, "factor": 1.95}
    assert calibrated_prediction(1.2, learned, "ken  jee")[0] == pytest.approx(2.34)
    assert "1.95x what I predicted (median of 4)" in calibrated_prediction(1.2, learned, "Ken Jee")[1]
    assert calibrated_prediction(1.2, learned, "Veritasium") == (1.2, "")
    assert calibrated_prediction(1.2, None, "Ken Jee") == (1.2, "")
    early, said = calibrated_prediction(1.2, {"channel": "Ken Jee", "n": 1, "factor": None}, "Ken Jee")
    assert early == 1.2 and "too early" in said and f"{MIN_CALIBRATION} needed" in said
