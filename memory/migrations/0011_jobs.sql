-- Scheduled work on the job queue (issue 21): the errors of jobs, and when each creator account was last refreshed.

-- procrastinate keeps a job's status (a job that failed for good is 'failed': dead) but not its error: every failed
-- execution is recorded here by the worker (agent/worker.py record_errors), so `cortex jobs` shows the last one.
-- attempt: the job's executions before this one (procrastinate's attempts); a postponed job (spent quota) gets its
-- reason as attempt -1. No foreign key: the queue's schema is applied after our migrations.
CREATE TABLE job_errors (
    job_id   bigint NOT NULL,
    attempt  integer NOT NULL,
    task     text NOT NULL,
    error    text NOT NULL,        -- the exception's type
    message  text NOT NULL,        -- what it said (what to fix)
    at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, attempt)
);

-- The creator refresh (YouTube channels.list) writes the statistics it read and when; NULL: never refreshed.
ALTER TABLE creator_accounts ADD COLUMN refreshed_at timestamptz;
