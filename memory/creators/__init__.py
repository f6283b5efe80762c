"""Creators in Postgres: the unified schema, the loaders of the real creator tables, and the storage of
identity links, enrichment, vectors and the search index (tables of ``migrations/0005_creators.sql``).

Schema (one vocabulary for every source):

- **Creator** (``creators``): the canonical person or brand; niches, content style and summary from enrichment.
- **CreatorAccount** (``creator_accounts``): one account on one platform (``youtube`` | ``instagram``): handle,
  platform id, name, bio, followers (subscribers on YouTube), country (ISO 3166-1 alpha-2), the source's category.
- **ContentItem** (``creator_content_items``): an upload or post: title or caption, publish time, views, likes,
  comments.
- ``creator_raw_rows``: every source row verbatim (JSONB), so the loaders can be re-run with better logic.

Modules:

- ``sources``: the five source readers (``SOURCES``, read from ``CORTEX_DATA_DIR``), the records they yield
  (``AccountRecord``, ``ContentRecord``, ``SourceBatch``) and the parsing helpers (``parse_count``,
  ``country_code``, ``name_key`` ...);
- ``identity``: records merged into accounts (``merge_accounts``, bio links), the scored cross-platform links and
  the creators they make (``store_resolution``, ``creator_links_of``);
- ``store``: the load (``load_creators``), account and content reads, enrichment rows;
- ``vectors``: the account-vector tables (``CREATOR_VECTORS`` in the one registry ``memory.vectors``) and the
  embedding of bios and content (``embed_accounts``);
- ``search``: the search index (``refresh_search_index``) and the search SQL (``CreatorFilters``,
  ``keyword_candidates``, ``semantic_candidates``, ``candidate_details``, ``find_account_by_name``).

Cross-platform identity resolution, enrichment and fusion (the domain) are in ``tools.creators`` (identity, enrich, search).
"""
