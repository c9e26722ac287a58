// The config's `agent` key and `default_agent` (OpenCode's) → the core's agent registry. Core never reads config:
// cli turns it into definitions here (DESIGN.md §1). Markdown agents arrive here as `agent` entries too
// (config/markdown-agents.ts); an untrusted project's entries arrive filtered and marked (config/untrusted-project.ts).
import * as z from "zod";
import { ConfigError } from "../config/errors.js";
import type { MoorConfig } from "../config/schema.js";
import { UNTRUSTED_AGENT } from "../config/untrusted-project.js";
import type { AgentOverride } from "../core/agents/registry.js";
import { AgentRegistry } from "../core/agents/registry.js";
import { AgentMode, PermissionAction } from "../protocol/index.js";

/** OpenCode's agent fields; others are accepted and not used. */
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
    prompt: z.string().optional(),
    temperature: z.number().min(0).max(2).optional(),
    steps: z.number().int().positive().optional(),
    /** OpenCode's older name for `steps`. */
    maxSteps: z.number().int().positive().optional(),
    tools: z.record(z.string(), z.boolean()).optional(),
    permission: z
      .union([
        PermissionAction,
        z.record(z.string(), z.union([PermissionAction, z.record(z.string(), PermissionAction)])),
      ])
      .optional(),
    [UNTRUSTED_AGENT]: z.boolean().optional(),
  })
  .loose();

const AgentsConfig = z.record(z.string().min(1), AgentConfig);

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
      prompt: entry.prompt,
      temperature: entry.temperature,
      steps: entry.steps ?? entry.maxSteps,
      // Judged per pattern over the user's rules (core/permission-rules.ts): an agent the user configured may
      // loosen them where its table says so, as in OpenCode; one from an untrusted project only narrows them.
      permission: entry.permission,
      permissionLoosens: entry.permission === undefined ? undefined : entry[UNTRUSTED_AGENT] !== true,
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
