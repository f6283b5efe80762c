"""Creator search: creators on YouTube and Instagram to work with, by niche, audience size, country and engagement,
each with why it matched; accounts of one creator on both platforms are linked first.

- ``tool.py``: search_creators, the tool the model sees, and its answer table;
- ``offline.py``: its offline-engine spec (example requests, the clarifying question, the argument extractor with
  follower bounds, platform, country and the example creator looked up in the database);
- ``search.py``: the search (``CreatorQuery``, hard filters, keyword and semantic candidates, ``FusionWeights``
  fusion, the reasons of each hit);
- ``identity.py``: cross-platform identity resolution (link evidence, noisy-OR confidence, ``resolve_identities``);
- ``enrich.py``: enrichment (niches, content style, summary; offline or with the fast tier) and
  ``build_creator_index``, the batch job behind ``cortex enrich-creators``;
- ``prompts.py``: the fast tier's enrichment prompt and answer schema;
- ``audience.py``: how audience sizes read (18.3M subscribers).

Storage and SQL are in ``memory.creators``.
"""
