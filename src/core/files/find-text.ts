// GET /find: a text search in OpenCode's shape, which is ripgrep's own `--json` match record. ripgrep when it is
// on PATH (it honours .gitignore); otherwise a JS walk that skips what ignore-rules.ts ignores and builds the same
// records. At most `limit` matches either way.
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { CoreError } from "../errors.js";
import { looksBinary } from "../tools/read.js";
import { findRipgrep, RG_EXCLUDES, walkFiles } from "../tools/walk.js";
import { confinedRoot } from "./confine.js";
import { loadIgnoreRules } from "./ignore-rules.js";

export interface TextMatch {
  path: { text: string };
  lines: { text: string };
  line_number: number;
  absolute_offset: number;
  submatches: { match: { text: string }; start: number; end: number }[];
}

export const DEFAULT_FIND_LIMIT = 100;

/** `signal` ends the search (a client that went away): ripgrep may be walking a tree as large as `/`. */
export async function findText(
  directory: string,
  pattern: string,
  limit = DEFAULT_FIND_LIMIT,
  signal?: AbortSignal,
): Promise<TextMatch[]> {
  const root = await confinedRoot(directory);
  const rg = findRipgrep();
  return rg ? findWithRipgrep(rg, root, pattern, limit, signal) : findWithJs(root, pattern, limit);
}

export function findWithRipgrep(
  rg: string,
  root: string,
  pattern: string,
  limit: number,
  signal?: AbortSignal,
): Promise<TextMatch[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      rg,
      ["--json", "--hidden", "--no-require-git", "--max-columns", "2000", ...RG_EXCLUDES, "-e", pattern, "."],
      {
        cwd: root,
        stdio: ["ignore", "pipe", "pipe"],
        signal,
      },
    );
    const matches: TextMatch[] = [];
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      if (stderr.length < 4096) stderr += chunk.toString();
    });
    const lines = createInterface({ input: child.stdout });
    lines.on("line", (line) => {
      if (matches.length >= limit) return;
      let record: { type?: string; data?: TextMatch };
      try {
        record = JSON.parse(line);
      } catch {
        return;
      }
      if (record.type !== "match" || !record.data?.path?.text) return;
      const data = record.data;
      matches.push({
        path: { text: data.path.text.replace(/^\.\//, "") },
        lines: { text: data.lines?.text ?? "" },
        line_number: data.line_number,
        absolute_offset: data.absolute_offset,
        submatches: data.submatches.map((sub) => ({ match: { text: sub.match.text }, start: sub.start, end: sub.end })),
      });
      // Enough: the rest of the tree is not searched.
      if (matches.length >= limit) child.kill();
    });
    child.on("error", (error) => reject(new CoreError("bad_request", `search failed: ${error.message}`)));
    child.on("close", (code) => {
      // 1: nothing matched; 2: an error (a bad pattern) unless some matches came (an unreadable file).
      if (code === 2 && matches.length === 0) {
        reject(new CoreError("bad_request", `search failed: ${stderr.trim().split("\n")[0] || "ripgrep error"}`));
      } else resolve(matches);
    });
  });
}

export async function findWithJs(root: string, pattern: string, limit: number): Promise<TextMatch[]> {
  let regex: RegExp;
  try {
    regex = new RegExp(pattern, "g");
  } catch (error) {
    throw new CoreError("bad_request", `invalid regular expression: ${(error as Error).message}`);
  }
  const ignored = await loadIgnoreRules(root);
  const matches: TextMatch[] = [];
  const files = (await walkFiles(root)).filter((file) => !ignored(file.split("\\").join("/"), false)).sort();
  for (const file of files) {
    const bytes = await readFile(join(root, file)).catch(() => undefined);
    if (!bytes || looksBinary(bytes)) continue;
    let offset = 0;
    const lines = bytes.toString("utf8").split(/(?<=\n)/);
    for (let index = 0; index < lines.length; index++) {
      const text = lines[index];
      const submatches: TextMatch["submatches"] = [];
      const body = text.replace(/\r?\n$/, "");
      regex.lastIndex = 0;
      for (let found = regex.exec(body); found; found = regex.exec(body)) {
        if (found[0] === "") {
          regex.lastIndex++;
          continue;
        }
        const start = Buffer.byteLength(body.slice(0, found.index));
        submatches.push({ match: { text: found[0] }, start, end: start + Buffer.byteLength(found[0]) });
      }
      if (submatches.length > 0) {
        matches.push({
          path: { text: file },
          lines: { text },
          line_number: index + 1,
          absolute_offset: offset,
          submatches,
        });
        if (matches.length >= limit) return matches;
      }
      offset += Buffer.byteLength(text);
    }
  }
  return matches;
}
