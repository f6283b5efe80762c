-- Creator search (issue 9): creators, their platform accounts and content items, from the real tables in
-- CORTEX_DATA_DIR. Every source row is kept verbatim in creator_raw_rows so the loaders can be re-run with
-- better logic; the normalized tables are rebuilt from them (memory/creators.py, tools/creator_search.py).

-- Every source row as read (one per source and source key), as JSONB.
CREATE TABLE creator_raw_rows (
    source      text NOT NULL,                  -- data set (folder/file) it came from
    source_key  text NOT NULL,                  -- the row's key in that source (handle, channel id, rank...)
    row         jsonb NOT NULL,                 -- the row's columns as strings, verbatim
    loaded_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, source_key)
);

-- The canonical creator: one person or brand, with one account per platform (identity resolution).
-- creator_id is the account_id of its anchor account (the most followed), so re-runs keep ids stable.
CREATE TABLE creators (
    creator_id        text PRIMARY KEY,
    name              text NOT NULL,
    primary_niche     text,
    secondary_niches  text[] NOT NULL DEFAULT '{}',
    content_style     text,
    summary           text,
    niche_scores      jsonb,                    -- {niche: score} the enrichment ranked by
    enriched_by       text,                     -- 'offline:<embedding model>' or 'llm:<model>'
    enriched_at       timestamptz
);

-- One account on one platform, merged from every source row that names it (creator_account_sources).
CREATE TABLE creator_accounts (
    account_id       text PRIMARY KEY,          -- 'youtube:<slug>' or 'instagram:<handle>'
    creator_id       text REFERENCES creators ON DELETE SET NULL,
    platform         text NOT NULL CHECK (platform IN ('youtube', 'instagram')),
    handle           text,                      -- Instagram username; YouTube custom name when the source gives one
    platform_id      text,                      -- YouTube UC... channel id when the source gives it
    name             text NOT NULL,
    name_key         text NOT NULL,             -- lower-case letters and digits of the name (look-ups)
    bio              text,                      -- channel description / profile text
    followers        bigint,                    -- subscribers (YouTube) or followers (Instagram)
    following        bigint,                    -- Instagram followees
    posts            bigint,                    -- uploads (YouTube) or posts (Instagram)
    total_views      bigint,
    country          text,                      -- ISO 3166-1 alpha-2
    category         text,                      -- the source's own category
    created_at       date,
    engagement_rate  double precision,          -- see memory/creators.py ENGAGEMENT (per platform)
    engagement_basis text,                      -- where the rate came from
    activity         double precision,          -- uploads per month (YouTube) or posts (Instagram)
    links            jsonb NOT NULL DEFAULT '[]', -- handles and URLs of other platforms found in the bio
    sources          text[] NOT NULL,
    -- search columns, refreshed after enrichment (tools.creator_search.refresh_search_index)
    niches           text[] NOT NULL DEFAULT '{}',
    engagement_pct   double precision,          -- percentile of engagement_rate within the platform (0..1)
    activity_pct     double precision,          -- percentile of activity within the platform (0..1)
    has_vector       boolean NOT NULL DEFAULT false,
    tsv              tsvector
);
CREATE INDEX creator_accounts_creator ON creator_accounts (creator_id);
CREATE INDEX creator_accounts_name_key ON creator_accounts (name_key);
CREATE INDEX creator_accounts_filters ON creator_accounts (platform, followers);
CREATE INDEX creator_accounts_country ON creator_accounts (country);
CREATE INDEX creator_accounts_niches ON creator_accounts USING gin (niches);
CREATE INDEX creator_accounts_tsv ON creator_accounts USING gin (tsv);
-- filtered semantic search decides between an exact scan and HNSW by counting the accounts with vectors
CREATE INDEX creator_accounts_vector_filters ON creator_accounts (platform, followers) WHERE has_vector;

-- Which source rows an account was built from.
CREATE TABLE creator_account_sources (
    source      text NOT NULL,
    source_key  text NOT NULL,
    account_id  text NOT NULL REFERENCES creator_accounts ON DELETE CASCADE,
    PRIMARY KEY (source, source_key),
    FOREIGN KEY (source, source_key) REFERENCES creator_raw_rows ON DELETE CASCADE
);
CREATE INDEX creator_account_sources_account ON creator_account_sources (account_id);

-- Uploads and posts: title (YouTube) or caption (Instagram) with their counts as of the crawl.
CREATE TABLE creator_content_items (
    item_id       text PRIMARY KEY,             -- 'youtube:<video id>' or 'instagram:<shortcode>'
    account_id    text NOT NULL REFERENCES creator_accounts ON DELETE CASCADE,
    kind          text NOT NULL CHECK (kind IN ('video', 'short', 'post')),
    title         text NOT NULL,
    published_at  timestamptz,
    views         bigint,
    likes         bigint,
    comments      bigint,
    duration_s    integer,
    source        text NOT NULL,
    source_key    text NOT NULL
);
CREATE INDEX creator_content_items_account ON creator_content_items (account_id, published_at DESC);

-- Identity resolution: a scored link between two accounts on different platforms, with its evidence.
CREATE TABLE creator_links (
    account_a    text NOT NULL REFERENCES creator_accounts ON DELETE CASCADE,
    account_b    text NOT NULL REFERENCES creator_accounts ON DELETE CASCADE,
    confidence   double precision NOT NULL,     -- 0..1 (noisy-OR of the evidence, tools/creator_search.py)
    accepted     boolean NOT NULL,              -- confidence >= CORTEX_CREATOR_LINK_THRESHOLD at the run
    evidence     jsonb NOT NULL,                -- [{signal, value, weight, detail}]
    explanation  text NOT NULL,
    resolved_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_a, account_b)
);

-- Vector tables of accounts (bio and content), one per embedding model (a pgvector column has a fixed
-- dimension), registered here with their dimension like embedding_models does for titles.
CREATE TABLE creator_embedding_models (
    model       text PRIMARY KEY,
    dim         integer NOT NULL,
    table_name  text NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now()
);
