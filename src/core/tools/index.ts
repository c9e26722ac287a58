import { createBashTool } from "./bash.js";
import { createEditTool } from "./edit.js";
import { createGlobTool } from "./glob.js";
import { createGrepTool } from "./grep.js";
import { createLsTool } from "./ls.js";
import { createReadTool } from "./read.js";
import { createTodoReadTool, createTodoWriteTool } from "./todo.js";
import type { ToolDefinition } from "./tool.js";
import { createWriteTool } from "./write.js";

export interface BuiltinToolOptions {
  /** The environment commands run with, as cli builds it (without moor's own secrets). */
  commandEnv: () => Record<string, string>;
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
    createTodoWriteTool(),
    createTodoReadTool(),
  ];
}
