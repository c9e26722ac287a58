// What a running (or the last) turn has cost so far, for a progress line: the turn is everything after the latest
// user message. Tokens and cost come from the assistant messages' own counts (the server writes them at each
// step's end); text still streaming in a step not yet counted is estimated (about four characters a token) so
// the number moves while the reply does.
import type { Part } from "../protocol/index.js";
import type { TranscriptMessage } from "./transcript.js";

export interface TurnProgress {
  /** When the turn's prompt was written (the user message's time). */
  started?: number;
  input: number;
  output: number;
  cost: number;
  /** True when `output` includes an estimate for text not yet counted by the server. */
  estimated: boolean;
}

const CHARS_PER_TOKEN = 4;

function streamedChars(parts: Part[]): number {
  return parts.reduce(
    (sum, part) => sum + (part.type === "text" || part.type === "reasoning" ? part.text.length : 0),
    0,
  );
}

export function turnProgress(messages: readonly TranscriptMessage[]): TurnProgress {
  let index = messages.length - 1;
  while (index >= 0 && messages[index].info.role !== "user") index--;
  const progress: TurnProgress = {
    started: index >= 0 ? messages[index].info.time.created : undefined,
    input: 0,
    output: 0,
    cost: 0,
    estimated: false,
  };
  for (const { info, parts } of messages.slice(index + 1)) {
    if (info.role !== "assistant") continue;
    progress.input += info.tokens.input;
    progress.cost += info.cost;
    const counted = info.tokens.output + info.tokens.reasoning;
    const guess = Math.ceil(streamedChars(parts) / CHARS_PER_TOKEN);
    if (counted === 0 && guess > 0 && !info.time.completed) {
      progress.output += guess;
      progress.estimated = true;
    } else progress.output += counted;
  }
  return progress;
}

/** A duration for people: 850ms, 4.2s, 3m 05s. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const seconds = Math.floor(ms / 1000);
  return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, "0")}s`;
}

/** A cost in dollars: four decimals under a cent, two above. */
export function formatCost(cost: number): string {
  return cost > 0 && cost < 0.01 ? `$${cost.toFixed(4)}` : `$${cost.toFixed(2)}`;
}
