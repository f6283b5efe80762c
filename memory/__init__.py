"""Postgres: the database handle and embedded server (``db``), migrations, the title corpus (``corpus/``), creator
tables (``creators/``), each creator's memory (``learning``), analytics, outlier multipliers, niches and the
vector-table registry. Knows nothing of tools."""
