// The JSON a hook reads on stdin: moor's fields (`event`, `sessionID`, `directory`, `tool`, `input`, `output`…)
// and, beside them, Claude Code's (`hook_event_name`, `session_id`, `cwd`, `tool_name`, `tool_input`,
// `tool_response`, `prompt`, `message`), so a script written for either reads what it expects.
import type { HookEvent, PermissionRequest } from "../../protocol/index.js";
import { claudeEventName, claudeToolName, snakeKeys } from "./claude-names.js";

export interface HookEventFields {
  sessionID: string;
  directory: string;
  tool?: string;
  callID?: string;
  input?: Record<string, unknown>;
  /** A finished tool call's result (tool.after). */
  result?: { title: string; output: string; metadata: Record<string, unknown> };
  /** The user's prompt text (prompt.submitted). */
  prompt?: string;
  permission?: PermissionRequest;
  error?: string;
}

export function hookInput(event: HookEvent, fields: HookEventFields): string {
  const { sessionID, directory, tool, permission } = fields;
  const claudeTool = tool ? claudeToolName(tool) : permission ? claudeToolName(permission.permission) : undefined;
  return JSON.stringify({
    event,
    sessionID,
    directory,
    tool,
    callID: fields.callID,
    input: fields.input,
    output: fields.result?.output,
    title: fields.result?.title,
    metadata: fields.result?.metadata,
    prompt: fields.prompt,
    permission,
    error: fields.error,
    hook_event_name: claudeEventName(event),
    session_id: sessionID,
    cwd: directory,
    tool_name: claudeTool,
    tool_input: fields.input ? snakeKeys(fields.input) : undefined,
    tool_use_id: fields.callID,
    tool_response: fields.result
      ? { output: fields.result.output, title: fields.result.title, ...snakeKeys(fields.result.metadata) }
      : undefined,
    ...(permission
      ? {
          message: `moor needs your permission: ${permission.permission} ${permission.patterns.join(", ")}`,
          notification_type: "permission_prompt",
        }
      : {}),
    ...(event === "session.idle" ? { stop_hook_active: false } : {}),
  });
}
