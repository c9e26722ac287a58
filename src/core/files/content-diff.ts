// The `diff` and `patch` of GET /file/content: how a git-tracked text file differs from HEAD, as OpenCode gives them
// (a unified diff text, and the same as jsdiff's structured patch). Omitted when the file is unchanged, untracked,
// outside git, or too big to diff within a bounded cost.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { unifiedDiff } from "../tools/diff.js";

const run = promisify(execFile);

/** The line diff's table grows with the product of the two line counts: past this, no diff is offered. */
const MAX_DIFF_CELLS = 4_000_000;

export interface StructuredPatch {
  oldFileName: string;
  newFileName: string;
  hunks: { oldStart: number; oldLines: number; newStart: number; newLines: number; lines: string[] }[];
}

export async function diffAgainstHead(
  root: string,
  relativePath: string,
  content: string,
): Promise<{ diff: string; patch: StructuredPatch } | undefined> {
  let original: string;
  try {
    // `HEAD:./path` is relative to cwd, wherever the repository's root is.
    ({ stdout: original } = await run("git", ["--no-optional-locks", "show", `HEAD:./${relativePath}`], {
      cwd: root,
      maxBuffer: 16 * 1024 * 1024,
    }));
  } catch {
    return undefined;
  }
  if (original === content) return undefined;
  if (countLines(original) * countLines(content) > MAX_DIFF_CELLS) return undefined;
  const diff = unifiedDiff(relativePath, original, content).patch;
  return { diff, patch: parseUnified(relativePath, diff) };
}

function countLines(text: string): number {
  let lines = 1;
  for (let at = text.indexOf("\n"); at !== -1; at = text.indexOf("\n", at + 1)) lines++;
  return lines;
}

function parseUnified(fileName: string, diff: string): StructuredPatch {
  const hunks: StructuredPatch["hunks"] = [];
  for (const line of diff.split("\n")) {
    const header = /^@@ -(\d+),(\d+) \+(\d+),(\d+) @@/.exec(line);
    if (header) {
      hunks.push({
        oldStart: Number(header[1]),
        oldLines: Number(header[2]),
        newStart: Number(header[3]),
        newLines: Number(header[4]),
        lines: [],
      });
    } else if (hunks.length > 0 && /^[ +-]/.test(line)) hunks[hunks.length - 1].lines.push(line);
  }
  return { oldFileName: fileName, newFileName: fileName, hunks };
}
