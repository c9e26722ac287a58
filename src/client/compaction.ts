// Where compaction happened, as every client shows it: the summary message (an assistant message with
// `summary: true`) marks the point from which the model sees the conversation.
import type { MessageInfo } from "../protocol/index.js";

/** The line clients put where a summary stands in for what came before it. */
export const COMPACTION_MARK = "── compacted: the model sees the conversation from this summary on ──";

export function isCompactionSummary(info: MessageInfo): boolean {
  return info.role === "assistant" && info.summary === true;
}
