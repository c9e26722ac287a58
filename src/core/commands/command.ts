// A slash command: a prompt template the user runs by name (`/init`, `/review`, or one from config or a markdown
// file). Core never reads config: cli passes the configured ones in (CoreOptions.commands), core adds the built-ins.

import type { Command } from "../../protocol/index.js";

export interface CommandDefinition {
  name: string;
  description?: string;
  /** The agent the command's turn runs under (else the caller's, else the default). */
  agent?: string;
  /** `provider/model`: the model of the command's turn (else the agent's, else the caller's). */
  model?: string;
  /** The prompt: `$ARGUMENTS`, `$1`…, `@file` includes and `` !`cmd` `` output are filled in when it runs. */
  template: string;
  /** Runs as a task: the template goes to a subagent (the command's agent, else `general`) in a child session. */
  subtask?: boolean;
}

/** The placeholders a template takes (`$1`, `$2`…, `$ARGUMENTS`), which clients show as argument hints. */
export function templateHints(template: string): string[] {
  const numbered = [...new Set(template.match(/\$\d+/g) ?? [])].sort();
  return template.includes("$ARGUMENTS") ? [...numbered, "$ARGUMENTS"] : numbered;
}

/** A command as GET /command lists it (OpenCode's `Command` shape). */
export function toWireCommand(command: CommandDefinition): Command {
  return {
    name: command.name,
    ...(command.description !== undefined && { description: command.description }),
    ...(command.agent !== undefined && { agent: command.agent }),
    ...(command.model !== undefined && { model: command.model }),
    source: "command",
    template: command.template,
    ...(command.subtask !== undefined && { subtask: command.subtask }),
    hints: templateHints(command.template),
  };
}
