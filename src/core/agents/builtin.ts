// The agents moor ships with. `build` and `plan` are OpenCode's two primary agents; `general` and `explore` are its
// subagents for the task tool (core/subagents/); they can be prompted directly too.
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
  {
    name: "explore",
    description:
      'Fast agent specialized for exploring codebases. Use this when you need to quickly find files by patterns (eg. "src/components/**/*.tsx"), search code for keywords (eg. "API endpoints"), or answer questions about the codebase (eg. "how do API endpoints work?"). When calling this agent, specify the desired thoroughness level: "quick" for basic searches, "medium" for moderate exploration, or "very thorough" for comprehensive analysis across multiple locations and naming conventions.',
    mode: "subagent",
    builtIn: true,
    // Read-only: only the tools that read are offered, and what changes files or runs commands is denied anyway.
    tools: { "*": false, read: true, glob: true, grep: true, ls: true, list: true },
    limits: { edit: "deny", bash: "deny" },
    prompt: [
      "You are a file search specialist. You explore codebases quickly and report what you found; you never change",
      "anything. Use glob to find files by name, grep to search their contents, read to look at files you found and",
      "ls to list directories. Search broadly first, then narrow down; adapt how thorough you are to what the caller",
      "asked for. Answer with the absolute paths of the relevant files and what you learned from them, clearly and",
      "concisely.",
    ].join("\n"),
  },
];

export const DEFAULT_AGENT = "build";

/** The built-in agents' limits by name, for a permission gate built without a registry (no agent: no limits). */
export function builtinLimits(agent: string | undefined): AgentDefinition["limits"] {
  return BUILTIN_AGENTS.find((definition) => definition.name === agent)?.limits ?? {};
}
