-- The PostgreSQL store's schema: the SQLite tables (storage/migrations/), plus the event log and the owner table
-- that cluster mode reads. Rows are stored as their wire JSON in text columns (not jsonb, which would reorder keys);
-- the columns beside the JSON are what queries filter and order by.
CREATE TABLE session (
  id TEXT PRIMARY KEY,
  directory TEXT NOT NULL,
  parent_id TEXT,
  time_updated BIGINT NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX session_directory ON session (directory, time_updated);
CREATE INDEX session_updated ON session (time_updated, id);
CREATE INDEX session_parent ON session (parent_id);

CREATE TABLE message (
  id TEXT PRIMARY KEY,
  session_id TEXT NOT NULL REFERENCES session (id) ON DELETE CASCADE,
  role TEXT NOT NULL,
  -- True while an assistant message's step is being produced; cleared when it completes, errors or is interrupted.
  running BOOLEAN NOT NULL DEFAULT FALSE,
  owner_pid INTEGER,
  -- The owner (see the owner table) producing a running message.
  owner_token TEXT,
  data TEXT NOT NULL
);
CREATE INDEX message_session ON message (session_id, id);
CREATE INDEX message_running ON message (running) WHERE running;

CREATE TABLE part (
  id TEXT PRIMARY KEY,
  message_id TEXT NOT NULL REFERENCES message (id) ON DELETE CASCADE,
  session_id TEXT NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX part_message ON part (message_id, id);
CREATE INDEX part_session ON part (session_id, id);

CREATE TABLE todo (
  session_id TEXT PRIMARY KEY REFERENCES session (id) ON DELETE CASCADE,
  data TEXT NOT NULL
);

CREATE TABLE permission (
  id TEXT PRIMARY KEY,
  session_id TEXT NOT NULL REFERENCES session (id) ON DELETE CASCADE,
  call_id TEXT,
  -- pending | once | always | reject | expired
  status TEXT NOT NULL DEFAULT 'pending',
  data TEXT NOT NULL
);
CREATE INDEX permission_session ON permission (session_id, status);
CREATE INDEX permission_pending ON permission (id) WHERE status = 'pending';

CREATE TABLE permission_grant (
  session_id TEXT NOT NULL REFERENCES session (id) ON DELETE CASCADE,
  permission TEXT NOT NULL,
  pattern TEXT NOT NULL,
  PRIMARY KEY (session_id, permission, pattern)
);

-- Every commit's events, in commit order: ids are taken under a transaction-level advisory lock held until the
-- commit ends (postgres-store.ts says why), so an id is visible only once every smaller one is. `txid` groups the
-- events of one commit; directory and session_id are the commit's scope.
CREATE SEQUENCE event_id_seq AS BIGINT;
CREATE TABLE event (
  id BIGINT PRIMARY KEY,
  txid BIGINT NOT NULL,
  directory TEXT NOT NULL,
  session_id TEXT,
  type TEXT NOT NULL,
  properties TEXT NOT NULL,
  time_created TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- The processes that produce running messages. An owner is alive while it holds its session-level advisory lock
-- (lock_key; PostgreSQL releases it when the owner's connection ends, a killed process included) and its
-- heartbeat is recent (a process that hangs with its connection open stops beating).
CREATE TABLE owner (
  token TEXT PRIMARY KEY,
  lock_key INTEGER NOT NULL,
  pid INTEGER NOT NULL,
  host TEXT NOT NULL,
  time_started TIMESTAMPTZ NOT NULL DEFAULT now(),
  heartbeat TIMESTAMPTZ NOT NULL DEFAULT now()
);
