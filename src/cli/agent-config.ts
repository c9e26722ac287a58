// The config's `agent` key and `default_agent` (OpenCode's) → the core's agent registry. Core never reads config:
// cli turns it into definitions here (DESIGN.md §1). An untrusted project's `agent` key never gets this far
// (config/untrusted-project.ts holds it back).
import * as z from "zod";
import { ConfigError } from "../config/errors.js";
import type { MoorConfig } from "../config/schema.js";
import type { AgentOverride } from "../core/agents/registry.js";
import { AgentRegistry } from "../core/agents/registry.js";
import { AgentMode, PermissionAction } from "../protocol/index.js";

const STRICTNESS: Record<PermissionAction, number> = { allow: 0, ask: 1, deny: 2 };

/**
 * The fields moor applies today; others OpenCode knows (prompt, temperature, steps, …) are accepted and not yet
 * used (issue 14).
 */
const AgentConfig = z
  .object({
    description: z.string().optional(),
    mode: AgentMode.optional(),
    disable: z.boolean().optional(),
    hidden: z.boolean().optional(),
    color: z.string().optional(),
    model: z
      .string()
      .regex(/^[^/]+\/.+$/, "must be provider/model")
      .optional(),
    tools: z.record(z.string(), z.boolean()).optional(),
    permission: z
      .union([
        PermissionAction,
        z.record(z.string(), z.union([PermissionAction, z.record(z.string(), PermissionAction)])),
      ])
      .optional(),
  })
  .loose();

const AgentsConfig = z.record(z.string().min(1), AgentConfig);

/**
 * An agent's `permission` as limits over the user's rules. Until agents get rules per pattern (issue 14), a pattern
 * table limits its whole key to the table's strictest action: never looser than the config asked.
 */
function limitsFrom(permission: z.infer<typeof AgentConfig>["permission"]): Record<string, PermissionAction> {
  if (permission === undefined) return {};
  if (typeof permission === "string") return { "*": permission };
  const limits: Record<string, PermissionAction> = {};
  for (const [key, value] of Object.entries(permission)) {
    limits[key] =
      typeof value === "string"
        ? value
        : Object.values(value).reduce<PermissionAction>(
            (strictest, action) => (STRICTNESS[action] > STRICTNESS[strictest] ? action : strictest),
            "allow",
          );
  }
  return limits;
}

export function agentOverrides(config: MoorConfig): AgentOverride[] {
  const parsed = AgentsConfig.safeParse(config.agent ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`config agent.${issue.path.join(".")}: ${issue.message}`);
  }
  return Object.entries(parsed.data).map(([name, entry]) => {
    const slash = entry.model?.indexOf("/") ?? -1;
    return {
      name,
      description: entry.description,
      mode: entry.mode,
      disable: entry.disable,
      hidden: entry.hidden,
      color: entry.color,
      model: entry.model
        ? { providerID: entry.model.slice(0, slash), modelID: entry.model.slice(slash + 1) }
        : undefined,
      tools: entry.tools,
      limits: limitsFrom(entry.permission),
    };
  });
}

/** The registry a config describes; a config problem (a bad field, an unknown default agent) is a ConfigError. */
export function agentRegistryFor(config: MoorConfig): AgentRegistry {
  const defaultAgent = (config as { default_agent?: unknown }).default_agent;
  if (defaultAgent !== undefined && typeof defaultAgent !== "string") {
    throw new ConfigError("config default_agent: must be an agent's name");
  }
  try {
    return new AgentRegistry(undefined, { overrides: agentOverrides(config), defaultAgent });
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`config: ${error instanceof Error ? error.message : String(error)}`);
  }
}
