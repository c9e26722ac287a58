-- Commands addressed to the worker that owns a session (issue 20 §2): an API node that receives a prompt, an abort or
-- a permission answer for a session it does not run inserts it here (and NOTIFYs `moor_inbox` with the session id);
-- the lease holder takes the session's untaken items in id order, under its epoch (postgres-inbox.ts). An item is
-- taken once: `taken_by`/`taken_epoch` say by whom, and rows stay for inspection (a later sweep may delete old ones).
CREATE TABLE session_inbox (
  id BIGSERIAL PRIMARY KEY,
  session_id TEXT NOT NULL REFERENCES session (id) ON DELETE CASCADE,
  -- prompt | abort | permission
  kind TEXT NOT NULL,
  -- The command's JSON (PromptInput, nothing, or the permission answer).
  body TEXT NOT NULL,
  time_created TIMESTAMPTZ NOT NULL DEFAULT now(),
  taken_by TEXT,
  taken_epoch BIGINT,
  time_taken TIMESTAMPTZ
);
CREATE INDEX session_inbox_untaken ON session_inbox (session_id, id) WHERE taken_by IS NULL;
