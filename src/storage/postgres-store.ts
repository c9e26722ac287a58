// The PostgreSQL store (cluster mode, DESIGN.md §8): the same port and the same promises as the SQLite store
// (sqlite-store.ts), on one `pg` connection. `pg` is loaded by `open` with a dynamic import, so the embedded path
// never loads it.
//
// Ordering. Every operation of this node, commits and reads alike, runs through one queue on one connection, one at
// a time (nothing is pipelined): commits are applied in the order they were called, a commit's events are handed to
// the listeners as soon as it has committed and before the next operation starts, and a read's answer reflects
// exactly the commits announced before it arrived (readAt takes the position then).
//
// The event log. Each commit's events are rows of `event` in the same transaction as its rows. Their ids must
// become visible in id order, or a node reading "events after the last id I saw" could skip one that commits late:
// a plain sequence hands out ids at insert time, and transactions commit in another order. So the ids are taken
// at the end of the transaction under a transaction-level advisory lock, which PostgreSQL releases only after the
// commit is visible: the next committer gets larger ids and cannot commit them before ours. Commits without events
// take no lock; the lock is held for the last two round trips of a commit only. Ids may have gaps (a commit that
// failed after taking its ids), never reorderings.
//
// Following other nodes (follow): LISTEN on `moor_event` wakes the node (every commit with events NOTIFYs), a short
// poll catches what a lost notification missed; either reads the events after the last id this node has seen and
// hands them to the listeners in id order, one call per commit, with the commit's scope.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type pg from "pg";
import type {
  EventMap,
  MessageInfo,
  MessageWithParts,
  OwnerCommand,
  OwnerResult,
  Part,
  PermissionRequest,
  Session,
  Todo,
} from "../protocol/index.js";
import { type Migration, readMigrations } from "./migrate.js";
import {
  type CommitListener,
  type CommittedEvent,
  type EventScope,
  FencedError,
  IdConflictError,
  type LeaseFence,
  type PermissionStatus,
  type RunningMessage,
  type SessionListQuery,
  type SessionPage,
  StaleRowError,
  type Store,
  type StoredPermission,
  type StoreWrites,
} from "./port.js";
import { PostgresHistories } from "./postgres-history.js";
import { DONE_CHANNEL, finishStatement, PostgresInbox, sendStatement } from "./postgres-inbox.js";
import { fenceCheckStatement, PostgresLeases } from "./postgres-leases.js";
import { escapeLiteral, inline, preparedQuery, transactionInOneQuery } from "./postgres-literals.js";
import { LOCK_KEYS, MOOR_LOCK_CLASS, migratePostgres } from "./postgres-migrate.js";
import { DEFAULT_OWNER_TIMINGS, type OwnerTimings, PostgresOwners } from "./postgres-owners.js";
import { decodeSessionCursor, encodeSessionCursor } from "./session-cursor.js";
import { titleSearchWords } from "./session-search.js";

export const EVENT_CHANNEL = "moor_event";

/** Beside this file (src/ and dist/storage/), or dist/storage/ seen from the bundle in dist/bundle/. */
function migrationsDir(): string {
  return [new URL("./postgres-migrations", import.meta.url), new URL("../storage/postgres-migrations", import.meta.url)]
    .map((url) => fileURLToPath(url))
    .find((dir) => existsSync(dir)) as string;
}

export interface PostgresStoreOptions {
  /** The migrations to apply; by default postgres-migrations/ beside the code. */
  migrations?: Migration[];
  owners?: OwnerTimings;
  /** Told when the connection fails (serve logs it); the operations waiting fail with the error. */
  onError?: (error: Error) => void;
  /**
   * Cluster mode: the server ends this connection when it sits inside a transaction this long (PostgreSQL's
   * idle_in_transaction_session_timeout). A node paused mid-commit (SIGSTOP, a swap storm) would otherwise hold the
   * lease row (no takeover) and the event-id lock (no node commits an event) until it wakes; ended, its transaction
   * rolls back and the node finds its connection gone when it wakes, writing nothing.
   */
  idleInTransactionMs?: number;
  /**
   * Cluster mode: a commit's notification carries its events when they fit (eventPayloads), so the API nodes that
   * follow the log announce them without reading them back. Off for a single server, which nobody follows.
   */
  notifyEvents?: boolean;
}

export interface CommitOptions {
  /**
   * Cluster mode: commit only if this worker still holds the session's lease at this epoch, checked in the commit's
   * transaction (postgres-leases.ts); else the commit rejects with FencedError and writes nothing, rows or events.
   */
  fence?: LeaseFence;
  /**
   * Cluster mode, API nodes: also queues `command` in the session's inbox, in the same transaction (one round trip
   * for a prompt's user message and its turn's item); `queued` is told the item's id once committed.
   */
  inbox?: {
    sessionID: string;
    command: OwnerCommand;
    queued(itemID: number): void;
    /**
     * The session as the sender had it from announcedSession: the commit writes only if the row is still that
     * (else StaleRowError, and nothing is written: the sender reads the row and tries again).
     */
    basedOn?: Session;
  };
  /**
   * The commit may wait up to DEFER_MS for the next one, to share its transaction (a worker's relayed statuses: the
   * busy status at a turn's start went alone, a round trip ahead of the turn's history read). It keeps its place:
   * its events come before those of any commit called after it. Reads called meanwhile do not wait for it.
   */
  defer?: boolean;
}

/** The longest a deferred commit waits for another to share its transaction. */
const DEFER_MS = 25;
/** The longest a result (finishWithCommit) waits for a commit of its session with events. */
const FINISH_WAIT_MS = 1000;

/**
 * One write of a commit: a statement with its values, run inside the commit's transaction. With `conflict`, a write
 * that changes no row is refused (an id of another session): the statement is wrapped to fail the transaction, and
 * the commit rejects with IdConflictError(conflict).
 */
interface Write {
  text: string;
  values: unknown[];
  conflict?: string;
  /** A session row written only if unchanged since read (putSession's basedOn): else StaleRowError(stale). */
  stale?: string;
}

/** How many sessions' rows getSessionForEdit keeps as last read (the sessions a node edits are the recent ones). */
const SESSION_ROWS_KEPT = 256;

