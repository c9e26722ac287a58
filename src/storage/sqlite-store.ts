// The embedded store: better-sqlite3 in WAL mode, behind the asynchronous port (port.ts). SQLite is synchronous and
// in-process, so a commit is written and announced before `commit` returns its (already settled) promise: callers
// see no more latency than a direct call, and commits are applied in the order they were called.

import { existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import type { MessageInfo, MessageWithParts, Part, PermissionRequest, Session, Todo } from "../protocol/index.js";
import { HistoryCache } from "./history-cache.js";
import { migrate, readMigrations } from "./migrate.js";
import { OwnerLocks } from "./owner-lock.js";
import {
  type CommitListener,
  type CommittedEvent,
  type EventScope,
  IdConflictError,
  type PermissionStatus,
  type RunningMessage,
  type SessionListQuery,
  type SessionPage,
  type Store,
  type StoredPermission,
  type StoreWrites,
} from "./port.js";
import { decodeSessionCursor, encodeSessionCursor } from "./session-cursor.js";
import { SEARCH_WORDS, titleSearchWords } from "./session-search.js";
import { WalCheckpoints } from "./wal-checkpoints.js";

/** Beside this file (src/ and dist/storage/), or dist/storage/migrations seen from the bundle in dist/bundle/. */
const MIGRATIONS_DIR = [new URL("./migrations", import.meta.url), new URL("../storage/migrations", import.meta.url)]
  .map((url) => fileURLToPath(url))
  .find((dir) => existsSync(dir)) as string;

/**
 * The compiled addon, found directly: better-sqlite3's own lookup (the `bindings` package) tries a dozen paths
 * first, which shows on the start path. Undefined lets it search when the build sits elsewhere.
 */
function nativeBindingPath(): string | undefined {
  try {
    return createRequire(import.meta.url).resolve("better-sqlite3/build/Release/better_sqlite3.node");
  } catch {
    return undefined;
  }
}

/**
 * SQLite's page cache per connection, in KiB. better-sqlite3 builds SQLite with a 16 MB default, which a server kept
 * filling until its database reached 16 MB: ~7 MB more resident after 1,000 turns than after 100. Pages not cached
 * here are still in the OS's file cache (outside our RSS); the session list and search read an index walk's worth.
 */
export const PAGE_CACHE_KIB = 512;

export class SqliteStore implements Store {
  readonly db: Database.Database;
  private readonly statements;
  private readonly histories: HistoryCache;
  /** Who owns running messages: see owner-lock.ts. */
  readonly owners: OwnerLocks;
  private readonly listeners = new Set<CommitListener>();
  private readonly writes: StoreWrites;
  /** Events emitted by the commit being built; announced only once it has committed. */
  private emitted: CommittedEvent[] = [];
  /** The WAL's checkpoints, off the commit path (wal-checkpoints.ts); none for an in-memory database. */
  readonly checkpoints?: WalCheckpoints;

  constructor(file: string) {
    if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file, { nativeBinding: nativeBindingPath() });
    this.owners = new OwnerLocks(file === ":memory:" ? undefined : join(dirname(file), "owners"), nativeBindingPath());
    this.db.pragma("journal_mode = WAL");
    // NORMAL in WAL mode survives a killed process (only an OS crash can lose the last commits).
    this.db.pragma("synchronous = NORMAL");
    this.db.pragma("foreign_keys = ON");
    this.db.pragma("busy_timeout = 5000");
    this.db.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
    migrate(this.db, readMigrations(MIGRATIONS_DIR));
    if (file !== ":memory:")
      this.checkpoints = new WalCheckpoints(this.db, { file, nativeBinding: nativeBindingPath() });
    const db = this.db;
    this.statements = {
      upsertSession: db.prepare(
        `INSERT INTO session (id, directory, parent_id, time_updated, title_search, data)
         VALUES (@id, @directory, @parentID, @updated, @titleSearch, @data)
         ON CONFLICT(id) DO UPDATE SET directory = excluded.directory, time_updated = excluded.time_updated,
           title_search = excluded.title_search, data = excluded.data`,
      ),
      getSession: db.prepare("SELECT data FROM session WHERE id = ?"),
      // One page, most recently updated first, after the cursor's (updated, id) when there is one. It walks the
      // session_updated index from the cursor on, in that order, and stops after the page: no sort of the whole
      // table, so a first page costs the same with 10 sessions or 10,000. Filters (directory, title) apply on the walk.
      listSessionsPage: db.prepare(
        `SELECT data FROM session
         WHERE (@directory IS NULL OR directory = @directory)
           AND (@roots = 0 OR parent_id IS NULL)
           AND instr(title_search, @w1) AND instr(title_search, @w2) AND instr(title_search, @w3)
           AND instr(title_search, @w4) AND instr(title_search, @w5) AND instr(title_search, @w6)
           AND (time_updated, id) < (@afterUpdated, @afterID)
         ORDER BY time_updated DESC, id DESC
         LIMIT @limit`,
      ),
      listChildren: db.prepare("SELECT data FROM session WHERE parent_id = ? ORDER BY id"),
      deleteSession: db.prepare("DELETE FROM session WHERE id = ?"),
      // A row keeps its session: an upsert whose id is already stored in another session changes nothing (and
      // putMessage throws), so no caller can rewrite another session's history by reusing its ids.
      upsertMessage: db.prepare(
        `INSERT INTO message (id, session_id, role, running, owner_pid, owner_token, data)
         VALUES (@id, @sessionID, @role, @running, @ownerPid, @ownerToken, @data)
         ON CONFLICT(id) DO UPDATE SET running = excluded.running, owner_pid = excluded.owner_pid,
           owner_token = excluded.owner_token, data = excluded.data
         WHERE message.session_id = excluded.session_id`,
      ),
      messageOwner: db.prepare("SELECT session_id AS sessionID FROM message WHERE id = ?"),
      getMessage: db.prepare("SELECT data FROM message WHERE id = ? AND session_id = ?"),
      listMessages: db.prepare("SELECT data FROM message WHERE session_id = ? ORDER BY id"),
      listRunningMessages: db.prepare("SELECT data, owner_pid, owner_token FROM message WHERE running = 1 ORDER BY id"),
      deleteMessage: db.prepare("DELETE FROM message WHERE id = ?"),
      deletePart: db.prepare(
        "DELETE FROM part WHERE id = ? RETURNING session_id AS sessionID, message_id AS messageID",
      ),
      // A part is only written into a message of its own session, and keeps its message and session once stored.
      upsertPart: db.prepare(
        `INSERT INTO part (id, message_id, session_id, data)
         SELECT @id, @messageID, @sessionID, @data
         WHERE EXISTS (SELECT 1 FROM message WHERE id = @messageID AND session_id = @sessionID)
         ON CONFLICT(id) DO UPDATE SET data = excluded.data
         WHERE part.session_id = excluded.session_id AND part.message_id = excluded.message_id`,
      ),
      partOwner: db.prepare("SELECT session_id AS sessionID, message_id AS messageID FROM part WHERE id = ?"),
      listPartsOfMessage: db.prepare("SELECT data FROM part WHERE message_id = ? ORDER BY id"),
      listPartsOfSession: db.prepare("SELECT data FROM part WHERE session_id = ? ORDER BY id"),
      getTodos: db.prepare("SELECT data FROM todo WHERE session_id = ?"),
      setTodos: db.prepare(
        "INSERT INTO todo (session_id, data) VALUES (?, ?) ON CONFLICT(session_id) DO UPDATE SET data = excluded.data",
      ),
      insertPermission: db.prepare(
        "INSERT INTO permission (id, session_id, call_id, status, data) VALUES (@id, @sessionID, @callID, 'pending', @data)",
      ),
      getPermission: db.prepare("SELECT data, status FROM permission WHERE id = ?"),
      findPermissionByCall: db.prepare(
        "SELECT data, status FROM permission WHERE session_id = ? AND call_id = ? AND status != 'expired' ORDER BY id DESC LIMIT 1",
      ),
      listPendingPermissions: db.prepare("SELECT data, status FROM permission WHERE status = 'pending' ORDER BY id"),
      // A question is answered once: only a pending one changes (two clients answering at once, or an answer and
      // an expiry racing, leave the first).
      setPermissionStatus: db.prepare("UPDATE permission SET status = ? WHERE id = ? AND status = 'pending'"),
      dataVersion: db.prepare("PRAGMA data_version").pluck(),
      addGrant: db.prepare("INSERT OR IGNORE INTO permission_grant (session_id, permission, pattern) VALUES (?, ?, ?)"),
      listGrants: db.prepare("SELECT permission, pattern FROM permission_grant WHERE session_id = ?"),
    };
    this.histories = new HistoryCache({
      readAll: (sessionID) => this.readMessages(sessionID),
      readOne: (sessionID, messageID) => this.readMessage(sessionID, messageID),
      externalVersion: () => this.statements.dataVersion.get() as number,
    });
    this.writes = this.createWrites();
  }

  static open(file: string): SqliteStore {
    return new SqliteStore(file);
  }

  async close(): Promise<void> {
    await this.checkpoints?.close();
    this.closeNow();
  }

  /** For process exit paths that cannot wait. */
  closeNow(): void {
    // The checkpoints' reader first: the last connection to close checkpoints the WAL and removes it.
    this.checkpoints?.closeNow();
    if (this.db.open) this.db.close();
    this.owners.release();
  }

  commit<T>(scope: EventScope, write: (tx: StoreWrites) => T): Promise<T> {
    let result: T;
    let events: CommittedEvent[];
    try {
      // Only one commit is ever being built (better-sqlite3 runs it synchronously), so one list of emitted events.
      this.emitted = [];
      result = this.db.transaction(() => write(this.writes))();
      events = this.emitted;
    } catch (error) {
      return Promise.reject(error);
    } finally {
      this.emitted = [];
    }
    for (const listener of this.listeners) listener(scope, events);
    this.checkpoints?.committed();
    return Promise.resolve(result);
  }

  onCommit(listener: CommitListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reads run when called, so the position is taken right then. */
  async readAt<T, P>(read: () => Promise<T>, position: () => P): Promise<{ value: T; position: P }> {
    const reading = read();
    const at = position();
    return { value: await reading, position: at };
  }

  private createWrites(): StoreWrites {
    const s = this.statements;
    return {
      putSession: (session) => {
        s.upsertSession.run({
          id: session.id,
          directory: session.directory,
          parentID: session.parentID ?? null,
          updated: session.time.updated,
          titleSearch: session.title.toLowerCase(),
          data: JSON.stringify(session),
        });
      },
      deleteSession: (sessionID) => {
        s.deleteSession.run(sessionID);
        this.histories.sessionDeleted(sessionID);
      },
      putMessage: (info, running = false) => {
        const { changes } = s.upsertMessage.run({
          id: info.id,
          sessionID: info.sessionID,
          role: info.role,
          running: running ? 1 : 0,
          ownerPid: running ? process.pid : null,
          ownerToken: running ? this.owners.token() : null,
          data: JSON.stringify(info),
        });
        if (changes === 0) {
          throw new IdConflictError(`message ${info.id} belongs to another session, not to ${info.sessionID}`);
        }
        this.histories.touched(info.sessionID, info.id);
      },
      deleteMessage: (messageID) => {
        s.deleteMessage.run(messageID);
        this.histories.messageDeleted(messageID);
      },
      putPart: (part) => {
        const { changes } = s.upsertPart.run({
          id: part.id,
          messageID: part.messageID,
          sessionID: part.sessionID,
          data: JSON.stringify(part),
        });
        if (changes === 0) {
          throw new IdConflictError(
            `part ${part.id} cannot be written to message ${part.messageID} of session ${part.sessionID}: the id or the message belongs elsewhere`,
          );
        }
        this.histories.touched(part.sessionID, part.messageID);
      },
      deletePart: (partID) => {
        const row = s.deletePart.get(partID) as { sessionID: string; messageID: string } | undefined;
        if (row) this.histories.touched(row.sessionID, row.messageID);
      },
      setTodos: (sessionID, todos) => {
        s.setTodos.run(sessionID, JSON.stringify(todos));
      },
      insertPermission: (request) => {
        s.insertPermission.run({
          id: request.id,
          sessionID: request.sessionID,
          callID: request.tool?.callID ?? null,
          data: JSON.stringify(request),
        });
      },
      setPermissionStatus: (requestID, status) => {
        s.setPermissionStatus.run(status, requestID);
      },
      addGrant: (sessionID, permission, pattern) => {
        s.addGrant.run(sessionID, permission, pattern);
      },
      emit: (type, properties) => {
        this.emitted.push({ type, properties } as CommittedEvent);
      },
    };
  }

  // Sessions

  async getSession(id: string): Promise<Session | undefined> {
    return parseRow<Session>(this.statements.getSession.get(id));
  }

  async listSessions(query: SessionListQuery = {}): Promise<SessionPage> {
    // A cursor this store did not give out reads as the end of the list rather than failing the request.
    const after =
      query.cursor === undefined
        ? undefined
        : (decodeSessionCursor(query.cursor) ?? { updated: Number.NEGATIVE_INFINITY, id: "" });
    const limit = query.limit ?? -1;
    const rows = this.statements.listSessionsPage.all({
      directory: query.directory ?? null,
      roots: query.roots ? 1 : 0,
      ...searchWords(query.search),
      // The first page starts after a point past every session, so one range condition serves every page.
      afterUpdated: after?.updated ?? Number.MAX_SAFE_INTEGER,
      afterID: after?.id ?? "",
      // One more than asked says whether another page follows.
      limit: limit < 0 ? -1 : limit + 1,
    });
    const sessions = rows.map((row) => parseRow<Session>(row)!);
    if (limit < 0 || sessions.length <= limit) return { sessions };
    sessions.length = limit;
    const last = sessions[limit - 1];
    return { sessions, cursor: encodeSessionCursor({ updated: last.time.updated, id: last.id }) };
  }

  async listChildren(parentID: string): Promise<Session[]> {
    return this.statements.listChildren.all(parentID).map((row) => parseRow<Session>(row)!);
  }

  // Messages and parts

  async messageOwner(messageID: string): Promise<string | undefined> {
    return (this.statements.messageOwner.get(messageID) as { sessionID: string } | undefined)?.sessionID;
  }

  async partOwner(partID: string): Promise<{ sessionID: string; messageID: string } | undefined> {
    return this.statements.partOwner.get(partID) as { sessionID: string; messageID: string } | undefined;
  }

  async getMessage(sessionID: string, messageID: string): Promise<MessageWithParts | undefined> {
    return this.readMessage(sessionID, messageID);
  }

  private readMessage(sessionID: string, messageID: string): MessageWithParts | undefined {
    const info = parseRow<MessageInfo>(this.statements.getMessage.get(messageID, sessionID));
    if (!info) return undefined;
    return { info, parts: this.readParts(messageID) };
  }

  async listParts(messageID: string): Promise<Part[]> {
    return this.readParts(messageID);
  }

  private readParts(messageID: string): Part[] {
    return this.statements.listPartsOfMessage.all(messageID).map((row) => parseRow<Part>(row)!);
  }

  async listMessages(sessionID: string): Promise<MessageWithParts[]> {
    return this.histories.get(sessionID);
  }

  async history(sessionID: string): Promise<MessageWithParts[]> {
    const all = this.histories.get(sessionID);
    const summary = all.findLastIndex(({ info }) => info.role === "assistant" && info.summary === true);
    return summary <= 0 ? all : all.slice(summary);
  }

  private readMessages(sessionID: string): MessageWithParts[] {
    const messages = this.statements.listMessages.all(sessionID).map((row) => parseRow<MessageInfo>(row)!);
    const partsByMessage = new Map<string, Part[]>();
    for (const row of this.statements.listPartsOfSession.all(sessionID)) {
      const part = parseRow<Part>(row)!;
      const list = partsByMessage.get(part.messageID);
      if (list) list.push(part);
      else partsByMessage.set(part.messageID, [part]);
    }
    return messages.map((info) => ({ info, parts: partsByMessage.get(info.id) ?? [] }));
  }

  async listRunningMessages(): Promise<RunningMessage[]> {
    return this.statements.listRunningMessages.all().map((row) => ({
      info: parseRow<MessageInfo>(row)!,
      ownerPid: (row as { owner_pid: number | null }).owner_pid,
      ownerToken: (row as { owner_token: string | null }).owner_token,
    }));
  }

  // Todos

  async getTodos(sessionID: string): Promise<Todo[]> {
    return parseRow<Todo[]>(this.statements.getTodos.get(sessionID)) ?? [];
  }

  // Permissions

  async getPermission(id: string): Promise<StoredPermission | undefined> {
    return parsePermission(this.statements.getPermission.get(id));
  }

  async findPermissionByCall(sessionID: string, callID: string): Promise<StoredPermission | undefined> {
    return parsePermission(this.statements.findPermissionByCall.get(sessionID, callID));
  }

  async listPendingPermissions(): Promise<PermissionRequest[]> {
    return this.statements.listPendingPermissions.all().map((row) => parsePermission(row)!.request);
  }

  async listGrants(sessionID: string): Promise<{ permission: string; pattern: string }[]> {
    return this.statements.listGrants.all(sessionID) as { permission: string; pattern: string }[];
  }

  // Owners

  async isOwnerAlive(ownerToken: string): Promise<boolean> {
    return this.owners.isAlive(ownerToken);
  }

  async sweepOwners(): Promise<void> {
    this.owners.sweep();
  }

  async integrityCheck(): Promise<string> {
    return this.db.pragma("integrity_check", { simple: true }) as string;
  }
}

/**
 * The words every listed title must contain, as the statement's @w1…@w6: a missing word is "" (instr finds it in
 * every title, so it filters nothing). Plain parameters rather than a JSON list: checking each row on the walk
 * stays a few string searches, which keeps a search of 10,000 sessions to a few milliseconds.
 */
function searchWords(search: string | undefined): Record<string, string> {
  const words = titleSearchWords(search);
  const params: Record<string, string> = {};
  for (let i = 0; i < SEARCH_WORDS; i++) params[`w${i + 1}`] = words[i] ?? "";
  return params;
}

function parseRow<T>(row: unknown): T | undefined {
  if (!row) return undefined;
  return JSON.parse((row as { data: string }).data) as T;
}

function parsePermission(row: unknown): StoredPermission | undefined {
  if (!row) return undefined;
  const { data, status } = row as { data: string; status: PermissionStatus };
  return { request: JSON.parse(data), status };
}
