// Which paths of a project count as ignored: `.git` and `node_modules` always, moor's own temporary files, and what
// the project's root `.gitignore` and `.git/info/exclude` list (nested .gitignore files are not read: a bounded,
// one-read cost).
import { join } from "node:path";
import ignore from "ignore";
import { readRegularFile } from "./read-regular.js";

export const ALWAYS_IGNORED = new Set([".git", "node_modules"]);
/**
 * The name a restored file is written under before it is renamed over the file (snapshots/shadow-repo.ts): watchers
 * would otherwise tell clients of a file that appears and vanishes at every undo, and a search could list it.
 */
export const RESTORE_TEMP_PREFIX = ".moor-restore-";

/** `relativePath` uses `/` separators; `isDirectory` lets `dir/` rules match the directory itself. */
export type IgnoreTest = (relativePath: string, isDirectory: boolean) => boolean;

/** Far over any real ignore file; a `.gitignore` that is a link to /dev/zero is not read without end. */
const MAX_RULES_BYTES = 1024 * 1024;

export async function loadIgnoreRules(root: string): Promise<IgnoreTest> {
  const rules = ignore();
  for (const file of [join(root, ".gitignore"), join(root, ".git", "info", "exclude")]) {
    const text = (await readRegularFile(file, MAX_RULES_BYTES, { followLinks: true }))?.toString("utf8");
    if (text) rules.add(text);
  }
  return (relativePath, isDirectory) => {
    if (relativePath === "" || relativePath.startsWith("..")) return false;
    const parts = relativePath.split("/");
    if (parts.some((part) => ALWAYS_IGNORED.has(part))) return true;
    if ((parts.at(-1) as string).startsWith(RESTORE_TEMP_PREFIX)) return true;
    return rules.ignores(isDirectory ? `${relativePath}/` : relativePath);
  };
}
