// The default prepareStep hook: the step's plan is the conversation so far, the base system prompt with the
// agent's instructions, and the agent's tools less those the prompt switched off.

import type { Session } from "../../protocol/index.js";
import type { Store } from "../../storage/port.js";
import { conversationFor, toModelPrompt } from "../history.js";
import type { PrepareStepHook } from "./hooks.js";
import { toolEnabled } from "./tool-switches.js";
import type { TurnRequest } from "./types.js";

/** What the model is told about an agent beyond the base prompt (the limits themselves are enforced by the gate). */
const AGENT_INSTRUCTIONS: Record<string, string> = {
  plan: "You are in plan mode: investigate and propose a plan, but change no file (edits are refused) and run only commands that inspect.",
};

export function systemPromptFor(base: string, request: TurnRequest): string {
  // An own-property lookup: an agent name such as `toString` must not pick up Object.prototype's members.
  const extra = Object.hasOwn(AGENT_INSTRUCTIONS, request.agent) ? AGENT_INSTRUCTIONS[request.agent] : undefined;
  return extra ? `${base}\n${extra}` : base;
}

export function defaultPrepareStep(options: { store: Store; systemPrompt(session: Session): string }): PrepareStepHook {
  return async (_plan, { request, tools }) => {
    const switches = request.user.tools;
    // The model sees the history from the latest summary on (the store's `history`).
    const history = await options.store.history(request.session.id);
    return {
      system: systemPromptFor(options.systemPrompt(request.session), request),
      messages: toModelPrompt(conversationFor(history, request.user.id)),
      // The registry's own array when nothing is switched off, so its cached JSON schemas are sent as they are.
      tools: switches ? tools.definitions.filter((tool) => toolEnabled(switches, tool.name)) : tools.definitions,
    };
  };
}
