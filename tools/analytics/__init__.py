"""Channel analytics: the creator's own numbers (impressions, CTR, AVD, views, subscribers) with a chart.

- ``tool.py``: pull_analytics, the tool the model sees;
- ``offline.py``: its offline-engine spec (example requests, the clarifying question, the argument extractor);
- ``views.py``: the three views (recent uploads, best videos by a metric and what their titles share, the last
  upload against the usual one), their Plotly charts, and ``channel_analytics``, the answer for a creator;
- ``sources.py``: the sources behind one interface (a YouTube Studio export, the YouTube APIs), syncing them into
  Postgres, importing an export and connecting a channel;
- ``youtube.py``: the YouTube Data and Analytics API client (quota per key, key rotation, retries) and OAuth with
  AES-256-GCM encrypted tokens.
"""
