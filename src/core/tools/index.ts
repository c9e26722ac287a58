import { createBashTool } from "./bash.js";
import { createEditTool } from "./edit.js";
import { createGlobTool } from "./glob.js";
import { createGrepTool } from "./grep.js";
import { createLsTool } from "./ls.js";
import { createReadTool } from "./read.js";
import { createTodoReadTool, createTodoWriteTool, type TodoList } from "./todo.js";
import type { ToolDefinition } from "./tool.js";
import { createWebFetchTool } from "./webfetch.js";
import { createWriteTool } from "./write.js";

export interface BuiltinToolOptions {
  /** The environment commands run with, as cli builds it (without moor's own secrets). */
  commandEnv: () => Record<string, string>;
  /** The sessions' todo lists, for todowrite and todoread (core gives it: see CoreOptions.tools). */
  todos: TodoList;
}

export function createBuiltinTools(options: BuiltinToolOptions): ToolDefinition[] {
  return [
    createReadTool(),
    createWriteTool(),
    createEditTool(),
    createBashTool({ env: options.commandEnv }),
    createGlobTool(),
    createGrepTool(),
    createLsTool(),
    createTodoWriteTool(options.todos),
    createTodoReadTool(options.todos),
    createWebFetchTool(),
  ];
}
