import { createReadStream } from "node:fs";
import { open, readFile, stat } from "node:fs/promises";
import { extname } from "node:path";
import { createInterface } from "node:readline";
import * as z from "zod";
import { displayPath, resolveInside } from "./paths.js";
import { type ToolContext, type ToolDefinition, ToolError, type ToolResult } from "./tool.js";

const DEFAULT_LIMIT = 2000;
const MAX_LINE_LENGTH = 2000;
const MAX_BYTES = 250 * 1024;
/**
 * A file larger than this is read line by line up to the lines asked for, not whole: a multi-gigabyte log would
 * otherwise sit in the server's memory (or fail to load at all) for a read of its first 2,000 lines.
 */
const WHOLE_READ_BYTES = 16 * 1024 * 1024;
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
      const offset = input.offset ?? 1;
      const limit = input.limit ?? DEFAULT_LIMIT;
      const path = await resolveInside(ctx, input.filePath);
      await ctx.ask({ permission: "read", patterns: [path] });
      let text: string;
      if (ctx.editorFs?.readTextFile) {
        text = await ctx.editorFs.readTextFile(path);
      } else {
        const info = await stat(path).catch(() => undefined);
        if (!info) throw new ToolError(`File not found: ${input.filePath}`);
        if (info.isDirectory()) throw new ToolError(`${input.filePath} is a directory; use ls to list it`);
        // A named pipe's read waits for a writer for good; a device (a link to /dev/zero) never ends.
        if (!info.isFile()) throw new ToolError(`${input.filePath} is not a regular file (a pipe, socket or device)`);
        if (BINARY_EXTENSIONS.has(extname(path).toLowerCase())) {
          throw new ToolError(`${input.filePath} is a binary file; it cannot be read as text`);
        }
        if (info.size > WHOLE_READ_BYTES) {
          return windowResult(ctx, path, await readLargeWindow(path, input.filePath, offset, limit));
        }
        const buffer = await readFile(path);
        if (looksBinary(buffer)) throw new ToolError(`${input.filePath} is a binary file; it cannot be read as text`);
        text = buffer.toString("utf8");
      }
      const lines = text.split("\n");
      if (lines.at(-1) === "") lines.pop();
      return windowResult(ctx, path, {
        lines: lines.slice(offset - 1, offset - 1 + limit),
        offset,
        total: lines.length,
      });
    },
  };
}

/** Lines of a file from line `offset` on; `total` is the file's line count, unknown when the read stopped early. */
interface LineWindow {
  lines: string[];
  offset: number;
  total?: number;
}

/** The window numbered (`00001| text`), cut at MAX_BYTES, with the footer saying where the file goes on. */
function windowResult(ctx: ToolContext, path: string, window: LineWindow): ToolResult {
  const out: string[] = [];
  let bytes = 0;
  let last = window.offset - 1;
  for (const [index, text] of window.lines.entries()) {
    const line = text.length > MAX_LINE_LENGTH ? `${text.slice(0, MAX_LINE_LENGTH)}...` : text;
    const numbered = `${String(window.offset + index).padStart(5, "0")}| ${line}`;
    bytes += numbered.length + 1;
    if (bytes > MAX_BYTES) break;
    out.push(numbered);
    last = window.offset + index;
  }
  const more = window.total === undefined || last < window.total;
  const footer = more
    ? `\n\n(File has more lines. Use offset=${last + 1} to read beyond line ${last}.)`
    : `\n\n(End of file - total ${window.total} lines)`;
  return {
    title: displayPath(ctx, path),
    output: `<file>\n${out.join("\n")}${footer}\n</file>`,
    metadata: {
      preview: out.slice(0, 20).join("\n"),
      truncated: more,
      ...(window.total ? { lines: window.total } : {}),
    },
  };
}

/** A large file's lines from `offset`, streamed: the read stops once `limit` lines (or MAX_BYTES) were taken. */
async function readLargeWindow(path: string, shownPath: string, offset: number, limit: number): Promise<LineWindow> {
  const head = await open(path, "r").then(async (handle) => {
    try {
      const { bytesRead, buffer } = await handle.read(Buffer.alloc(8192), 0, 8192, 0);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  });
  if (looksBinary(head)) throw new ToolError(`${shownPath} is a binary file; it cannot be read as text`);
  const stream = createReadStream(path, { encoding: "utf8" });
  const lines: string[] = [];
  let number = 0;
  let bytes = 0;
  try {
    for await (const line of createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY })) {
      number++;
      if (number < offset) continue;
      if (lines.length >= limit || bytes > MAX_BYTES) return { lines, offset };
      lines.push(line);
      bytes += Math.min(line.length, MAX_LINE_LENGTH) + 8;
    }
  } finally {
    stream.destroy();
  }
  return { lines, offset, total: number };
}
