// Running a slash command: the built-ins and the configured commands of the session's directory, the template
// filled (arguments, then `` !`cmd` `` output, then `@file` attachments) and sent as the session's next prompt, under
// the command's agent and model. `command.executed` is published once the command's turn has run.
import {
  type Command,
  type CommandInput,
  type ModelRef,
  newId,
  type PartInput,
  type PromptInput,
} from "../../protocol/index.js";
import type { AgentRegistry } from "../agents/registry.js";
import type { EventBus } from "../bus.js";
import { CoreError } from "../errors.js";
import type { PermissionGate } from "../permission.js";
import type { OwnerDispatch } from "../remote-owner.js";
import type { PromptResult, SessionService, TurnPrelude } from "../session.js";
import { subtaskStep } from "../subagents/subtask-step.js";
import type { ToolRegistry } from "../tools/registry.js";
import { fillArguments } from "./arguments.js";
import { builtinCommands } from "./builtin.js";
import { type CommandDefinition, toWireCommand } from "./command.js";
import { filePartsFor, runShellSubstitutions } from "./expand.js";
import type { CommandToolScope } from "./tool-runner.js";

export interface CommandServiceOptions {
  sessions: SessionService;
  bus: EventBus;
  gate: PermissionGate;
  tools: ToolRegistry;
  agents: () => AgentRegistry;
  now: () => number;
  /** The commands configured for sessions in a directory (config and markdown files); read at every use. */
  configured: (directory: string) => CommandDefinition[];
  /** Where `@~/…` points. */
  home?: string;
  /** Cluster mode, API nodes: a command runs where the session's turns run (its shell substitutions too). */
  owners?: OwnerDispatch;
}

export class CommandService {
  constructor(private readonly options: CommandServiceOptions) {}

  /** Every command for a directory, by name: the built-ins, replaced by configured ones of the same name. */
  definitions(directory: string): Map<string, CommandDefinition> {
    const byName = new Map<string, CommandDefinition>();
    for (const command of [...builtinCommands(directory), ...this.options.configured(directory)]) {
      byName.set(command.name, command);
    }
    return byName;
  }

  list(directory: string): Command[] {
    return [...this.definitions(directory).values()].map(toWireCommand);
  }

  /**
   * Runs the command in the session as its next prompt; resolves when the turn has run (as a prompt does). An
   * unknown command is a `not_found` naming the known ones.
   */
  async run(sessionID: string, input: CommandInput): Promise<PromptResult> {
    return (await this.start(sessionID, input)).done;
  }

  /** Stores the command's prompt and queues its turn; `done` resolves when the turn has run. */
  async start(sessionID: string, input: CommandInput): Promise<{ messageID: string; done: Promise<PromptResult> }> {
    const session = await this.options.sessions.get(sessionID);
    const owners = this.options.owners;
    if (owners) {
      const messageID = input.messageID ?? newId("msg", this.options.now());
      // Refused by send when no worker serves the directory (the worker stores the prompt).
      const itemID = await owners.send(session, { kind: "command", input: { ...input, messageID } });
      return { messageID, done: this.options.sessions.ownerTurn(itemID, sessionID) };
    }
    const command = this.definitions(session.directory).get(input.command);
    if (!command) {
      const known = [...this.definitions(session.directory).keys()].map((name) => `/${name}`);
      throw new CoreError("not_found", `Command not found: /${input.command}. Commands: ${known.join(", ")}`);
    }
    const agents = this.options.agents();
    // A subtask runs its agent in a child session; this session's turn stays with the caller's agent.
    const subagent = command.subtask ? subtaskAgent(agents, command.agent) : undefined;
    const agent = agents.resolve(subagent ? input.agent : (command.agent ?? input.agent));
    const model = parseModel(command.model) ?? (command.agent ? agent.model : undefined) ?? parseModel(input.model);
    const messageID = input.messageID ?? newId("msg", this.options.now());
    const scope: CommandToolScope = {
      sessionID,
      directory: session.directory,
      messageID,
      agent: agent.name,
      signal: new AbortController().signal,
      now: this.options.now,
      gate: this.options.gate,
      tools: this.options.tools,
    };
    let text = fillArguments(command.template, input.arguments);
    text = (await runShellSubstitutions(text, scope)).trim();
    const label = `/${input.command}${input.arguments ? ` ${input.arguments}` : ""}`;
    if (subagent) {
      const task = { description: command.description ?? label, prompt: text, subagent_type: subagent };
      return this.submit(sessionID, session.directory, input, {
        messageID,
        agent: agent.name,
        model: parseModel(input.model),
        variant: input.variant,
        parts: [{ type: "text", text: label }, ...(input.parts ?? [])],
        before: subtaskStep(task),
      });
    }
    const parts: PartInput[] = [
      { type: "text", text: label },
      { type: "text", text, synthetic: true },
      ...(await filePartsFor(text, scope, this.options.home)),
      ...(input.parts ?? []),
    ];
    return this.submit(sessionID, session.directory, input, {
      messageID,
      agent: agent.name,
      model,
      variant: input.variant,
      parts,
    });
  }

  /** Queues the command's turn; `command.executed` is published once it has run. */
  private async submit(
    sessionID: string,
    directory: string,
    input: CommandInput,
    prompt: PromptInput & { before?: TurnPrelude },
  ): Promise<{ messageID: string; done: Promise<PromptResult> }> {
    const { before, ...body } = prompt;
    const { user, done } = await this.options.sessions.submit(sessionID, body, { before });
    const announced = done.then((result) => {
      this.options.bus.publish(
        "command.executed",
        { name: input.command, sessionID, arguments: input.arguments, messageID: user.id },
        { directory, sessionID },
      );
      return result;
    });
    return { messageID: user.id, done: announced };
  }
}

/**
 * The agent a `subtask` command runs in its child: the command's agent unless it is primary-only (then the command
 * runs in the session itself, as before), else `general`.
 */
function subtaskAgent(agents: AgentRegistry, name: string | undefined): string | undefined {
  if (name === undefined) return "general";
  return agents.get(name)?.mode === "primary" ? undefined : name;
}

function parseModel(model: string | undefined): ModelRef | undefined {
  if (!model) return undefined;
  const slash = model.indexOf("/");
  if (slash <= 0) return undefined;
  return { providerID: model.slice(0, slash), modelID: model.slice(slash + 1) };
}
