-- Outlier mining and retrieval at scale (issue 4): trending snapshots (titles without a channel baseline),
-- YouTube categories, the age-aware view of multipliers, channel niches, indexes for filtered retrieval.
-- Definitions: memory/outliers.py (multipliers, age-aware view), memory/corpus.py (niches, search).

-- The 2017 trending snapshot has no publish times and the 2024 one no durations (format unknown).
ALTER TABLE videos ALTER COLUMN published_at DROP NOT NULL;
ALTER TABLE videos ALTER COLUMN is_short DROP NOT NULL;
ALTER TABLE videos
    ADD COLUMN category_id         integer,            -- YouTube category id (27 Education, 28 Science & Technology...)
    ADD COLUMN trending_date       date,               -- first day on a trending list (trending sources only)
    ADD COLUMN age_days            integer,            -- age at the crawl of its source, days
    ADD COLUMN age_baseline_views  double precision,   -- median views of the window's neighbours of a similar age
    ADD COLUMN age_baseline_n      integer NOT NULL DEFAULT 0,
    ADD COLUMN age_multiplier      double precision;   -- views / age_baseline_views; NULL: too young to compare

ALTER TABLE channels
    ADD COLUMN category_id       integer,              -- the most common category of its videos
    ADD COLUMN niche             text,                 -- nearest of memory.corpus.NICHES to its titles
    ADD COLUMN niche_similarity  real;                 -- cosine of its mean title vector and that niche

CREATE INDEX videos_published ON videos (published_at);
CREATE INDEX videos_views ON videos (views);
CREATE INDEX channels_niche ON channels (niche);
CREATE INDEX channels_name ON channels (name);
CREATE INDEX channels_lower_name ON channels (lower(name));   -- channel names as creators type them

-- Keyword search statistics (BM25, memory.corpus.keyword_search): titles containing each English lexeme of
-- videos.title_tsv, and the corpus totals. Recounted by memory.corpus.refresh_term_stats at ingest.
CREATE TABLE title_terms (
    lexeme  text PRIMARY KEY,
    ndoc    integer NOT NULL           -- titles containing it
);
CREATE TABLE title_term_totals (
    n_titles     bigint NOT NULL,
    avg_lexemes  double precision NOT NULL  -- mean lexemes per title (BM25's average document length)
);

-- Title-vector tables carry the video's filter columns (memory.corpus.VECTOR_FILTER_COLUMNS), so filters apply in the
-- HNSW scan and in exact scans without a join, and get a partial HNSW index over outliers (2.0 is
-- memory.outliers.OUTLIER_FROM). Tables created before this migration are extended here; new ones are created so
-- by memory.corpus.ensure_title_vectors (same index names: memory.corpus._index_sql).
DO $$
DECLARE t text;
BEGIN
    FOR t IN SELECT table_name FROM embedding_models LOOP
        EXECUTE format('ALTER TABLE %I ADD COLUMN IF NOT EXISTS channel_id text,
                          ADD COLUMN IF NOT EXISTS published_at timestamptz, ADD COLUMN IF NOT EXISTS views bigint,
                          ADD COLUMN IF NOT EXISTS is_short boolean,
                          ADD COLUMN IF NOT EXISTS outlier_multiplier double precision,
                          ADD COLUMN IF NOT EXISTS niche text', t);
        EXECUTE format('UPDATE %I x SET channel_id = v.channel_id, published_at = v.published_at, views = v.views,
                          is_short = v.is_short, outlier_multiplier = v.outlier_multiplier, niche = c.niche
                        FROM videos v JOIN channels c ON c.channel_id = v.channel_id
                        WHERE v.video_id = x.video_id', t);
        EXECUTE format('ALTER TABLE %I ALTER COLUMN channel_id SET NOT NULL', t);
        EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I (channel_id)', t || '_channel_id', t);
        EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I (outlier_multiplier)', t || '_outlier_multiplier', t);
        EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I (published_at)', t || '_published_at', t);
        EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I (niche)', t || '_niche', t);
        EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I USING hnsw (embedding vector_cosine_ops)
                        WHERE outlier_multiplier >= 2.0', t || '_hnsw_outliers', t);
    END LOOP;
END $$;
