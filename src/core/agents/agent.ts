// What an agent is: a name the user or the task tool picks, and what it changes about a turn.
import type { AgentMode, ModelRef, PermissionAction } from "../../protocol/index.js";

/** Per permission key (`edit`, `bash`, …), the most the agent may do; the stricter of this and the user's rule wins. */
export type AgentLimits = Readonly<Record<string, PermissionAction>>;

export interface AgentDefinition {
  name: string;
  description?: string;
  mode: AgentMode;
  /** Built into moor (OpenCode's `native`); configured agents are not. */
  builtIn: boolean;
  /** Left out of pickers (Tab, the web page, ACP modes) although it can be named. */
  hidden?: boolean;
  color?: string;
  limits: AgentLimits;
  /** Told to the model after the base system prompt; the limits themselves are enforced by the permission gate. */
  instructions?: string;
  /** The model a prompt to this agent uses when the prompt names none. */
  model?: ModelRef;
  /** Tool switches (OpenCode's `tools: {name: boolean}`): they only turn tools off, over the prompt's own switches. */
  tools?: Readonly<Record<string, boolean>>;
  /** Replaces the base system prompt (the environment lines stay), as OpenCode's agent `prompt` does. */
  prompt?: string;
  /** Passed to the model call. */
  temperature?: number;
  /** The agent's step limit; the configured `maxSteps` when not given. */
  steps?: number;
  /** The agent's permission table (OpenCode's shape), judged per pattern over the user's rules (agent-permission.ts). */
  permission?: AgentPermissionTable;
  /**
   * Whether the table may loosen the user's rules where it matches (an agent the user configured: their own
   * config, or a trusted project's); otherwise (an untrusted project's agent) it only narrows them.
   */
  permissionLoosens?: boolean;
}

/** `"deny"` for every key, or per key an action or a `{pattern: action}` table (OpenCode's `permission`). */
export type AgentPermissionTable =
  | PermissionAction
  | Readonly<Record<string, PermissionAction | Readonly<Record<string, PermissionAction>>>>;
