// Pruning: old tool outputs are the bulk of a long session and the least needed later. Walking back from the newest
// message, the last two turns and a budget of recent outputs are kept; older outputs are marked compacted (the
// model reads a placeholder, OpenCode's `time.compacted`); the store keeps every byte, so clients still show them.
import type { MessageWithParts, ToolPart } from "../../protocol/index.js";
import type { EventScope, Store } from "../../storage/port.js";
import { estimateTokens } from "./estimate.js";

export interface PruneBudget {
  /** Recent tool outputs kept, in tokens (OpenCode: 40,000). */
  protect: number;
  /** Pruning only happens when it frees at least this many tokens (OpenCode: 20,000). */
  minimum: number;
}

/** OpenCode's figures, scaled down for a small window (usable: the tokens a request may use). */
export function pruneBudget(usable: number): PruneBudget {
  return { protect: Math.min(40_000, Math.floor(usable * 0.3)), minimum: Math.min(20_000, Math.floor(usable * 0.1)) };
}

/** The tool parts to prune in `history` (newest last) and the tokens that frees. */
export function prunable(history: MessageWithParts[], budget: PruneBudget): { parts: ToolPart[]; tokens: number } {
  const parts: ToolPart[] = [];
  let turns = 0;
  let kept = 0;
  let tokens = 0;
  outer: for (let index = history.length - 1; index >= 0; index--) {
    const { info, parts: messageParts } = history[index];
    if (info.role === "user") turns++;
    // The turn in progress and the one before it are kept whole.
    if (turns < 2) continue;
    if (info.role === "assistant" && info.summary) break;
    for (let partIndex = messageParts.length - 1; partIndex >= 0; partIndex--) {
      const part = messageParts[partIndex];
      if (part.type !== "tool" || part.state.status !== "completed") continue;
      // Everything older was pruned before.
      if (part.state.time.compacted) break outer;
      const size = estimateTokens(part.state.output);
      kept += size;
      if (kept <= budget.protect) continue;
      parts.push(part);
      tokens += size;
    }
  }
  return { parts, tokens };
}

/** Marks the parts compacted in one commit (each announced as updated); returns how many were marked. */
export async function markPruned(store: Store, scope: EventScope, parts: ToolPart[], now: number): Promise<number> {
  if (parts.length === 0) return 0;
  await store.commit(scope, (tx) => {
    for (const part of parts) {
      if (part.state.status !== "completed") continue;
      // A copy: the history's objects may be the store's cached ones.
      const pruned: ToolPart = { ...part, state: { ...part.state, time: { ...part.state.time, compacted: now } } };
      tx.putPart(pruned);
      tx.emit("message.part.updated", { sessionID: pruned.sessionID, part: pruned });
    }
  });
  return parts.length;
}
