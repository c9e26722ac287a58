// The per-session inbox of cluster mode (issue 20 §2; table in postgres-migrations/003_inbox.sql): how an API node
// passes a prompt, an abort or a permission answer to the worker that owns the session. `send` inserts the item and
// NOTIFYs INBOX_CHANNEL with the session id in the same transaction (the notification goes out at commit, so a woken
// worker finds the row). The owner takes the session's untaken items in id order under its lease fence: the fence
// check and the marking are one transaction, so each item is taken once, by a worker that held the lease when it
// took it; a worker that lost the lease is refused (FencedError) and takes nothing, and what it left untaken goes to
// the next holder.
//
// Delivery is at most once per item: an owner that dies after taking an item and before acting on it loses that
// item (the next owner resumes the session's turn from the stored messages, not from the inbox).
import type pg from "pg";
import type { PermissionReply, PromptInput } from "../protocol/index.js";
import type { LeaseFence } from "./port.js";
import { checkFence } from "./postgres-leases.js";

export const INBOX_CHANNEL = "moor_inbox";

export type InboxCommand =
  | { kind: "prompt"; prompt: PromptInput }
  | { kind: "abort" }
  | { kind: "permission"; requestID: string; reply: PermissionReply };

export interface InboxItem {
  /** Increasing in insertion order, across sessions. */
  id: number;
  sessionID: string;
  command: InboxCommand;
}

type Run = <T>(op: (client: pg.Client) => Promise<T>) => Promise<T>;

export class PostgresInbox {
  private readonly watchers = new Set<(sessionID: string) => void>();

  constructor(private readonly run: Run) {}

  /** Queues `command` for the session's owner; resolves with the item's id once committed. */
  send(sessionID: string, command: InboxCommand): Promise<number> {
    const { kind, ...body } = command;
    return this.run(async (client) => {
      await client.query("BEGIN");
      try {
        const { rows } = await client.query<{ id: string }>(
          "INSERT INTO session_inbox (session_id, kind, body) VALUES ($1, $2, $3) RETURNING id",
          [sessionID, kind, JSON.stringify(body)],
        );
        await client.query("SELECT pg_notify($1, $2)", [INBOX_CHANNEL, sessionID]);
        await client.query("COMMIT");
        return Number(rows[0].id);
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {});
        throw error;
      }
    });
  }

  /**
   * Takes (at most `limit` of) the session's untaken items, oldest first, if `fence` still holds the lease; else
   * rejects with FencedError and takes nothing.
   */
  take(fence: LeaseFence, limit = 100): Promise<InboxItem[]> {
    return this.run(async (client) => {
      await client.query("BEGIN");
      try {
        await checkFence(client, fence);
        const { rows } = await client.query<{ id: string; kind: string; body: string }>(
          `UPDATE session_inbox SET taken_by = $2, taken_epoch = $3, time_taken = now()
           WHERE taken_by IS NULL AND id IN (
             SELECT id FROM session_inbox WHERE session_id = $1 AND taken_by IS NULL ORDER BY id LIMIT $4 FOR UPDATE
           )
           RETURNING id, kind, body`,
          [fence.sessionID, fence.workerID, fence.epoch, limit],
        );
        await client.query("COMMIT");
        return rows
          .map((row) => ({
            id: Number(row.id),
            sessionID: fence.sessionID,
            command: { kind: row.kind, ...JSON.parse(row.body) } as InboxCommand,
          }))
          .sort((a, b) => a.id - b.id);
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {});
        throw error;
      }
    });
  }

  /** The sessions leased by `workerID` (live leases) that have untaken items: the poll behind the notifications. */
  pendingFor(workerID: string): Promise<string[]> {
    return this.run(async (client) => {
      const { rows } = await client.query<{ session_id: string }>(
        `SELECT DISTINCT i.session_id FROM session_inbox i JOIN session_lease l ON l.session_id = i.session_id
         WHERE i.taken_by IS NULL AND l.worker_id = $1 AND l.expires_at > now()
         ORDER BY i.session_id`,
        [workerID],
      );
      return rows.map((row) => row.session_id);
    });
  }

  /**
   * Calls `wake(sessionID)` whenever an item is sent for a session (any session: the caller checks it owns it), via
   * LISTEN on the store's connection. Notifications can be lost with a connection, so a worker also polls
   * `pendingFor`. Returns stop.
   */
  async watch(wake: (sessionID: string) => void): Promise<() => void> {
    if (this.watchers.size === 0) await this.run((client) => client.query(`LISTEN ${INBOX_CHANNEL}`));
    this.watchers.add(wake);
    return () => {
      if (!this.watchers.delete(wake) || this.watchers.size > 0) return;
      void this.run((client) => client.query(`UNLISTEN ${INBOX_CHANNEL}`)).catch(() => {});
    };
  }

  /** A notification on INBOX_CHANNEL arrived (the store's connection dispatches it here). */
  notified(sessionID: string): void {
    for (const wake of this.watchers) wake(sessionID);
  }
}
