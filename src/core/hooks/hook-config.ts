// The `hooks` config in either shape, made one list. moor's: `{"<event>": [{matcher?, command, timeout? (ms)}]}`;
// Claude Code's: `{"PreToolUse": [{matcher?, hooks: [{type: "command", command, timeout? (seconds)}]}]}`. Both may
// sit side by side under `hooks`; an event name moor does not know is listed as ignored, never an error, so a
// Claude block with events moor lacks (SessionStart…) still loads.
import { HOOK_EVENTS, type HookEvent, type HookInfo } from "../../protocol/index.js";
import { CLAUDE_EVENTS, claudeToolName } from "./claude-names.js";

export const DEFAULT_HOOK_TIMEOUT_MS = 60_000;

/** The config's `hooks` value as the config schema accepts it. */
export type HooksConfig = Record<
  string,
  Array<{
    matcher?: string;
    command?: string;
    timeout?: number;
    hooks?: Array<{ type?: string; command?: string; timeout?: number }>;
  }>
>;

export interface HookSpec extends HookInfo {
  /**
   * Whether the hook is for an event about these names (a tool's moor and Claude names; a permission's, and
   * `permission_prompt`); true without a matcher, and for events about no tool (session.idle…).
   */
  matches(names: readonly string[] | undefined): boolean;
}

export interface ParsedHooks {
  hooks: HookSpec[];
  ignored: string[];
}

export function parseHooks(config: HooksConfig | undefined): ParsedHooks {
  const hooks: HookSpec[] = [];
  const ignored: string[] = [];
  for (const [name, entries] of Object.entries(config ?? {})) {
    const claudeEvent = CLAUDE_EVENTS[name];
    const event = claudeEvent ?? (HOOK_EVENTS.includes(name as HookEvent) ? (name as HookEvent) : undefined);
    if (!event || !Array.isArray(entries)) {
      ignored.push(name);
      continue;
    }
    for (const entry of entries) {
      const matcher = entry.matcher?.trim() || undefined;
      const matches = matcherFor(matcher);
      if (typeof entry.command === "string") {
        hooks.push({
          event,
          matcher,
          command: entry.command,
          timeoutMs: positive(entry.timeout) ?? DEFAULT_HOOK_TIMEOUT_MS,
          shape: "moor",
          matches,
        });
      }
      for (const inner of entry.hooks ?? []) {
        if (typeof inner.command !== "string" || (inner.type !== undefined && inner.type !== "command")) continue;
        const seconds = positive(inner.timeout);
        hooks.push({
          event,
          matcher,
          command: inner.command,
          timeoutMs: seconds ? Math.round(seconds * 1000) : DEFAULT_HOOK_TIMEOUT_MS,
          shape: claudeEvent ? "claude" : "moor",
          ...(claudeEvent ? { claudeEvent: name } : {}),
          matches,
        });
      }
    }
  }
  return { hooks, ignored };
}

function positive(value: number | undefined): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : undefined;
}

/**
 * A matcher names tools as moor (`bash`) or Claude Code (`Bash`) does: one name, names joined by `|`, or a regular
 * expression matched against the whole name; `*` or nothing matches all. For permission.asked it is the permission
 * (`bash`, `edit`), or Claude's notification type `permission_prompt`.
 */
function matcherFor(matcher: string | undefined): (names: readonly string[] | undefined) => boolean {
  if (matcher === undefined || matcher === "*") return () => true;
  let test: (name: string) => boolean;
  try {
    const pattern = new RegExp(`^(?:${matcher})$`);
    test = (name) => pattern.test(name);
  } catch {
    test = (name) => name === matcher;
  }
  return (names) => names === undefined || names.some(test);
}

/** The names a matcher is tried on for a tool call (or a permission question): moor's and Claude Code's. */
export function matchNames(tool: string, permission = false): string[] {
  return [tool, claudeToolName(tool), ...(permission ? ["permission_prompt"] : [])];
}

/** What GET /hooks shows of a hook. */
export function hookInfo(spec: HookSpec): HookInfo {
  const { matches: _, ...info } = spec;
  return info;
}
