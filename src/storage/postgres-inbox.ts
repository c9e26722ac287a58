// The per-session inbox of cluster mode (issue 20 §2; table in postgres-migrations/003_inbox.sql): how an API node
// passes a prompt, an abort or a permission answer to the worker that owns the session. `send` inserts the item and
// NOTIFYs INBOX_CHANNEL with the session id in the same transaction (the notification goes out at commit, so a woken
// worker finds the row). The owner takes the session's untaken items in id order under its lease fence: the fence
// check and the marking are one transaction, so each item is taken once, by a worker that held the lease when it
// took it; a worker that lost the lease is refused (FencedError) and takes nothing, and what it left untaken goes to
// the next holder.
//
// Delivery is at most once per item: an owner that dies after taking an item and before acting on it does not hand
// the item to the next owner as new; the next owner resumes the session's turn from the stored messages and finishes
// the items the dead owner left unfinished (`unfinished`) with the resumed turn's result.
//
// Results (migration 004): the owner writes what an item came to (`finish`) and NOTIFYs DONE_CHANNEL with its id; the
// node that sent it waits for it (`result`: the notification wakes it, a poll catches a lost one). Workers delete
// finished items after a while (`sweep`).
import { createHash } from "node:crypto";
import type pg from "pg";
import type { OwnerCommand, OwnerResult, PermissionRequest, Session } from "../protocol/index.js";
import { FencedError, type LeaseFence } from "./port.js";
import type { HistoryRow, PostgresHistories } from "./postgres-history.js";
import { fenceCheckStatement, servesDirectory } from "./postgres-leases.js";
import { escapeLiteral, inline, transactionInOneQuery } from "./postgres-literals.js";

export const INBOX_CHANNEL = "moor_inbox";
export const DONE_CHANNEL = "moor_inbox_done";
/** How often a node waiting for results looks for them without a notification. */
const RESULT_POLL_MS = 500;

export type InboxCommand = OwnerCommand;

export interface InboxItem {
  /** Increasing in insertion order, across sessions. */
  id: number;
  sessionID: string;
  command: InboxCommand;
}

type Run = <T>(op: (client: pg.Client) => Promise<T>) => Promise<T>;

/** An item's result, and (when known) the last event id its owner had committed when it finished the item. */
export interface FinishedItem {
  result: OwnerResult;
  eventsUpTo?: number;
}

/** PostgreSQL refuses a notification payload of 8000 bytes or more; a larger result is read from its row. */
const MAX_PAYLOAD_BYTES = 7900;

/**
 * A DONE_CHANNEL payload: `<item id> <last event id> <result JSON>`, so the waiting node needs no read to answer;
 * the item id alone when the result is too large to carry.
 */
function donePayload(itemID: number, eventsUpTo: number, result: string): string {
  const payload = `${itemID} ${eventsUpTo} ${result}`;
  return Buffer.byteLength(payload) <= MAX_PAYLOAD_BYTES ? payload : String(itemID);
}

function splitDonePayload(payload: string): [number, number | undefined, string | undefined] {
  const first = payload.indexOf(" ");
  if (first === -1) return [Number(payload), undefined, undefined];
  const second = payload.indexOf(" ", first + 1);
  return [Number(payload.slice(0, first)), Number(payload.slice(first + 1, second)), payload.slice(second + 1)];
}

interface ItemRow {
  id: string;
  kind: string;
  body: string;
}

/** What takeWithSession answers: the items taken, and the session's row and pending questions as of the take. */
export interface InboxTake {
  items: InboxItem[];
  session: Session | undefined;
  pending: PermissionRequest[];
}

/**
 * The channel only `workerID` listens on: items for the sessions it holds wake it alone. A hash, because a channel
 * name is at most 63 bytes and a worker id is not bounded.
 */
export function workerInboxChannel(workerID: string): string {
  return `${INBOX_CHANNEL}_${createHash("md5").update(workerID).digest("hex")}`;
}

/**
 * The statement that queues an item and NOTIFYs its session's owner; its answer is the item's id. A session leased
 * live is notified on its owner's channel (workerInboxChannel, computed alike), so the other workers are not woken on
 * every prompt to race for a lease they cannot get; an unowned one on INBOX_CHANNEL, where every worker races for it.
 * An owner that releases the lease meanwhile still gets the notification and acquires the lease again; one that died
 * leaves a lease that lapses, and the others' poll (`pendingUnowned`, `lapsed`) takes the session over.
 */
