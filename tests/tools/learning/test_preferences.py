"""Learned preferences: a simulated creator acting on real offline-generated titles (3Blue1Brown's brachistochrone
captions, the generator's formulas filled with the hooks' words and real anchor exemplars, judged by the title
scorer), the rebuild cadence, the evidence, the re-ranking and its reasons, forgetting, edits, and storage."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tools.learning.features import PreferenceInputError, packaging_features
from tools.learning.forgetting import forget_feature
from tools.learning.preferences import (
    MAX_ADJUSTMENT,
    FeatureStat,
    FeedbackEvent,
    Preferences,
    TitleResult,
    due_for_rebuild,
    feedback_count,
    learn_preferences,
    preferences_markdown,
    results_of,
)
from tools.learning.ranking import preference_adjustment, rerank
from tools.scoring.results import grade_for
from tools.scripts.hooks import analyze_offline
from tools.scripts.parsing import parse_script
from tools.titles.candidates import ANGLES, METHODS, JudgedTitle, Judgement, TitleCandidate, select_hooks
from tools.titles.drafting import postprocess
from tools.titles.fluency import Evidence
from tools.titles.judge import ANCHORS, judged_title
from tools.titles.report import shown_titles

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
SHOWN_PER_HOOK = 5


SHOWN = [  # (formula, title): titles for the brachistochrone video (2016_brachistochrone) on the drafter's formulas,
    # in the judge's order (a fixed order: these tests are about learning from reactions, not about the judge)
    ("how/why explainer", "How the Brachistochrone Beats Every Straight Line"),
    ("question", "Why Is the Fastest Path Down a Ramp Not Straight?"),
    ("the hook's own words", "Light Finds the Fastest Path, and So Does a Ball"),
    ("reveal", "The Hidden Physics Behind the Fastest Slide Ever"),
    ("question", "Can You Guess Which Slide Gets the Ball Down First?"),
    ("topic: hook", "The Brachistochrone: Light, Gravity and a Cycloid"),
    ("how/why explainer", "Why the Cycloid Is the Fastest Slide of Them All"),
    ("question", "What Did Johann Bernoulli See That Others Missed?"),
    ("the hook's own words", "Bernoulli Challenged Europe's Best Minds in 1696"),
    ("reveal", "The Truth About Shortcuts That Physics Teaches Us"),
    ("question", "Is the Shortest Path Ever the Fastest Way Down?"),
]
"""What a creator is shown in these tests: a mix of formulas, every title 45-60 characters."""


@pytest.fixture(scope="module")
def judgement(data_dir: Path) -> Judgement:
    """A judged list as a title run ends: each title tied to one of the hooks the offline analysis finds in the
    brachistochrone captions, through the post-processing cuts (guard, length, duplicates, openers), then given
    the judge's scores 60, 59, ... in ``SHOWN`` order (the judge is not under test here)."""
    captions = (data_dir / "transcripts_3blue1brown" / "videos" / "2016_brachistochrone" / "captions.srt").read_text(
        encoding="utf-8")
    analysis = analyze_offline(parse_script(captions), captions)
    hooks, _ = select_hooks(analysis.hooks)
    exemplars = tuple(e for _, e in ANCHORS)  # real titles with their real outlier multipliers
    candidates = [TitleCandidate(title, hooks[i % len(hooks)].id, list(METHODS)[i % 4 % 3], list(ANGLES)[i % 5 % 3], formula,
                                 exemplars[:1], hooks[i % len(hooks)].strength * 10, "offline")
                  for i, (formula, title) in enumerate(SHOWN)]
    kept, cuts = postprocess(candidates, max_same_opener=3, evidence=Evidence.from_text(captions))
    assert not cuts, cuts
    order = {title: i for i, (_, title) in enumerate(SHOWN)}
    return Judgement([judged_title(c, 60.0 - order[c.title], grade_for(60.0 - order[c.title]), {}, "")
                      for c in sorted(kept, key=lambda c: order[c.title])])


@pytest.fixture(scope="module")
def shown(judgement) -> list[JudgedTitle]:
    titles = shown_titles(judgement, SHOWN_PER_HOOK)
    formulas = [j.candidate.formula for j in titles]
    assert formulas.count("question") >= 3 and formulas.count("how/why explainer") >= 2, formulas
    assert all(45 <= len(j.candidate.title) <= 60 for j in titles)
    return titles


def event(signal: str, j: JudgedTitle | None, minute: int, edited: str | None = None, generation: str = "g1"):
    return FeedbackEvent(signal, j.candidate.title if j else None, j.to_dict() if j else None, edited, generation,
                         T0 + timedelta(minutes=minute))


