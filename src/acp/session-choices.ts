// The mode and model a session was last prompted with, read back from its history. An ACP process keeps the choices
// of session/set_mode and the model option in memory; an editor that reopens the session in a new process
// (session/load or session/resume: acpx does for every command, Zed after a restart) expects the session to go on
// in the mode and with the model it had (acpx replays a mode only onto a session it had to create anew). OpenCode's
// ACP agent reads them back from the last user message the same way.
import type { MessageWithParts } from "../protocol/index.js";

export interface SessionChoices {
  mode?: string;
  model?: { providerID: string; modelID: string };
}

/** The last user message's agent (when it is one of `modes`) and model. */
export function choicesFromHistory(history: MessageWithParts[], modes: string[]): SessionChoices {
  const last = history.findLast((message) => message.info.role === "user")?.info;
  if (last?.role !== "user") return {};
  return {
    ...(last.agent && modes.includes(last.agent) ? { mode: last.agent } : {}),
    ...(last.model ? { model: { providerID: last.model.providerID, modelID: last.model.modelID } } : {}),
  };
}