const SEND_TEXT = `WITH item AS (INSERT INTO session_inbox (session_id, kind, body) VALUES ($1, $2, $3) RETURNING id)
  SELECT id, pg_notify(COALESCE(
    (SELECT $4 || '_' || md5(worker_id) FROM session_lease WHERE session_id = $1 AND expires_at > now()), $4), $1)
  FROM item`;

function sendValues(sessionID: string, command: InboxCommand): unknown[] {
  const { kind, ...body } = command;
  return [sessionID, kind, JSON.stringify(body), INBOX_CHANNEL];
}

/** send's statement with its values inlined, for a commit's transaction (PostgresStore's CommitOptions.inbox). */
export function sendStatement(sessionID: string, command: InboxCommand): string {
  return inline(SEND_TEXT, sendValues(sessionID, command));
}

/** finish's statement: records the result once, while the fence holds, and NOTIFYs DONE_CHANNEL with $7. */
const FINISH_TEXT = `WITH done AS (
     UPDATE session_inbox SET result = $2, time_done = now()
     WHERE id = $1 AND time_done IS NULL AND session_id = $3 AND EXISTS (
       SELECT 1 FROM session_lease WHERE session_id = $3 AND worker_id = $4 AND epoch = $5 FOR SHARE)
     RETURNING id)
   SELECT pg_notify($6, $7) FROM done`;

/**
 * finish's statement with its values inlined, for a commit's transaction (PostgresStore.finishWithCommit). The
 * payload's last event id is `eventsUpTo`, an SQL expression: the commit's own last event id when it writes events
 * (they are announced together with the result, so the waiting node answers only once it has them).
 */
export function finishStatement(itemID: number, result: OwnerResult, fence: LeaseFence, eventsUpTo: string): string {
  const stored = JSON.stringify(result);
  // 20 digits: the longest a bigint event id can be, so the payload fits whatever the id.
  const fits = donePayload(itemID, 10 ** 19, stored) !== String(itemID);
  const values = [itemID, stored, fence.sessionID, fence.workerID, fence.epoch, DONE_CHANNEL];
  const payload = fits
    ? `${escapeLiteral(`${itemID} `)} || (${eventsUpTo})::text || ${escapeLiteral(` ${stored}`)}`
    : escapeLiteral(String(itemID));
  // The payload goes in after inlining, so no `$n` in the result's text is taken for a placeholder.
  const [head, tail] = FINISH_TEXT.split("$7");
  return `${inline(head, values)}${payload}${inline(tail, values)}`;
}

function itemsOf(result: pg.QueryResult, sessionID: string): InboxItem[] {
  return (result.rows as ItemRow[]).map((row) => itemFrom(row, sessionID)).sort((a, b) => a.id - b.id);
}

function itemFrom(row: ItemRow, sessionID: string): InboxItem {
  return { id: Number(row.id), sessionID, command: { kind: row.kind, ...JSON.parse(row.body) } as InboxCommand };
}

export class PostgresInbox {
  private readonly watchers = new Set<(sessionID: string) => void>();
  /** The channels watch LISTENs on. */
  private channels = new Set<string>();
  /** Items this node waits for the result of, by id. */
  private readonly waiting = new Map<number, { resolve(finished: FinishedItem): void; reject(error: Error): void }>();
  private resultPoll: NodeJS.Timeout | undefined;
  private listeningDone = false;

  /**
   * `lastEventId`: the last event id this node's store has announced; a finishing owner's commits are all in it, so
   * the waiting node knows how far its event stream must be before it answers (finished).
   */
  constructor(
    private readonly run: Run,
    private readonly lastEventId: () => number,
    /** The session row as the take read it, at its row version: the store keeps it for the turn's edits. */
    private readonly sessionRead: (id: string, data: string, version: string) => Session,
    /** The session's history, read in the take's transaction for the turn it starts (PostgresHistories.prime). */
    private readonly histories: PostgresHistories,
  ) {}

  /** Queues `command` for the session's owner; resolves with the item's id once committed. */
  send(sessionID: string, command: InboxCommand): Promise<number> {
    return this.run(async (client) => {
      // One statement: the item and its notification commit together, in one round trip.
      const { rows } = await client.query<{ id: string }>(SEND_TEXT, sendValues(sessionID, command));
      return Number(rows[0].id);
    });
  }

