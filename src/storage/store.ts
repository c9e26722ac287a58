// The one durable store: better-sqlite3 in WAL mode. Every write is synchronous and committed before it returns,
// so "written before published" (DESIGN.md §3) holds by calling the store before the bus.
import { existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import type { MessageInfo, MessageWithParts, Part, PermissionRequest, Session, Todo } from "../protocol/index.js";
import { HistoryCache } from "./history-cache.js";
import { migrate, readMigrations } from "./migrate.js";
import { OwnerLocks } from "./owner-lock.js";

/** Beside this file (src/ and dist/storage/), or dist/storage/migrations seen from the bundle in dist/bundle/. */
const MIGRATIONS_DIR = [new URL("./migrations", import.meta.url), new URL("../storage/migrations", import.meta.url)]
  .map((url) => fileURLToPath(url))
  .find((dir) => existsSync(dir)) as string;

/** `expired`: closed because the turn that asked ended (or its process did) before anyone answered. */
export type PermissionStatus = "pending" | "once" | "always" | "reject" | "expired";

export interface StoredPermission {
  request: PermissionRequest;
  status: PermissionStatus;
}

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
 * A write that would move a stored row to another session or message (or attach a part to a message of another
 * session). Rows never change owner; callers map this to a conflict (HTTP 409).
 */
export class IdConflictError extends Error {
  readonly code = "conflict";
  constructor(message: string) {
    super(message);
    this.name = "IdConflictError";
  }
}

export class Store {
  readonly db: Database.Database;
  private readonly statements;
  private readonly histories: HistoryCache;
  /** Who owns running messages: see owner-lock.ts. */
  readonly owners: OwnerLocks;

  constructor(file: string) {
    if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file, { nativeBinding: nativeBindingPath() });
    this.owners = new OwnerLocks(file === ":memory:" ? undefined : join(dirname(file), "owners"), nativeBindingPath());
    this.db.pragma("journal_mode = WAL");
    // NORMAL in WAL mode survives a killed process (only an OS crash can lose the last commits).
    this.db.pragma("synchronous = NORMAL");
    this.db.pragma("foreign_keys = ON");
    this.db.pragma("busy_timeout = 5000");
    migrate(this.db, readMigrations(MIGRATIONS_DIR));
    const db = this.db;
    this.statements = {
      upsertSession: db.prepare(
        `INSERT INTO session (id, directory, parent_id, time_updated, data) VALUES (@id, @directory, @parentID, @updated, @data)
         ON CONFLICT(id) DO UPDATE SET directory = excluded.directory, time_updated = excluded.time_updated, data = excluded.data`,
      ),
      getSession: db.prepare("SELECT data FROM session WHERE id = ?"),
      listSessions: db.prepare("SELECT data FROM session ORDER BY time_updated DESC, id DESC"),
      listSessionsIn: db.prepare("SELECT data FROM session WHERE directory = ? ORDER BY time_updated DESC, id DESC"),
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
      setPermissionStatus: db.prepare("UPDATE permission SET status = ? WHERE id = ?"),
      dataVersion: db.prepare("PRAGMA data_version").pluck(),
      addGrant: db.prepare("INSERT OR IGNORE INTO permission_grant (session_id, permission, pattern) VALUES (?, ?, ?)"),
      listGrants: db.prepare("SELECT permission, pattern FROM permission_grant WHERE session_id = ?"),
    };
    this.histories = new HistoryCache({
      readAll: (sessionID) => this.readMessages(sessionID),
      readOne: (sessionID, messageID) => this.getMessage(sessionID, messageID),
      externalVersion: () => this.statements.dataVersion.get() as number,
    });
  }

  static open(file: string): Store {
    return new Store(file);
  }

  close(): void {
    if (this.db.open) this.db.close();
    this.owners.release();
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  // Sessions

  putSession(session: Session): void {
    this.statements.upsertSession.run({
      id: session.id,
      directory: session.directory,
      parentID: session.parentID ?? null,
      updated: session.time.updated,
      data: JSON.stringify(session),
    });
  }

  getSession(id: string): Session | undefined {
    return parseRow<Session>(this.statements.getSession.get(id));
  }

  listSessions(directory?: string): Session[] {
    const rows = directory ? this.statements.listSessionsIn.all(directory) : this.statements.listSessions.all();
    return rows.map((row) => parseRow<Session>(row)!);
  }

  listChildren(parentID: string): Session[] {
    return this.statements.listChildren.all(parentID).map((row) => parseRow<Session>(row)!);
  }

  deleteSession(id: string): void {
    this.statements.deleteSession.run(id);
    this.histories.sessionDeleted(id);
  }

  // Messages and parts

  /** Writes a message of its session; throws IdConflictError when the id is stored in another session. */
  putMessage(info: MessageInfo, running = false): void {
    const { changes } = this.statements.upsertMessage.run({
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
  }

  /** The session a message id is stored in, whichever session that is. */
  messageOwner(messageID: string): string | undefined {
    return (this.statements.messageOwner.get(messageID) as { sessionID: string } | undefined)?.sessionID;
  }

  /** Where a part id is stored, whichever session that is. */
  partOwner(partID: string): { sessionID: string; messageID: string } | undefined {
    return this.statements.partOwner.get(partID) as { sessionID: string; messageID: string } | undefined;
  }

  getMessage(sessionID: string, messageID: string): MessageWithParts | undefined {
    const info = parseRow<MessageInfo>(this.statements.getMessage.get(messageID, sessionID));
    if (!info) return undefined;
    return { info, parts: this.listParts(messageID) };
  }

  listParts(messageID: string): Part[] {
    return this.statements.listPartsOfMessage.all(messageID).map((row) => parseRow<Part>(row)!);
  }

  /**
   * The whole history of a session, messages in id (creation) order, each with its parts in order. The message
   * objects are shared with the store's cache: copy one before changing it.
   */
  listMessages(sessionID: string): MessageWithParts[] {
    return this.histories.get(sessionID);
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

  /** Assistant messages marked as being produced, with the owner (lock token, and pid) producing them. */
  listRunningMessages(): { info: MessageInfo; ownerPid: number | null; ownerToken: string | null }[] {
    return this.statements.listRunningMessages.all().map((row) => ({
      info: parseRow<MessageInfo>(row)!,
      ownerPid: (row as { owner_pid: number | null }).owner_pid,
      ownerToken: (row as { owner_token: string | null }).owner_token,
    }));
  }

  deleteMessage(messageID: string): void {
    this.statements.deleteMessage.run(messageID);
    this.histories.messageDeleted(messageID);
  }

  /**
   * Writes a part of a stored message of the same session; throws IdConflictError when the message is not there
   * or the part id is stored under another message or session.
   */
  putPart(part: Part): void {
    const { changes } = this.statements.upsertPart.run({
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
  }

  // Todos

  getTodos(sessionID: string): Todo[] {
    return parseRow<Todo[]>(this.statements.getTodos.get(sessionID)) ?? [];
  }

  setTodos(sessionID: string, todos: Todo[]): void {
    this.statements.setTodos.run(sessionID, JSON.stringify(todos));
  }

  // Permissions

  insertPermission(request: PermissionRequest): void {
    this.statements.insertPermission.run({
      id: request.id,
      sessionID: request.sessionID,
      callID: request.tool?.callID ?? null,
      data: JSON.stringify(request),
    });
  }

  getPermission(id: string): StoredPermission | undefined {
    return parsePermission(this.statements.getPermission.get(id));
  }

  findPermissionByCall(sessionID: string, callID: string): StoredPermission | undefined {
    return parsePermission(this.statements.findPermissionByCall.get(sessionID, callID));
  }

  listPendingPermissions(): PermissionRequest[] {
    return this.statements.listPendingPermissions.all().map((row) => parsePermission(row)!.request);
  }

  setPermissionStatus(id: string, status: PermissionStatus): void {
    this.statements.setPermissionStatus.run(status, id);
  }

  addGrant(sessionID: string, permission: string, pattern: string): void {
    this.statements.addGrant.run(sessionID, permission, pattern);
  }

  listGrants(sessionID: string): { permission: string; pattern: string }[] {
    return this.statements.listGrants.all(sessionID) as { permission: string; pattern: string }[];
  }

  integrityCheck(): string {
    return this.db.pragma("integrity_check", { simple: true }) as string;
  }
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