def of(shown: list[JudgedTitle], formula: str) -> list[JudgedTitle]:
    return [j for j in shown if j.candidate.formula == formula]


@pytest.fixture(scope="module")
def creator(shown) -> list[FeedbackEvent]:
    """Views of every shown title, then 5 actions: the question titles saved and used, two how/why rejected."""
    q, hw = of(shown, "question"), of(shown, "how/why explainer")
    views = [event("view", j, 0) for j in shown]
    return views + [event("save", q[0], 1), event("use", q[1], 2), event("save", q[2], 3),
                    event("reject", hw[0], 4), event("reject", hw[1], 5)]


@pytest.fixture(scope="module")
def prefs(creator) -> Preferences:
    return learn_preferences(creator)


def test_preferences_are_rebuilt_only_when_due(creator, shown):
    stored, history, snapshots = Preferences(), [], []
    extra = [event("copy", of(shown, "the hook's own words")[0], 6 + i) for i in range(5)]
    for e in creator + extra:  # the caller's loop: log the event, rebuild when due
        history.append(e)
        if due_for_rebuild(feedback_count(history), stored.rebuilt_after_events):
            stored = learn_preferences(history, stored.muted)
        snapshots.append((feedback_count(history), stored))
    by_count = {n: p for n, p in snapshots}
    assert all(p == Preferences() for n, p in snapshots if n < 5)  # 11 views and 4 actions: nothing learned
    assert by_count[5].rebuilt_after_events == 5 and by_count[5].preferred
    assert by_count[9] is by_count[5]  # 4 more actions: not yet
    assert by_count[10].rebuilt_after_events == 10 and by_count[10].by_signal["copy"] == 5
    assert by_count[10].rebuilt_at == T0 + timedelta(minutes=10)
    assert due_for_rebuild(3, 10)  # events were erased: rebuild
    with pytest.raises(PreferenceInputError, match="negative"):
        due_for_rebuild(-1, 0)


def test_preferred_and_rejected_name_the_features_with_their_evidence(prefs, shown):
    n_question = len(of(shown, "question"))
    n_howwhy = len(of(shown, "how/why explainer"))
    assert prefs.events == 5 and prefs.by_signal == {"reject": 2, "save": 2, "use": 1, "view": len(shown)}
    preferred = {p["feature"]: p for p in prefs.preferred}
    rejected = {p["feature"]: p for p in prefs.rejected}
    assert {"formula:question", "packaging:question"} <= set(preferred)
    assert preferred["packaging:question"]["evidence"] == \
        f"saved 2 and used 1 of the {n_question} titles asking a question you saw"
    assert set(rejected) == {"formula:how/why explainer"}
    assert rejected["formula:how/why explainer"]["evidence"] == \
        f"rejected 2 of the {n_howwhy} titles on the “how/why explainer” formula you saw"
    stat = prefs.features["formula:question"]
    assert (stat.exposures, stat.acted, stat.signals) == (n_question, 3, {"save": 2, "use": 1})
    # confidence-weighted mean with the prior: (1+3) + (1+4) + (1+3) over that + unacted exposures + 5
    assert stat.score == pytest.approx(13 / (13 + n_question - 3 + 5), abs=1e-3)
    # every shown title is medium length: shared by all, so not a preference even though its score is positive
    assert prefs.features["length:medium"].score > 0 and "length:medium" not in preferred
    # the creator's own words were shown and left alone: neutral
    assert prefs.features["formula:the hook's own words"].score == 0 and prefs.edit_rate == 0


def test_liking_everything_or_a_trait_every_title_had_is_no_preference(judgement, shown):
    everything = learn_preferences([event("view", j, 0) for j in shown] + [event("save", j, 1) for j in shown])
    assert everything.events == len(shown) and all(s.score > 0.35 for s in everything.features.values())
    assert everything.preferred == [] and everything.rejected == []
    assert everything.features["length:medium"].without is None  # every title shown was 45-60 characters
    assert rerank(judgement, everything)[0].ranked == judgement.ranked


def test_one_action_does_not_make_a_rule(shown):
    q = of(shown, "question")
    views = [event("view", j, 0) for j in shown]
    single = learn_preferences(views + [event("use", q[0], 1)])
    assert single.features["formula:question"].score > 0.35 and single.preferred == []
    repeated = learn_preferences(views + [event("copy", q[0], 1), event("use", q[0], 2)])
    stat = repeated.features["formula:question"]  # copied, then used: one title's evidence, as strong as one use
    assert (stat.acted, stat.positive, stat.signals) == (1, 5.0, {"copy": 1, "use": 1})
    cancelled = learn_preferences(views + [event("save", q[0], 1), event("reject", q[0], 2)])
    assert cancelled.features["formula:question"].acted == 0 and cancelled.features["formula:question"].score == 0


