// One line per finished tool call for `moor run`: what it did, in the terms a person checks — the command and its
// exit code, the file and its +/- lines, the pattern and how many matches.
import type { ToolPart } from "../protocol/index.js";
import { PLAIN, type Style } from "./terminal-style.js";

export function describeInput(input: Record<string, unknown>): string {
  const value = input.filePath ?? input.command ?? input.pattern ?? input.url ?? input.path ?? "";
  return clip(String(value), 80);
}

function clip(text: string, width: number): string {
  const line = text.split("\n")[0];
  return line.length > width || line !== text ? `${line.slice(0, width - 3)}...` : line;
}

const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** What the call's metadata tells beyond its title: exit code, +/- lines, match or file count. */
export function outcomeOf(part: ToolPart, style: Style = PLAIN): string {
  if (part.state.status !== "completed") return "";
  const meta = part.state.metadata ?? {};
  const number = (key: string) => (typeof meta[key] === "number" ? (meta[key] as number) : undefined);
  if (part.tool === "bash") {
    if (meta.timedOut === true) return style.red("timed out");
    const exit = meta.exit;
    if (typeof exit === "number") return exit === 0 ? style.dim("exit 0") : style.red(`exit ${exit}`);
    return exit === null ? style.red("killed") : "";
  }
  if (part.tool === "edit" || part.tool === "write") {
    const additions = number("additions");
    const deletions = number("deletions");
    if (additions === undefined && deletions === undefined) return "";
    return `${style.green(`+${additions ?? 0}`)} ${style.red(`-${deletions ?? 0}`)}`;
  }
  if (part.tool === "grep") {
    const matches = number("matches");
    return matches === undefined ? "" : style.dim(count(matches, "match", "matches"));
  }
  if (part.tool === "glob" || part.tool === "ls" || part.tool === "list") {
    const files = number("count");
    return files === undefined
      ? ""
      : style.dim(part.tool === "glob" ? count(files, "file") : count(files, "entry", "entries"));
  }
  if (part.tool === "read") {
    const lines = number("lines");
    return lines === undefined ? "" : style.dim(count(lines, "line"));
  }
  return "";
}

/** `✓ bash npm test  exit 0`, `✓ edit src/a.ts  +3 -1`, `✗ grep TODO: <first line of the error>`. */
export function toolSummary(part: ToolPart, style: Style = PLAIN): string | undefined {
  const { state } = part;
  if (state.status === "completed") {
    // A command, a pattern or a URL says more than a title; a file tool's title is its path as the user knows it.
    const byInput = ["bash", "grep", "glob", "webfetch"].includes(part.tool);
    const subject = byInput ? describeInput(state.input) || state.title : state.title || describeInput(state.input);
    const outcome = outcomeOf(part, style);
    return `${style.green("✓")} ${style.bold(part.tool)} ${subject}${outcome ? `  ${outcome}` : ""}`;
  }
  if (state.status === "error") {
    return `${style.red("✗")} ${style.bold(part.tool)} ${describeInput(state.input)}: ${state.error.split("\n")[0]}`;
  }
  return undefined;
}
