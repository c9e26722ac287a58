// One line saying what a tool call did, from its input and the metadata its tool returns (core/tools/*): a
// command and its exit code, a file and the lines added and removed, a pattern and how many matches. Shared by
// the screens; a tool it does not know is summed up by its title.
import type { ToolPart } from "../protocol/index.js";

export interface ToolSummary {
  /** What it acted on: the command line, the file, the pattern. */
  target: string;
  /** The outcome in a few words ("exit 0", "+3 −1", "12 matches"); empty while it runs or when nothing is known. */
  outcome: string;
  /** The outcome is a failure (non-zero exit, an error). */
  failed: boolean;
}

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

export function summarizeTool(part: ToolPart): ToolSummary {
  const { state } = part;
  const input = state.input as Record<string, unknown>;
  const metadata = (state.status === "completed" ? state.metadata : undefined) ?? {};
  const title = state.status === "completed" || state.status === "running" ? text(state.title) : undefined;
  const target =
    part.tool === "bash"
      ? `$ ${text(input.command) ?? ""}`
      : part.tool === "grep" || part.tool === "glob"
        ? [JSON.stringify(input.pattern ?? ""), text(input.path) ? `in ${input.path}` : ""].filter(Boolean).join(" ")
        : (title ?? text(input.filePath) ?? text(input.path) ?? text(input.pattern) ?? text(input.command) ?? "");
  if (state.status === "error") return { target, outcome: state.error.split("\n")[0], failed: true };
  if (state.status !== "completed") return { target, outcome: "", failed: false };
  let outcome = "";
  let failed = false;
  if (part.tool === "bash") {
    if (metadata.timedOut) {
      outcome = "timed out";
      failed = true;
    } else if (typeof metadata.exit === "number" || metadata.exit === null) {
      outcome = metadata.exit === null ? "killed" : `exit ${metadata.exit}`;
      failed = metadata.exit !== 0;
    }
  } else if (typeof metadata.additions === "number" && typeof metadata.deletions === "number")
    outcome = `+${metadata.additions} −${metadata.deletions}${metadata.exists === false ? " (new file)" : ""}`;
  else if (typeof metadata.matches === "number")
    outcome = `${plural(metadata.matches, "match", "matches")}${metadata.truncated ? "+" : ""}`;
  else if (part.tool === "glob" && typeof metadata.count === "number")
    outcome = `${plural(metadata.count, "file")}${metadata.truncated ? "+" : ""}`;
  else if (typeof metadata.lines === "number") outcome = plural(metadata.lines, "line");
  else if (typeof metadata.count === "number") outcome = plural(metadata.count, "entry", "entries");
  return { target, outcome, failed };
}
