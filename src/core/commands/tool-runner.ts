// Runs a tool for a command before its prompt is stored (`@file` reads, `` !`cmd` `` runs): the same tool the model
// would call, asking through the same permission gate under the command's agent, so a command never runs or reads
// anything the user's rules would not allow a turn to (a question is asked, and waits, when they say "ask").
import { newId } from "../../protocol/index.js";
import type { PermissionGate } from "../permission.js";
import { errorMessage } from "../retry.js";
import type { ToolRegistry } from "../tools/registry.js";
import type { ToolContext } from "../tools/tool.js";

export interface CommandToolScope {
  sessionID: string;
  directory: string;
  /** The id the command's prompt will be stored under: its questions belong to that message. */
  messageID: string;
  agent: string;
  signal: AbortSignal;
  now(): number;
  gate: PermissionGate;
  tools: ToolRegistry;
}

export type ToolRun = { ok: true; output: string } | { ok: false; error: string };

export async function runCommandTool(
  scope: CommandToolScope,
  name: string,
  input: Record<string, unknown>,
): Promise<ToolRun> {
  const definition = scope.tools.forAgent(scope.agent).get(name);
  if (!definition) return { ok: false, error: `the ${scope.agent} agent has no ${name} tool` };
  const callID = newId("prt", scope.now()).replace(/^prt_/, "cmd_");
  const context: ToolContext = {
    directory: scope.directory,
    sessionID: scope.sessionID,
    messageID: scope.messageID,
    callID,
    abort: scope.signal,
    now: scope.now,
    ask: (ask) =>
      scope.gate.ask(
        {
          sessionID: scope.sessionID,
          directory: scope.directory,
          messageID: scope.messageID,
          callID,
          signal: scope.signal,
          agent: scope.agent,
        },
        ask,
      ),
    progress: () => {},
  };
  try {
    const parsed = definition.parameters.parse(input);
    const result = await definition.execute(parsed, context);
    return { ok: true, output: result.output };
  } catch (error) {
    return { ok: false, error: errorMessage(error) };
  }
}
