import * as z from "zod";
import { Todo } from "../../protocol/index.js";
import type { ToolDefinition } from "./tool.js";

const WriteInput = z.object({ todos: z.array(Todo).describe("The whole, updated todo list") });
const ReadInput = z.object({});

/** The todo tools' access to a session's list (the only tools that need it, so it is not in every ToolContext). */
export interface TodoList {
  get(sessionID: string): Promise<Todo[]>;
  set(scope: { sessionID: string; directory: string }, todos: Todo[]): Promise<void>;
}

function summary(todos: Todo[]): string {
  const open = todos.filter((todo) => todo.status !== "completed" && todo.status !== "cancelled").length;
  return `${open} todo${open === 1 ? "" : "s"}`;
}

export function createTodoWriteTool(todos: TodoList): ToolDefinition<z.infer<typeof WriteInput>> {
  return {
    name: "todowrite",
    description:
      "Replace the session's todo list (content, status pending|in_progress|completed|cancelled, priority high|medium|low). Use it to plan multi-step work and show progress.",
    parameters: WriteInput,
    async execute(input, ctx) {
      await ctx.ask({ permission: "todowrite", patterns: ["*"] });
      await todos.set({ sessionID: ctx.sessionID, directory: ctx.directory }, input.todos);
      return {
        title: summary(input.todos),
        output: JSON.stringify(input.todos, null, 2),
        metadata: { todos: input.todos },
      };
    },
  };
}

export function createTodoReadTool(list: TodoList): ToolDefinition<z.infer<typeof ReadInput>> {
  return {
    name: "todoread",
    description: "Read the session's todo list.",
    parameters: ReadInput,
    async execute(_input, ctx) {
      await ctx.ask({ permission: "todoread", patterns: ["*"] });
      const todos = await list.get(ctx.sessionID);
      return { title: summary(todos), output: JSON.stringify(todos, null, 2), metadata: { todos } };
    },
  };
}
