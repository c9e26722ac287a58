import { readFile, stat } from "node:fs/promises";
import { extname } from "node:path";
import * as z from "zod";
import { displayPath, resolveInside } from "./paths.js";
import { type ToolDefinition, ToolError } from "./tool.js";

const DEFAULT_LIMIT = 2000;
const MAX_LINE_LENGTH = 2000;
const MAX_BYTES = 250 * 1024;
const BINARY_EXTENSIONS = new Set([
  ".png",
  ".jpg",
  ".jpeg",
  ".gif",
  ".webp",
  ".ico",
  ".pdf",
  ".zip",
  ".gz",
  ".tar",
  ".7z",
  ".exe",
  ".dll",
  ".so",
  ".dylib",
  ".class",
  ".jar",
  ".wasm",
  ".o",
  ".a",
  ".bin",
  ".db",
  ".sqlite",
  ".mp3",
  ".mp4",
  ".mov",
  ".woff",
  ".woff2",
]);

const Input = z.object({
  filePath: z.string().describe("Path of the file to read (relative to the project, or absolute)"),
  offset: z.number().int().min(1).optional().describe("First line to read, 1-based"),
  limit: z.number().int().min(1).optional().describe(`How many lines to read (default ${DEFAULT_LIMIT})`),
});

export function looksBinary(buffer: Buffer): boolean {
  const sample = buffer.subarray(0, 8192);
  return sample.includes(0);
}

export function createReadTool(): ToolDefinition<z.infer<typeof Input>> {
  return {
    name: "read",
    description:
      "Read a text file. Lines come numbered (`00001| text`). Use offset/limit for long files; lines over 2000 characters are cut.",
    parameters: Input,
    async execute(input, ctx) {
      const path = await resolveInside(ctx, input.filePath);
      await ctx.ask({ permission: "read", patterns: [path] });
      let text: string;
      if (ctx.editorFs?.readTextFile) {
        text = await ctx.editorFs.readTextFile(path);
      } else {
        const info = await stat(path).catch(() => undefined);
        if (!info) throw new ToolError(`File not found: ${input.filePath}`);
        if (info.isDirectory()) throw new ToolError(`${input.filePath} is a directory; use ls to list it`);
        const buffer = await readFile(path);
        if (BINARY_EXTENSIONS.has(extname(path).toLowerCase()) || looksBinary(buffer)) {
          throw new ToolError(`${input.filePath} is a binary file; it cannot be read as text`);
        }
        text = buffer.toString("utf8");
      }
      const lines = text.split("\n");
      if (lines.at(-1) === "") lines.pop();
      const offset = input.offset ?? 1;
      const limit = input.limit ?? DEFAULT_LIMIT;
      const out: string[] = [];
      let bytes = 0;
      let last = offset - 1;
      for (let index = offset - 1; index < Math.min(lines.length, offset - 1 + limit); index++) {
        const line =
          lines[index].length > MAX_LINE_LENGTH ? `${lines[index].slice(0, MAX_LINE_LENGTH)}...` : lines[index];
        const numbered = `${String(index + 1).padStart(5, "0")}| ${line}`;
        bytes += numbered.length + 1;
        if (bytes > MAX_BYTES) break;
        out.push(numbered);
        last = index + 1;
      }
      const more = last < lines.length;
      const footer = more
        ? `\n\n(File has more lines. Use offset=${last + 1} to read beyond line ${last}.)`
        : `\n\n(End of file - total ${lines.length} lines)`;
      return {
        title: displayPath(ctx, path),
        output: `<file>\n${out.join("\n")}${footer}\n</file>`,
        metadata: { preview: out.slice(0, 20).join("\n"), truncated: more, lines: lines.length },
      };
    },
  };
}
