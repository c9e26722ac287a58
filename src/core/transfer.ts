// Export and import of whole sessions: `{info, messages, todos}`, the same document OpenCode's export writes plus
// todos. export → import → export gives the same document (but for a link to a parent session the target store does
// not hold, dropped with a warning: see importSession).
import { isAbsolute, resolve } from "node:path";
import * as z from "zod";
import { MessageWithParts, Session, Todo } from "../protocol/index.js";
import { IdConflictError, type Store } from "../storage/port.js";
import { CoreError, notFound } from "./errors.js";

export const SessionExport = z.object({
  info: Session,
  messages: z.array(MessageWithParts),
  todos: z.array(Todo).default([]),
});
export type SessionExport = z.infer<typeof SessionExport>;

/** The session as stored, and what was changed on the way in (said to the user, not silently done). */
export interface ImportResult {
  session: Session;
  warnings: string[];
}

/** The latest instant a JavaScript Date can hold: a time past it prints as "Invalid Date" or throws. */
const LAST_DATE_MS = 8.64e15;

export async function exportSession(store: Store, sessionID: string): Promise<SessionExport> {
  const info = await store.getSession(sessionID);
  if (!info) throw notFound("Session", sessionID);
  return { info, messages: await store.listMessages(sessionID), todos: await store.getTodos(sessionID) };
}

/** Validates the whole document first, then writes it in one transaction: all of it or nothing. */
export async function importSession(store: Store, document: unknown): Promise<ImportResult> {
  const parsed = SessionExport.safeParse(document);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw notAnExport(issue.path.join(".") || "(root)", issue.message);
  }
  const { messages, todos } = parsed.data;
  let info = parsed.data.info;
  checkDocument(parsed.data);
  if (await store.getSession(info.id)) {
    throw new CoreError("conflict", `session ${info.id} already exists; delete it first or keep the existing one`);
  }
  const warnings: string[] = [];
  // The export of a subagent's session names its parent, which the target store may not hold. Kept, the link would
  // hide the session (lists show root sessions and the children of stored ones); refused, the user could not bring
  // the session over at all without editing the file. Dropping the link keeps every message, and the warning says
  // how to keep the link instead.
  if (info.parentID !== undefined && !(await store.getSession(info.parentID))) {
    warnings.push(
      `parent session ${info.parentID} is not stored here, so ${info.id} is imported as a session of its own; import the parent first to keep the link`,
    );
    const { parentID: _dropped, ...withoutParent } = info;
    info = withoutParent;
  }
  // Ids belong to one session (DESIGN.md §3): a document reusing ids stored elsewhere (an export imported again
  // under another session id, or a hand-edited one) is refused whole, rather than moving or rewriting those rows.
  for (const { info: message, parts } of messages) {
    const owner = await store.messageOwner(message.id);
    if (owner)
      throw new CoreError("conflict", `message ${message.id} already exists in session ${owner}; nothing imported`);
    for (const part of parts) {
      const where = await store.partOwner(part.id);
      if (where)
        throw new CoreError(
          "conflict",
          `part ${part.id} already exists in session ${where.sessionID}; nothing imported`,
        );
    }
  }
  try {
    await store.commit({ directory: info.directory, sessionID: info.id }, (tx) => {
      tx.putSession(info);
      for (const { info: message, parts } of messages) {
        tx.putMessage(message);
        for (const part of parts) tx.putPart(part);
      }
      if (todos.length > 0) tx.setTodos(info.id, todos);
      tx.emit("session.created", { sessionID: info.id, info });
    });
  } catch (error) {
    if (error instanceof IdConflictError) throw new CoreError("conflict", `${error.message}; nothing imported`);
    throw error;
  }
  return { session: info, warnings };
}

function notAnExport(path: string, problem: string): CoreError {
  return new CoreError("bad_request", `not a moor session export: ${path}: ${problem}`);
}

/**
 * What the schema cannot say about a document that `moor export` always gets right, each of which would store a
 * session that misbehaves: a directory no list matches, times no clock gives, and ids written twice (the second
 * copy silently replacing the first, so the next export differs from the file).
 */
function checkDocument({ info, messages }: SessionExport): void {
  if (!isAbsolute(info.directory) || resolve(info.directory) !== info.directory) {
    throw notAnExport(
      "info.directory",
      `must be an absolute path as moor export writes it (no "." or ".." and no trailing slash), not ${JSON.stringify(info.directory.slice(0, 200))}`,
    );
  }
  checkTimes("info.time", info.time);
  const messageIDs = new Set<string>();
  const partIDs = new Set<string>();
  messages.forEach(({ info: message, parts }, index) => {
    const at = `messages.${index}`;
    if (message.sessionID !== info.id || parts.some((part) => part.sessionID !== info.id)) {
      throw new CoreError("bad_request", `message ${message.id} does not belong to session ${info.id}`);
    }
    if (messageIDs.has(message.id)) throw notAnExport(`${at}.info.id`, `message ${message.id} appears twice`);
    messageIDs.add(message.id);
    checkTimes(`${at}.info.time`, message.time);
    parts.forEach((part, partIndex) => {
      const partAt = `${at}.parts.${partIndex}`;
      if (part.messageID !== message.id) {
        throw notAnExport(`${partAt}.messageID`, `part ${part.id} names message ${part.messageID}, not ${message.id}`);
      }
      if (partIDs.has(part.id)) throw notAnExport(`${partAt}.id`, `part ${part.id} appears twice`);
      partIDs.add(part.id);
      if ("time" in part && part.time) checkTimes(`${partAt}.time`, part.time);
      if (part.type === "tool" && "time" in part.state) checkTimes(`${partAt}.state.time`, part.state.time);
    });
  });
}

/** Times are milliseconds since 1970 (the schema already refused what is not a finite number). */
function checkTimes(path: string, times: Record<string, number | undefined>): void {
  for (const [key, value] of Object.entries(times)) {
    if (value !== undefined && !(value >= 0 && value <= LAST_DATE_MS)) {
      throw notAnExport(
        `${path}.${key}`,
        `a time must be milliseconds since 1970 (0 to ${LAST_DATE_MS}), not ${value}`,
      );
    }
  }
}
