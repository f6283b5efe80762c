-- The corpus: channels and their uploads with outlier multipliers (see memory/outliers.py).
CREATE TABLE channels (
    channel_id          text PRIMARY KEY,          -- slug of the channel name (stable across sources)
    name                text NOT NULL,
    youtube_channel_id  text,                       -- UC... when the source gives it
    source              text NOT NULL,              -- data set folder it came from
    subscribers         bigint,
    created_at          timestamptz,
    has_full_history    boolean NOT NULL DEFAULT true
);

CREATE TABLE videos (
    video_id            text PRIMARY KEY,
    channel_id          text NOT NULL REFERENCES channels ON DELETE CASCADE,
    title               text NOT NULL,
    published_at        timestamptz NOT NULL,
    views               bigint,
    likes               bigint,
    comments            bigint,
    duration_s          integer,
    is_short            boolean NOT NULL,
    baseline_views      double precision,           -- rolling median of nearby same-format uploads
    baseline_n          integer NOT NULL DEFAULT 0, -- neighbours in that median
    outlier_multiplier  double precision,           -- views / baseline_views; NULL without enough history
    source              text NOT NULL,
    title_tsv           tsvector GENERATED ALWAYS AS (to_tsvector('english', title)) STORED
);
CREATE INDEX videos_channel_published ON videos (channel_id, published_at);
CREATE INDEX videos_multiplier ON videos (outlier_multiplier DESC NULLS LAST);
CREATE INDEX videos_title_tsv ON videos USING gin (title_tsv);

-- Every vector table names its model and dimension here; tables are created per model
-- (memory.corpus.ensure_title_vectors) because a pgvector column has a fixed dimension.
CREATE TABLE embedding_models (
    model       text PRIMARY KEY,
    dim         integer NOT NULL,
    table_name  text NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now()
);
