// Workers and session leases with fencing (cluster mode, issue 20 §2; tables in postgres-migrations/002_cluster.sql,
// whose header holds the design). A worker registers the directories it can serve and beats a heartbeat; it runs a
// session only while it holds the session's lease, which it renews well before `expires_at`. Every time is the
// database's clock (now()), so hosts with skewed clocks agree on who holds what.
//
// Epochs only grow: acquiring a lease nobody holds (no row, or a lapsed or released one) raises the epoch, and a
// release keeps the row (expired) instead of deleting it, so an epoch is never handed out twice for a session. A
// holder's writes carry its fence {sessionID, workerID, epoch}; `checkFence` runs in the write's own transaction and
// takes the lease row FOR SHARE, which the takeover's UPDATE must wait for (and vice versa): either the old holder's
// commit lands before the takeover, or it sees the new epoch and is refused with FencedError. So a paused holder
// (SIGSTOP, a long GC) that wakes up after losing its lease writes nothing.
import type pg from "pg";
import { FencedError, type LeaseFence } from "./port.js";
import { inline } from "./postgres-literals.js";

type Run = <T>(op: (client: pg.Client) => Promise<T>) => Promise<T>;

export interface WorkerRegistration {
  id: string;
  host: string;
  pid: number;
  /** The directories (and their subdirectories) whose sessions this worker can run: where the repositories are. */
  directories: string[];
}

/** A lease just acquired: its fence, and whether it follows an owner that lost it (lapsed, not released). */
export interface AcquiredLease extends LeaseFence {
  takeover: boolean;
}

export interface LeaseState {
  sessionID: string;
  workerID: string;
  epoch: number;
  /** Whether it has not lapsed yet (by the database's clock). */
  live: boolean;
}

/**
 * In the caller's transaction: refuses with FencedError unless `fence.workerID` holds the session's lease at
 * `fence.epoch`. The row stays share-locked until the transaction ends, so no takeover can commit in between. A
 * lapsed lease nobody took over still passes: its epoch is still the newest, nobody else has written.
 */
/**
 * checkFence as a statement of a transaction sent in one query (postgres-literals.ts): it fails the transaction with
 * `message` unless `fence` holds the lease, and share-locks the lease row as checkFence does.
 */
export function fenceCheckStatement(fence: LeaseFence, message: string): string {
  return inline(
    `SELECT moor_check(EXISTS (SELECT 1 FROM session_lease
       WHERE session_id = $1 AND worker_id = $2 AND epoch = $3 FOR SHARE), $4)`,
    [fence.sessionID, fence.workerID, fence.epoch, message],
  );
}

export async function checkFence(client: pg.Client, fence: LeaseFence): Promise<void> {
  const { rowCount } = await client.query(
    "SELECT 1 FROM session_lease WHERE session_id = $1 AND worker_id = $2 AND epoch = $3 FOR SHARE",
    [fence.sessionID, fence.workerID, fence.epoch],
  );
  if (rowCount === 0) throw new FencedError(fence);
}

export class PostgresLeases {
  constructor(private readonly run: Run) {}

  /** Registers (or re-registers, e.g. after a restart with the same id) a worker and beats its heartbeat. */
  register(worker: WorkerRegistration): Promise<void> {
    return this.run(async (client) => {
      await client.query(
        `INSERT INTO worker (id, host, pid, directories) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET host = excluded.host, pid = excluded.pid, directories = excluded.directories,
           time_started = now(), heartbeat = now()`,
        [worker.id, worker.host, worker.pid, worker.directories],
      );
    });
  }

  /** False when the worker is not registered (it was removed: register again). */
  heartbeat(workerID: string): Promise<boolean> {
    return this.run(async (client) => {
      const { rowCount } = await client.query("UPDATE worker SET heartbeat = now() WHERE id = $1", [workerID]);
      return rowCount === 1;
    });
  }

