// What a tool.before hook decided, from how it ended. Exit 2 denies (its stderr is the reason the model reads);
// exit 0 with a JSON decision on stdout decides (moor's `{"decision": "allow"|"deny"|"ask", "reason"?}`, Claude
// Code's `{"hookSpecificOutput": {"permissionDecision", "permissionDecisionReason"}}` and its older
// `{"decision": "approve"|"block", "reason"}`); any other output leaves it to the permission rules. A hook that
// failed (another exit code, a timeout, a command that could not start) counts as "ask": a broken guard must not
// let a call through unasked, nor stop the turn.
import type { HookRunResult } from "./hook-runner.js";

export type HookDecision = "allow" | "deny" | "ask";

export interface ToolBeforeOutcome {
  decision?: HookDecision;
  reason?: string;
  /** Why the run counts as failed. */
  failure?: string;
}

export function readToolBeforeOutcome(result: HookRunResult): ToolBeforeOutcome {
  const failure = runFailure(result);
  if (result.exit === 2) {
    return { decision: "deny", reason: result.stderr.trim() || "A tool.before hook denied this call." };
  }
  if (failure) return { decision: "ask", failure };
  return readDecision(result.stdout);
}

/** Why a run failed, for hook.ran and the log; undefined when it exited 0 (or 2, a decision). */
export function runFailure(result: HookRunResult): string | undefined {
  if (result.startError) return `could not start: ${result.startError}`;
  if (result.timedOut) return `timed out after ${result.ms} ms and was killed`;
  if (result.exit !== 0 && result.exit !== 2) return `exited with ${result.exit ?? "a signal"}`;
  return undefined;
}

function readDecision(stdout: string): ToolBeforeOutcome {
  const text = stdout.trim();
  if (!text.startsWith("{")) return {};
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return {};
  }
  const specific = value.hookSpecificOutput as Record<string, unknown> | undefined;
  const claude = decisionWord(specific?.permissionDecision);
  if (claude) return { decision: claude, reason: stringOr(specific?.permissionDecisionReason) };
  const decision = decisionWord(value.decision);
  return decision ? { decision, reason: stringOr(value.reason) } : {};
}

function decisionWord(word: unknown): HookDecision | undefined {
  if (word === "allow" || word === "approve") return "allow";
  if (word === "deny" || word === "block") return "deny";
  if (word === "ask") return "ask";
  return undefined;
}

function stringOr(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() ? value.trim() : undefined;
}

/** Several hooks on one call: any deny denies (their reasons joined), else any ask asks, else any allow allows. */
export function combineOutcomes(outcomes: readonly ToolBeforeOutcome[]): ToolBeforeOutcome {
  const denied = outcomes.filter((outcome) => outcome.decision === "deny");
  if (denied.length > 0) {
    return { decision: "deny", reason: denied.map((outcome) => outcome.reason ?? "Denied by a hook.").join("\n") };
  }
  for (const decision of ["ask", "allow"] as const) {
    if (outcomes.some((outcome) => outcome.decision === decision)) return { decision };
  }
  return {};
}
