// One line per finished tool call for `moor run`: what it did, in the terms a person checks — the command and its
// exit code, the file and its +/- lines, the pattern and how many matches. The words are the screens' own
// (client/tool-summary.ts); this file only fits them on one terminal line and colours them.
import { summarizeTool } from "../client/tool-summary.js";
import type { ToolPart } from "../protocol/index.js";
import { PLAIN, type Style } from "./terminal-style.js";

/** The first line, at most `width` characters: a multi-line command or a long path stays one line. */
function clip(text: string, width: number): string {
  const line = text.split("\n")[0];
  return line.length > width || line !== text ? `${line.slice(0, width - 3)}...` : line;
}

/** A failure in red; else added lines green, removed lines red, the rest (exit 0, counts) dim. */
function colourOutcome(outcome: string, failed: boolean, style: Style): string {
  if (failed) return style.red(outcome);
  const lines = /^\+(\d+) −(\d+)(.*)$/.exec(outcome);
  if (!lines) return style.dim(outcome);
  return `${style.green(`+${lines[1]}`)} ${style.red(`−${lines[2]}`)}${lines[3] ? style.dim(lines[3]) : ""}`;
}

/** `✓ bash $ npm test  exit 0`, `✓ edit src/a.ts  +3 −1`, `✗ grep "TODO"  <first line of the error>`. */
export function toolSummary(part: ToolPart, style: Style = PLAIN): string | undefined {
  const { status } = part.state;
  if (status !== "completed" && status !== "error") return undefined;
  const { target, outcome, failed } = summarizeTool(part);
  const mark = failed ? style.red("✗") : style.green("✓");
  const line = `${mark} ${style.bold(part.tool)} ${clip(target, 80)}`;
  return outcome ? `${line}  ${colourOutcome(clip(outcome, 120), failed, style)}` : line;
}
