// The storage port (DESIGN.md §1, "Two seams"): what core may ask of a store. Every call is asynchronous, so a store
// on the network (PostgreSQL, cluster mode) implements the same interface as the embedded SQLite one; both pass the
// contract suite in test/storage/contract.ts.
//
// Writes happen only in `commit`: the rows a change writes and the events that announce it are one unit. The store
// writes the rows in one transaction and, once it has committed, hands the events to its commit listeners (the
// core's event bus) in order. So "written before announced" (DESIGN.md §3) holds by construction, not by each
// caller remembering to write first and publish second.
import type {
  EventMap,
  EventType,
  MessageInfo,
  MessageWithParts,
  Part,
  PermissionRequest,
  Session,
  Todo,
} from "../protocol/index.js";

/** `expired`: closed because the turn that asked ended (or its process did) before anyone answered. */
export type PermissionStatus = "pending" | "once" | "always" | "reject" | "expired";

export interface StoredPermission {
  request: PermissionRequest;
  status: PermissionStatus;
}

/**
 * A write that would move a stored row to another session or message (or attach a part to a message of another
 * session). Rows never change owner (DESIGN.md §3); callers map this to a conflict (HTTP 409). The whole commit
 * that attempted it is rolled back.
 */
export class IdConflictError extends Error {
  readonly code = "conflict";
  constructor(message: string) {
    super(message);
    this.name = "IdConflictError";
  }
}

/**
 * Who may write a session in cluster mode: the worker holding the session's lease at this epoch (issue 20 §2). A
 * fenced commit (PostgreSQL store) checks it in its own transaction.
 */
export interface LeaseFence {
  sessionID: string;
  workerID: string;
  epoch: number;
}

/**
 * A fenced write by a worker that no longer holds the session's lease at its epoch (another worker took it over, or
 * it was released). The whole commit is rolled back: no rows, no events. The turn that attempted it must stop.
 */
export class FencedError extends Error {
  readonly code = "fenced";
  constructor(
    readonly fence: LeaseFence,
    message = `worker ${fence.workerID} no longer holds session ${fence.sessionID} at epoch ${fence.epoch}`,
  ) {
    super(message);
    this.name = "FencedError";
  }
}

/** Where a commit's events belong: `/event` filters by directory, clients by session. */
export interface EventScope {
  directory: string;
  sessionID?: string;
}

export interface CommittedEvent<K extends EventType = EventType> {
  type: K;
  properties: EventMap[K];
  /**
   * The event's id in the store's event log, when the store keeps one (PostgreSQL: global, increasing in commit
   * order, the same on every node that reads the log). Absent on the embedded store.
   */
  id?: number;
}

/**
 * A session row written from an older read of it (putSession's `basedOn`) when the row had changed since: the
 * commit wrote nothing; the caller reads the row again and redoes its change (SessionService.editSession).
 */
export class StaleRowError extends Error {
  readonly code = "conflict";
  constructor(readonly sessionID: string) {
    super(`The session ${sessionID} changed since it was read`);
    this.name = "StaleRowError";
  }
}

/**
 * The writes of one commit. Calls are synchronous and may not read: a store may apply them as they come inside its
 * transaction (SQLite) or collect them and send them at once (a network store). A write that breaks a rule (an id
 * of another session) makes the whole commit fail with IdConflictError, its rows unwritten and its events unsent.
 */
export interface StoreWrites {
  /**
   * `basedOn`: the row as read (getSession, getSessionForEdit) that this one was computed from. A store other nodes
   * write too (PostgreSQL) writes it only if the row is still that version, else the commit fails with
   * StaleRowError; the embedded store, its only writer, writes it as it is.
   */
  putSession(session: Session, basedOn?: Session): void;
  deleteSession(sessionID: string): void;
  /** `running`: the message is being produced by this process (see listRunningMessages). */
  putMessage(info: MessageInfo, running?: boolean): void;
  deleteMessage(messageID: string): void;
  putPart(part: Part): void;
  deletePart(partID: string): void;
  setTodos(sessionID: string, todos: Todo[]): void;
  insertPermission(request: PermissionRequest): void;
  setPermissionStatus(requestID: string, status: PermissionStatus): void;
  addGrant(sessionID: string, permission: string, pattern: string): void;
  /** Announced once the commit's rows are stored, in the order emitted, with the commit's scope. */
  emit<K extends EventType>(type: K, properties: EventMap[K]): void;
}

export type CommitListener = (scope: EventScope, events: readonly CommittedEvent[]) => void;

