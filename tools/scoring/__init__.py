"""Title scoring: a YouTube title -> a 0-100 score that predicts YouTube, a grade (A+ to F), a breakdown by
component (each naming its data) with reasons and concrete improvements; two titles compared; a title against a
channel's history. Two fitted models: the YouTube outcome model (channel histories; ``evals/scorer_youtube.py``
writes ``youtube_weights.json``) and the headline A/B model (Upworthy; ``evals/scorer.py`` writes ``weights.json``),
blended as the leave-one-channel-out eval chose.

- ``tool.py``: the ``score_title`` tool the model sees; ``offline.py``: its offline-engine spec (examples,
  extractor, question).
- ``features.py``: a title -> raw features and the evidence (cues, lexicons, ``normalize_title``, VADER sentiment
  and the clickbait cue count).
- ``youtube.py``: the YouTube outcome model (predicted log outlier multiplier), the curiosity-gap model and the
  features' directions on YouTube.
- ``scorer.py``: the scorer (``TitleScorer``: both models and the blend) and the module API (``score_title``,
  ``score_titles``, ``compare_titles``, ``score_against_channel``).
- ``history.py``: a title against a channel's own history, from earlier uploads only (``cortex score --history``,
  "how would this title do on my channel?").
- ``improvements.py``: the edits tried on a title, their gains and wording.
- ``results.py``: the typed results (``TitleScore``, ``TitleComparison``, ``ChannelScore``), the grade bands, their
  markdown.
- ``report.py``: one ``score_title`` request end to end (channel titles and histories read through ``memory``).
"""
