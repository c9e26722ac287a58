import { createBashTool } from "./bash.js";
import { createEditTool } from "./edit.js";
import { createGlobTool } from "./glob.js";
import { createGrepTool } from "./grep.js";
import { createLsTool } from "./ls.js";
import { createReadTool } from "./read.js";
import { createTodoReadTool, createTodoWriteTool } from "./todo.js";
import type { ToolDefinition } from "./tool.js";
import { createWriteTool } from "./write.js";

export function createBuiltinTools(): ToolDefinition[] {
  return [
    createReadTool(),
    createWriteTool(),
    createEditTool(),
    createBashTool(),
    createGlobTool(),
    createGrepTool(),
    createLsTool(),
    createTodoWriteTool(),
    createTodoReadTool(),
  ];
}
