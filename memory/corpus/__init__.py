"""The title corpus in Postgres: channels, videos with outlier multipliers, title vectors, and the searches over them.

Modules:

- ``sources``: the readers of the corpus sources (``SOURCES``: complete upload histories and US trending
  snapshots) and the ``VideoRow`` they yield;
- ``ingest``: the ingest (``ingest_corpus``): multipliers, channels and videos written idempotently, then the
  keyword statistics, title vectors and channel niches refreshed;
- ``vectors``: the title-vector tables (``TITLE_VECTORS`` in the one registry ``memory.vectors``), their indexes
  and filter columns, and the embedding of titles (``embed_titles``);
- ``search``: title search: filtered vector search, BM25 keyword search and their fusion (``hybrid_search``);
- ``channels``: channel niches (``assign_niches``) and the reads of channels and their uploads.
"""
