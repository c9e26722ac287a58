// The task tool's description (OpenCode's task.txt) with the subagents a session's directory has, one line each.
import type { AgentDefinition } from "../agents/agent.js";
import type { AgentRegistry } from "../agents/registry.js";

/** The agents the task tool may start: any not primary-only (`subagent` or `all`). */
export function subagentsOf(agents: AgentRegistry): AgentDefinition[] {
  return agents.list().filter((agent) => agent.mode !== "primary");
}

export function taskDescription(agents: AgentRegistry): string {
  const list = subagentsOf(agents)
    .map(
      (agent) => `- ${agent.name}: ${agent.description ?? "This subagent should only be called manually by the user."}`,
    )
    .join("\n");
  return `Launch a new agent to handle complex, multistep tasks autonomously.

Available agent types and the tools they have access to:
${list}

When using the Task tool, you must specify a subagent_type parameter to select which agent type to use.

When NOT to use the Task tool:
- If you want to read a specific file path, use the Read or Glob tool instead of the Task tool, to find the match more quickly
- If you are searching for a specific class definition like "class Foo", use the Grep tool instead, to find the match more quickly
- If you are searching for code within a specific file or set of 2-3 files, use the Read tool instead of the Task tool, to find the match more quickly
- Other tasks that are not related to the agent descriptions above

Usage notes:
1. Launch multiple agents concurrently whenever possible, to maximize performance; to do that, use a single message with multiple tool uses
2. When the agent is done, it will return a single message back to you. The result returned by the agent is not visible to the user. To show the user the result, you should send a text message back to the user with a concise summary of the result. The output includes a task_id you can reuse later to continue the same subagent session.
3. Each agent invocation starts with a fresh context unless you provide task_id to resume the same subagent session (which continues with its previous messages and tool outputs). When starting fresh, your prompt should contain a highly detailed task description for the agent to perform autonomously and you should specify exactly what information the agent should return back to you in its final and only message to you.
4. The agent's outputs should generally be trusted
5. Clearly tell the agent whether you expect it to write code or just to do research (search, file reads, web fetches, etc.), since it is not aware of the user's intent. Tell it how to verify its work if possible (e.g., relevant test commands).`;
}