  /**
   * Takes the session's items as take does, with what a worker reads before it runs a turn, in the same round trip:
   * the session's row and its pending questions (the orphans a new turn closes).
   */
  takeWithSession(fence: LeaseFence, limit = 100): Promise<InboxTake> {
    return this.run(async (client) => {
      const results = await this.taking(client, fence, limit, true);
      const session = results[2].rows[0] as { data: string; version: string } | undefined;
      // Read for the turn the take starts; a take that starts none leaves it to age out.
      this.histories.prime(fence.sessionID, results[4].rows as HistoryRow[]);
      return {
        items: itemsOf(results[1], fence.sessionID),
        session: session ? this.sessionRead(fence.sessionID, session.data, session.version) : undefined,
        pending: (results[3].rows as { data: string }[]).map((row) => JSON.parse(row.data) as PermissionRequest),
      };
    });
  }

  /**
   * Takes (at most `limit` of) the session's untaken items, oldest first, if `fence` still holds the lease; else
   * rejects with FencedError and takes nothing.
   */
  take(fence: LeaseFence, limit = 100): Promise<InboxItem[]> {
    return this.run(async (client) => itemsOf((await this.taking(client, fence, limit, false))[1], fence.sessionID));
  }

  private async taking(client: pg.Client, fence: LeaseFence, limit: number, withSession: boolean) {
    // One round trip: the fence check (which fails the transaction with moor_check's message) and the marking.
    const statements = [
      fenceCheckStatement(fence, "moor:fenced"),
      inline(
        `UPDATE session_inbox SET taken_by = $2, taken_epoch = $3, time_taken = now()
         WHERE taken_by IS NULL AND id IN (
           SELECT id FROM session_inbox WHERE session_id = $1 AND taken_by IS NULL ORDER BY id LIMIT $4 FOR UPDATE
         )
         RETURNING id, kind, body`,
        [fence.sessionID, fence.workerID, fence.epoch, limit],
      ),
    ];
    if (withSession) {
      statements.push(
        inline("SELECT data, xmin::text AS version FROM session WHERE id = $1", [fence.sessionID]),
        inline("SELECT data FROM permission WHERE session_id = $1 AND status = 'pending' ORDER BY id", [
          fence.sessionID,
        ]),
        this.histories.inlineRead(fence.sessionID),
      );
    }
    try {
      return await transactionInOneQuery(client, statements);
    } catch (error) {
      if ((error as Error).message === "moor:fenced") throw new FencedError(fence);
      throw error;
    }
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
   * Calls `wake(sessionID)` whenever an item is sent for a session `workerID` holds or nobody holds (the caller
   * checks which), via LISTEN on the store's connection: INBOX_CHANNEL and the worker's own channel. Notifications
   * can be lost with a connection, so a worker also polls `pendingFor`. One worker per store. Returns stop.
   */
  async watch(workerID: string, wake: (sessionID: string) => void): Promise<() => void> {
    const channels = [INBOX_CHANNEL, workerInboxChannel(workerID)];
    if (this.watchers.size === 0) {
      await this.run((client) => client.query(channels.map((channel) => `LISTEN "${channel}";`).join(" ")));
      this.channels = new Set(channels);
    }
    this.watchers.add(wake);
    return () => {
      if (!this.watchers.delete(wake) || this.watchers.size > 0) return;
      this.channels = new Set();
      void this.run((client) => client.query(channels.map((channel) => `UNLISTEN "${channel}";`).join(" "))).catch(
        () => {},
      );
    };
  }

  /** Whether a notification on `channel` is an inbox item for this node's worker. */
  isInboxChannel(channel: string): boolean {
    return this.channels.has(channel);
  }

  /**
   * Sessions with untaken items whose lease nobody holds live, in the directories `workerID` serves: new work for
   * whichever eligible worker acquires the lease first (the poll behind the notifications).
   */
  pendingUnowned(workerID: string): Promise<string[]> {
    return this.run(async (client) => {
      const { rows } = await client.query<{ session_id: string }>(
        `SELECT DISTINCT i.session_id FROM session_inbox i
         JOIN session s ON s.id = i.session_id JOIN worker w ON w.id = $1
         LEFT JOIN session_lease l ON l.session_id = i.session_id
         WHERE i.taken_by IS NULL AND (l.session_id IS NULL OR l.expires_at < now())
           AND ${servesDirectory("w.directories", "s.directory")}
         ORDER BY i.session_id`,
        [workerID],
      );
      return rows.map((row) => row.session_id);
    });
  }

  /** The session's items taken by an earlier owner (an older epoch than `fence`'s) and never finished, oldest first. */
  unfinished(fence: LeaseFence): Promise<InboxItem[]> {
    return this.run(async (client) => {
      const { rows } = await client.query<ItemRow>(
        `SELECT id, kind, body FROM session_inbox
         WHERE session_id = $1 AND taken_by IS NOT NULL AND time_done IS NULL AND taken_epoch < $2 ORDER BY id`,
        [fence.sessionID, fence.epoch],
      );
      return rows.map((row) => itemFrom(row, fence.sessionID));
    });
  }

  /**
   * Records what an item came to and wakes the node waiting for it, once (the first result stands), and only while
   * `fence` holds the item's session: an owner that lost the session (paused, then taken over) does not answer for
   * the turn the next owner resumes. Resolves false when nothing was recorded.
   */
  finish(itemID: number, result: OwnerResult, fence: LeaseFence): Promise<boolean> {
    return this.run(async (client) => {
      const stored = JSON.stringify(result);
      // One statement, so one round trip and one transaction: the row and its notification go out together.
      const { rowCount } = await client.query(FINISH_TEXT, [
        itemID,
        stored,
        fence.sessionID,
        fence.workerID,
        fence.epoch,
        DONE_CHANNEL,
        donePayload(itemID, this.lastEventId(), stored),
      ]);
      return rowCount === 1;
    });
  }

  /**
   * Deletes the items finished more than `keepMs` ago; resolves with how many. Their result has been read by then
   * (a waiting node hears of it at once, or within a poll), and without this the table grew with every command a
   * cluster ever passed. Items not taken or not finished stay whatever their age: a next owner still needs them.
   */
  sweep(keepMs: number): Promise<number> {
    return this.run(async (client) => {
      const { rowCount } = await client.query(
        "DELETE FROM session_inbox WHERE time_done < now() - make_interval(secs => $1)",
        [keepMs / 1000],
      );
      return rowCount ?? 0;
    });
  }

  /** Resolves with the item's result once its owner has finished it (it may wait as long as the turn runs). */
  async result(itemID: number): Promise<OwnerResult> {
    return (await this.finished(itemID)).result;
  }

  /**
   * Like result, with the last event id the owner had committed when it finished the item (when its notification
   * said so): the item's events are all at or before it.
   */
  async finished(itemID: number): Promise<FinishedItem> {
    const listening = this.listeningDone;
    if (!listening) {
      this.listeningDone = true;
      await this.run((client) => client.query(`LISTEN ${DONE_CHANNEL}`));
    }
    const finished = new Promise<FinishedItem>((resolve, reject) => this.waiting.set(itemID, { resolve, reject }));
    if (!this.resultPoll) {
      this.resultPoll = setInterval(() => void this.pollResults(), RESULT_POLL_MS);
      this.resultPoll.unref();
    }
    // Finished before we listened? (Once listening, the item — sent before this call — is finished after, and
    // its notification comes; the poll above is the net for a lost one.)
    if (!listening) void this.pollResults([itemID]);
    return finished;
  }

  /** Fails every wait (the store is closing). */
  abandonWaits(error: Error): void {
    clearInterval(this.resultPoll);
    this.resultPoll = undefined;
    for (const [id, waiter] of this.waiting) {
      this.waiting.delete(id);
      waiter.reject(error);
    }
  }

  private async pollResults(ids = [...this.waiting.keys()]): Promise<void> {
    if (ids.length === 0) {
      clearInterval(this.resultPoll);
      this.resultPoll = undefined;
      return;
    }
    const rows = await this.run(async (client) => {
      const answer = await client.query<{ id: string; result: string }>(
        "SELECT id, result FROM session_inbox WHERE id = ANY($1::bigint[]) AND time_done IS NOT NULL",
        [ids],
      );
      return answer.rows;
    }).catch(() => []);
    for (const row of rows) {
      const waiter = this.waiting.get(Number(row.id));
      if (!waiter) continue;
      this.waiting.delete(Number(row.id));
      waiter.resolve({ result: JSON.parse(row.result) as OwnerResult });
    }
  }

  /** A notification on DONE_CHANNEL arrived (its payload, donePayload's): the item's result is stored. */
  doneNotified(payload: string): void {
    const [id, eventsUpTo, result] = splitDonePayload(payload);
    const waiter = this.waiting.get(id);
    if (!waiter) return;
    if (result === undefined) {
      void this.pollResults([id]);
      return;
    }
    this.waiting.delete(id);
    waiter.resolve({ result: JSON.parse(result) as OwnerResult, eventsUpTo });
  }

  /** A notification on an inbox channel arrived (the store's connection dispatches it here). */
  notified(sessionID: string): void {
    for (const wake of this.watchers) wake(sessionID);
  }
}
