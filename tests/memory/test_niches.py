"""The niche vocabulary: whole-word matching, ambiguous and generic words, one vocabulary for both taxonomies; and the
pure relevance rules of outlier and creator search built on it."""

from __future__ import annotations

import pytest

from memory.niches import (
    CHANNEL_NICHES,
    CREATOR_NICHES,
    TOPICS,
    is_generic,
    niche_terms,
    niches_named,
    only_niche_words,
    words_naming,
)
from tools.creators.search import CreatorHit, content_words, relevant
from tools.outliers.search import _evidence, _ranked, resolve_niche


def _names(text: str, taxonomy: str) -> list[str]:
    return [m.niche for m in niches_named(text, taxonomy)]


def test_every_topic_names_real_niches_of_each_taxonomy():
    assert all(t.channel_niche in (None, *CHANNEL_NICHES) and t.creator_niche in (None, *CREATOR_NICHES) for t in TOPICS)
    assert {t.creator_niche for t in TOPICS} == set(CREATOR_NICHES)  # every creator niche has words
    assert {t.channel_niche for t in TOPICS} - {None} == set(CHANNEL_NICHES)


def test_synonyms_and_related_terms_name_the_niche():
    for text in ("budgeting for beginners", "paying off debt", "passive income ideas", "personal finance on Instagram",
                 "stock market channels", "money management"):
        assert _names(text, "channel") == ["personal finance"], text
        assert _names(text, "creator") == ["finance & business"], text


def test_stray_substrings_and_lone_phrase_words_name_nothing():
    assert niches_named("personalpets and petsmart", "creator") == []  # 'pet' only inside other words
    assert niches_named("my personal favourites", "creator") == []  # 'personal' alone is not personal finance
    assert niches_named("moneyball", "channel") == []


def test_an_ambiguous_word_yields_to_an_unambiguous_one():
    assert _names("budget camera for beginners", "channel") == ["photography & filmmaking"]
    assert _names("how I budget", "channel") == ["personal finance"]  # alone, 'budget' counts
    assert _names("minimalism and personal finance", "channel") == ["self-improvement & lifestyle", "personal finance"]


def test_the_words_of_a_phrase_that_names_the_niche():
    assert words_naming("saving money tips", "channel", ("personal finance",)) == {"saving", "money"}
    assert words_naming("saving lives with robots", "channel", ("personal finance",)) == set()  # no phrase names it
    assert words_naming("budgeting for beginners", "channel", ("photography & filmmaking",)) == set()


def test_a_request_about_the_niche_itself():
    assert only_niche_words("budgeting for beginners", "channel")
    assert only_niche_words("saving money", "channel")  # the phrase, though its "money" is a term of its own
    assert only_niche_words("video editing tutorials", "channel")
    assert not only_niche_words("rapper interviews on a podcast", "channel")
    assert not only_niche_words("knitting patterns", "channel")


def test_generic_words_and_content_words():
    assert is_generic("Beginners") and is_generic("tips") and not is_generic("budgeting")
    assert content_words("budgeting tips for our beginners") == ["budgeting"]
    assert "money" in niche_terms("personal finance") and "budget" not in niche_terms("personal finance")


def test_resolve_niche_reads_the_vocabulary():
    assert resolve_niche("science") == "science & engineering"
    assert resolve_niche("Budgeting") == "personal finance"
    with pytest.raises(ValueError, match="No niche matches 'knitting'"):
        resolve_niche("knitting")


def _row(vid: str, niche: str, rrf: float, similarity: float | None = None, words: list[str] | None = None) -> dict:
    return {"video_id": vid, "niche": niche, "rrf": rrf, "similarity": similarity,
            "vector_rank": 1 if similarity is not None else None, "matched_words": words or []}


def test_other_niches_need_evidence_and_the_named_niche_leads():
    topic = ("personal finance",)
    query = "budgeting for beginners"
    camera = _row("cam", "photography & filmmaking", 0.03, words=["budgeting", "beginners"])  # 'budget camera'
    assert not _evidence(camera, query, topic, True, 0.36)  # the niche's word in another sense, plus a generic word
    assert _evidence(camera, query, topic, False, 0.36)  # no finance hit at all: the shared word counts
    close = _row("close", "self-improvement & lifestyle", 0.02, similarity=0.5)
    assert _evidence(close, query, topic, True, 0.36)
    ranked = _ranked(query, [camera, close, _row("fin1", "personal finance", 0.01, 0.4)],
                     [_row("fin1", "personal finance", 0.0, 0.4), _row("fin2", "personal finance", 0.0, 0.25)], topic, 0.36)
    assert [r["video_id"] for r in ranked] == ["fin1", "close", "fin2"]  # found by both searches first
    assert [r["topic_match"] for r in ranked] == [True, False, True]
    both = _row("cam2", "photography & filmmaking", 2 / 61, similarity=0.4, words=["budgeting"]) | {"keyword_rank": 1}
    fused = _ranked(query, [both], [_row("fin1", "personal finance", 0.0, 0.3)], topic, 0.36)
    assert [r["video_id"] for r in fused] == ["fin1", "cam2"]  # its "budget" match adds nothing to its score


def test_keyword_evidence_needs_most_of_the_topic():
    chess = _row("c", "entertainment & challenges", 0.03, words=["openings"])
    assert not _evidence(chess, "chess openings", (), False, 0.36)
    assert _evidence(_row("m", "gaming", 0.03, words=["minecraft"]), "minecraft", (), False, 0.36)


def _hit(niche: str, matched: list[str], cosine: float | None, agreement: float = 0.0,
         about: list[str] | None = None) -> CreatorHit:
    components = {"agreement": agreement, **({"cosine": cosine} if cosine is not None else {})}
    return CreatorHit("c", "n", "instagram", None, 1, None, niche, [], None, 0.0, [], [], "a", components, matched,
                      matched if about is None else about)


def test_a_creator_is_relevant_by_niche_meaning_or_most_of_the_words():
    topic = ("finance & business",)
    assert relevant(_hit("finance & business", [], None, 1.0), topic, "personal finance", 0.32)
    assert not relevant(_hit("pets & animals", ["personal"], 0.15), topic, "personal finance", 0.32)
    assert relevant(_hit("pets & animals", [], 0.4), topic, "personal finance", 0.32)
    assert relevant(_hit("travel", ["knitting"], None), (), "knitting", 0.32)
    # 'golf' in one title of a slow-motion channel: a word it contains, not what it is about
    assert not relevant(_hit("comedy & entertainment", ["golf"], 0.24, about=[]), (), "golf", 0.32)
