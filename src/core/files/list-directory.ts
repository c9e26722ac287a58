// GET /file: one directory's entries in OpenCode's FileNode shape, directories first, each marked `ignored` when
// git would ignore it. `.git` itself is never listed.
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { CoreError } from "../errors.js";
import { confine } from "./confine.js";
import { loadIgnoreRules } from "./ignore-rules.js";

export interface FileNode {
  name: string;
  /** Relative to the instance directory. */
  path: string;
  absolute: string;
  type: "file" | "directory";
  ignored: boolean;
}

/** Bounds the answer for a directory with a huge number of entries. */
const MAX_ENTRIES = 5000;

export async function listDirectory(directory: string, path: string | undefined): Promise<FileNode[]> {
  const target = await confine(directory, path);
  const entries = await readdir(target.absolute, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") throw new CoreError("not_found", `no such directory: ${path}`);
    if (error.code === "ENOTDIR") throw new CoreError("bad_request", `not a directory: ${path}`);
    throw new CoreError("bad_request", `cannot list ${path}: ${error.code ?? error.message}`);
  });
  const ignored = await loadIgnoreRules(target.root);
  const nodes: FileNode[] = [];
  for (const entry of entries) {
    if (entry.name === ".git" || entry.name === ".DS_Store") continue;
    const relativePath = target.relative ? `${target.relative}/${entry.name}` : entry.name;
    // A link is listed as what it leads to (a dangling one as a file); following it out is refused on use.
    const isDirectory = entry.isSymbolicLink()
      ? Boolean((await stat(join(target.absolute, entry.name)).catch(() => undefined))?.isDirectory())
      : entry.isDirectory();
    nodes.push({
      name: entry.name,
      path: relativePath,
      absolute: join(target.absolute, entry.name),
      type: isDirectory ? "directory" : "file",
      ignored: ignored(relativePath, isDirectory),
    });
  }
  nodes.sort((a, b) => (a.type === b.type ? a.name.localeCompare(b.name) : a.type === "directory" ? -1 : 1));
  return nodes.slice(0, MAX_ENTRIES);
}
