import * as z from "zod";
import { PermissionAction } from "./permission.js";

export const AgentMode = z.enum(["primary", "subagent", "all"]);
/** `primary`: chosen by the user (Tab, the picker, ACP modes); `subagent`: run by the task tool; `all`: both. */
export type AgentMode = z.infer<typeof AgentMode>;

/** One rule of an agent's permission set, in OpenCode's PermissionRule shape. */
export const PermissionRule = z.object({ permission: z.string(), pattern: z.string(), action: PermissionAction });
export type PermissionRule = z.infer<typeof PermissionRule>;

/** An agent as GET /agent lists it: OpenCode's Agent schema (`native` marks the built-in ones). */
export const Agent = z.object({
  name: z.string(),
  description: z.string().optional(),
  mode: AgentMode,
  native: z.boolean().optional(),
  hidden: z.boolean().optional(),
  topP: z.number().optional(),
  temperature: z.number().optional(),
  color: z.string().optional(),
  /** What the agent may do at most, over the user's rules (moor's agents only narrow them). */
  permission: z.array(PermissionRule),
  model: z.object({ modelID: z.string(), providerID: z.string() }).optional(),
  variant: z.string().optional(),
  prompt: z.string().optional(),
  options: z.record(z.string(), z.unknown()),
  steps: z.number().optional(),
});
export type Agent = z.infer<typeof Agent>;

/** The agents a user picks from (Tab, the web picker, ACP modes): primary ones that are not hidden, in order. */
export function primaryAgents<T extends { mode: AgentMode; hidden?: boolean }>(agents: readonly T[]): T[] {
  return agents.filter((agent) => agent.mode !== "subagent" && !agent.hidden);
}
