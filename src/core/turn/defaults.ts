// The loop's own behaviour, as hooks: the default plan, the prompt's tool switches, `file.edited` after a tool
// that wrote a file, "a step that called tools continues", and the step limit.
import type { Session } from "../../protocol/index.js";
import type { Store } from "../../storage/port.js";
import type { AgentRegistry } from "../agents/registry.js";
import type { EventBus } from "../bus.js";
import type { AfterStepHook, AfterToolHook, TurnHooks } from "./hooks.js";
import { defaultPrepareStep } from "./prepare.js";
import { enforceToolSwitches } from "./tool-switches.js";
import type { TurnRequest } from "./types.js";

export interface DefaultHookOptions {
  /** The default plan loads the history from it. */
  store: Store;
  bus: EventBus;
  systemPrompt(session: Session): string;
  /** The lines an agent's own `prompt` keeps after it (working directory, date); none when not given. */
  environment?(session: Session): string;
  /** The step limit for a session in `directory`, read after each step (it follows config changes). */
  maxSteps(directory: string): number;
  /** The agents of a session directory (instructions, tool switches), read at each step so a reloaded config applies. */
  agents(directory?: string): AgentRegistry;
}

/**
 * The default hooks with `added` ones after them: the default plan first (a hook adds to it), the prompt's tool
 * switches before any other beforeTool hook. The step limit is the one hook that comes last, so no hook can run a
 * turn past it.
 */
export function defaultTurnHooks(options: DefaultHookOptions, added: Partial<TurnHooks> = {}): TurnHooks {
  return {
    prepareStep: [defaultPrepareStep(options), ...(added.prepareStep ?? [])],
    beforeTool: [enforceToolSwitches(options.agents), ...(added.beforeTool ?? [])],
    afterTool: [announceEditedFile(options.bus), ...(added.afterTool ?? [])],
    afterStep: [
      continueAfterToolCalls,
      ...(added.afterStep ?? []),
      stopAtMaxSteps(
        (request) =>
          options.agents(request.session.directory).get(request.agent)?.steps ??
          options.maxSteps(request.session.directory),
      ),
    ],
    overflow: [...(added.overflow ?? [])],
  };
}

/** A tool whose result names a `filepath` changed that file (edit, write). */
export function announceEditedFile(bus: EventBus): AfterToolHook {
  return (_call, result, { session }) => {
    const file = result.metadata.filepath;
    if (typeof file === "string") {
      bus.publish("file.edited", { file }, { directory: session.directory, sessionID: session.id });
    }
    return undefined;
  };
}

/** The model ended the step to have its tool calls answered: the next step gives it the results. */
export const continueAfterToolCalls: AfterStepHook = (report) =>
  report.toolCalls > 0 && report.finishReason === "tool-calls" ? { action: "continue" } : undefined;

/** The turn's step limit: its agent's `steps`, else the configured `maxSteps` of the session's directory. */
export function stopAtMaxSteps(maxSteps: (request: TurnRequest) => number): AfterStepHook {
  return (report, decision, request) =>
    decision.action === "continue" && report.step >= maxSteps(request)
      ? { action: "stop", finish: "max-steps" }
      : undefined;
}