/** A commit waiting for the connection: its writes and events, collected when it was called. */
interface CommitJob {
  scope: EventScope;
  writes: Write[];
  events: CommittedEvent[];
  running: boolean;
  fence?: LeaseFence;
  inbox?: CommitOptions["inbox"];
  /** An inbox item's result, recorded in this transaction (finishWithCommit); `recorded` is told if it was. */
  finish?: { itemID: number; result: OwnerResult; fence: LeaseFence; since: number; recorded(done: boolean): void };
  resolve(): void;
  reject(error: unknown): void;
}

/** At most this many commits share one transaction. */
const GROUP_LIMIT = 64;

/** Whether `text` names a PostgreSQL database (`--store`, config `store`, MOOR_STORE_URL). */
export function isPostgresUrl(text: string): boolean {
  return /^postgres(ql)?:\/\//i.test(text);
}

export class PostgresStore implements Store {
  private readonly listeners = new Set<CommitListener>();
  private tail: Promise<unknown> = Promise.resolve();
  /** The largest event id this node has handed to its listeners (or skipped as before its start). */
  private lastSeen = 0;
  private following: { stop(): void } | undefined;
  private catchUpQueued = false;
  /** The largest event id named by the notifications since the queued catch-up was queued (infinite: a poll's). */
  private catchUpTarget = 0;
  /** The notifications carrying their commit's events since the queued catch-up was queued, unparsed, in order. */
  private notified: string[] = [];
  /** Commits waiting for the connection, in call order (runCommits writes them, grouped). */
  private readonly commitJobs: CommitJob[] = [];
  private commitRunnerQueued = false;
  /** Set while only deferred commits wait: it starts their run. */
  private deferTimer: NodeJS.Timeout | undefined;
  private broken: Error | undefined;
  private closed = false;
  readonly owners: PostgresOwners;
  /** Workers and session leases (cluster mode), on this store's connection and queue. */
  readonly leases: PostgresLeases;
  /** Commands for a session's owner (cluster mode), on this store's connection and queue. */
  readonly inbox: PostgresInbox;
  private readonly histories = new PostgresHistories();
  /**
   * The session rows this node read last (getSession, a worker's take), with their row version (xmin), until this
   * node writes the row: getSessionForEdit answers from it. Kept as text, so every edit starts from its own copy.
   */
  private readonly sessionRows = new Map<string, { data: string; version: string }>();
  /** The row version each Session object handed out was read at: a putSession based on it is conditional. */
  private readonly sessionVersions = new WeakMap<Session, string>();
  /**
   * Following the log (API nodes): each session's row as its last announced session.updated gave it, as text
   * (announcedSession); and the text each Session handed out from it had, which a commit based on it checks.
   */
  private readonly announcedRows = new Map<string, string>();
  private readonly announcedCopies = new WeakMap<Session, string>();

  private readonly notifyEvents: boolean;

  private constructor(
    private readonly client: pg.Client,
    options: PostgresStoreOptions,
  ) {
    this.notifyEvents = options.notifyEvents === true;
    this.owners = new PostgresOwners((op) => this.enqueue(op), options.owners ?? DEFAULT_OWNER_TIMINGS);
    this.leases = new PostgresLeases((op) => this.enqueue(op));
    this.inbox = new PostgresInbox(
      (op) => this.enqueue(op),
      () => this.lastSeen,
      (id, data, version) => this.rememberSession(id, data, version),
      this.histories,
    );
    client.on("error", (error) => {
      this.broken = error;
      this.owners.stop();
      options.onError?.(error);
    });
    client.on("notification", (message) => {
      // The payload starts with the commit's last event id ('' from a node before that was sent: read whatever is
      // new), and may carry the commit's events (eventPayloads).
      if (message.channel === EVENT_CHANNEL) this.scheduleCatchUp(lastIdOf(message.payload ?? ""), message.payload);
      else if (this.inbox.isInboxChannel(message.channel) && message.payload) this.inbox.notified(message.payload);
      else if (message.channel === DONE_CHANNEL && message.payload) this.inbox.doneNotified(message.payload);
    });
  }

