// The `task` tool (OpenCode's shape): hands work to a subagent in a child session and answers with the child's
// final text and its task_id, so the model can continue that child later.
import * as z from "zod";
import type { Store } from "../../storage/port.js";
import type { AgentRegistry } from "../agents/registry.js";
import type { ToolDefinition } from "../tools/tool.js";
import { runSubagent, type SubagentServices } from "./run-subagent.js";
import { taskDescription } from "./task-description.js";

export const TaskInput = z.object({
  description: z.string().describe("A short (3-5 words) description of the task"),
  prompt: z.string().describe("The task for the agent to perform"),
  subagent_type: z.string().describe("The type of specialized agent to use for this task"),
  task_id: z
    .string()
    .optional()
    .describe(
      "This should only be set if you mean to resume a previous task (you can pass a prior task_id and the task will continue the same subagent session as before instead of creating a fresh one)",
    ),
});
export type TaskInput = z.infer<typeof TaskInput>;

export interface TaskToolServices extends SubagentServices {
  store: Store;
}

/** What the parent's model reads (OpenCode's output shape). */
export function taskOutput(taskID: string, text: string): string {
  return [
    `task_id: ${taskID} (for resuming to continue this task if needed)`,
    "",
    "<task_result>",
    text,
    "</task_result>",
  ].join("\n");
}

/** The tool, described for `agents` (turn/subagent-hooks.ts swaps in the description for a session's directory). */
export function createTaskTool(services: TaskToolServices, agents: AgentRegistry): ToolDefinition<TaskInput> {
  return {
    name: "task",
    description: taskDescription(agents),
    parameters: TaskInput,
    async execute(input, ctx) {
      await ctx.ask({
        permission: "task",
        patterns: [input.subagent_type],
        always: [input.subagent_type],
        metadata: { description: input.description, subagent_type: input.subagent_type },
      });
      const caller = await services.store.getMessage(ctx.sessionID, ctx.messageID);
      const model =
        caller?.info.role === "assistant"
          ? { providerID: caller.info.providerID, modelID: caller.info.modelID }
          : undefined;
      let metadata: Record<string, unknown> = { agent: input.subagent_type };
      const result = await runSubagent(services, {
        parentID: ctx.sessionID,
        directory: ctx.directory,
        description: input.description,
        prompt: input.prompt,
        agent: input.subagent_type,
        taskID: input.task_id,
        model,
        signal: ctx.abort,
        onStart: (child) => {
          metadata = { ...metadata, sessionId: child.id, summary: [] };
          ctx.progress({ title: input.description, metadata });
        },
        onProgress: (summary) => {
          metadata = { ...metadata, summary };
          ctx.progress({ metadata });
        },
      });
      return {
        title: input.description,
        output: taskOutput(result.session.id, result.text),
        metadata: { ...metadata, sessionId: result.session.id, summary: result.summary },
      };
    },
  };
}
