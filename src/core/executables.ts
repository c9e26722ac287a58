// Where a formatter's or a language server's program is: the project's node_modules/.bin (walking up from a file to
// the project root), moor's own node_modules/.bin, then the PATH cli passes in (core never reads process.env).
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, dirname, join, relative, resolve } from "node:path";

/** The directories from `start` up to `root` (both included); just `root` when `start` is outside it. */
export function directoriesUp(start: string, root: string): string[] {
  const top = resolve(root);
  let current = resolve(start);
  const inside = (dir: string) => {
    const rel = relative(top, dir);
    return rel === "" || (!rel.startsWith("..") && !rel.startsWith("/"));
  };
  if (!inside(current)) return [top];
  const found: string[] = [];
  for (;;) {
    found.push(current);
    if (current === top) return found;
    const parent = dirname(current);
    if (parent === current) return found;
    current = parent;
  }
}

export function isExecutable(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `name` in the node_modules/.bin of `from` or a directory above it, up to `root`. */
export function findProjectBin(name: string, from: string, root: string): string | undefined {
  for (const dir of directoriesUp(from, root)) {
    const candidate = join(dir, "node_modules", ".bin", name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** `name` in one of the PATH's directories. */
export function findOnPath(name: string, path: string | undefined): string | undefined {
  for (const dir of (path ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}