  /** Connects, migrates, and starts at the end of the event log (only later commits are announced). */
  static async open(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const { default: pgModule } = await import("pg");
    const client = new pgModule.Client({ connectionString: url });
    // Until the store listens, a connection error must not go unhandled (it would end the process).
    const early = (error: Error) => void error;
    client.on("error", early);
    try {
      await client.connect();
      if (options.idleInTransactionMs !== undefined) {
        await client.query(
          `SET idle_in_transaction_session_timeout = ${Math.max(1, Math.floor(options.idleInTransactionMs))}`,
        );
      }
      await migratePostgres(client, options.migrations ?? readMigrations(migrationsDir()));
      const { rows } = await client.query<{ last: string }>("SELECT coalesce(max(id), 0) AS last FROM event");
      const store = new PostgresStore(client, options);
      store.lastSeen = Number(rows[0].last);
      client.off("error", early);
      return store;
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
  }

  /** Runs `op` after every operation queued before it, alone on the connection. */
  private enqueue<T>(op: (client: pg.Client) => Promise<T>): Promise<T> {
    const run = this.tail.then(() => {
      if (this.broken) throw this.broken;
      if (this.closed) throw new Error("the store is closed");
      return op(this.client);
    });
    this.tail = run.catch(() => {});
    return run;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Deferred commits go out before the connection ends.
    if (this.deferTimer) this.queueCommitRunner();
    this.following?.stop();
    this.inbox.abandonWaits(new Error("the store is closed"));
    await this.enqueue((client) => this.owners.release(client)).catch(() => {});
    this.closed = true;
    this.owners.stop();
    await this.tail;
    await this.client.end().catch(() => {});
  }

  commit<T>(scope: EventScope, write: (tx: StoreWrites) => T, options: CommitOptions = {}): Promise<T> {
    const writes: Write[] = [];
    const events: CommittedEvent[] = [];
    let running = false;
    let result: T;
    try {
      result = write(this.collect(writes, events, () => (running = true)));
    } catch (error) {
      return Promise.reject(error);
    }
    if (writes.length > 0) this.histories.forgetPrimed();
    return new Promise<T>((resolve, reject) => {
      this.commitJobs.push({
        scope,
        writes,
        events,
        running,
        fence: options.fence,
        inbox: options.inbox,
        resolve: () => resolve(result),
        reject,
      });
      if (options.defer && !this.commitRunnerQueued) this.deferRun();
      else this.queueCommitRunner();
    });
  }

  /**
   * Cluster mode, workers: PostgresInbox.finish, riding in the transaction of the session's next commit with events
   * (within FINISH_WAIT_MS; alone after that), so a turn's result and its end-of-turn commits (the idle status, the
   * touch) cost one round trip, not two. The result's notification names the transaction's last event id, so the
   * node waiting for it answers only once it has announced those commits. Resolves false when nothing was recorded
   * (finish's rules).
   */
  finishWithCommit(itemID: number, result: OwnerResult, fence: LeaseFence): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      let done = false;
      this.commitJobs.push({
        scope: { directory: "", sessionID: fence.sessionID },
        writes: [],
        events: [],
        running: false,
        finish: { itemID, result, fence, since: Date.now(), recorded: (recorded) => (done = recorded) },
        resolve: () => resolve(done),
        reject,
      });
      if (!this.commitRunnerQueued) this.deferRun();
    });
  }

  /** Starts the waiting commits' run in DEFER_MS, unless a commit not deferred starts it first. */
  private deferRun(): void {
    if (this.deferTimer) return;
    this.deferTimer = setTimeout(() => this.queueCommitRunner(), DEFER_MS);
  }

  /** Queues one run of the commits waiting (see runCommits), unless one is queued already. */
  private queueCommitRunner(): void {
    clearTimeout(this.deferTimer);
    this.deferTimer = undefined;
    if (this.commitRunnerQueued) return;
    this.commitRunnerQueued = true;
    this.enqueue((client) => this.runCommits(client)).catch((error: Error) => {
      // The connection is gone or the store closed: every commit waiting fails with it.
      for (const job of this.commitJobs.splice(0)) job.reject(error);
    });
  }

  /**
   * The next group's commits, and the next run arranged for those left. A result (finishWithCommit) goes with a
   * commit of its session that has events (the end of its turn: the idle status, the touch), after them, so its
   * notification names their ids; it waits for one up to FINISH_WAIT_MS, alone after that.
   */
  private takeJobs(): CommitJob[] {
    const taken = this.commitJobs.splice(0, GROUP_LIMIT);
    const withEvents = new Set(taken.flatMap((job) => (job.events.length > 0 ? [job.scope.sessionID] : [])));
    const now = Date.now();
    const jobs: CommitJob[] = [];
    const finishing: CommitJob[] = [];
    const waiting: CommitJob[] = [];
    for (const job of taken) {
      if (!job.finish) jobs.push(job);
      else if (withEvents.has(job.finish.fence.sessionID) || now - job.finish.since >= FINISH_WAIT_MS)
        finishing.push(job);
      else waiting.push(job);
    }
    this.commitJobs.unshift(...waiting);
    if (this.commitJobs.some((job) => !job.finish)) this.queueCommitRunner();
    else if (this.commitJobs.length > 0) this.deferRun();
    return [...jobs, ...finishing];
  }

  /**
   * Group commit: the commits waiting when the connection comes free are written in one transaction (up to
   * GROUP_LIMIT), so a node whose round trips are slow sends fewer of them the more it has to write — a streaming
   * step's commits pile up behind one another otherwise. Each keeps its own events and scope, announced in order
   * once the group committed. If the group fails, each commit is tried alone, so one refused write (an id
   * conflict, a lost lease) fails only its own commit.
   */
  private async runCommits(client: pg.Client): Promise<void> {
    this.commitRunnerQueued = false;
    const jobs = this.takeJobs();
    if (jobs.length === 0) return;
    if (jobs.some((job) => job.running)) await this.owners.register(client);
    // Only the write is retried alone: a group that committed is announced once, whatever happens then.
    const grouped = jobs.length > 1 ? await this.writeJobs(client, jobs).catch(() => undefined) : undefined;
    if (grouped) return this.announceJobs(client, jobs, grouped);
    // A result rides on its session's commits and stands or falls with them: one that failed before it fails it too
    // (its turn's last write may be among them: the turn's caller must not hear it went well), in this group or
    // waiting for the next. An edit refused as stale is redone by its caller on a fresh read
    // (SessionService.editSession): the result waits for the redo.
    const failed = new Map<string, unknown>();
    for (const job of jobs) {
      const sessionID = job.scope.sessionID ?? "";
      if (job.finish && failed.has(sessionID)) {
        const error = failed.get(sessionID);
        if (!(error instanceof StaleRowError)) job.reject(error);
        else {
          this.commitJobs.unshift(job);
          if (!this.commitRunnerQueued) this.deferRun();
        }
        continue;
      }
      let ids: number[][];
      try {
        ids = await this.writeJobs(client, [job]);
      } catch (error) {
        job.reject(error);
        if (!failed.has(sessionID)) failed.set(sessionID, error);
        if (!(error instanceof StaleRowError)) this.failWaitingResults(sessionID, error);
        continue;
      }
      await this.announceJobs(client, [job], ids);
    }
  }

  /** Fails the results (finishWithCommit) waiting to ride on a later commit of the session. */
  private failWaitingResults(sessionID: string, error: unknown): void {
    for (let at = this.commitJobs.length - 1; at >= 0; at--) {
      const job = this.commitJobs[at];
      if (job.finish?.fence.sessionID !== sessionID) continue;
      this.commitJobs.splice(at, 1);
      job.reject(error);
    }
  }

  /**
   * Writes the jobs' rows and events in one transaction, sent as one query (one round trip: BEGIN, the fence
   * checks, the writes, the event ids and rows, COMMIT); each job's event ids. Values are inlined as literals
   * escaped by the driver (the simple protocol that runs several statements at once takes no parameters).
   */
  private async writeJobs(client: pg.Client, jobs: CommitJob[]): Promise<number[][]> {
    const statements: string[] = [];
    const fences: LeaseFence[] = [];
    const conflicts: string[] = [];
    const stale: string[] = [];
    const seen = new Set<string>();
    // First, so the lease rows stay locked until the commit: no takeover lands between check and commit.
    for (const { fence } of jobs) {
      if (!fence) continue;
      const key = `${fence.sessionID}\u0000${fence.workerID}\u0000${fence.epoch}`;
      if (seen.has(key)) continue;
      seen.add(key);
      statements.push(fenceCheckStatement(fence, `moor:fenced:${fences.length}`));
      fences.push(fence);
    }
    for (const job of jobs) {
      for (const write of job.writes) {
        const text = inline(write.text, write.values);
        if (write.stale !== undefined) {
          statements.push(writingARow(text, `moor:stale:${stale.length}`));
          stale.push(write.stale);
        } else if (write.conflict !== undefined) {
          statements.push(writingARow(text, `moor:conflict:${conflicts.length}`));
          conflicts.push(write.conflict);
        } else statements.push(text);
      }
    }
    const queued: { at: number; job: CommitJob }[] = [];
    for (const job of jobs) {
      if (!job.inbox) continue;
      const announced = job.inbox.basedOn && this.announcedCopies.get(job.inbox.basedOn);
      if (announced !== undefined) {
        statements.push(
          `SELECT moor_check(EXISTS (SELECT 1 FROM session WHERE ${inline("id = $1 AND data = $2", [job.inbox.sessionID, announced])}), ${escapeLiteral(`moor:stale:${stale.length}`)})`,
        );
        stale.push(job.inbox.sessionID);
      }
      queued.push({ at: statements.length, job });
      statements.push(sendStatement(job.inbox.sessionID, job.inbox.command));
    }
    const all = jobs.flatMap((job) => job.events.map((event) => ({ event, scope: job.scope })));
    if (all.length > 0) statements.push(...this.eventStatements(all));
    // After the events: a result names the transaction's last event id (currval: the setval that reserved them).
    const finishing: { at: number; job: CommitJob }[] = [];
    for (const job of jobs) {
      if (!job.finish) continue;
      const { itemID, result, fence } = job.finish;
      finishing.push({ at: statements.length, job });
      statements.push(
        finishStatement(itemID, result, fence, all.length > 0 ? "currval('event_id_seq')" : String(this.lastSeen)),
      );
    }
    let results: pg.QueryResult[];
    try {
      results = await transactionInOneQuery(client, statements);
    } catch (error) {
      const message = (error as Error).message ?? "";
      const fenced = /^moor:fenced:(\d+)$/.exec(message);
      if (fenced) throw new FencedError(fences[Number(fenced[1])]);
      const conflict = /^moor:conflict:(\d+)$/.exec(message);
      if (conflict) throw new IdConflictError(conflicts[Number(conflict[1])]);
      const changed = /^moor:stale:(\d+)$/.exec(message);
      if (changed) {
        // An announced copy behind the row is not offered again until the row is announced anew.
        this.announcedRows.delete(stale[Number(changed[1])]);
        throw new StaleRowError(stale[Number(changed[1])]);
      }
      throw error;
    }
    for (const { at, job } of queued) job.inbox?.queued(Number((results[at].rows[0] as { id: string }).id));
    for (const { at, job } of finishing) job.finish?.recorded(results[at].rowCount === 1);
    // The event rows are the answer of the last statement before the results.
    const ids =
      all.length > 0
        ? (results[results.length - 1 - finishing.length] as pg.QueryResult).rows
            .map((row: { id: string }) => Number(row.id))
            .sort((a, b) => a - b)
        : [];
    const perJob: number[][] = [];
    let next = 0;
    for (const job of jobs) {
      perJob.push(ids.slice(next, next + job.events.length));
      next += job.events.length;
    }
    return perJob;
  }

  /** Hands each committed job's events to the listeners, in order, after any other node's events before them. */
  private async announceJobs(client: pg.Client, jobs: CommitJob[], ids: number[][]): Promise<void> {
    const first = ids.find((list) => list.length > 0)?.[0];
    if (this.following && first !== undefined && first > this.lastSeen + 1) {
      try {
        await this.catchUp(client, first);
      } catch (error) {
        // Committed, but not announced in order: the callers hear of the failure (the connection is likely gone).
        for (const job of jobs) job.reject(error);
        return;
      }
    }
    jobs.forEach((job, index) => {
      const own = ids[index];
      if (own.length > 0) this.lastSeen = Math.max(this.lastSeen, own[own.length - 1]);
      // A result alone (finishWithCommit) is no commit of the core's: nothing to announce.
      if (job.finish) {
        job.resolve();
        return;
      }
      this.announce(
        job.scope,
        job.events.map((event, n) => ({ ...event, id: own[n] })),
      );
      job.resolve();
    });
  }

  /**
   * The statements that write events with ids taken under the event-id lock (see the head of this file); the last
   * one answers their ids.
   */
  private eventStatements(events: { event: CommittedEvent; scope: EventScope }[]): string[] {
    const properties = events.map(({ event }) => JSON.stringify(event.properties));
    const notifications = this.notifyEvents ? eventPayloads(events, properties) : [{ payload: "", back: 0 }];
    return [
      inline("SELECT pg_advisory_xact_lock($1, $2)", [MOOR_LOCK_CLASS, LOCK_KEYS.eventIds]),
      // Under the lock nobody else takes ids, so one setval reserves a contiguous range: last - n + 1 .. last. The
      // notification names the last id, so a node that has announced it already (its own commit) reads nothing.
      inline(
        `WITH reserved AS (SELECT setval('event_id_seq', nextval('event_id_seq') + $1 - 1) AS last),
         inserted AS (
           INSERT INTO event (id, txid, directory, session_id, type, properties)
           SELECT reserved.last - $1 + e.n, txid_current(), e.directory, e.session_id, e.type, e.properties
           FROM reserved, unnest($2::text[], $3::text[], $4::text[], $5::text[])
             WITH ORDINALITY AS e(directory, session_id, type, properties, n)
           RETURNING id)
       SELECT inserted.id FROM inserted, (
         SELECT count(pg_notify($6, (reserved.last - c.back)::text || c.payload))
         FROM reserved, unnest($7::text[], $8::bigint[]) WITH ORDINALITY AS c(payload, back, n)
       ) AS notified`,
        [
          events.length,
          events.map(({ scope }) => scope.directory),
          events.map(({ scope }) => scope.sessionID ?? null),
          events.map(({ event }) => event.type),
          properties,
          EVENT_CHANNEL,
          notifications.map((notification) => notification.payload),
          notifications.map((notification) => notification.back),
        ],
      ),
    ];
  }

  private announce(scope: EventScope, events: readonly CommittedEvent[]): void {
    if (this.following) this.noteAnnouncedSessions(events);
    for (const listener of this.listeners) listener(scope, events);
  }

  /** Keeps announcedRows: the last session.updated of each session (a row write announces the row it wrote). */
  private noteAnnouncedSessions(events: readonly CommittedEvent[]): void {
    for (const event of events) {
      if (event.type === "session.updated") {
        const { info } = event.properties as EventMap["session.updated"];
        keepRecent(this.announcedRows, info.id, JSON.stringify(info), SESSION_ROWS_KEPT);
      } else if (event.type === "session.deleted") {
        this.announcedRows.delete((event.properties as EventMap["session.deleted"]).info.id);
      }
    }
  }

  /**
   * Cluster mode, API nodes: the session's row as the log last announced it, without a round trip; undefined when
   * this node has not seen it announced. It may be behind a commit not announced here yet: a commit whose inbox item
   * is based on it (CommitOptions.inbox.basedOn) checks the row is still that.
   */
  announcedSession(id: string): Session | undefined {
    const data = this.announcedRows.get(id);
    if (data === undefined) return undefined;
    const session = JSON.parse(data) as Session;
    this.announcedCopies.set(session, data);
    return session;
  }

  onCommit(listener: CommitListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The answer arrives in a network round trip, during which nothing else of this node runs on the connection, and
   * no commit is announced between its arrival and this continuation (announcing needs another round trip).
   */
  async readAt<T, P>(read: () => Promise<T>, position: () => P): Promise<{ value: T; position: P }> {
    const value = await read();
    return { value, position: position() };
  }

  /**
   * Hands other nodes' commits to this node's listeners from now on (cluster mode): on each NOTIFY, and every
   * `pollMs` in case one was lost. Returns stop.
   */
  async follow(options: { pollMs?: number } = {}): Promise<() => void> {
    if (this.following) return () => this.following?.stop();
    await this.enqueue((client) => client.query(`LISTEN ${EVENT_CHANNEL}`));
    const timer = setInterval(() => this.scheduleCatchUp(), options.pollMs ?? 500);
    timer.unref();
    const following = {
      stop: () => {
        clearInterval(timer);
        if (this.following === following) this.following = undefined;
        if (!this.closed && !this.broken)
          void this.enqueue((client) => client.query(`UNLISTEN ${EVENT_CHANNEL}`)).catch(() => {});
      },
    };
    this.following = following;
    // Anything committed between open and now.
    this.scheduleCatchUp();
    return following.stop;
  }

  /**
   * Announces every event committed before this call (by any node) before it resolves: a node that learned of a
   * finished turn from the database catches its event stream up before answering the caller. With `upTo`, only
   * the events up to that id are promised.
   */
  async syncEvents(upTo?: number): Promise<void> {
    if (!this.following) return;
    // Known to end at `upTo` (a finished item's, PostgresInbox.finished): nothing to read once that is announced,
    // which the catch-up its commit's notification queued (it is ahead in the queue) has usually done.
    if (upTo !== undefined && this.lastSeen >= upTo) return;
    await this.enqueue(async (client) => {
      if (upTo === undefined || this.lastSeen < upTo) await this.catchUp(client);
    });
  }

  /**
   * Cluster mode, API nodes: claims the delivery of event `eventID`'s notification to `target` (a webhook's URL, a
   * host's desktop); true for the one node that claimed it first, which delivers it (migration 006).
   */
  async claimNotification(eventID: number, target: string): Promise<boolean> {
    const rows = await this.read(
      "INSERT INTO notify_claim (event_id, target) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1 AS claimed",
      [eventID, target],
    );
    return rows.length === 1;
  }

  /** Deletes the notification claims older than `keepMs`; how many. */
  async sweepNotifyClaims(keepMs: number): Promise<number> {
    return this.enqueue(
      async (client) =>
        (
          await client.query("DELETE FROM notify_claim WHERE time_claimed < now() - make_interval(secs => $1)", [
            keepMs / 1000,
          ])
        ).rowCount ?? 0,
    );
  }

  /** The cluster's name (migration 002): the same on every node, so event ids from one node are valid on another. */
  clusterID(): Promise<string> {
    return this.read<{ id: string }>("SELECT id FROM cluster LIMIT 1", []).then((rows) => rows[0]?.id ?? "cluster");
  }

  /**
   * The logged events with ids in (after, upTo], matching the scope filter, in id order (a client reconnecting with
   * an id this node's ring does not hold); undefined when more than `limit` match.
   */
  async eventsBetween(
    after: number,
    upTo: number,
    filter: { directory?: string; sessionID?: string } = {},
    limit = 20_000,
  ): Promise<(CommittedEvent & { id: number; scope: EventScope })[] | undefined> {
    const rows = await this.read<EventRow>(
      `SELECT id, txid, directory, session_id, type, properties FROM event
       WHERE id > $1 AND id <= $2 AND ($3::text IS NULL OR directory = $3) AND ($4::text IS NULL OR session_id = $4)
       ORDER BY id LIMIT $5`,
      [after, upTo, filter.directory ?? null, filter.sessionID ?? null, limit + 1],
    );
    if (rows.length > limit) return undefined;
    return rows.map((row) => {
      const scope: EventScope = { directory: row.directory };
      if (row.session_id !== null) scope.sessionID = row.session_id;
      return { id: Number(row.id), type: row.type, properties: JSON.parse(row.properties), scope } as CommittedEvent & {
        id: number;
        scope: EventScope;
      };
    });
  }

  /** The last event id this node has announced. */
  get lastEventId(): number {
    return this.lastSeen;
  }

  /**
   * Queues one catch-up (unless one is queued already) for events up to `upTo` (a notification's commit), or for
   * whatever is new (a poll). It reads nothing when this node has announced `upTo` by the time it runs: the
   * notification of this node's own commit arrives before that commit is announced, and would cost a round trip.
   */
  private scheduleCatchUp(upTo = Number.POSITIVE_INFINITY, payload?: string): void {
    if (!this.following || this.closed || this.broken) return;
    this.catchUpTarget = Math.max(this.catchUpTarget, upTo);
    if (payload !== undefined && upTo !== Number.POSITIVE_INFINITY) this.notified.push(payload);
    if (this.catchUpQueued) return;
    this.catchUpQueued = true;
    void this.enqueue(async (client) => {
      this.catchUpQueued = false;
      const target = this.catchUpTarget;
      const notified = this.notified;
      this.catchUpTarget = 0;
      this.notified = [];
      if (this.lastSeen >= target) return;
      // Notifications come in commit order, which is id order: those that carry their events and follow on from
      // the last id announced need no read. Anything else (a gap, a commit too large to carry, a poll) is read.
      for (const payload of notified) {
        if ((lastIdOf(payload) ?? 0) <= this.lastSeen) continue;
        if (!this.announcePayload(payload)) break;
      }
      if (this.lastSeen >= target) return;
      await this.catchUp(client);
    }).catch(() => {
      this.catchUpQueued = false;
    });
  }

  /**
   * Announces the events a notification carries if they are the next ones after lastSeen, grouped by scope as
   * catchUp does; false (nothing announced) when they are not, or not carried.
   */
  private announcePayload(payload: string): boolean {
    const events = parseEventPayload(payload);
    if (!events || events.first !== this.lastSeen + 1) return false;
    let start = 0;
    const rows = events.rows;
    for (let index = 1; index <= rows.length; index++) {
      if (index < rows.length && rows[index][0] === rows[start][0] && rows[index][1] === rows[start][1]) continue;
      const scope: EventScope = { directory: rows[start][0] };
      if (rows[start][1] !== null) scope.sessionID = rows[start][1] as string;
      const announced = rows
        .slice(start, index)
        .map(
          ([, , type, properties], n) =>
            ({ id: events.first + start + n, type, properties: JSON.parse(properties) }) as CommittedEvent,
        );
      this.lastSeen = events.first + index - 1;
      this.announce(scope, announced);
      start = index;
    }
    return true;
  }

  /** Announces the events after lastSeen (and before `before`, when given), grouped by commit, in id order. */
  private async catchUp(client: pg.Client, before?: number): Promise<void> {
    for (;;) {
      const { rows } = await client.query<EventRow>(
        `SELECT id, txid, directory, session_id, type, properties FROM event
         WHERE id > $1 AND id < $2 ORDER BY id LIMIT 1000`,
        // A plain range on the key (no "IS NULL OR"): the index answers it however stale the table's statistics.
        [this.lastSeen, before ?? Number.MAX_SAFE_INTEGER],
      );
      let start = 0;
      for (let index = 1; index <= rows.length; index++) {
        // One announcement per commit and scope (a group commit holds several scopes in one transaction).
        if (
          index < rows.length &&
          rows[index].txid === rows[start].txid &&
          rows[index].directory === rows[start].directory &&
          rows[index].session_id === rows[start].session_id
        ) {
          continue;
        }
        const first = rows[start];
        const scope: EventScope = { directory: first.directory };
        if (first.session_id !== null) scope.sessionID = first.session_id;
        const events = rows
          .slice(start, index)
          .map(
            (row) => ({ id: Number(row.id), type: row.type, properties: JSON.parse(row.properties) }) as CommittedEvent,
          );
        this.lastSeen = Number(rows[index - 1].id);
        this.announce(scope, events);
        start = index;
      }
      if (rows.length < 1000) return;
    }
  }

  /** The writes of one commit, collected synchronously (StoreWrites may not read) and run in its transaction. */
  private collect(writes: Write[], events: CommittedEvent[], markRunning: () => void): StoreWrites {
    const owners = this.owners;
    return {
      putSession: (session, basedOn) => {
        // Written by this node now: the next edit reads the row again (its version is unknown until then).
        this.sessionRows.delete(session.id);
        const row = [
          session.id,
          session.directory,
          session.parentID ?? null,
          session.time.updated,
          JSON.stringify(session),
        ];
        const version = basedOn && basedOn.id === session.id ? this.sessionVersions.get(basedOn) : undefined;
        if (version !== undefined) {
          writes.push({
            text: `UPDATE session SET directory = $2, parent_id = $3, time_updated = $4, data = $5
               WHERE id = $1 AND xmin = $6::xid`,
            values: [...row, version],
            stale: session.id,
          });
          return;
        }
        writes.push({
          text: `INSERT INTO session (id, directory, parent_id, time_updated, data) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (id) DO UPDATE SET directory = excluded.directory, time_updated = excluded.time_updated,
               data = excluded.data`,
          values: row,
        });
      },
      deleteSession: (sessionID) => {
        this.sessionRows.delete(sessionID);
        writes.push({ text: "DELETE FROM session WHERE id = $1", values: [sessionID] });
      },
      putMessage: (info, running = false) => {
        if (running) markRunning();
        // A row keeps its session: an upsert of an id stored in another session changes nothing, and is refused.
        writes.push({
          text: `INSERT INTO message (id, session_id, role, running, owner_pid, owner_token, data)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (id) DO UPDATE SET running = excluded.running, owner_pid = excluded.owner_pid,
               owner_token = excluded.owner_token, data = excluded.data
             WHERE message.session_id = excluded.session_id`,
          values: [
            info.id,
            info.sessionID,
            info.role,
            running,
            running ? process.pid : null,
            running ? owners.token : null,
            JSON.stringify(info),
          ],
          conflict: `message ${info.id} belongs to another session, not to ${info.sessionID}`,
        });
      },
      deleteMessage: (messageID) => {
        writes.push({ text: "DELETE FROM message WHERE id = $1", values: [messageID] });
      },
      putPart: (part) => {
        // Only into a message of its own session, and a stored part keeps its message and session.
        writes.push({
          text: `INSERT INTO part (id, message_id, session_id, data)
             SELECT $1, $2, $3, $4
             WHERE EXISTS (SELECT 1 FROM message WHERE id = $2 AND session_id = $3)
             ON CONFLICT (id) DO UPDATE SET data = excluded.data
             WHERE part.session_id = excluded.session_id AND part.message_id = excluded.message_id`,
          values: [part.id, part.messageID, part.sessionID, JSON.stringify(part)],
          conflict: `part ${part.id} cannot be written to message ${part.messageID} of session ${part.sessionID}: the id or the message belongs elsewhere`,
        });
      },
      deletePart: (partID) => {
        writes.push({ text: "DELETE FROM part WHERE id = $1", values: [partID] });
      },
      setTodos: (sessionID, todos) => {
        writes.push({
          text: "INSERT INTO todo (session_id, data) VALUES ($1, $2) ON CONFLICT (session_id) DO UPDATE SET data = excluded.data",
          values: [sessionID, JSON.stringify(todos)],
        });
      },
      insertPermission: (request) => {
        writes.push({
          text: "INSERT INTO permission (id, session_id, call_id, status, data) VALUES ($1, $2, $3, 'pending', $4)",
          values: [request.id, request.sessionID, request.tool?.callID ?? null, JSON.stringify(request)],
        });
      },
      setPermissionStatus: (requestID, status) => {
        // A question is answered once: only a pending one changes.
        writes.push({
          text: "UPDATE permission SET status = $1 WHERE id = $2 AND status = 'pending'",
          values: [status, requestID],
        });
      },
      addGrant: (sessionID, permission, pattern) => {
        writes.push({
          text: "INSERT INTO permission_grant (session_id, permission, pattern) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
          values: [sessionID, permission, pattern],
        });
      },
      emit: (type, properties) => {
        events.push({ type, properties } as CommittedEvent);
      },
    };
  }

  /** One read, in the queue (see the head of this file), as a prepared statement (preparedQuery). */
  private read<R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<R[]> {
    return this.enqueue(async (client) => (await client.query<R>(preparedQuery(text, values))).rows);
  }

  // Sessions

  async getSession(id: string): Promise<Session | undefined> {
    const row = (
      await this.read<{ data: string; version: string }>(
        "SELECT data, xmin::text AS version FROM session WHERE id = $1",
        [id],
      )
    )[0];
    if (!row) {
      this.sessionRows.delete(id);
      return undefined;
    }
    return this.rememberSession(id, row.data, row.version);
  }

  /**
   * The row as last read here (no round trip), unless this node wrote it since; a putSession based on it fails with
   * StaleRowError when another node has changed it meanwhile (Store.getSessionForEdit).
   */
  async getSessionForEdit(id: string): Promise<Session | undefined> {
    const row = this.sessionRows.get(id);
    return row ? this.sessionAt(row.data, row.version) : this.getSession(id);
  }

  /** Notes a session row as read at `version` (getSession, the take of PostgresInbox); the parsed row. */
  private rememberSession(id: string, data: string, version: string): Session {
    keepRecent(this.sessionRows, id, { data, version }, SESSION_ROWS_KEPT);
    return this.sessionAt(data, version);
  }

  /** A row's own parsed copy, noted as read at `version` (a putSession based on it is conditional). */
  private sessionAt(data: string, version: string): Session {
    const session = JSON.parse(data) as Session;
    this.sessionVersions.set(session, version);
    return session;
  }

  async listSessions(query: SessionListQuery = {}): Promise<SessionPage> {
    let after: { updated: number; id: string } | undefined;
    if (query.cursor !== undefined) {
      after = decodeSessionCursor(query.cursor);
      if (!after) return { sessions: [] };
    }
    const limit = query.limit === undefined || query.limit < 0 ? undefined : query.limit;
    const rows = await this.read<DataRow>(
      `SELECT data FROM session
       WHERE ($1::text IS NULL OR directory = $1)
         AND (NOT $2::boolean OR parent_id IS NULL)
         AND ($3::bigint IS NULL OR time_updated < $3 OR (time_updated = $3 AND id < $4))
         AND NOT EXISTS (
           SELECT 1 FROM unnest($6::text[]) AS word
           WHERE strpos(lower(coalesce((data::json)->>'title', '')), word) = 0
         )
       ORDER BY time_updated DESC, id DESC
       LIMIT $5`,
      [
        query.directory ?? null,
        query.roots === true,
        after?.updated ?? null,
        after?.id ?? null,
        // One more than asked says whether another page follows.
        limit === undefined ? null : limit + 1,
        titleSearchWords(query.search),
      ],
    );
    const sessions = rows.map((row) => parseRow<Session>(row)!);
    if (limit === undefined || sessions.length <= limit) return { sessions };
    sessions.length = limit;
    const last = sessions[limit - 1];
    return { sessions, cursor: encodeSessionCursor({ updated: last.time.updated, id: last.id }) };
  }

  async listChildren(parentID: string): Promise<Session[]> {
    const rows = await this.read<DataRow>("SELECT data FROM session WHERE parent_id = $1 ORDER BY id", [parentID]);
    return rows.map((row) => parseRow<Session>(row)!);
  }

  // Messages and parts

  async messageOwner(messageID: string): Promise<string | undefined> {
    const rows = await this.read<{ session_id: string }>("SELECT session_id FROM message WHERE id = $1", [messageID]);
    return rows[0]?.session_id;
  }

  async partOwner(partID: string): Promise<{ sessionID: string; messageID: string } | undefined> {
    const rows = await this.read<{ session_id: string; message_id: string }>(
      "SELECT session_id, message_id FROM part WHERE id = $1",
      [partID],
    );
    return rows[0] ? { sessionID: rows[0].session_id, messageID: rows[0].message_id } : undefined;
  }

  async getMessage(sessionID: string, messageID: string): Promise<MessageWithParts | undefined> {
    // One statement, so one round trip and one snapshot: the message and its parts as of the same moment.
    const rows = await this.read<MessageRow>(
      `SELECT m.data, ARRAY(SELECT p.data FROM part p WHERE p.message_id = m.id ORDER BY p.id) AS parts
       FROM message m WHERE m.id = $1 AND m.session_id = $2`,
      [messageID, sessionID],
    );
    return rows[0] ? messageFrom(rows[0]) : undefined;
  }

  async listParts(messageID: string): Promise<Part[]> {
    const rows = await this.read<DataRow>("SELECT data FROM part WHERE message_id = $1 ORDER BY id", [messageID]);
    return rows.map((row) => parseRow<Part>(row)!);
  }

  async listMessages(sessionID: string): Promise<MessageWithParts[]> {
    // Only the messages changed since this node last read them are sent and parsed (postgres-history.ts).
    return this.enqueue((client) => this.histories.read(client, sessionID));
  }

  async history(sessionID: string): Promise<MessageWithParts[]> {
    const all = await this.listMessages(sessionID);
    const summary = all.findLastIndex(({ info }) => info.role === "assistant" && info.summary === true);
    return summary <= 0 ? all : all.slice(summary);
  }

  async listRunningMessages(): Promise<RunningMessage[]> {
    const rows = await this.read<DataRow & { owner_pid: number | null; owner_token: string | null }>(
      "SELECT data, owner_pid, owner_token FROM message WHERE running ORDER BY id",
      [],
    );
    return rows.map((row) => ({
      info: parseRow<MessageInfo>(row)!,
      ownerPid: row.owner_pid,
      ownerToken: row.owner_token,
    }));
  }

  // Todos

  async getTodos(sessionID: string): Promise<Todo[]> {
    return (
      parseRow<Todo[]>((await this.read<DataRow>("SELECT data FROM todo WHERE session_id = $1", [sessionID]))[0]) ?? []
    );
  }

  // Permissions

  async getPermission(id: string): Promise<StoredPermission | undefined> {
    return parsePermission(
      (await this.read<PermissionRow>("SELECT data, status FROM permission WHERE id = $1", [id]))[0],
    );
  }

  async findPermissionByCall(sessionID: string, callID: string): Promise<StoredPermission | undefined> {
    const rows = await this.read<PermissionRow>(
      `SELECT data, status FROM permission WHERE session_id = $1 AND call_id = $2 AND status <> 'expired'
       ORDER BY id DESC LIMIT 1`,
      [sessionID, callID],
    );
    return parsePermission(rows[0]);
  }

  async listPendingPermissions(): Promise<PermissionRequest[]> {
    const rows = await this.read<PermissionRow>(
      "SELECT data, status FROM permission WHERE status = 'pending' ORDER BY id",
      [],
    );
    return rows.map((row) => parsePermission(row)!.request);
  }

  async listGrants(sessionID: string): Promise<{ permission: string; pattern: string }[]> {
    return this.read<{ permission: string; pattern: string }>(
      "SELECT permission, pattern FROM permission_grant WHERE session_id = $1 ORDER BY permission, pattern",
      [sessionID],
    );
  }

  // Owners

  isOwnerAlive(ownerToken: string): Promise<boolean> {
    return this.owners.isAlive(ownerToken);
  }

  sweepOwners(): Promise<void> {
    return this.owners.sweep();
  }

  async integrityCheck(): Promise<string> {
    try {
      const rows = await this.read<{ orphans: string }>(
        "SELECT count(*) AS orphans FROM part p WHERE NOT EXISTS (SELECT 1 FROM message m WHERE m.id = p.message_id AND m.session_id = p.session_id)",
        [],
      );
      const orphans = Number(rows[0].orphans);
      return orphans === 0 ? "ok" : `${orphans} parts are stored outside their message's session`;
    } catch (error) {
      return (error as Error).message;
    }
  }
}

