"""Script analysis: a video's transcript -> its format, time buckets, hooks (type, text, time, specificity 0-8,
strength 0-10), topic, audience and key entities; by the long-tier model or, offline, by heuristics on the same
rubrics.

- ``tool.py``: the ``analyze_script`` tool the model sees; ``offline.py``: its offline-engine spec (examples,
  question, claim on a pasted transcript).
- ``parsing.py``: the transcript in a chat message, format detection, passages and time buckets.
- ``hooks.py``: the two hook rubrics, ``Hook`` and ``ScriptAnalysis``, the offline heuristics, topic and entities.
- ``prompts.py``: the model's prompt and answer schema; ``llm.py``: the model call (grounded) and ``run_analysis``,
  which picks the model or the heuristics.
- ``transcript.py``: where the tools find the transcript (the conversation) and an earlier analysis of it.
- ``report.py``: the analysis as chat markdown.
"""
