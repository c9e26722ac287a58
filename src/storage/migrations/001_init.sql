-- Sessions, messages and parts are stored as their wire JSON (the shapes are OpenCode's and evolve with it);
-- the columns beside the JSON are only what queries filter and order by.
CREATE TABLE session (
  id TEXT PRIMARY KEY,
  directory TEXT NOT NULL,
  parent_id TEXT,
  time_updated INTEGER NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX session_directory ON session (directory, time_updated);
CREATE INDEX session_parent ON session (parent_id);

CREATE TABLE message (
  id TEXT PRIMARY KEY,
  session_id TEXT NOT NULL REFERENCES session (id) ON DELETE CASCADE,
  role TEXT NOT NULL,
  -- 1 while an assistant message's step is being produced; cleared when it completes, errors or is interrupted.
  running INTEGER NOT NULL DEFAULT 0,
  data TEXT NOT NULL
);
CREATE INDEX message_session ON message (session_id, id);
CREATE INDEX message_running ON message (running) WHERE running = 1;

CREATE TABLE part (
  id TEXT PRIMARY KEY,
  message_id TEXT NOT NULL REFERENCES message (id) ON DELETE CASCADE,
  session_id TEXT NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX part_message ON part (message_id, id);
CREATE INDEX part_session ON part (session_id);

CREATE TABLE todo (
  session_id TEXT PRIMARY KEY REFERENCES session (id) ON DELETE CASCADE,
  data TEXT NOT NULL
);

CREATE TABLE permission (
  id TEXT PRIMARY KEY,
  session_id TEXT NOT NULL REFERENCES session (id) ON DELETE CASCADE,
  call_id TEXT,
  -- pending | once | always | reject
  status TEXT NOT NULL DEFAULT 'pending',
  data TEXT NOT NULL
);
CREATE INDEX permission_session ON permission (session_id, status);

-- "always" answers hold for the rest of a session, also across restarts.
CREATE TABLE permission_grant (
  session_id TEXT NOT NULL REFERENCES session (id) ON DELETE CASCADE,
  permission TEXT NOT NULL,
  pattern TEXT NOT NULL,
  PRIMARY KEY (session_id, permission, pattern)
);
