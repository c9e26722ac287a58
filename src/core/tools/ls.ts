import { readdir } from "node:fs/promises";
import { join } from "node:path";
import * as z from "zod";
import { displayPath, resolveInside } from "./paths.js";
import type { ToolDefinition } from "./tool.js";

const MAX_ENTRIES = 500;
const IGNORED = new Set([
  ".git",
  "node_modules",
  "dist",
  "build",
  "target",
  ".venv",
  "__pycache__",
  ".next",
  "coverage",
]);

const Input = z.object({
  path: z.string().optional().describe("Directory to list (default: the project)"),
});

export function createLsTool(): ToolDefinition<z.infer<typeof Input>> {
  return {
    name: "ls",
    description: "List a directory as a tree (skips .git, node_modules, build output).",
    parameters: Input,
    async execute(input, ctx) {
      const root = await resolveInside(ctx, input.path);
      await ctx.ask({ permission: "list", patterns: [root] });
      const lines: string[] = [`${root}/`];
      let count = 0;
      const visit = async (dir: string, depth: number): Promise<void> => {
        const entries = (await readdir(dir, { withFileTypes: true }).catch(() => [])).sort((a, b) =>
          a.name.localeCompare(b.name),
        );
        for (const entry of entries) {
          if (count >= MAX_ENTRIES) return;
          if (IGNORED.has(entry.name)) continue;
          count++;
          const indent = "  ".repeat(depth + 1);
          if (entry.isDirectory()) {
            lines.push(`${indent}${entry.name}/`);
            await visit(join(dir, entry.name), depth + 1);
          } else lines.push(`${indent}${entry.name}`);
        }
      };
      await visit(root, 0);
      if (count >= MAX_ENTRIES) lines.push(`(listing stopped at ${MAX_ENTRIES} entries; list a subdirectory)`);
      return { title: displayPath(ctx, root) || ".", output: lines.join("\n"), metadata: { count } };
    },
  };
}
