// Claude Code's names for events and tools, so a hooks block copied from `.claude/settings.json` runs unchanged:
// its events map onto moor's, its matchers (`Bash`, `Edit|Write`) match moor's tools by their Claude names, and
// the JSON a hook reads carries Claude's field names beside moor's.
import type { HookEvent } from "../../protocol/index.js";

export const CLAUDE_EVENTS: Record<string, HookEvent> = {
  PreToolUse: "tool.before",
  PostToolUse: "tool.after",
  UserPromptSubmit: "prompt.submitted",
  Notification: "permission.asked",
  Stop: "session.idle",
};

/** Claude's event name for one of moor's (what `hook_event_name` says); moor's own name where Claude has none. */
export function claudeEventName(event: HookEvent): string {
  for (const [claude, moor] of Object.entries(CLAUDE_EVENTS)) if (moor === event) return claude;
  return event;
}

const CLAUDE_TOOLS: Record<string, string> = {
  bash: "Bash",
  edit: "Edit",
  write: "Write",
  read: "Read",
  glob: "Glob",
  grep: "Grep",
  ls: "LS",
  list: "LS",
  webfetch: "WebFetch",
  task: "Task",
  todowrite: "TodoWrite",
  todoread: "TodoRead",
};

/** The name Claude Code gives a moor tool (or permission); the tool's own name when Claude has no such tool. */
export function claudeToolName(tool: string): string {
  return CLAUDE_TOOLS[tool] ?? tool;
}

/** Claude's `tool_input` keys are snake_case where moor's (OpenCode's) are camelCase: `filePath` → `file_path`. */
export function snakeKeys(input: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(input).map(([key, value]) => [key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`), value]),
  );
}
