import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import * as z from "zod";
import { type UnifiedDiff, unifiedDiff } from "./diff.js";
import { displayPath, resolveInside } from "./paths.js";
import { type ToolContext, type ToolDefinition, ToolError } from "./tool.js";

const Input = z.object({
  filePath: z.string().describe("Path of the file to write (relative to the project, or absolute)"),
  content: z.string().describe("The whole new content of the file"),
});

export function createWriteTool(): ToolDefinition<z.infer<typeof Input>> {
  return {
    name: "write",
    description: "Create or overwrite a file with the given content. Prefer edit for changes to an existing file.",
    parameters: Input,
    async execute(input, ctx) {
      const path = await resolveInside(ctx, input.filePath);
      const before = await readExisting(path, ctx.editorFs?.readTextFile);
      const name = displayPath(ctx, path);
      const diff = unifiedDiff(name, before ?? "", input.content);
      await ctx.ask({ permission: "edit", patterns: [path], metadata: { filepath: path, diff: diff.patch } });
      await writeThrough(ctx, path, input.content);
      return {
        title: name,
        output: before === undefined ? `Created ${name}.` : `Wrote ${name}.`,
        metadata: fileChangeMetadata(path, before, diff),
      };
    },
  };
}

/** Writes through the editor when it offers file access (its buffer stays the truth), else to disk. */
export async function writeThrough(ctx: ToolContext, path: string, content: string): Promise<void> {
  if (ctx.editorFs?.writeTextFile) return ctx.editorFs.writeTextFile(path, content);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
}

/** What write and edit report about a change: clients show the diff, the session's diff view sums them. */
export function fileChangeMetadata(
  path: string,
  before: string | undefined,
  diff: UnifiedDiff,
): Record<string, unknown> {
  return {
    filepath: path,
    exists: before !== undefined,
    diff: diff.patch,
    additions: diff.additions,
    deletions: diff.deletions,
  };
}

export async function readExisting(
  path: string,
  editorRead?: (path: string) => Promise<string>,
): Promise<string | undefined> {
  if (!editorRead) {
    // A named pipe would hold the read (and then the write) for good; a device is no file to edit.
    const info = await stat(path).catch(() => undefined);
    if (info && !info.isFile()) {
      throw new ToolError(
        `${path} is ${info.isDirectory() ? "a directory" : "not a regular file (a pipe, socket or device)"}`,
      );
    }
  }
  try {
    return editorRead ? await editorRead(path) : await readFile(path, "utf8");
  } catch {
    return undefined;
  }
}
