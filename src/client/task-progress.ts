// What a running subagent looks like to a client: the task tool's part carries, in its metadata, the child session
// (`sessionId`), the subagent (`agent`) and the child's tool calls so far (`summary`, OpenCode's shape). attach, the
// web page and ACP read it here so they describe a subagent alike.
import type { ToolPart } from "../protocol/index.js";

export interface TaskProgress {
  /** The child session, once created. */
  sessionID?: string;
  agent?: string;
  description?: string;
  /** How many tool calls the child has made, and how many finished. */
  calls: number;
  done: number;
  /** The child's latest tool call, as `tool: title`. */
  current?: string;
}

/** The progress of a `task` tool part, or undefined for any other part. */
export function taskProgress(part: ToolPart): TaskProgress | undefined {
  if (part.tool !== "task") return undefined;
  const metadata = "metadata" in part.state ? (part.state.metadata ?? {}) : {};
  const input = part.state.input as { description?: unknown; subagent_type?: unknown };
  const summary = Array.isArray(metadata.summary) ? (metadata.summary as SummaryEntry[]) : [];
  const last = summary.at(-1);
  return {
    sessionID: typeof metadata.sessionId === "string" ? metadata.sessionId : undefined,
    agent: typeof input.subagent_type === "string" ? input.subagent_type : undefined,
    description: typeof input.description === "string" ? input.description : undefined,
    calls: summary.length,
    done: summary.filter((entry) => entry.state?.status === "completed" || entry.state?.status === "error").length,
    current: last ? `${last.tool}${last.state?.title ? `: ${last.state.title}` : ""}` : undefined,
  };
}

interface SummaryEntry {
  tool: string;
  state?: { status?: string; title?: string };
}

/** One line for a task part: `@explore · ses_… · 3/4 tool calls · grep: TODO`. */
export function taskProgressLine(progress: TaskProgress): string {
  return [
    progress.agent ? `@${progress.agent}` : undefined,
    progress.sessionID,
    progress.calls > 0 ? `${progress.done}/${progress.calls} tool calls` : undefined,
    progress.current,
  ]
    .filter(Boolean)
    .join(" · ");
}
