// Hook runs as every screen shows them (issue 19 §3): folded to one line in the transcript, where they happened
// (after the message that was last when the run was announced), the output and error a screen may unfold.
import type { HookRan } from "../protocol/index.js";

/** How many runs a session view keeps (they are announced, not stored: a reopened session starts without them). */
export const KEPT_HOOK_RUNS = 50;
const SHOWN_COMMAND = 60;

export interface ShownHookRun {
  /** Counts the session view's runs: a stable key for a screen's list. */
  key: number;
  run: HookRan;
  /** The message the run is shown after; none when the transcript was empty. */
  after?: string;
}

/** `hook tool.before \`./guard.sh\` → exit 2 · 12 ms` (→ "timed out", "failed" when it did not exit). */
export function hookRunLine(run: HookRan): string {
  const command = run.command.length > SHOWN_COMMAND ? `${run.command.slice(0, SHOWN_COMMAND - 1)}…` : run.command;
  const outcome =
    run.exit !== null ? `exit ${run.exit}` : run.error?.startsWith("timed out") ? "timed out" : "did not finish";
  const decision = run.decision ? ` · ${run.decision}` : "";
  return `hook ${run.event} \`${command}\` → ${outcome}${decision} · ${Math.round(run.ms)} ms`;
}

/** Whether the run failed (a screen colours it). */
export function hookRunFailed(run: HookRan): boolean {
  return run.error !== undefined;
}

/** What unfolds under the line: the error, then the output. */
export function hookRunDetail(run: HookRan): string {
  return [run.error, run.output].filter(Boolean).join("\n");
}

/** The runs with a new one added after `lastMessage`, the oldest dropped beyond KEPT_HOOK_RUNS. */
export function addHookRun(runs: readonly ShownHookRun[], run: HookRan, lastMessage?: string): ShownHookRun[] {
  const key = (runs.at(-1)?.key ?? 0) + 1;
  return [...runs, { key, run, after: lastMessage }].slice(-KEPT_HOOK_RUNS);
}

/** The runs shown after `messageID` (undefined: before the first message). */
export function hookRunsAfter(runs: readonly ShownHookRun[] | undefined, messageID?: string): ShownHookRun[] {
  return (runs ?? []).filter((shown) => shown.after === messageID);
}
