// The agents moor ships with. `build` and `plan` are OpenCode's two primary agents; `general` is its subagent for
// the task tool (which a later issue adds: until then it is listed, and can be prompted directly, like build).
import type { AgentDefinition } from "./agent.js";

export const BUILTIN_AGENTS: readonly AgentDefinition[] = [
  {
    name: "build",
    description: "The default agent: reads, edits and runs commands.",
    mode: "primary",
    builtIn: true,
    limits: {},
  },
  {
    name: "plan",
    description: "Plans without changing files.",
    mode: "primary",
    builtIn: true,
    // Changes no file and asks before every command (as OpenCode's plan agent); where a limit says `ask`, the
    // session's "always" grants do not answer for it: plan asks before every command whatever was granted.
    limits: { edit: "deny", bash: "ask" },
    instructions:
      "You are in plan mode: investigate and propose a plan, but change no file (edits are refused) and run only commands that inspect.",
  },
  {
    name: "general",
    description:
      "General-purpose agent for researching complex questions and executing multi-step tasks. Use this agent to execute multiple units of work in parallel.",
    mode: "subagent",
    builtIn: true,
    limits: {},
  },
];

export const DEFAULT_AGENT = "build";

/** The built-in agents' limits by name, for a permission gate built without a registry (no agent: no limits). */
export function builtinLimits(agent: string | undefined): AgentDefinition["limits"] {
  return BUILTIN_AGENTS.find((definition) => definition.name === agent)?.limits ?? {};
}
