// The default prepareStep hook: the step's plan is the conversation so far, the base system prompt with the
// agent's instructions, and the agent's tools less those the prompt switched off.

import type { Session } from "../../protocol/index.js";
import type { Store } from "../../storage/port.js";
import type { AgentRegistry } from "../agents/registry.js";
import { modelHistory } from "../compaction/model-history.js";
import { conversationFor, toModelPrompt } from "../history.js";
import type { PrepareStepHook } from "./hooks.js";
import { enabledTools } from "./tool-switches.js";
import type { TurnRequest } from "./types.js";

/**
 * The base prompt, or the agent's own `prompt` in its place (as OpenCode's agents replace the provider prompt) with
 * the environment lines kept, then what the agent's definition tells the model beyond it (its limits are the gate's).
 */
export function systemPromptFor(
  base: string,
  request: TurnRequest,
  agents: AgentRegistry,
  environment?: (session: Session) => string,
): string {
  const agent = agents.get(request.agent);
  const env = agent?.prompt !== undefined ? environment?.(request.session) : undefined;
  const head = agent?.prompt !== undefined ? (env ? `${agent.prompt}\n${env}` : agent.prompt) : base;
  return agent?.instructions ? `${head}\n${agent.instructions}` : head;
}

export function defaultPrepareStep(options: {
  store: Store;
  systemPrompt(session: Session): string;
  environment?(session: Session): string;
  agents(directory?: string): AgentRegistry;
}): PrepareStepHook {
  return async (_plan, { request, tools }) => {
    const agents = options.agents(request.session.directory);
    const enabled = enabledTools(agents, request);
    // The model sees the history from the latest summary on (the store's `history`).
    const history = await modelHistory(options.store, request.session.id);
    const temperature = agents.get(request.agent)?.temperature;
    return {
      system: systemPromptFor(options.systemPrompt(request.session), request, agents, options.environment),
      ...(temperature !== undefined ? { temperature } : {}),
      messages: toModelPrompt(conversationFor(history, request.user.id)),
      // The registry's own array when nothing is switched off, so its cached JSON schemas are sent as they are.
      tools: enabled ? tools.definitions.filter((tool) => enabled(tool.name)) : tools.definitions,
    };
  };
}
