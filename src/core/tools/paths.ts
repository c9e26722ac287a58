// Path confinement: every path a tool touches is resolved inside the session's directory; one outside it (also
// through `..` or a symlink) needs the `external_directory` permission before anything is read or written.
import { realpath } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import type { ToolContext } from "./tool.js";

/** The real path of `path`, following symlinks on the part that exists (the rest may not exist yet). */
async function realPathOfPrefix(path: string): Promise<string> {
  const missing: string[] = [];
  let current = path;
  for (;;) {
    try {
      return join(await realpath(current), ...missing.reverse());
    } catch {
      const parent = dirname(current);
      if (parent === current) return path;
      missing.push(basename(current));
      current = parent;
    }
  }
}

export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

/** Resolves a tool's path argument; asks for `external_directory` when it leads outside the session directory. */
export async function resolveInside(ctx: ToolContext, inputPath: string | undefined): Promise<string> {
  const absolute = resolve(ctx.directory, inputPath ?? ".");
  const [root, real] = await Promise.all([realPathOfPrefix(ctx.directory), realPathOfPrefix(absolute)]);
  if (!isInside(root, real)) {
    await ctx.ask({
      permission: "external_directory",
      patterns: [real],
      always: [`${dirname(real)}/*`],
      metadata: { path: real },
    });
  }
  return absolute;
}

export function displayPath(ctx: ToolContext, path: string): string {
  const rel = relative(ctx.directory, path);
  return rel && !rel.startsWith("..") ? rel : path;
}
