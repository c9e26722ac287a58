// GET /file/status and GET /vcs: what git says about the instance directory, in OpenCode's shapes. A directory
// that is not in a git work tree (or a machine without git) answers `[]` and `{}`, not an error.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { confinedRoot } from "./confine.js";
import { readRegularFile } from "./read-regular.js";

const run = promisify(execFile);

export interface FileStatus {
  /** Relative to the instance directory. */
  path: string;
  added: number;
  removed: number;
  status: "added" | "deleted" | "modified";
}

/** How many untracked files get their lines counted (the rest count 0): bounds the reads. */
const MAX_COUNTED_UNTRACKED = 500;
const MAX_COUNTED_BYTES = 1024 * 1024;

async function git(cwd: string, args: string[]): Promise<string | undefined> {
  try {
    const { stdout } = await run("git", ["-c", "core.quotepath=off", "--no-optional-locks", ...args], {
      cwd,
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } catch {
    return undefined;
  }
}

export async function gitStatus(directory: string): Promise<FileStatus[]> {
  const root = await confinedRoot(directory);
  if ((await git(root, ["rev-parse", "--is-inside-work-tree"]))?.trim() !== "true") return [];
  const hasHead = (await git(root, ["rev-parse", "--verify", "-q", "HEAD"])) !== undefined;
  const changed: FileStatus[] = [];
  if (hasHead) {
    const numstat = (await git(root, ["diff", "--numstat", "--relative", "--no-renames", "HEAD"])) ?? "";
    const deleted = new Set(
      ((await git(root, ["diff", "--name-only", "--relative", "--diff-filter=D", "HEAD"])) ?? "")
        .split("\n")
        .filter(Boolean),
    );
    for (const line of numstat.split("\n")) {
      const [added, removed, ...rest] = line.split("\t");
      const path = rest.join("\t");
      if (!path) continue;
      changed.push({
        path,
        // Binary files show `-`.
        added: Number(added) || 0,
        removed: Number(removed) || 0,
        status: deleted.has(path) ? "deleted" : "modified",
      });
    }
  } else {
    // No commit yet: what is staged counts as added.
    for (const path of ((await git(root, ["diff", "--name-only", "--relative", "--cached"])) ?? "").split("\n")) {
      if (path) changed.push({ path, added: await countLines(join(root, path)), removed: 0, status: "added" });
    }
  }
  const untracked = ((await git(root, ["ls-files", "--others", "--exclude-standard"])) ?? "").split("\n");
  let counted = 0;
  const listed = new Set(changed.map((entry) => entry.path));
  for (const path of untracked) {
    if (!path || listed.has(path)) continue;
    const added = counted++ < MAX_COUNTED_UNTRACKED ? await countLines(join(root, path)) : 0;
    changed.push({ path, added, removed: 0, status: "added" });
  }
  return changed.sort((a, b) => a.path.localeCompare(b.path));
}

/** A regular file's lines; anything else (a link, a pipe, a file over the limit) counts 0. */
async function countLines(file: string): Promise<number> {
  const bytes = await readRegularFile(file, MAX_COUNTED_BYTES, { followLinks: false });
  if (!bytes || bytes.includes(0)) return 0;
  if (bytes.length === 0) return 0;
  let lines = 0;
  for (const byte of bytes) if (byte === 10) lines++;
  return bytes[bytes.length - 1] === 10 ? lines : lines + 1;
}

export interface VcsInfo {
  branch?: string;
}

export async function vcsInfo(directory: string): Promise<VcsInfo> {
  const root = await confinedRoot(directory);
  // symbolic-ref names the branch even before its first commit; a detached HEAD has none, its short hash stands in.
  const branch =
    (await git(root, ["symbolic-ref", "--short", "-q", "HEAD"]))?.trim() ||
    (await git(root, ["rev-parse", "--short", "HEAD"]))?.trim();
  return branch ? { branch } : {};
}
