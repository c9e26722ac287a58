// GET /find/file: file (and directory) names matching a fuzzy query, best first, as paths relative to the instance
// directory (directories end with `/`, as OpenCode's do). Ignored files (ignore-rules.ts) are not offered.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { findRipgrep, RG_EXCLUDES, walkFiles } from "../tools/walk.js";
import { confinedRoot } from "./confine.js";
import { loadIgnoreRules } from "./ignore-rules.js";

/** The tree a query looks through is capped, so a huge project costs a bounded amount per keystroke. */
const MAX_FILES = 100_000;

export interface FindFilesOptions {
  limit?: number;
  /** Directories too (default true). */
  dirs?: boolean;
  type?: "file" | "directory";
}

export async function findFiles(directory: string, query: string, options: FindFilesOptions = {}): Promise<string[]> {
  const root = await confinedRoot(directory);
  const files = await projectFiles(root);
  const wantFiles = options.type !== "directory";
  const wantDirs = options.type === "directory" || (options.type === undefined && options.dirs !== false);
  const candidates: string[] = wantFiles ? [...files] : [];
  if (wantDirs) {
    const dirs = new Set<string>();
    for (const file of files) {
      for (let slash = file.indexOf("/"); slash !== -1; slash = file.indexOf("/", slash + 1)) {
        dirs.add(file.slice(0, slash + 1));
      }
    }
    candidates.push(...dirs);
  }
  const limit = options.limit ?? 10;
  if (query.trim() === "") return candidates.sort().slice(0, limit);
  const scored: { path: string; score: number }[] = [];
  for (const path of candidates) {
    const score = fuzzyScore(query, path);
    if (score !== undefined) scored.push({ path, score });
  }
  scored.sort((a, b) => b.score - a.score || a.path.length - b.path.length || a.path.localeCompare(b.path));
  return scored.slice(0, limit).map((entry) => entry.path);
}

/** The project's files, relative; `rg` is ripgrep's path, or null for the JS walk (also used without rg). */
export async function projectFiles(root: string, rg: string | null = findRipgrep()): Promise<string[]> {
  if (rg) return listWithRipgrep(rg, root);
  const ignored = await loadIgnoreRules(root);
  return (await walkFiles(root, MAX_FILES)).map((file) => file.split("\\").join("/")).filter((f) => !ignored(f, false));
}

/**
 * ripgrep's file list, read as it comes: ripgrep is stopped at MAX_FILES rather than left to list the whole tree
 * (a client may name a home directory, or `/`, and the cap would otherwise only cut a list already paid for).
 */
function listWithRipgrep(rg: string, root: string): Promise<string[]> {
  return new Promise((resolve) => {
    const child = spawn(rg, ["--files", "--hidden", "--no-require-git", ...RG_EXCLUDES], {
      cwd: root,
      stdio: ["ignore", "pipe", "ignore"],
    });
    const files: string[] = [];
    createInterface({ input: child.stdout }).on("line", (line) => {
      if (files.length >= MAX_FILES || line === "") return;
      files.push(line);
      if (files.length >= MAX_FILES) child.kill();
    });
    // A failed start or a non-zero exit (an unreadable directory) keeps whatever was listed.
    child.on("error", () => resolve(files));
    child.on("close", () => resolve(files));
  });
}

/**
 * Every character of the query, in order, case-insensitively; undefined when one is missing. Higher is better:
 * consecutive characters, matches at word starts and in the file name count more, and a long path a little less.
 */
export function fuzzyScore(query: string, path: string): number | undefined {
  const needle = query.toLowerCase();
  const haystack = path.toLowerCase();
  const nameStart = path.replace(/\/$/, "").lastIndexOf("/") + 1;
  let score = 0;
  let from = 0;
  let previous = -2;
  for (const char of needle) {
    const at = haystack.indexOf(char, from);
    if (at === -1) return undefined;
    score += 1;
    if (at === previous + 1) score += 5;
    if (at === 0 || "/_-. ".includes(haystack[at - 1])) score += 3;
    if (at >= nameStart) score += 2;
    previous = at;
    from = at + 1;
  }
  if (haystack.slice(nameStart).includes(needle)) score += 10;
  return score - path.length * 0.01;
}
