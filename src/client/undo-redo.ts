// Undo and redo as OpenCode's TUI does them, for every moor screen: undo reverts to the latest prompt before the
// one a revert already hides (the session's `revert`), redo moves the revert forward one prompt, or ends it.
// `visibleMessages` is what a screen shows while a revert is in effect (the messages it hides are left out).
import type { MessageInfo, Session } from "../protocol/index.js";

interface Revertable {
  revert(id: string, body: { messageID: string }): Promise<Session>;
  unrevert(id: string): Promise<Session>;
}

/** The message a revert hides from, when one is in effect. */
type RevertMark = Session["revert"];

export function visibleMessages<M extends { info: MessageInfo }>(messages: M[], revert: RevertMark): M[] {
  if (!revert) return messages;
  return messages.filter((message) => message.info.id < revert.messageID);
}

/** Reverts the latest prompt still shown; answers what happened, for the screen's notice line. */
export async function undo(client: Revertable, session: Session, messages: { info: MessageInfo }[]): Promise<string> {
  const prompts = visibleMessages(messages, session.revert).filter((message) => message.info.role === "user");
  const target = prompts.at(-1);
  if (!target) return "nothing to undo";
  await client.revert(session.id, { messageID: target.info.id });
  return "undone: the files are back as they were before that prompt (/redo to bring the changes back)";
}

/** Brings back the prompt the revert hides first: the revert moves to the next prompt, or ends. */
export async function redo(client: Revertable, session: Session, messages: { info: MessageInfo }[]): Promise<string> {
  const { revert } = session;
  if (!revert) return "nothing to redo";
  const next = messages.find((message) => message.info.role === "user" && message.info.id > revert.messageID);
  if (next) await client.revert(session.id, { messageID: next.info.id });
  else await client.unrevert(session.id);
  return "redone";
}
