// Which prompts of a busy session wait in its queue: the server stores a prompt sent while a turn runs and answers
// it afterwards, in order (core/session.ts). Those are the prompts after the last answered one that have no reply
// yet, except the one whose turn is starting (when no reply of the running turn has been written so far).
import type { ViewMessage } from "./view-model.js";

export function queuedPromptIds(messages: readonly ViewMessage[], busy: boolean): Set<string> {
  if (!busy) return new Set();
  const answered = new Set<string>();
  for (const { info } of messages) if (info.role === "assistant") answered.add(info.parentID);
  const lastAnswered = messages.findLastIndex(({ info }) => info.role === "user" && answered.has(info.id));
  const waiting = messages
    .slice(lastAnswered + 1)
    .filter(({ info }) => info.role === "user" && !answered.has(info.id))
    .map(({ info }) => info.id);
  const last = messages.findLast(({ info }) => info.role === "assistant")?.info;
  const replying = last?.role === "assistant" && !last.time.completed;
  return new Set(replying ? waiting : waiting.slice(1));
}
