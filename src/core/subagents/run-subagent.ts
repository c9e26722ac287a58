// Runs a subagent: a child session of the caller's (`parentID`), in the parent's directory, through the same turn
// loop, under the child's own step and time limits; aborting the caller aborts the child's turn. The task tool and
// `subtask` commands both run children through it.
import type { MessageWithParts, ModelRef, Session } from "../../protocol/index.js";
import type { AgentRegistry } from "../agents/registry.js";
import type { EventBus } from "../bus.js";
import { errorMessage } from "../retry.js";
import type { SessionService } from "../session.js";
import { ToolError } from "../tools/tool.js";
import { type SubagentSettings, subagentLimits } from "./limits.js";
import { subagentsOf } from "./task-description.js";

export interface SubagentServices {
  bus: EventBus;
  /** Late-bound: the session service is built after the tools. */
  sessions(): SessionService;
  agents(directory: string): AgentRegistry;
  settings(directory: string): SubagentSettings | undefined;
}

/** One of the child's tool calls, as OpenCode's task tool lists them in `metadata.summary`. */
export interface ChildToolSummary {
  id: string;
  tool: string;
  state: { status: string; title?: string };
}

export interface SubagentRun {
  parentID: string;
  directory: string;
  description: string;
  prompt: string;
  agent: string;
  /** A child of `parentID` to continue (the task tool's `task_id`). */
  taskID?: string;
  /** The model when the agent names none (the caller's). */
  model?: ModelRef;
  signal: AbortSignal;
  /** The child session exists (created or found), before its turn starts. */
  onStart?(child: Session): void;
  /** The child's tool calls so far, each time one changes status or title. */
  onProgress?(summary: ChildToolSummary[]): void;
}

export interface SubagentResult {
  session: Session;
  /** The child's final text (its turn's last text part). */
  text: string;
  summary: ChildToolSummary[];
}

/** Resolves with the child's answer; a refusal, failure, abort or timeout is a ToolError naming the child. */
export async function runSubagent(services: SubagentServices, run: SubagentRun): Promise<SubagentResult> {
  const sessions = services.sessions();
  const agents = services.agents(run.directory);
  const agent = agents.get(run.agent);
  if (!agent || agent.mode === "primary") {
    const known = subagentsOf(agents).map((candidate) => candidate.name);
    throw new ToolError(
      `Unknown agent type: ${run.agent} is not a valid agent type. Available: ${known.join(", ") || "none"}.`,
    );
  }
  const child = run.taskID
    ? await continued(sessions, run)
    : await sessions.create({
        directory: run.directory,
        parentID: run.parentID,
        title: `${run.description} (@${agent.name} subagent)`,
      });
  run.onStart?.(child);
  const limits = subagentLimits(services.settings(run.directory));
  const timeout = AbortSignal.timeout(limits.timeoutMs);
  const summary = new Map<string, ChildToolSummary>();
  const unsubscribe = services.bus.subscribe(({ event }) => {
    if (event.type !== "message.part.updated" || event.properties.sessionID !== child.id) return;
    const part = event.properties.part;
    if (part.type !== "tool") return;
    const title = "title" in part.state ? part.state.title : undefined;
    const before = summary.get(part.id);
    if (before && before.state.status === part.state.status && before.state.title === title) return;
    summary.set(part.id, { id: part.id, tool: part.tool, state: { status: part.state.status, title } });
    run.onProgress?.([...summary.values()]);
  });
  try {
    const { user, done } = await sessions.submit(
      child.id,
      { agent: agent.name, model: agent.model ?? run.model, parts: [{ type: "text", text: run.prompt }] },
      { signal: AbortSignal.any([run.signal, timeout]) },
    );
    const result = await done;
    if (result.finish === "aborted") {
      if (timeout.aborted && !run.signal.aborted) {
        throw new ToolError(
          `The subagent ran out of time after ${Math.round(limits.timeoutMs / 1000)} s (task_id: ${child.id}).`,
        );
      }
      throw new ToolError(`The subagent was aborted (task_id: ${child.id}).`);
    }
    if (result.error) {
      const message = result.error.data?.message ?? result.error.name;
      throw new ToolError(`Subagent failed (task_id: ${child.id}): ${message}`);
    }
    const text = finalText(result.last) ?? finalText(...(await turnReplies(sessions, child.id, user.id))) ?? "";
    return { session: child, text, summary: [...summary.values()] };
  } catch (error) {
    if (error instanceof ToolError) throw error;
    throw new ToolError(`Subagent failed (task_id: ${child.id}): ${errorMessage(error)}`);
  } finally {
    unsubscribe();
  }
}

/** The child a `task_id` names: it must be a child of the caller's session. */
async function continued(sessions: SessionService, run: SubagentRun): Promise<Session> {
  const found = await sessions.get(run.taskID as string).catch(() => undefined);
  if (!found || found.parentID !== run.parentID) {
    throw new ToolError(`task_id ${run.taskID} is not a subagent session of this session.`);
  }
  return found;
}

/** The replies to one prompt, newest last. */
async function turnReplies(sessions: SessionService, sessionID: string, userID: string) {
  const history = await sessions.messages(sessionID);
  return history.filter((message) => message.info.role === "assistant" && message.info.parentID === userID);
}

/** The last non-empty text part of the newest message that has one. */
function finalText(...messages: (MessageWithParts | undefined)[]): string | undefined {
  for (const message of messages.toReversed()) {
    const part = message?.parts.findLast((candidate) => candidate.type === "text" && candidate.text.trim() !== "");
    if (part?.type === "text") return part.text;
  }
  return undefined;
}