def test_the_adjustment_is_bounded(shown):
    j = next(j for j in of(shown, "question") if "packaging:second person" in packaging_features(j.candidate.title))
    stats = {f: FeatureStat("formula" if f.startswith("formula") else "packaging", f, 4, 4, 20.0 + i, 0.0, 0.9, 0.0)
             for i, f in enumerate(("formula:question", "packaging:second person"))}
    strong = Preferences(features=stats, preferred=[
        {"feature": f, "label": f, "score": 0.9, "evidence": f"used 4 of the 4 {f} you saw"} for f in stats])
    points, reasons = preference_adjustment(j.candidate, strong)
    assert points == MAX_ADJUSTMENT and reasons[:2] == [f"+9.0: you used 4 of the 4 {f} you saw" for f in stats]
    assert reasons[-1] == "(bounded at +15 points)"


def test_rerank_moves_titles_with_the_preferred_feature_up_with_reasons(judgement, prefs):
    new, rows = rerank(judgement, prefs)
    assert [j.candidate.title for j in new.ranked] == [r["title"] for r in rows]
    assert sorted(j.candidate.title for j in new.ranked) == sorted(j.candidate.title for j in judgement.ranked)
    assert all(j.score == r["base_score"] for j, r in zip(new.ranked, rows))  # the judge's score stays visible
    assert "re-ranked with your preferences" in new.judge
    by_title = {r["title"]: r for r in rows}
    questions = [by_title[j.candidate.title] for j in judgement.ranked if j.candidate.formula == "question"]
    howwhy = [by_title[j.candidate.title] for j in judgement.ranked if j.candidate.formula == "how/why explainer"]
    assert all(r["adjustment"] > 0 for r in questions)
    assert sum(r["new_rank"] for r in questions) / len(questions) <= \
        sum(r["old_rank"] for r in questions) / len(questions) - 1
    riser = min(questions, key=lambda r: r["new_rank"] - r["old_rank"])
    assert riser["new_rank"] <= riser["old_rank"] - 3
    assert riser["reasons"][0].startswith("+") and "saved 2 and used 1" in riser["reasons"][0]
    assert "question" in riser["reasons"][0] and "counted once" in riser["reasons"][0]
    assert all(any(w.startswith("−") and "rejected 2" in w for w in r["reasons"]) for r in howwhy)
    assert all(abs(r["adjustment"]) <= MAX_ADJUSTMENT for r in rows)
    assert [r["final_score"] for r in rows] == sorted((r["final_score"] for r in rows), reverse=True)


def test_empty_or_no_preferences_keep_the_judges_order(judgement):
    for prefs in (None, Preferences()):
        new, rows = rerank(judgement, prefs)
        assert new.ranked == judgement.ranked and new.judge == judgement.judge
        assert all(r["old_rank"] == r["new_rank"] and r["adjustment"] == 0 and not r["reasons"] for r in rows)
    # a pairwise verdict put the 3rd title above the 2nd: the order is kept, not re-sorted by score
    pairwise = Judgement([judgement.ranked[0], judgement.ranked[2], judgement.ranked[1], *judgement.ranked[3:]])
    assert pairwise.ranked[1].score < pairwise.ranked[2].score
    new, rows = rerank(pairwise, None)
    assert new.ranked == pairwise.ranked
    assert rows[1]["order_score"] == rows[2]["base_score"]


def test_the_extra_adjustment_adds_its_points_and_reasons(judgement, prefs):
    _, plain = rerank(judgement, prefs)
    liked = [r for r in plain if r["preference"] > 0]
    assert liked  # the learned preferences lift some of these titles
    last = judgement.ranked[max(r["old_rank"] for r in liked) - 1].candidate  # the lowest-ranked of them
    voice = lambda c: (100.0, ["+100.0: sounds like you"]) if c == last else (0.0, [])  # noqa: E731
    new, rows = rerank(judgement, prefs, extra=voice)
    assert new.ranked[0].candidate == last and rows[0]["old_rank"] == max(r["old_rank"] for r in liked)
    assert rows[0]["reasons"][-1] == "+100.0: sounds like you" and rows[0]["extra"] == 100
    assert rows[0]["adjustment"] == round(100 + rows[0]["preference"], 1) and rows[0]["preference"] > 0


