-- The first-start jobs' progress (issue 21): the corpus ingest and the title and creator index builds run as jobs
-- of the queue (agent/worker.py, queue 'startup'), in whichever process takes them; the job writes where it is here
-- and every `cortex serve` process reads it for /health, the chat page and its terminal.
-- name: the part of the job ('ingest', 'title index', 'creator index'); phase: what it does, in words; done of total
-- (0 when unknown). No foreign key: the queue's schema is applied after our migrations (see job_errors).
CREATE TABLE job_progress (
    job_id  bigint NOT NULL,
    name    text NOT NULL,
    phase   text NOT NULL,
    done    integer NOT NULL DEFAULT 0,
    total   integer NOT NULL DEFAULT 0,
    at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, name)
);
