// The prompt's tool switches (OpenCode's `tools: {name: boolean}`): which tools the model is offered, and a
// beforeTool hook refusing a call to one switched off (a model may call a tool it was not offered, or a resumed
// turn may hold such a call).

import type { AgentRegistry } from "../agents/registry.js";
import { wildcardMatch } from "../permission-rules.js";
import type { BeforeToolHook } from "./hooks.js";
import type { TurnRequest } from "./types.js";

/** Tools a switch named for their permission key also covers, as in OpenCode (`edit: false` turns off `write`). */
const SWITCH_FAMILY: Record<string, string> = { write: "edit", patch: "edit", multiedit: "edit" };

/**
 * Whether the prompt's tool switches leave a tool on. The switch naming the tool wins, then its family's (`edit`
 * for `write`), then the most specific wildcard pattern (`*`, `mcp_*`). Switches only turn tools off: `true`
 * restores a tool a wider switch turned off, it never loosens permissions.
 */
export function toolEnabled(switches: Record<string, boolean> | undefined, name: string): boolean {
  if (!switches) return true;
  if (Object.hasOwn(switches, name)) return switches[name] !== false;
  const family = Object.hasOwn(SWITCH_FAMILY, name) ? SWITCH_FAMILY[name] : undefined;
  if (family && Object.hasOwn(switches, family)) return switches[family] !== false;
  let best: { enabled: boolean; weight: number } | undefined;
  for (const [pattern, enabled] of Object.entries(switches)) {
    if (!/[*?]/.test(pattern) || !wildcardMatch(pattern, name)) continue;
    const weight = pattern.replace(/[*?]/g, "").length;
    if (!best || weight >= best.weight) best = { enabled, weight };
  }
  return best?.enabled !== false;
}

/**
 * Which tools a turn may use: those neither its agent's switches nor its prompt's turn off (either can only turn
 * tools off). Undefined when neither has switches: every tool.
 */
export function enabledTools(agents: AgentRegistry, request: TurnRequest): ((name: string) => boolean) | undefined {
  const agentSwitches = agents.get(request.agent)?.tools;
  const promptSwitches = request.user.tools;
  if (!agentSwitches && !promptSwitches) return undefined;
  return (name) => toolEnabled(agentSwitches, name) && toolEnabled(promptSwitches, name);
}

/** Refuses a call to a tool the agent or the prompt switched off. */
export function enforceToolSwitches(agents: (directory?: string) => AgentRegistry): BeforeToolHook {
  return (call, request) => {
    const enabled = enabledTools(agents(request.session.directory), request);
    return !enabled || enabled(call.tool)
      ? undefined
      : { deny: `The tool "${call.tool}" is turned off for this prompt or agent.` };
  };
}
