// The history the model is shown: the store's `history` (from the newest summary on), plus the prompts a summary
// does not cover. A summary covers the turns up to the one it was written in (its parent); a prompt queued behind
// that turn was stored before the summary but is not in it, and must not be lost.
import type { MessageWithParts } from "../../protocol/index.js";
import type { Store } from "../../storage/port.js";
import { isSummary } from "../history.js";

export async function modelHistory(store: Store, sessionID: string): Promise<MessageWithParts[]> {
  const history = await store.history(sessionID);
  const head = history[0];
  if (!head || !isSummary(head) || head.info.role !== "assistant") return history;
  const { parentID } = head.info;
  const summaryID = head.info.id;
  const all = await store.listMessages(sessionID);
  const uncovered = all.filter(({ info }) => info.role === "user" && info.id > parentID && info.id < summaryID);
  return uncovered.length === 0 ? history : [head, ...uncovered, ...history.slice(1)];
}