interface DataRow {
  data: string;
}

/** A message with its parts' data, in id order (getMessage, listMessages). */
interface MessageRow extends DataRow {
  parts: string[];
}

function messageFrom(row: MessageRow): MessageWithParts {
  return { info: JSON.parse(row.data) as MessageInfo, parts: row.parts.map((data) => JSON.parse(data) as Part) };
}

interface PermissionRow {
  data: string;
  status: PermissionStatus;
}

interface EventRow {
  id: string;
  txid: string;
  directory: string;
  session_id: string | null;
  type: string;
  properties: string;
}

/** `text` (an INSERT or UPDATE) failing its transaction with the message `label` when it writes no row. */
function writingARow(text: string, label: string): string {
  return `WITH w AS (${text} RETURNING 1) SELECT moor_check(EXISTS (SELECT 1 FROM w), ${escapeLiteral(label)})`;
}

/** Sets `key` as the map's newest entry, dropping the oldest beyond `limit` (a Map keeps insertion order). */
function keepRecent<K, V>(map: Map<K, V>, key: K, value: V, limit: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > limit) map.delete(map.keys().next().value as K);
}

/** PostgreSQL refuses a notification payload of 8000 bytes or more; a commit with more events is read back. */
const MAX_PAYLOAD_BYTES = 7900;
/** What a notification's event id in front, and the count, take at most. */
const PAYLOAD_HEAD_BYTES = 42;

