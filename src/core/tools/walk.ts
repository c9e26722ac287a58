// The JS fallback used when ripgrep is not on PATH: a directory walk and a glob matcher with rg's semantics for
// the common cases (`**`, `*`, `?`, `{a,b}`, `[abc]`).
import { execFileSync } from "node:child_process";
import { readdir } from "node:fs/promises";
import { join, relative } from "node:path";

export const SKIPPED_DIRECTORIES = new Set([".git", "node_modules", ".hg", ".svn"]);
/** The same directories skipped by ripgrep, so both implementations see the same files. */
export const RG_EXCLUDES = [...SKIPPED_DIRECTORIES].flatMap((name) => ["--glob", `!${name}`]);

let ripgrepPath: string | null | undefined;

/** `rg` when it is on PATH (checked once), else null. */
export function findRipgrep(): string | null {
  if (ripgrepPath !== undefined) return ripgrepPath;
  try {
    ripgrepPath = execFileSync("sh", ["-c", "command -v rg"], { encoding: "utf8" }).trim() || null;
  } catch {
    ripgrepPath = null;
  }
  return ripgrepPath;
}

export function globToRegExp(glob: string): RegExp {
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i];
    if (char === "*") {
      if (glob[i + 1] === "*") {
        // `**/` matches any number of directories, including none.
        if (glob[i + 2] === "/") {
          out += "(?:.*/)?";
          i += 2;
        } else {
          out += ".*";
          i += 1;
        }
      } else out += "[^/]*";
    } else if (char === "?") out += "[^/]";
    else if (char === "{") {
      const end = glob.indexOf("}", i);
      if (end === -1) out += "\\{";
      else {
        const options = glob.slice(i + 1, end).split(",");
        out += `(?:${options.map((option) => globToRegExp(option).source.slice(1, -1)).join("|")})`;
        i = end;
      }
    } else if (char === "[") {
      const end = glob.indexOf("]", i);
      if (end === -1) out += "\\[";
      else {
        out += `[${glob.slice(i + 1, end).replace(/^!/, "^")}]`;
        i = end;
      }
    } else out += char.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(`^${out}$`);
}

/** Matches like rg --glob: a pattern without `/` matches the file name anywhere in the tree. */
export function globMatcher(glob: string): (relativePath: string) => boolean {
  const regex = globToRegExp(glob);
  if (glob.includes("/")) return (path) => regex.test(path);
  return (path) => regex.test(path.slice(path.lastIndexOf("/") + 1));
}

export async function walkFiles(root: string, limit = 100_000): Promise<string[]> {
  const files: string[] = [];
  const pending = [root];
  while (pending.length > 0 && files.length < limit) {
    const dir = pending.pop()!;
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRECTORIES.has(entry.name)) pending.push(full);
      } else if (entry.isFile()) files.push(relative(root, full));
    }
  }
  return files;
}
