"""The YouTube side of the title score (tools/scoring/youtube.py, history.py; evals/scorer_youtube.py): real
channel histories, the clickbait corpus and the hand-labelled YouTube titles, read from the shared data."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from evals.scorer import load_clickbait
from evals.scorer_youtube import (
    Grams,
    is_clickbait_train,
    load_channel_histories,
    load_labelled_titles,
    pairwise_accuracy,
    prepare,
)
from tools.scoring.history import (
    MIN_HISTORY,
    HistoryInputError,
    predict_history,
    prequential_log_predictions,
    read_history_csv,
    trailing_log_multipliers,
)
from tools.scoring.scorer import WEIGHTS_PATH, TitleScorer, compare_titles, default_scorer, score_title
from tools.scoring.youtube import YOUTUBE_WEIGHTS_PATH

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def histories(data_dir):
    return load_channel_histories(data_dir)


@pytest.fixture(scope="module")
def youtube_weights() -> dict:
    return json.loads(YOUTUBE_WEIGHTS_PATH.read_text(encoding="utf-8"))


def _veritasium_csv(histories, path: Path, n: int = 40) -> Path:
    rows = histories[(histories["channel"] == "Veritasium") & ~histories["is_short"]].tail(n)
    rows = rows.assign(views=rows["views"].astype(int))[["title", "published_at", "views"]]
    rows.assign(published_at=rows["published_at"].map(lambda t: t.isoformat())).to_csv(path, index=False)
    return path


# --- training sets kept apart from eval sets -------------------------------------------------------------------------


def test_loco_folds_never_see_the_held_out_channel(histories):
    sample = histories.groupby("channel").head(40).reset_index(drop=True)
    embedder = default_scorer().youtube.embedder
    data = prepare(sample, default_scorer(), [embedder])
    grams = Grams(data, 0.3, embedder.name)
    held_out = data.channels[0]
    others = data.channels[1:]
    coef = grams.fit(others, 30.0)
    # Changing the held-out channel's targets changes nothing in a fold fitted without it.
    data.y[data.groups == held_out] = np.random.default_rng(0).normal(size=(data.groups == held_out).sum())
    assert np.allclose(Grams(data, 0.3, embedder.name).fit(others, 30.0), coef)
    assert not np.allclose(Grams(data, 0.3, embedder.name).fit(data.channels, 30.0), grams.fit(data.channels, 30.0))


def test_curiosity_training_part_and_labelled_titles_are_apart(data_dir):
    titles, _ = load_clickbait(data_dir)
    train = {t for t in titles if is_clickbait_train(t)}
    held_out = set(titles) - train
    assert 0.15 < len(held_out) / len(set(titles)) < 0.25 and not (train & held_out)
    labelled = load_labelled_titles()
    assert len(labelled) >= 100 and (labelled["split"] == "test").sum() >= 100
    assert not set(labelled["title"]) & set(titles)  # YouTube titles, not corpus headlines
    assert (labelled.groupby("split")["curiosity_gap"].sum() >= 10).all()  # both classes in both splits


# --- the score --------------------------------------------------------------------------------------------------------


def test_first_person_builds_are_not_told_first_person_hurts(youtube_weights):
    result = score_title("I Built a Giant Lego Volcano")
    voice = result.component("voice")
    assert voice.improvement is None  # no advice where YouTube does not confirm the A/B direction
    assert "on YouTube" in voice.reason
    assert not any("he”, “she”, “they" in (c.improvement or "") for c in result.components)
    first = youtube_weights["directions"]["first_person"]
    assert first["direction"] >= 0 and first["n_channels"] == youtube_weights["data"]["n_channels"]


def test_advice_only_from_directions_that_hold_on_youtube():
    base = default_scorer()
    titles = ["the 5 best cameras for beginners", "WHY I QUIT!!!", "a tour of my tiny studio", "This Is Amazing"]
    contradicted = TitleScorer(json.loads(WEIGHTS_PATH.read_text(encoding="utf-8")), base.youtube)
    contradicted.agree = -np.ones_like(base.agree)
    confirmed = TitleScorer(json.loads(WEIGHTS_PATH.read_text(encoding="utf-8")), base.youtube)
    confirmed.agree = np.ones_like(base.agree)
    confirmed.w_headline = 1.0  # so the A/B edits are worth points here
    assert not any(c.improvement for r in contradicted.score_many(titles) for c in r.components)
    assert any(c.improvement for r in confirmed.score_many(titles) for c in r.components)
    for c in base.score_many(titles)[0].components:
        assert c.source in ("headline A/B tests (Upworthy)", "YouTube channel histories",
                            "clickbait headlines (Chakraborty et al. 2016)")


def test_how_to_tutorials_are_not_curiosity_gaps():
    tutorial = score_title("How to Install Python on Windows 10").component("curiosity gap")
    teaser = score_title("You Won't Believe What Happened Next...").component("curiosity gap")
    assert tutorial.value < 50 < teaser.value and tutorial.weight == 0.0
    assert "Not a curiosity gap" in tutorial.reason


def test_compare_names_the_winner_consistent_with_scores_and_no_grade_letters_as_options():
    titles = ["I Built a Giant Lego Volcano", "Volcano Video", "I Spent 50 Hours Buried Alive", "Buried"]
    for a, b in zip(titles[::2], titles[1::2]):
        result = compare_titles(a, b)
        md = result.to_markdown()
        if result.winner != "tie":
            win = result.a if result.winner == "a" else result.b
            lose = result.b if result.winner == "a" else result.a
            assert win.score >= lose.score and f"“{win.title}”" in md.splitlines()[0]
            p = result.p_a_wins if result.winner == "a" else 1 - result.p_a_wins
            assert p > 0.5 and f"{p:.0%} chance" in md
        assert "| A:" not in md and "B scores" not in md and "(grade " in md


# --- history ------------------------------------------------------------------------------------------------------------


def test_trailing_multiplier_reads_only_earlier_uploads():
    views = [100, 200, 100, 300, 100, 1000, 100]
    logs = trailing_log_multipliers(views)
    assert np.isnan(logs[:5]).all()
    assert math.isclose(logs[5], math.log(1000 / 100)) and math.isclose(logs[6], math.log(100 / 150))


def test_prequential_prediction_ignores_later_rows():
    rng = np.random.default_rng(1)
    n = 40
    emb = rng.normal(size=(n, 8))
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    trailing = rng.normal(size=n)
    glob = rng.normal(size=n) * 0.1
    pred, used = prequential_log_predictions(glob, emb, trailing)
    changed = trailing.copy()
    changed[25:] = 10.0
    pred2, _ = prequential_log_predictions(glob, emb, changed)
    assert np.allclose(pred[:26], pred2[:26]) and not np.allclose(pred[26:], pred2[26:])
    assert np.allclose(pred[:MIN_HISTORY], glob[:MIN_HISTORY]) and used[MIN_HISTORY] == MIN_HISTORY


def test_history_on_a_real_channel_falls_back_first_then_uses_the_channel(histories, tmp_path):
    rows = read_history_csv(_veritasium_csv(histories, tmp_path / "v.csv"))
    shuffled = rows[::-1]
    predictions = predict_history(shuffled, default_scorer())
    assert [p.published_at for p in predictions] == sorted(r.published_at for r in rows)
    assert predictions[0].basis.startswith("global model only") and "global model + this channel" in predictions[-1].basis
    for p in predictions:
        assert 0 <= p.score <= 100 and p.predicted_multiplier > 0
    # Each prediction depends on earlier rows only: dropping the later half changes none of the earlier ones.
    first_half = predict_history(sorted(rows, key=lambda r: r.published_at)[:20], default_scorer())
    assert [p.to_dict() for p in first_half] == [p.to_dict() for p in predictions[:20]]


@pytest.mark.parametrize(("text", "message"), [
    ("title,views\nA,1\n", "missing column(s) published_at"),
    ("title,published_at,views\nA,yesterday,5\n", "line 2: published_at 'yesterday' is not an ISO date"),
    ("title,published_at,views\nA,2024-01-02,lots\n", "line 2: views 'lots' is not a whole number"),
    ("title,published_at,views\n", "no rows"),
])
def test_bad_history_csv_gives_one_clear_error(tmp_path, text, message):
    path = tmp_path / "h.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(HistoryInputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_history_csv(path)


def test_cli_score_history_prints_json_lines_and_fails_cleanly(histories, tmp_path):
    path = _veritasium_csv(histories, tmp_path / "v.csv", n=15)
    run = subprocess.run([sys.executable, "-m", "agent.cli", "score", "--history", str(path)], cwd=ROOT,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    assert len(lines) == 15 and set(lines[0]) == {"title", "published_at", "score", "predicted_multiplier", "basis"}
    assert [r["published_at"] for r in lines] == sorted(r["published_at"] for r in lines)
    bad = tmp_path / "bad.csv"
    bad.write_text("title;date\nx;y\n", encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "agent.cli", "score", "--history", str(bad)], cwd=ROOT,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 1 and "Traceback" not in run.stderr and "missing column" in run.stderr


def test_pairwise_accuracy_counts_within_format_pairs():
    pred = np.array([1.0, 2.0, 3.0, 0.0])
    y = np.array([1.0, 2.0, 0.5, 5.0])
    shorts = np.array([0.0, 0.0, 0.0, 1.0])
    assert math.isclose(pairwise_accuracy(pred, y, shorts), 1 / 3)


# --- in the chat: a named channel, or the creator's own (integration) ---------------------------------------------


async def test_how_would_this_title_do_on_a_channel_and_on_my_channel(db, data_dir):
    from tools.analytics.sources import import_studio_export
    from tools.scoring.offline import extract_args
    from tools.scoring.report import score_report

    args = await extract_args('How would "I Built a Giant Lego Volcano" do on my channel?', None)
    assert args == {"titles": ["I Built a Giant Lego Volcano"], "my_channel": True}
    md, data = await score_report(["I Built a Giant Lego Volcano"], "Mark Rober", known_channels=["Mark Rober"],
                                  pool=db.pool)
    on = data["on_channel"][0]
    assert on["channel"] == "Mark Rober" and on["predicted_multiplier"] > 0 and "earlier uploads" in on["basis"]
    assert "the channel's usual views" in md and data["against_channel"][0]["channel_name"] == "Mark Rober"
    md, data = await score_report(["I Built a Giant Lego Volcano"], my_channel=True, pool=db.pool,
                                  creator_id="nobody-imported-yet")
    assert "import your YouTube Studio export" in md and "on_channel" not in data
    await import_studio_export(db.pool, data_dir / "youtube_studio_analytics_kenjee" / "Aggregated_Metrics_By_Video.csv",
                               "score-history-creator", "Ken Jee")
    md, data = await score_report(["How I Would Learn Data Science in 2025"], my_channel=True, pool=db.pool,
                                  creator_id="score-history-creator")
    assert data["on_channel"][0]["channel"] == "Ken Jee" and "global model + this channel's" in data["on_channel"][0]["basis"]