def test_muted_features_stop_counting(creator, prefs, judgement):
    muted = learn_preferences(creator, muted=["formula:question"])
    assert "formula:question" not in {p["feature"] for p in muted.preferred}
    assert "packaging:question" in {p["feature"] for p in muted.preferred}
    assert muted.features["formula:question"].score == prefs.features["formula:question"].score  # kept in the stats

    forgot, message = forget_feature(prefs, "forget that I like questions")
    assert forgot.muted == ["formula:question", "packaging:question"] and "titles asking a question" in message
    assert not any("question" in p["feature"] for p in forgot.preferred)
    what_is = next(j for j in judgement.ranked if j.candidate.formula == "question" and "?" in j.candidate.title
                   and "you" not in j.candidate.title.lower())
    assert preference_adjustment(what_is.candidate, prefs)[0] > 0
    assert preference_adjustment(what_is.candidate, forgot) == (0.0, [])
    _, rows = rerank(judgement, forgot)
    assert not any("question" in why for r in rows for why in r["reasons"])
    rebuilt = learn_preferences(creator, forgot.muted)  # the next rebuild keeps them muted
    assert rebuilt.muted == forgot.muted and rebuilt.preferred == forgot.preferred

    unmatched, message = forget_feature(prefs, "forget that I like bananas")
    assert unmatched is None and "titles asking a question" in message and "erase everything" in message
    again, _ = forget_feature(prefs, "stop avoiding the how/why thing")
    assert again.muted == ["formula:how/why explainer"] and again.rejected == []


def test_edits_give_edit_rate_final_length_and_typical_edits(creator, shown):
    q = of(shown, "question")
    first, second = q[0].candidate.title, q[2].candidate.title
    final_1, final_2 = "Bernoulli's 1696 Challenge, Explained", "The 1696 Challenge Newton Solved Overnight"
    for original in (first, second):  # what the edits are expected to change
        assert "?" in original and not any(ch.isdigit() for ch in original) and "challenge" not in original.lower()
        assert len(original) > max(len(final_1), len(final_2))
    edits = [event("edit", q[0], 6, final_1), event("use", q[0], 7, final_1), event("edit", q[2], 8, final_2)]
    learned = learn_preferences(creator + edits)
    assert learned.edit_rate == pytest.approx(2 / 5, abs=1e-3)  # 5 titles acted on, 2 of them edited
    finals = [final_1, q[1].candidate.title, final_2]  # edited, used as is, edited (the save is superseded)
    assert learned.avg_final_length == pytest.approx(sum(map(len, finals)) / 3, abs=0.05)
    top = {e["edit"]: e for e in learned.typical_edits if e["count"] == 2}
    expected = {"shortened", "removed the question", "added a number", "changed the opener", "added “challenge”"}
    assert expected <= set(top)
    assert all(e.startswith("removed “") and e[9:-1] in first.lower() and e[9:-1] in second.lower()
               for e in set(top) - expected)  # a word both originals had, e.g. the subject the creator dropped
    shortened = (len(first) - len(final_1) + len(second) - len(final_2)) / 2
    assert top["shortened"]["note"] == f"by {shortened:.0f} characters on average"
    counts = [e["count"] for e in learned.typical_edits]
    assert counts == sorted(counts, reverse=True) and learned.typical_edits[0]["count"] == 2
    assert any(e["edit"] == "added “newton”" and e["count"] == 1 for e in learned.typical_edits)
    text = preferences_markdown(learned)
    assert "You edited 40% of the titles you acted on" in text and "shortened (2x, by" in text
    assert f"average {learned.avg_final_length:.0f} characters" in text


def test_a_creators_own_title_counts_by_the_formulas_it_uses(creator, shown):
    own = "Why Does the Fastest Path Curve Downward?"
    learned = learn_preferences(creator + [FeedbackEvent("use", own, None, None, None, T0 + timedelta(minutes=9))])
    stat = learned.features["formula:question"]
    assert stat.own == 1 and stat.signals == {"save": 2, "use": 2}
    assert learned.features["formula:how/why explainer"].own == 1  # detect_formulas finds both in it
    assert next(p["evidence"] for p in learned.preferred if p["feature"] == "formula:question").endswith(
        f"of the {len(of(shown, 'question')) + 1} titles on the “question” formula you saw or wrote (1 your own)")
    assert learned.avg_final_length == pytest.approx(
        (len(own) + sum(len(e.title) for e in creator if e.signal in ("save", "use"))) / 4, abs=0.05)


