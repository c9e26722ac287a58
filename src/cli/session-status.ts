// A stored session's status as `moor session list` shows it, read from the store alone (no server needed): busy while
// a live process produces a reply in it, interrupted when its last reply was cut short (resume it), else idle.
import type { Store } from "../storage/port.js";

export type SessionState = "busy" | "idle" | "interrupted";

/**
 * The store must have been recovered first (openRecoveredStore): then every message still marked running belongs to
 * a live process, and every orphan is already marked interrupted.
 */
export async function sessionStates(store: Store, sessionIDs: readonly string[]): Promise<Map<string, SessionState>> {
  const busy = new Set((await store.listRunningMessages()).map((running) => running.info.sessionID));
  const states = new Map<string, SessionState>();
  for (const id of sessionIDs) {
    if (busy.has(id)) {
      states.set(id, "busy");
      continue;
    }
    const last = (await store.listMessages(id)).at(-1)?.info;
    const interrupted = last?.role === "assistant" && last.error?.name === "InterruptedError";
    states.set(id, interrupted ? "interrupted" : "idle");
  }
  return states;
}
