// An agent as clients see it (GET /agent, ACP modes): OpenCode's Agent shape.
import type { Agent, PermissionRule } from "../../protocol/index.js";
import type { AgentDefinition } from "./agent.js";

/**
 * The limits become rules on every pattern (`{permission: "edit", pattern: "*", action: "deny"}`), and a tool
 * switched off becomes a deny rule for that tool, as OpenCode lists them.
 */
export function toWireAgent(definition: AgentDefinition): Agent {
  const permission: PermissionRule[] = Object.entries(definition.limits).map(([key, action]) => ({
    permission: key,
    pattern: "*",
    action,
  }));
  for (const [tool, enabled] of Object.entries(definition.tools ?? {})) {
    if (!enabled) permission.push({ permission: tool, pattern: "*", action: "deny" });
  }
  return {
    name: definition.name,
    ...(definition.description !== undefined ? { description: definition.description } : {}),
    mode: definition.mode,
    native: definition.builtIn,
    ...(definition.hidden ? { hidden: true } : {}),
    ...(definition.color !== undefined ? { color: definition.color } : {}),
    permission,
    ...(definition.model
      ? { model: { providerID: definition.model.providerID, modelID: definition.model.modelID } }
      : {}),
    options: {},
  };
}
