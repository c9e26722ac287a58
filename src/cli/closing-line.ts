// The line `moor run` ends a turn with: which session (to continue or export it), which model, how long, how many
// tokens. Built from the turn's assistant messages as they are updated (each step's latest info counts once).
import type { MessageInfo, TokenUsage } from "../protocol/index.js";
import { PLAIN, type Style } from "./terminal-style.js";

export class TurnTally {
  private readonly steps = new Map<string, { model: string; tokens: TokenUsage; cost: number }>();

  /** Records an assistant message's latest info; user messages and other sessions' messages are ignored. */
  note(info: MessageInfo, sessionID: string): void {
    if (info.role !== "assistant" || info.sessionID !== sessionID || info.summary) return;
    this.steps.set(info.id, { model: `${info.providerID}/${info.modelID}`, tokens: info.tokens, cost: info.cost });
  }

  /** `ses_… · provider/model · 1.4s · 1,204 in / 87 out tokens` (cost when the provider priced it). */
  line(sessionID: string, durationMs: number, style: Style = PLAIN): string {
    const steps = [...this.steps.values()];
    const model = steps.at(-1)?.model;
    const input = steps.reduce((sum, step) => sum + step.tokens.input + step.tokens.cache.read, 0);
    const output = steps.reduce((sum, step) => sum + step.tokens.output + step.tokens.reasoning, 0);
    const cost = steps.reduce((sum, step) => sum + step.cost, 0);
    const parts = [
      sessionID,
      model,
      formatDuration(durationMs),
      `${input.toLocaleString("en-US")} in / ${output.toLocaleString("en-US")} out tokens`,
      cost > 0 ? `$${cost.toFixed(4)}` : undefined,
    ].filter((part): part is string => part !== undefined);
    return style.dim(`── ${parts.join(" · ")}`);
  }
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes}m${String(Math.round((ms % 60_000) / 1000)).padStart(2, "0")}s`;
}
