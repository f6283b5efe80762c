"""Title scoring: a YouTube title -> a 0-100 score, a grade (A+ to F), a breakdown by component with reasons and
concrete improvements; two titles compared; a title against a channel's own outliers. Weights fitted on real
headline A/B tests (``evals/scorer.py`` writes ``weights.json``).

- ``tool.py``: the ``score_title`` tool the model sees; ``offline.py``: its offline-engine spec (examples,
  extractor, question).
- ``features.py``: a title -> raw features and the evidence (cues, lexicons, ``normalize_title``, VADER sentiment
  and the clickbait cue count).
- ``scorer.py``: the fitted model (``TitleScorer``, loaded from ``weights.json``) and the module API
  (``score_title``, ``score_titles``, ``compare_titles``, ``score_against_channel``).
- ``improvements.py``: the edits tried on a title, their gains and wording.
- ``results.py``: the typed results (``TitleScore``, ``TitleComparison``, ``ChannelScore``), the grade bands, their
  markdown.
- ``report.py``: one ``score_title`` request end to end (channel titles read through ``memory.corpus``).
"""
