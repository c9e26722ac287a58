import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import * as z from "zod";
import { displayPath, resolveInside } from "./paths.js";
import { looksBinary } from "./read.js";
import { type ToolDefinition, ToolError } from "./tool.js";
import { findRipgrep, globMatcher, RG_EXCLUDES, walkFiles } from "./walk.js";

const MAX_MATCHES = 100;
const MAX_LINE = 500;
const run = promisify(execFile);

const Input = z.object({
  pattern: z.string().min(1).describe("Regular expression to search for"),
  path: z.string().optional().describe("Directory to search in (default: the project)"),
  include: z.string().optional().describe("Only files matching this glob, e.g. *.ts"),
});

export interface GrepMatch {
  file: string;
  line: number;
  text: string;
}

export async function grepWithRipgrep(
  rg: string,
  root: string,
  pattern: string,
  include?: string,
): Promise<GrepMatch[]> {
  const args = ["-n", "--no-heading", "--with-filename", "--hidden", "--color", "never", "-e", pattern];
  // Later globs win in rg, so the exclusions come after the include.
  if (include) args.push("--glob", include);
  args.push(...RG_EXCLUDES, ".");
  const { stdout } = await run(rg, args, { cwd: root, maxBuffer: 64 * 1024 * 1024 }).catch(
    (error: { stdout?: string; stderr?: string; code?: number }) => {
      if (error.code === 1) return { stdout: "" };
      throw new ToolError(`grep failed: ${error.stderr?.trim() || String(error)}`);
    },
  );
  const matches: GrepMatch[] = [];
  for (const line of stdout.split("\n")) {
    const match = /^(.*?):(\d+):(.*)$/.exec(line);
    if (match) matches.push({ file: match[1].replace(/^\.\//, ""), line: Number(match[2]), text: match[3] });
  }
  return matches;
}

export async function grepWithJs(root: string, pattern: string, include?: string): Promise<GrepMatch[]> {
  let regex: RegExp;
  try {
    regex = new RegExp(pattern);
  } catch (error) {
    throw new ToolError(`grep failed: invalid regular expression: ${(error as Error).message}`);
  }
  const matchesInclude = include ? globMatcher(include) : () => true;
  const matches: GrepMatch[] = [];
  for (const file of await walkFiles(root)) {
    if (!matchesInclude(file)) continue;
    const buffer = await readFile(join(root, file)).catch(() => undefined);
    if (!buffer || looksBinary(buffer)) continue;
    const lines = buffer.toString("utf8").split("\n");
    lines.forEach((text, index) => {
      if (regex.test(text)) matches.push({ file, line: index + 1, text });
    });
  }
  return matches;
}

/** One format for both implementations: "Found N matches", then per file its path and `  Line n: text`. */
export function formatMatches(matches: GrepMatch[]): string {
  if (matches.length === 0) return "No matches found";
  const sorted = [...matches].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  const shown = sorted.slice(0, MAX_MATCHES);
  const out = [`Found ${matches.length} matches`];
  let current = "";
  for (const match of shown) {
    if (match.file !== current) {
      current = match.file;
      out.push("", `${match.file}:`);
    }
    const text = match.text.length > MAX_LINE ? `${match.text.slice(0, MAX_LINE)}...` : match.text;
    out.push(`  Line ${match.line}: ${text}`);
  }
  if (matches.length > MAX_MATCHES) out.push("", `(${matches.length - MAX_MATCHES} more matches not shown)`);
  return out.join("\n");
}

export function createGrepTool(): ToolDefinition<z.infer<typeof Input>> {
  return {
    name: "grep",
    description: `Search file contents with a regular expression (ripgrep syntax). At most ${MAX_MATCHES} matches shown.`,
    parameters: Input,
    async execute(input, ctx) {
      const root = await resolveInside(ctx, input.path);
      await ctx.ask({ permission: "grep", patterns: [input.pattern] });
      const rg = findRipgrep();
      const matches = rg
        ? await grepWithRipgrep(rg, root, input.pattern, input.include)
        : await grepWithJs(root, input.pattern, input.include);
      return {
        title: `${input.pattern} in ${displayPath(ctx, root) || "."}`,
        output: formatMatches(matches),
        metadata: { matches: matches.length, truncated: matches.length > MAX_MATCHES },
      };
    },
  };
}
