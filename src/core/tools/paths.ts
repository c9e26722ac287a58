// Path confinement: every path a tool touches is resolved inside the session's directory; one outside it (also
// through `..` or a symlink, a dangling one included) needs the `external_directory` permission before anything is
// read or written.
import { lstat, readlink } from "node:fs/promises";
import { dirname, isAbsolute, join, parse, relative, resolve, sep } from "node:path";
import { type ToolContext, ToolError } from "./tool.js";

/** As the kernel's limit on links followed while resolving one path (Linux: 40). */
const MAX_LINKS = 40;

/**
 * Where `path` really leads: every symlink on it is followed, a dangling one to its target (writing through it would
 * create that target), one component at a time as the kernel does, so `..` after a link climbs from the link's
 * target. What does not exist yet is kept as written.
 */
export async function realPathFollowingLinks(path: string): Promise<string> {
  const { root } = parse(path);
  const rest = path.slice(root.length).split(sep);
  let resolved = root;
  let links = 0;
  while (rest.length > 0) {
    const part = rest.shift() as string;
    if (part === "" || part === ".") continue;
    if (part === "..") {
      resolved = dirname(resolved);
      continue;
    }
    const next = join(resolved, part);
    let target: string | undefined;
    try {
      if ((await lstat(next)).isSymbolicLink()) target = await readlink(next);
    } catch {
      // Missing (or unreadable): taken as a plain directory, as `mkdir -p` would make it; the walk goes on, since a
      // later `..` may climb back to parts that exist and may be links.
    }
    if (target === undefined) {
      resolved = next;
      continue;
    }
    if (++links > MAX_LINKS) throw new ToolError(`Too many levels of symbolic links: ${path}`);
    rest.unshift(...target.split(sep));
    if (isAbsolute(target)) resolved = parse(target).root;
  }
  return resolved;
}

export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

/** Resolves a tool's path argument; asks for `external_directory` when it leads outside the session directory. */
export async function resolveInside(ctx: ToolContext, inputPath: string | undefined): Promise<string> {
  const absolute = resolve(ctx.directory, inputPath ?? ".");
  const [root, real] = await Promise.all([realPathFollowingLinks(ctx.directory), realPathFollowingLinks(absolute)]);
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
