-- Feedback on generated titles (issue 7): one append-only table of signals, each tied to the generation that
-- produced the title (generation_id = the generate_titles tool call id, unique within a thread) and to the
-- judged candidate, so every signal maps to the run and the candidates behind it. The titles a creator uses
-- (use_title, issue 6) are the "use" signal of this table; title_choices becomes a view over it.
CREATE TABLE feedback_events (
    event_id        bigserial PRIMARY KEY,
    creator_id      text NOT NULL,
    thread_id       text NOT NULL,
    generation_id   text,                 -- the generate_titles call; NULL for a creator's own title
    signal          text NOT NULL CHECK (signal IN
                        ('view', 'save', 'copy', 'use', 'reject', 'thumbs_up', 'thumbs_down', 'edit')),
    title           text,                 -- the title acted on; NULL for a thumbs on a whole generation
    candidate_rank  integer,              -- the number it was shown under (1 = first)
    candidate       jsonb,                -- the judged candidate (score, grade, hook, method, angle, formula, exemplars)
    edited_title    text,                 -- the creator's edit ("edit"), their words for the title
    source          text NOT NULL DEFAULT 'chat',  -- chat (a tool call), ui (a button), api
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX feedback_events_creator ON feedback_events (creator_id, created_at);
CREATE INDEX feedback_events_generation ON feedback_events (thread_id, generation_id);

INSERT INTO feedback_events (creator_id, thread_id, generation_id, signal, title, candidate_rank, candidate, created_at)
SELECT creator_id, thread_id, source_tool_call_id, 'use', title, candidate_rank, candidate, chosen_at
FROM title_choices;
DROP TABLE title_choices;

-- The titles creators chose: the latest "use" of each title in a thread.
CREATE VIEW title_choices AS
SELECT DISTINCT ON (creator_id, thread_id, title)
       event_id AS choice_id, creator_id, thread_id, title, candidate_rank, candidate,
       generation_id AS source_tool_call_id, created_at AS chosen_at
FROM feedback_events
WHERE signal = 'use'
ORDER BY creator_id, thread_id, title, created_at DESC, event_id DESC;
