-- The HTTP API (issue 6): API keys per creator, which creator owns each thread, and the titles creators chose.

-- API keys: only a SHA-256 digest of each key is stored. Keys are 256 random bits (agent/auth.py), so a fast
-- digest is enough (a slow password hash guards low-entropy secrets; NIST SP 800-63B 5.1.1.2 is about those).
CREATE TABLE api_keys (
    key_hash      text PRIMARY KEY,           -- hex SHA-256 of the whole key
    key_prefix    text NOT NULL UNIQUE,       -- its first 12 characters ("cx_" + 9), shown to tell keys apart
    creator_id    text NOT NULL,
    label         text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,                -- updated at most once a minute
    revoked_at    timestamptz                 -- set by `cortex keys revoke`; a revoked key gets 401
);
CREATE INDEX api_keys_creator ON api_keys (creator_id);

-- Every thread (a LangGraph thread_id: API threads and chat UI conversations alike) belongs to one creator;
-- the API shows a creator only their own threads and answers 404 for anyone else's.
CREATE TABLE thread_owners (
    thread_id   text PRIMARY KEY,
    creator_id  text NOT NULL,
    metadata    jsonb NOT NULL DEFAULT '{}',  -- the client's thread metadata (LangGraph's thread.metadata)
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()  -- last run or metadata change
);
CREATE INDEX thread_owners_creator ON thread_owners (creator_id, updated_at DESC);

-- Titles a creator said they use (the use_title tool, approved by the creator): one row per creator, thread and
-- title; choosing the same title again in the thread updates the row. The base for feedback and preferences.
CREATE TABLE title_choices (
    choice_id            bigserial PRIMARY KEY,
    creator_id           text NOT NULL,
    thread_id            text NOT NULL,
    title                text NOT NULL,
    candidate_rank       integer,             -- the number generate_titles showed it under (1 = first); NULL otherwise
    candidate            jsonb,               -- the judged candidate (score, grade, hook, method, angle, exemplars)
                                              -- when the title is one generate_titles wrote; NULL for the creator's own
    source_tool_call_id  text,                -- the generate_titles call the candidate came from
    chosen_at            timestamptz NOT NULL DEFAULT now(),
    UNIQUE (creator_id, thread_id, title)
);
CREATE INDEX title_choices_creator ON title_choices (creator_id, chosen_at DESC);
