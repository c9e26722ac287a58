// Wire shapes of configured hooks (GET /hooks) and of one hook's run (the `hook.ran` event).
import * as z from "zod";

/** The events a hook can run on (moor's names; Claude Code's are mapped onto them). */
export const HOOK_EVENTS = [
  "prompt.submitted",
  "tool.before",
  "tool.after",
  "permission.asked",
  "session.idle",
  "session.error",
  "session.compacted",
] as const;
export type HookEvent = (typeof HOOK_EVENTS)[number];

/** One configured hook command, as GET /hooks lists it. */
export const HookInfo = z.object({
  event: z.enum(HOOK_EVENTS),
  /** Which tools (or permissions) it runs for; absent: all. */
  matcher: z.string().optional(),
  command: z.string(),
  timeoutMs: z.number().int().positive(),
  /** `claude`: written as Claude Code's hooks block (`claudeEvent` is its event name there). */
  shape: z.enum(["moor", "claude"]),
  claudeEvent: z.string().optional(),
});
export type HookInfo = z.infer<typeof HookInfo>;

export const HookList = z.object({
  hooks: z.array(HookInfo),
  /** Event names in the config moor does not run hooks on (e.g. Claude Code's SessionStart): listed, not run. */
  ignored: z.array(z.string()),
});
export type HookList = z.infer<typeof HookList>;

/** What the `hook.ran` event carries: one run of one hook command. */
export interface HookRan {
  sessionID: string;
  event: HookEvent;
  command: string;
  /** The exit code; null when it was killed (timeout) or could not start. */
  exit: number | null;
  ms: number;
  /** The start of its stdout and stderr, when it printed anything. */
  output?: string;
  /** Why the run failed (timed out, could not start, non-zero exit). */
  error?: string;
  /** The tool the run was about (tool.before, tool.after). */
  tool?: string;
  /** A tool.before hook's decision. */
  decision?: "allow" | "deny" | "ask";
}
