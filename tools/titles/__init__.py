"""Titles: YouTube titles written from a video's transcript, drawn from its strongest hooks, grounded in real outlier
videos and the channel's own best and worst titles, de-duplicated, judged, ranked and re-ranked for the creator,
each with its evidence.

- ``tool.py``: the ``generate_titles`` tool the model sees; it runs the subgraph and records the titles shown.
- ``graph.py``: the title-generation LangGraph subgraph (recall, analyze, select hooks, retrieve, generate, post-
  process, judge, personalize), its state and context, the LLM call budget, and the run's markdown and artifact.
- ``candidates.py``: the vocabulary (methods, angles) and the types: exemplars, packaging, generation tasks, title
  candidates, cuts, judged titles and the judgement; hook selection.
- ``drafting.py``: title formulas, the slots a hook fills, offline titles, the generation branches, post-processing.
- ``judge.py``: the rubric and its anchors, pairwise verdicts in both orders, the offline judge (the title scorer).
- ``prompts.py``: the LLM schemas and prompts for generation and judging, and the reading of their answers.
- ``report.py``: what the creator reads: the titles as shown and numbered, the hooks used, the "ranked for you".
- ``offline.py``: the offline engine's spec (example requests, argument extractor).
"""