export interface SessionListQuery {
  directory?: string;
  /** Only sessions without a parent. */
  roots?: boolean;
  /**
   * Only sessions whose title contains every word of this (the first six count), case ignored (OpenCode's
   * `search`, which takes one word as a substring, reads the same); blank means no filter.
   */
  search?: string;
  /** At most this many (the page size). */
  limit?: number;
  /** Where the previous page ended (its `cursor`); absent for the first page. */
  cursor?: string;
}

/** Sessions, most recently updated first; `cursor` is present when more follow. */
export interface SessionPage {
  sessions: Session[];
  cursor?: string;
}

export interface RunningMessage {
  info: MessageInfo;
  /** The process that produces it (rows written before owner tokens existed have only this). */
  ownerPid: number | null;
  /** The owner lock of the process producing it: see isOwnerAlive. */
  ownerToken: string | null;
}

/**
 * Reads and commits: a read reflects exactly the commits whose events were handed to the listeners before the read
 * was called, and none after (the embedded store reads synchronously when called). Clients rely on it to join a live
 * session at an exact event (server/message-snapshot.ts).
 */
export interface Store {
  /**
   * Runs `write` as one transaction: all of its rows or none. Resolves with its result once committed, after the
   * events it emitted were handed to the commit listeners. Commits from one caller are applied in the order they
   * were called, so a caller may start the next before the previous resolves (a streaming step does).
   */
  commit<T>(scope: EventScope, write: (tx: StoreWrites) => T): Promise<T>;
  /** Called after every commit with its events (none for a commit that emitted none). Returns unsubscribe. */
  onCommit(listener: CommitListener): () => void;
  /**
   * Runs `read` (reads of this store) and takes `position()` at the one moment that matches it: the value reflects
   * exactly the commits announced before `position()` was taken, and none after. The embedded store reads
   * synchronously, so that is when the read is called; a network store's read arrives later, and commits may be
   * announced meanwhile, so it takes the position when the read's answer is in (server/message-snapshot.ts).
   */
  readAt<T, P>(read: () => Promise<T>, position: () => P): Promise<{ value: T; position: P }>;

  getSession(sessionID: string): Promise<Session | undefined>;
  /**
   * Optional (PostgreSQL): the session's row as this node last read it, without a round trip when it has it and has
   * not written the row since, for a change written back with `putSession(changed, basedOn)`, which fails with
   * StaleRowError if another node changed the row meanwhile. Without it, callers read with getSession.
   */
  getSessionForEdit?(sessionID: string): Promise<Session | undefined>;
  listSessions(query?: SessionListQuery): Promise<SessionPage>;
  listChildren(parentID: string): Promise<Session[]>;

  getMessage(sessionID: string, messageID: string): Promise<MessageWithParts | undefined>;
  listParts(messageID: string): Promise<Part[]>;
  /**
   * The whole history of a session, messages in id (creation) order, each with its parts in order. The objects may
   * be shared with the store's cache: copy one before changing it.
   */
  listMessages(sessionID: string): Promise<MessageWithParts[]>;
  /**
   * What the model is shown: the history from the latest summary message (an assistant message with
   * `summary: true`, written by compaction) on, that summary included; the whole history when there is none.
   */
  history(sessionID: string): Promise<MessageWithParts[]>;
  /** The session a message id is stored in, whichever session that is. */
  messageOwner(messageID: string): Promise<string | undefined>;
  /** Where a part id is stored, whichever session that is. */
  partOwner(partID: string): Promise<{ sessionID: string; messageID: string } | undefined>;
  /** Assistant messages marked as being produced, with who produces them. */
  listRunningMessages(): Promise<RunningMessage[]>;

  getTodos(sessionID: string): Promise<Todo[]>;

  getPermission(requestID: string): Promise<StoredPermission | undefined>;
  /** The newest question (not expired) asked for a tool call. */
  findPermissionByCall(sessionID: string, callID: string): Promise<StoredPermission | undefined>;
  listPendingPermissions(): Promise<PermissionRequest[]>;
  listGrants(sessionID: string): Promise<{ permission: string; pattern: string }[]>;

  /** Whether the process that wrote `ownerToken` on running messages still runs. */
  isOwnerAlive(ownerToken: string): Promise<boolean>;
  /** Forgets the owner records of processes that are gone (after recovery has dealt with their messages). */
  sweepOwners(): Promise<void>;

  /** "ok" when the stored data is intact, else what is wrong. */
  integrityCheck(): Promise<string>;
  close(): Promise<void>;
}
