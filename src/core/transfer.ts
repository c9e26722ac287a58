// Export and import of whole sessions: `{info, messages, todos}`, the same document OpenCode's export writes plus
// todos. export → import → export gives the same document.
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

export async function exportSession(store: Store, sessionID: string): Promise<SessionExport> {
  const info = await store.getSession(sessionID);
  if (!info) throw notFound("Session", sessionID);
  return { info, messages: await store.listMessages(sessionID), todos: await store.getTodos(sessionID) };
}

/** Validates the whole document first, then writes it in one transaction: all of it or nothing. */
export async function importSession(store: Store, document: unknown): Promise<Session> {
  const parsed = SessionExport.safeParse(document);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CoreError(
      "bad_request",
      `not a moor session export: ${issue.path.join(".") || "(root)"}: ${issue.message}`,
    );
  }
  const { info, messages, todos } = parsed.data;
  if (await store.getSession(info.id)) {
    throw new CoreError("conflict", `session ${info.id} already exists; delete it first or keep the existing one`);
  }
  for (const message of messages) {
    if (message.info.sessionID !== info.id || message.parts.some((part) => part.sessionID !== info.id)) {
      throw new CoreError("bad_request", `message ${message.info.id} does not belong to session ${info.id}`);
    }
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
  return info;
}
