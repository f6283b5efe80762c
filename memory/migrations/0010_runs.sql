-- Runs of the HTTP API in Postgres (issue 21), so any number of API processes and workers on one database share them:
-- each run's record and its server-sent events, one active run per thread enforced here.

-- A run: LangGraph's Run (status, multitask strategy, kwargs = the request that started it) plus what the processes
-- coordinate with. status 'queued' is a run waiting for its thread (multitask_strategy enqueue, interrupt or rollback
-- behind an active run); the API shows it as LangGraph's 'pending'.
CREATE TABLE runs (
    run_id              uuid PRIMARY KEY,
    thread_id           text NOT NULL,
    creator_id          text NOT NULL,
    status              text NOT NULL CHECK (status IN ('queued', 'pending', 'running', 'success', 'error', 'interrupted')),
    multitask_strategy  text NOT NULL DEFAULT 'reject'
                        CHECK (multitask_strategy IN ('reject', 'enqueue', 'interrupt', 'rollback')),
    background          boolean NOT NULL DEFAULT false,   -- executed by a worker (`cortex worker`), not the API process
    kwargs              jsonb NOT NULL DEFAULT '{}',      -- the request body (RunCreate) and the stream modes
    metadata            jsonb NOT NULL DEFAULT '{}',
    error               jsonb,                            -- {error, message} of a run that failed
    cancel              text CHECK (cancel IN ('interrupt', 'rollback')),  -- a cancel asked for, not yet carried out
    attempt             integer NOT NULL DEFAULT 0,       -- executions started (a worker killed mid-run retries)
    head_before         text,                             -- the thread's head checkpoint when the run started
    lease_until         timestamptz,                      -- the executing process renews it; past it, the process died
    created_at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at          timestamptz NOT NULL DEFAULT clock_timestamp()
);
-- one active run per thread, across every process: a second 'pending' or 'running' run on a thread is refused here
CREATE UNIQUE INDEX runs_one_active_per_thread ON runs (thread_id) WHERE status IN ('pending', 'running');
CREATE INDEX runs_thread ON runs (thread_id, created_at DESC);

-- The run's server-sent events in order (seq is the SSE id a client sends back as Last-Event-ID); data is the JSON
-- text sent. The executing process appends them; any process serves them.
CREATE TABLE run_events (
    run_id  uuid NOT NULL REFERENCES runs ON DELETE CASCADE,
    seq     integer NOT NULL,
    event   text NOT NULL,
    data    text NOT NULL,
    PRIMARY KEY (run_id, seq)
);
