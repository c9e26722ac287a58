// An agent as clients see it (GET /agent, ACP modes): OpenCode's Agent shape.
import type { Agent, PermissionRule } from "../../protocol/index.js";
import type { AgentDefinition } from "./agent.js";

/**
 * The limits become rules on every pattern (`{permission: "edit", pattern: "*", action: "deny"}`), the agent's own
 * table a rule per pattern, and a tool switched off a deny rule for that tool, as OpenCode lists them.
 */
export function toWireAgent(definition: AgentDefinition): Agent {
  const permission: PermissionRule[] = Object.entries(definition.limits).map(([key, action]) => ({
    permission: key,
    pattern: "*",
    action,
  }));
  const table = definition.permission;
  if (typeof table === "string") permission.push({ permission: "*", pattern: "*", action: table });
  else {
    for (const [key, value] of Object.entries(table ?? {})) {
      if (typeof value === "string") permission.push({ permission: key, pattern: "*", action: value });
      else for (const [pattern, action] of Object.entries(value)) permission.push({ permission: key, pattern, action });
    }
  }
  // A tool switched back on under a wider switch (explore: `*` off, `read` on) is listed after it, as allowed.
  const switches = Object.entries(definition.tools ?? {});
  const wide = switches.some(([tool, enabled]) => !enabled && /[*?]/.test(tool));
  for (const [tool, enabled] of switches) {
    if (!enabled) permission.push({ permission: tool, pattern: "*", action: "deny" });
    else if (wide) permission.push({ permission: tool, pattern: "*", action: "allow" });
  }
  return {
    name: definition.name,
    ...(definition.description !== undefined ? { description: definition.description } : {}),
    mode: definition.mode,
    native: definition.builtIn,
    ...(definition.hidden ? { hidden: true } : {}),
    ...(definition.color !== undefined ? { color: definition.color } : {}),
    ...(definition.temperature !== undefined ? { temperature: definition.temperature } : {}),
    ...(definition.prompt !== undefined ? { prompt: definition.prompt } : {}),
    ...(definition.steps !== undefined ? { steps: definition.steps } : {}),
    permission,
    ...(definition.model
      ? { model: { providerID: definition.model.providerID, modelID: definition.model.modelID } }
      : {}),
    options: {},
  };
}
