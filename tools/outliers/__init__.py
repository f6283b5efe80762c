"""Outliers: real videos that beat their channel's usual views, about a topic (hybrid search, filtered, each saying
why it matched), and what works for a channel or a niche (the title patterns that lift its multipliers).

- ``tool.py``: the ``retrieve_outliers`` tool the model sees.
- ``search.py``: hybrid retrieval over the title corpus (``search_outliers``), the niche a topic
  names first, evidence for the rest, no good match with the closest niches, the similarity floors, and the
  resolution of channel names and niches.
- ``report.py``: the answers: the outliers table with the patterns the hits share, and the what-works report.
- ``patterns.py``: title patterns and their lift on a channel's multipliers (Mann-Whitney U, Benjamini-Hochberg).
- ``offline.py``: the offline engine's spec (example requests, clarifying question, argument extractor).
"""
