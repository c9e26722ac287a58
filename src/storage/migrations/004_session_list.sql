-- Session lists are read a page at a time, newest first, across every directory (GET /session with a limit and a
-- cursor): this index walks them in that order without sorting the whole table. `title_search` is the title in
-- lower case (written by the store, so any script is folded), what a title search matches; rows written before it
-- existed get SQLite's ASCII folding here.
CREATE INDEX session_updated ON session (time_updated, id);
ALTER TABLE session ADD COLUMN title_search TEXT NOT NULL DEFAULT '';
UPDATE session SET title_search = lower(coalesce(json_extract(data, '$.title'), ''));