def test_a_whole_list_thumbs_spreads_over_that_generation(shown):
    views = [event("view", j, 0) for j in shown]
    learned = learn_preferences(views + [event("thumbs_down", None, 1)])
    assert learned.events == 1 and learned.by_signal["thumbs_down"] == 1
    stat = learned.features["length:medium"]
    assert stat.signals == {"list_thumbs_down": len(shown)} and stat.score < 0 and learned.rejected == []


def test_the_results_of_used_titles_move_the_preferences(shown):
    """Two question titles and two how/why titles used: by clicks alone both formulas are liked alike; once the
    how/why videos did 2x the creator's usual views and the question ones half, how/why is preferred and the
    question titles' uses are cancelled (neither preferred nor avoided)."""
    q, hw = of(shown, "question")[:2], of(shown, "how/why explainer")[:2]
    events = [event("view", j, 0) for j in shown] + [event("use", j, 1 + i) for i, j in enumerate(q + hw)]
    by_clicks = learn_preferences(events)
    assert by_clicks.features["formula:question"].score > 0 and by_clicks.features["formula:how/why explainer"].score > 0
    results = [TitleResult(j.candidate.title, "g1", 2.0) for j in hw] + [TitleResult(j.candidate.title, "g1", 0.5)
                                                                          for j in q]
    results.append(TitleResult("A title nobody used", "g1", 9.0))  # no event: left out
    learned = learn_preferences(events, results=results)
    howwhy, question = learned.features["formula:how/why explainer"], learned.features["formula:question"]
    assert howwhy.score > by_clicks.features["formula:how/why explainer"].score
    assert question.score < by_clicks.features["formula:question"].score and question.acted == 0
    assert learned.by_signal["outperformed"] == 2 and learned.by_signal["underperformed"] == 2
    preferred = {p["feature"]: p for p in learned.preferred}
    assert "formula:how/why explainer" in preferred and "formula:question" not in preferred
    assert preferred["formula:how/why explainer"]["evidence"].endswith(
        "you saw; on YouTube 2 did 1.5x or more your usual views")
    assert learned.events == by_clicks.events  # results are not the creator's actions


def test_a_result_counts_only_when_clearly_better_or_worse_than_usual():
    assert [TitleResult("t", None, m).signal for m in (1.5, 1.49, 1.0, 0.67, 0.66)] == \
        ["outperformed", None, None, None, "underperformed"]
    block = {"outcomes": [{"title": "A", "generation_id": "g", "actuals": [{"multiplier": 0.9}, {"multiplier": 3.1}]},
                          {"title": "B", "generation_id": None, "actuals": [{"multiplier": None}]},
                          {"title": "C", "generation_id": None, "actuals": []}]}
    assert results_of(block) == [TitleResult("A", "g", 3.1)] and results_of(None) == []


def test_markdown_and_storage_round_trip(prefs):
    text = preferences_markdown(prefs)
    assert "You prefer:" in text and "**titles asking a question**" in text and "you saved 2 and used 1" in text
    assert "You avoid:" in text and "rejected 2 of the" in text and "erase everything you learned" in text
    assert "Nothing yet" in preferences_markdown(None)
    stored = json.loads(json.dumps(prefs.to_dict()))
    assert Preferences.from_dict(stored) == prefs
    with pytest.raises(PreferenceInputError, match="erase them and rebuild"):
        Preferences.from_dict({"events": 1, "colour": "blue"})


def test_bad_feedback_gets_a_clear_error(shown):
    j = shown[0]
    with pytest.raises(PreferenceInputError, match="Unknown signal 'like'"):
        FeedbackEvent("like", j.candidate.title, j.to_dict(), None, "g1", T0)  # type: ignore[arg-type]
    with pytest.raises(PreferenceInputError, match="needs edited_title"):
        FeedbackEvent("edit", j.candidate.title, j.to_dict(), None, "g1", T0)
    with pytest.raises(PreferenceInputError, match="timezone-aware"):
        FeedbackEvent("save", j.candidate.title, j.to_dict(), None, "g1", datetime(2025, 1, 1))
    with pytest.raises(PreferenceInputError, match="needs the title"):
        FeedbackEvent("save", None, None, None, "g1", T0)
    with pytest.raises(PreferenceInputError, match="FeedbackEvent items"):
        learn_preferences([{"signal": "save"}])  # type: ignore[list-item]


def test_packaging_comes_from_the_scorers_features():
    assert packaging_features("I Tried 5 Ways to Learn Calculus (Here's What Worked)") == (
        "packaging:number", "packaging:first person", "packaging:parenthesis", "packaging:listicle",
        "packaging:I tried X for N days", "length:medium")
    assert packaging_features("Are You Getting Gravity Wrong?") == (
        "packaging:question", "packaging:second person", "length:short")
