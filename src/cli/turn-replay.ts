// `moor run --attach --follow` joins a turn already running: what the turn said before this process came is in the
// message snapshot, and is printed first, as the events would have printed it; the events after the snapshot's id
// follow (src/client/join.ts), so the output starts at the turn's first word, never mid-word, and says each word
// once.
import type { MessageWithParts, MoorEvent } from "../protocol/index.js";

/** The messages of the latest turn: the assistant messages after the last user message. */
export function latestTurn(messages: MessageWithParts[]): MessageWithParts[] {
  let start = messages.length;
  while (start > 0 && messages[start - 1].info.role !== "user") start--;
  return messages.slice(start);
}

/** Whether the snapshot shows a turn under way: a prompt not answered yet, or a step not completed. */
export function turnUnderWay(messages: MessageWithParts[]): boolean {
  const last = messages.at(-1);
  if (!last) return false;
  if (last.info.role === "user") return true;
  return last.info.time.completed === undefined || last.info.finish === "tool-calls";
}

/**
 * The events that print the turn so far: its text as one delta a part (what the deltas up to now added up to),
 * its tool calls as their part updates. With `--format json` the parts themselves, as `message.part.updated`.
 */
export function turnEvents(turn: MessageWithParts[], format: "default" | "json"): MoorEvent[] {
  const events: MoorEvent[] = [];
  for (const { info, parts } of turn) {
    if (format === "json") events.push({ type: "message.updated", properties: { sessionID: info.sessionID, info } });
    for (const part of parts) {
      if (format === "default" && (part.type === "text" || part.type === "reasoning")) {
        const { sessionID, messageID, id: partID } = part;
        events.push({
          type: "message.part.delta",
          properties: { sessionID, messageID, partID, field: "text", delta: part.text },
        });
      } else {
        events.push({ type: "message.part.updated", properties: { sessionID: part.sessionID, part } });
      }
    }
  }
  return events;
}