  /** Removes the worker and releases its leases (a clean stop: others may take its sessions at once). */
  unregister(workerID: string): Promise<void> {
    return this.run(async (client) => {
      await client.query("BEGIN");
      try {
        await client.query("UPDATE session_lease SET expires_at = '-infinity' WHERE worker_id = $1", [workerID]);
        await client.query("DELETE FROM worker WHERE id = $1", [workerID]);
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {});
        throw error;
      }
    });
  }

  /** The workers whose heartbeat is at most `staleMs` old and that serve `directory` (or a parent of it). */
  eligibleWorkers(directory: string, staleMs: number): Promise<string[]> {
    return this.run(async (client) => {
      const { rows } = await client.query<{ id: string }>(
        `SELECT id FROM worker
         WHERE heartbeat > now() - $2 * interval '1 millisecond' AND ${servesDirectory("directories", "$1")}
         ORDER BY id`,
        [directory, staleMs],
      );
      return rows.map((row) => row.id);
    });
  }

  /**
   * Takes the session's lease for `leaseMs` if nobody holds it (never held, lapsed, or released), raising its epoch;
   * returns the fence to write under, or undefined when another worker (or this one: renew instead) holds it, the
   * session does not exist, or the worker is not registered for the session's directory. Of workers racing for it,
   * exactly one wins: the row lock orders them and the losers see a live lease.
   */
  acquire(sessionID: string, workerID: string, leaseMs: number): Promise<AcquiredLease | undefined> {
    return this.run(async (client) => {
      const { rows } = await client.query<{ epoch: string; lapsed: boolean | null }>(
        `WITH previous AS (SELECT expires_at FROM session_lease WHERE session_id = $1)
         INSERT INTO session_lease (session_id, worker_id, epoch, expires_at)
         SELECT s.id, w.id, 1, now() + $3 * interval '1 millisecond'
         FROM session s JOIN worker w ON w.id = $2
         WHERE s.id = $1 AND ${servesDirectory("w.directories", "s.directory")}
         ON CONFLICT (session_id) DO UPDATE
           SET worker_id = excluded.worker_id, epoch = session_lease.epoch + 1, expires_at = excluded.expires_at
           WHERE session_lease.expires_at < now()
         RETURNING epoch, (SELECT expires_at > '-infinity' FROM previous) AS lapsed`,
        [sessionID, workerID, leaseMs],
      );
      const row = rows[0];
      return row ? { sessionID, workerID, epoch: Number(row.epoch), takeover: row.lapsed === true } : undefined;
    });
  }

  /**
   * Extends the lease by `leaseMs` from now if `fence` still holds it (a lapsed lease nobody took over included);
   * false means it was taken over or released: stop the session's turn, its writes would be refused anyway.
   */
  renew(fence: LeaseFence, leaseMs: number): Promise<boolean> {
    return this.run(async (client) => {
      const { rowCount } = await client.query(
        `UPDATE session_lease SET expires_at = now() + $4 * interval '1 millisecond'
         WHERE session_id = $1 AND worker_id = $2 AND epoch = $3`,
        [fence.sessionID, fence.workerID, fence.epoch, leaseMs],
      );
      return rowCount === 1;
    });
  }

  /** Gives the lease up now (the epoch stays, so the next holder gets a new one); false if it was not held. */
  release(fence: LeaseFence): Promise<boolean> {
    return this.run(async (client) => {
      const { rowCount } = await client.query(
        `UPDATE session_lease SET expires_at = '-infinity'
         WHERE session_id = $1 AND worker_id = $2 AND epoch = $3 AND expires_at > '-infinity'`,
        [fence.sessionID, fence.workerID, fence.epoch],
      );
      return rowCount === 1;
    });
  }

  /** Who holds the session's lease, if it was ever leased. */
  lease(sessionID: string): Promise<LeaseState | undefined> {
    return this.run(async (client) => {
      const { rows } = await client.query<{ worker_id: string; epoch: string; live: boolean }>(
        "SELECT worker_id, epoch, expires_at > now() AS live FROM session_lease WHERE session_id = $1",
        [sessionID],
      );
      const row = rows[0];
      return row ? { sessionID, workerID: row.worker_id, epoch: Number(row.epoch), live: row.live } : undefined;
    });
  }

  /** Sessions whose lease is held live now (by any worker). */
  liveSessions(): Promise<string[]> {
    return this.run(async (client) => {
      const { rows } = await client.query<{ session_id: string }>(
        "SELECT session_id FROM session_lease WHERE expires_at > now() ORDER BY session_id",
      );
      return rows.map((row) => row.session_id);
    });
  }

  /** Sessions whose lease lapsed (not released ones) in the directories `workerID` serves: candidates for takeover. */
  lapsed(workerID: string): Promise<string[]> {
    return this.run(async (client) => {
      const { rows } = await client.query<{ session_id: string }>(
        `SELECT l.session_id FROM session_lease l
         JOIN session s ON s.id = l.session_id JOIN worker w ON w.id = $1
         WHERE l.expires_at < now() AND l.expires_at > '-infinity' AND ${servesDirectory("w.directories", "s.directory")}
         ORDER BY l.session_id`,
        [workerID],
      );
      return rows.map((row) => row.session_id);
    });
  }
}

/**
 * SQL: whether one of the `directories` (a text[] expression) is `directory` or a parent of it; a trailing slash
 * on a registered directory does not matter ("/srv/repo/" serves "/srv/repo", never "/srv/repo-other").
 */
export function servesDirectory(directories: string, directory: string): string {
  return `EXISTS (SELECT 1 FROM unnest(${directories}) AS d
    WHERE ${directory} = rtrim(d, '/') OR starts_with(${directory}, rtrim(d, '/') || '/'))`;
}
