-- What the owner made of an inbox item (issue 20 §2): an API node that passed a prompt, a resume or a summary waits
-- for its result (a sync prompt answers with the turn's last message). The owner writes `result` (JSON: {ok, value}
-- or {ok: false, code, message}) and `time_done`, and NOTIFYs `moor_inbox_done` with the item's id. An item taken by
-- an owner that died before finishing it stays taken and not done: the next owner finishes it when the resumed turn
-- ends.
ALTER TABLE session_inbox ADD COLUMN time_done TIMESTAMPTZ;
ALTER TABLE session_inbox ADD COLUMN result TEXT;
CREATE INDEX session_inbox_unfinished ON session_inbox (session_id, id) WHERE taken_by IS NOT NULL AND time_done IS NULL;
