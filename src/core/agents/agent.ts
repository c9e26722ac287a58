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
}
