-- Channel analytics of creators' own channels (issue 8): connected or imported channels, encrypted OAuth
-- tokens, per-video metrics, performance snapshots over time and YouTube Data API quota usage.
-- Every channel belongs to one creator; every query filters by creator_id, so creators never see each
-- other's channels.

CREATE TABLE analytics_channels (
    channel_pk          bigserial PRIMARY KEY,
    creator_id          text NOT NULL,
    name                text NOT NULL,             -- as the creator named it (--channel) or the API's channel title
    youtube_channel_id  text,                       -- UC..., when the source knows it
    source              text NOT NULL CHECK (source IN ('studio_export', 'youtube_api')),
    synced_at           timestamptz,                -- last import or API sync
    created_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (creator_id, name)
);

-- OAuth 2.0 credentials of API-connected channels, AES-256-GCM encrypted: never stored in plaintext.
CREATE TABLE analytics_oauth_tokens (
    channel_pk  bigint PRIMARY KEY REFERENCES analytics_channels ON DELETE CASCADE,
    key_id      text NOT NULL,          -- fingerprint of the CORTEX_TOKEN_KEY that encrypted the row
    nonce       bytea NOT NULL,         -- 12 random bytes, new for every write
    ciphertext  bytea NOT NULL,         -- AES-256-GCM(credentials JSON), associated data 'creator_id/channel_pk'
    scopes      text[] NOT NULL,
    expires_at  timestamptz,            -- of the access token; refreshed with the refresh token when past
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Lifetime totals per video as last read from the channel's source (import or API sync).
CREATE TABLE analytics_videos (
    channel_pk          bigint NOT NULL REFERENCES analytics_channels ON DELETE CASCADE,
    video_id            text NOT NULL,
    title               text NOT NULL,
    published_at        timestamptz NOT NULL,
    duration_s          integer,
    views               bigint,
    impressions         bigint,
    ctr_pct             double precision,           -- impressions click-through rate, percent (3.16 = 3.16 %)
    avd_s               double precision,           -- average view duration, seconds
    avg_pct_viewed      double precision,           -- average percentage viewed, percent
    watch_time_hours    double precision,
    subscribers_gained  bigint,
    subscribers_lost    bigint,
    likes               bigint,
    comments            bigint,
    shares              bigint,
    source              text NOT NULL,
    as_of               timestamptz NOT NULL,       -- when these totals were read
    PRIMARY KEY (channel_pk, video_id)
);
CREATE INDEX analytics_videos_published ON analytics_videos (channel_pk, published_at DESC);

-- Performance over time: the first 7 and 30 days after publish (d7, d30: fixed once the window is over),
-- and the lifetime totals at each sync (lifetime, one row per day read). The feedback loop compares what
-- was suggested with these.
CREATE TABLE analytics_snapshots (
    channel_pk          bigint NOT NULL REFERENCES analytics_channels ON DELETE CASCADE,
    video_id            text NOT NULL,
    period              text NOT NULL CHECK (period IN ('d7', 'd30', 'lifetime')),
    period_end          date NOT NULL,              -- last day covered
    views               bigint,
    impressions         bigint,
    ctr_pct             double precision,
    avd_s               double precision,
    avg_pct_viewed      double precision,
    watch_time_hours    double precision,
    subscribers_gained  bigint,
    subscribers_lost    bigint,
    likes               bigint,
    comments            bigint,
    shares              bigint,
    source              text NOT NULL,
    captured_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (channel_pk, video_id, period, period_end)
);

-- YouTube Data API v3 quota units spent per key and day (the quota resets at midnight Pacific time).
CREATE TABLE api_quota_usage (
    key_id     text NOT NULL,               -- 'key:<sha256 prefix>' of an API key, 'oauth:<client id>' for OAuth
    day        date NOT NULL,               -- in America/Los_Angeles
    units      integer NOT NULL DEFAULT 0,
    calls      integer NOT NULL DEFAULT 0,
    exhausted  boolean NOT NULL DEFAULT false,  -- Google answered quotaExceeded for this key that day
    PRIMARY KEY (key_id, day)
);
