// A client's direct edits to a session's history (OpenCode's `DELETE /session/:id/message/:mid`, `DELETE …/part/:pid`
// and `PATCH …/part/:pid`): a message and its parts removed, one part removed or replaced. No file is touched (that
// is revert's job). Rows and their events commit together; none of it while a turn runs, since the turn is
// writing those rows itself.
import type { Part } from "../protocol/index.js";
import type { Store } from "../storage/port.js";
import { CoreError, notFound } from "./errors.js";
import type { SessionService } from "./session.js";

export interface MessageEditDeps {
  store: Store;
  sessions: SessionService;
}

function refuseWhileBusy(deps: MessageEditDeps, sessionID: string, what: string): void {
  if (deps.sessions.isBusy(sessionID)) {
    throw new CoreError(
      "busy",
      `Session ${sessionID} is running a turn; abort it or wait for it to end before you ${what}.`,
    );
  }
}

/**
 * Removes a message and all its parts (`message.part.removed` for each, then `message.removed`). A message that is
 * not there is already gone: done, nothing announced (OpenCode answers `true` for it too); an unknown session is a
 * not_found.
 */
export async function deleteMessage(deps: MessageEditDeps, sessionID: string, messageID: string): Promise<void> {
  const session = await deps.sessions.get(sessionID);
  refuseWhileBusy(deps, sessionID, "delete a message");
  const message = await deps.store.getMessage(sessionID, messageID);
  if (!message) return;
  await deps.store.commit({ directory: session.directory, sessionID }, (tx) => {
    for (const part of message.parts) {
      tx.deletePart(part.id);
      tx.emit("message.part.removed", { sessionID, messageID, partID: part.id });
    }
    tx.deleteMessage(messageID);
    tx.emit("message.removed", { sessionID, messageID });
  });
}

async function existingPart(deps: MessageEditDeps, sessionID: string, messageID: string, partID: string) {
  const message = await deps.sessions.message(sessionID, messageID);
  const part = message.parts.find((candidate) => candidate.id === partID);
  if (!part) throw notFound("Part", partID);
  return part;
}

/** Removes one part of a message (`message.part.removed`); a part that is not there is already gone, as above. */
export async function deletePart(
  deps: MessageEditDeps,
  sessionID: string,
  messageID: string,
  partID: string,
): Promise<void> {
  const session = await deps.sessions.get(sessionID);
  refuseWhileBusy(deps, sessionID, "delete a part");
  const message = await deps.store.getMessage(sessionID, messageID);
  if (!message?.parts.some((part) => part.id === partID)) return;
  await deps.store.commit({ directory: session.directory, sessionID }, (tx) => {
    tx.deletePart(partID);
    tx.emit("message.part.removed", { sessionID, messageID, partID });
  });
}

/**
 * Replaces a part with the client's version (`message.part.updated`). The new part must name the same part, message
 * and session as the path, and keep its type: an edit changes a part's content, never what or whose it is.
 */
export async function updatePart(
  deps: MessageEditDeps,
  where: { sessionID: string; messageID: string; partID: string },
  part: Part,
  now: number,
): Promise<Part> {
  const { sessionID, messageID, partID } = where;
  const session = await deps.sessions.get(sessionID);
  const current = await existingPart(deps, sessionID, messageID, partID);
  if (part.id !== partID || part.messageID !== messageID || part.sessionID !== sessionID) {
    throw new CoreError(
      "bad_request",
      `The part's id, messageID and sessionID must be the ones in the path (${partID}, ${messageID}, ${sessionID}).`,
    );
  }
  if (part.type !== current.type) {
    throw new CoreError(
      "bad_request",
      `Part ${partID} is a ${current.type} part; it cannot become a ${part.type} part.`,
    );
  }
  refuseWhileBusy(deps, sessionID, "edit a part");
  await deps.store.commit({ directory: session.directory, sessionID }, (tx) => {
    tx.putPart(part);
    tx.emit("message.part.updated", { sessionID, part, time: now });
  });
  return part;
}
