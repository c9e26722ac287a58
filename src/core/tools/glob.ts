import { execFile } from "node:child_process";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import * as z from "zod";
import { displayPath, resolveInside } from "./paths.js";
import type { ToolDefinition } from "./tool.js";
import { findRipgrep, globMatcher, RG_EXCLUDES, walkFiles } from "./walk.js";

const MAX_RESULTS = 100;
const run = promisify(execFile);

const Input = z.object({
  pattern: z.string().min(1).describe("Glob pattern, e.g. **/*.ts or src/**/test_*.py"),
  path: z.string().optional().describe("Directory to search in (default: the project)"),
});

export async function listMatchingFiles(root: string, pattern: string, signal?: AbortSignal): Promise<string[]> {
  const rg = findRipgrep();
  if (rg) {
    const { stdout } = await run(rg, ["--files", "--hidden", "--glob", pattern, ...RG_EXCLUDES], {
      cwd: root,
      maxBuffer: 64 * 1024 * 1024,
      signal,
    }).catch((error: { stdout?: string; code?: number }) => {
      // rg exits 1 when nothing matched.
      if (error.code === 1) return { stdout: "" };
      throw error;
    });
    return stdout.split("\n").filter(Boolean);
  }
  const matches = globMatcher(pattern);
  return (await walkFiles(root)).filter((file) => matches(file));
}

export function createGlobTool(): ToolDefinition<z.infer<typeof Input>> {
  return {
    name: "glob",
    description: `Find files by glob pattern. Newest first; at most ${MAX_RESULTS} results. Skips .git and node_modules.`,
    parameters: Input,
    async execute(input, ctx) {
      const root = await resolveInside(ctx, input.path);
      await ctx.ask({ permission: "glob", patterns: [input.pattern] });
      const files = await listMatchingFiles(root, input.pattern, ctx.abort);
      const withTimes = await Promise.all(
        files.map(async (file) => ({
          file: join(root, file),
          mtime: (await stat(join(root, file)).catch(() => undefined))?.mtimeMs ?? 0,
        })),
      );
      withTimes.sort((a, b) => b.mtime - a.mtime || a.file.localeCompare(b.file));
      const shown = withTimes.slice(0, MAX_RESULTS).map((entry) => entry.file);
      const more =
        withTimes.length > MAX_RESULTS
          ? `\n\n(${withTimes.length - MAX_RESULTS} more not shown; narrow the pattern)`
          : "";
      return {
        title: displayPath(ctx, root) || ".",
        output: shown.length > 0 ? `${shown.join("\n")}${more}` : "No files found",
        metadata: { count: withTimes.length, truncated: withTimes.length > MAX_RESULTS },
      };
    },
  };
}