/**
 * What a commit's notifications carry after the last event id of each: ` <count> <JSON>`, the JSON an array of
 * [directory, sessionID or null, type, properties as JSON text] per event in id order (the properties stay text, so
 * a node parses only what it announces). A commit's events are split over as many notifications as they need, in
 * order (one transaction's notifications arrive together, in the order sent): a streamed step's deltas and its
 * end-of-turn events are announced without a read. `back` is how many of the commit's events come after each one's
 * last; an event too large for any notification goes in one that carries none ("": its followers read it back).
 */
function eventPayloads(
  events: { event: CommittedEvent; scope: EventScope }[],
  properties: string[],
): { payload: string; back: number }[] {
  const chunks: { payload: string; back: number }[] = [];
  let rows: string[] = [];
  let bytes = 0;
  const close = (end: number) => {
    if (rows.length > 0) chunks.push({ payload: ` ${rows.length} [${rows.join(",")}]`, back: events.length - end });
    rows = [];
    bytes = 0;
  };
  for (const [index, { event, scope }] of events.entries()) {
    const row = JSON.stringify([scope.directory, scope.sessionID ?? null, event.type, properties[index]]);
    const size = Buffer.byteLength(row) + 1;
    if (size + PAYLOAD_HEAD_BYTES > MAX_PAYLOAD_BYTES) {
      close(index);
      chunks.push({ payload: "", back: events.length - index - 1 });
      continue;
    }
    if (bytes + size + PAYLOAD_HEAD_BYTES > MAX_PAYLOAD_BYTES) close(index);
    rows.push(row);
    bytes += size;
  }
  close(events.length);
  return chunks;
}

/** A notification's last event id (its payload's first word); undefined when it names none. */
function lastIdOf(payload: string): number | undefined {
  const space = payload.indexOf(" ");
  return Number(space === -1 ? payload : payload.slice(0, space)) || undefined;
}

/** The events a notification carries, with the id of the first; undefined when it carries none. */
function parseEventPayload(
  payload: string,
): { first: number; rows: [string, string | null, string, string][] } | undefined {
  const first = payload.indexOf(" ");
  if (first === -1) return undefined;
  const second = payload.indexOf(" ", first + 1);
  const last = Number(payload.slice(0, first));
  const count = Number(payload.slice(first + 1, second));
  const rows = JSON.parse(payload.slice(second + 1)) as [string, string | null, string, string][];
  if (rows.length !== count) return undefined;
  return { first: last - count + 1, rows };
}

function parseRow<T>(row: DataRow | undefined): T | undefined {
  return row ? (JSON.parse(row.data) as T) : undefined;
}

function parsePermission(row: PermissionRow | undefined): StoredPermission | undefined {
  return row ? { request: JSON.parse(row.data), status: row.status } : undefined;
}
