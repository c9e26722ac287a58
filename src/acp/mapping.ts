// Moor's parts and events → ACP session updates. Used live during a prompt and to replay history on session/load.
import type { SessionUpdate, ToolCallContent, ToolKind } from "@agentclientprotocol/sdk";
import { COMPACTION_MARK, isCompactionSummary } from "../client/compaction.js";
import { taskProgress, taskProgressLine } from "../client/task-progress.js";
import type { MessageWithParts, Part, ToolPart } from "../protocol/index.js";
import { plainReadOutput } from "./plain-read-output.js";

const KIND_BY_TOOL: Record<string, ToolKind> = {
  read: "read",
  write: "edit",
  edit: "edit",
  bash: "execute",
  glob: "search",
  grep: "search",
  ls: "search",
  todowrite: "think",
  todoread: "think",
  webfetch: "fetch",
};

export function toolKind(tool: string): ToolKind {
  return KIND_BY_TOOL[tool] ?? "other";
}

function toolTitle(part: ToolPart): string {
  const { state } = part;
  if ((state.status === "completed" || state.status === "running") && state.title) return state.title;
  const input = state.input as Record<string, unknown>;
  const target = input.filePath ?? input.command ?? input.pattern ?? input.path;
  return target ? `${part.tool} ${String(target)}` : part.tool;
}

function statusOf(part: ToolPart): "pending" | "in_progress" | "completed" | "failed" {
  switch (part.state.status) {
    case "pending":
      return "pending";
    case "running":
      return "in_progress";
    case "completed":
      return "completed";
    default:
      return "failed";
  }
}

/** The file a tool works on, else the directory a search looks in (as OpenCode's ACP agent gives them). */
function locationsOf(part: ToolPart) {
  const input = part.state.input as { filePath?: unknown; path?: unknown };
  const path = input.filePath ?? (toolKind(part.tool) === "search" ? input.path : undefined);
  return typeof path === "string" ? [{ path }] : [];
}

function contentOf(part: ToolPart): ToolCallContent[] {
  const { state } = part;
  const input = state.input as Record<string, unknown>;
  if (state.status === "error") return [{ type: "content", content: { type: "text", text: state.error } }];
  const task = taskProgress(part);
  if (task && state.status === "running") {
    // A running subagent: which child session it is (to open it) and how far it got.
    const text = `Subagent session ${task.sessionID ?? "starting"}${task.calls > 0 ? `: ${taskProgressLine({ ...task, agent: undefined, sessionID: undefined })}` : ""}`;
    return [{ type: "content", content: { type: "text", text } }];
  }
  if (state.status !== "completed") return [];
  const path = typeof state.metadata.filepath === "string" ? state.metadata.filepath : String(input.filePath ?? "");
  if (part.tool === "write") {
    return [{ type: "diff", path, oldText: null, newText: String(input.content ?? "") }];
  }
  if (part.tool === "edit") {
    return [{ type: "diff", path, oldText: String(input.oldString ?? ""), newText: String(input.newString ?? "") }];
  }
  const text = part.tool === "read" ? plainReadOutput(state.output) : state.output;
  return [{ type: "content", content: { type: "text", text } }];
}

/** The first sight of a tool call. */
export function toolCallStart(part: ToolPart): SessionUpdate {
  return {
    sessionUpdate: "tool_call",
    toolCallId: part.callID,
    title: toolTitle(part),
    kind: toolKind(part.tool),
    status: statusOf(part),
    locations: locationsOf(part),
    rawInput: part.state.input,
  };
}

export function toolCallUpdate(part: ToolPart): SessionUpdate {
  const content = contentOf(part);
  return {
    sessionUpdate: "tool_call_update",
    toolCallId: part.callID,
    status: statusOf(part),
    title: toolTitle(part),
    locations: locationsOf(part),
    rawInput: part.state.input,
    ...(content.length > 0 ? { content } : {}),
    ...(part.state.status === "completed"
      ? { rawOutput: { output: part.state.output, metadata: part.state.metadata } }
      : {}),
  };
}

/** The whole history as the updates a client would have seen live, in order (for session/load). */
export function historyUpdates(history: MessageWithParts[]): SessionUpdate[] {
  const updates: SessionUpdate[] = [];
  for (const { info, parts } of history) {
    if (isCompactionSummary(info)) updates.push(compactionMark());
    for (const part of parts) updates.push(...partUpdates(part, info.role));
  }
  return updates;
}

/** Where compaction happened, as the editor shows it: the mark every client puts there (client/compaction.ts). */
export function compactionMark(): SessionUpdate {
  return { sessionUpdate: "agent_message_chunk", content: { type: "text", text: `\n${COMPACTION_MARK}\n` } };
}

function partUpdates(part: Part, role: "user" | "assistant"): SessionUpdate[] {
  if (part.type === "text" && part.text) {
    return [
      {
        sessionUpdate: role === "user" ? "user_message_chunk" : "agent_message_chunk",
        content: { type: "text", text: part.text },
      },
    ];
  }
  if (part.type === "reasoning" && part.text) {
    return [{ sessionUpdate: "agent_thought_chunk", content: { type: "text", text: part.text } }];
  }
  if (part.type === "tool") return [toolCallStart(part), toolCallUpdate(part)];
  return [];
}
