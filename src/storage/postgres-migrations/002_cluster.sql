-- Cluster mode, first tables (issue 20 §2; nothing reads them yet: `--role api|worker` is the next step). The design
-- they are for:
--
-- * Identity. `cluster` holds one random id made by this migration. SSE ids become `<cluster id>-<event id>`: the
--   event log's ids (postgres-store.ts) are global and increase in commit order, so an id is valid on every node
--   and across restarts, and a client reconnects to any API node with Last-Event-ID. For that, everything a node
--   announces must go through the log, the hints too (session.status, session.idle, file.edited, …: a commit with
--   events and no rows), and the bus must take its sequence numbers from the event ids instead of counting
--   (core/bus.ts counts per process today, and the epoch is random per start).
-- * Roles. `--role all` (today: one process does everything), `api` (HTTP + SSE, no turns: reads the log with
--   PostgresStore.follow into its SSE ring), `worker` (runs turns: tools run where the repository is).
-- * Workers. A worker registers here with the directories it can serve and beats a heartbeat; an API node sends
--   a session's prompt only to a session whose directory some live worker serves (else 409/503 in one line).
-- * Leases and epochs. A session is produced by one worker at a time: `session_lease` names it, with an epoch and
--   an expiry the worker renews (every lease/3). Takeover: another eligible worker runs
--     UPDATE session_lease SET worker_id = $me, epoch = epoch + 1, expires_at = now() + $lease
--     WHERE session_id = $1 AND expires_at < now() RETURNING epoch
--   then marks the cut-off turn interrupted and resumes it under the new epoch.
-- * Fencing. Every commit of a worker for a session checks, in the same transaction, that it still holds the lease
--   at its epoch (SELECT … FROM session_lease WHERE session_id = $1 AND worker_id = $me AND epoch = $epoch FOR
--   SHARE; no row: the commit is rolled back and the turn stops). The takeover UPDATE takes the row lock, so a
--   paused old owner (SIGSTOP) that wakes up after losing the lease cannot write anything.
-- * Commands to the owner. Prompts, aborts and permission answers that reach an API node go into a per-session
--   inbox table (a later migration) and a NOTIFY; the owning worker takes them in order, under its epoch.
CREATE TABLE cluster (
  id TEXT PRIMARY KEY,
  time_created TIMESTAMPTZ NOT NULL DEFAULT now()
);
INSERT INTO cluster (id) VALUES (substr(md5(random()::text || clock_timestamp()::text), 1, 8));

CREATE TABLE worker (
  id TEXT PRIMARY KEY,
  host TEXT NOT NULL,
  pid INTEGER NOT NULL,
  -- The directories (and their subdirectories) whose sessions this worker can run.
  directories TEXT[] NOT NULL,
  time_started TIMESTAMPTZ NOT NULL DEFAULT now(),
  heartbeat TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE session_lease (
  session_id TEXT PRIMARY KEY REFERENCES session (id) ON DELETE CASCADE,
  worker_id TEXT NOT NULL,
  -- Raised by every takeover; each write of the owner checks it.
  epoch BIGINT NOT NULL DEFAULT 1,
  expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX session_lease_expiry ON session_lease (expires_at);
