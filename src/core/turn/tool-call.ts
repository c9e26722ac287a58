// One tool call: the beforeTool hooks, lookup and validation, the run, the afterTool hooks, its part moving
// through running → completed | error.
import { newId, type Session, type ToolPart } from "../../protocol/index.js";
import { errorMessage } from "../retry.js";
import { sessionDiff } from "../session-diff.js";
import type { StepRecorder } from "../step-recorder.js";
import type { ToolSet } from "../tools/registry.js";
import type { ToolContext, ToolDefinition, ToolResult } from "../tools/tool.js";
import { type BeforeToolDecision, runHooks, type ToolCall } from "./hooks.js";
import type { TurnRequest, TurnServices } from "./types.js";

export interface ToolCallScope {
  services: TurnServices;
  request: TurnRequest;
  recorder: StepRecorder;
  /** The agent's tools: a call is looked up here. */
  tools: ToolSet;
  /** What the model was offered, named when it calls a tool that does not exist. */
  offered: readonly ToolDefinition[];
}

/** The beforeTool hooks' verdict so far. */
interface Verdict {
  input: Record<string, unknown>;
  deny?: string;
  permission?: "allow" | "ask";
}

function merge(verdict: Verdict, decision: BeforeToolDecision): Verdict {
  if (!decision) return verdict;
  if ("permission" in decision) return { ...verdict, permission: decision.permission };
  return "deny" in decision ? { ...verdict, deny: decision.deny } : { ...verdict, input: decision.input };
}

/** Runs one tool call; never rejects (every failure is the tool's error, for the model to read). */
export function runToolCall(scope: ToolCallScope, part: ToolPart, rawInput: Record<string, unknown>): Promise<void> {
  const { services, request, recorder } = scope;
  const start = services.now();
  const fail = (input: Record<string, unknown>, error: string) => {
    part.state = { status: "error", input, error, time: { start, end: services.now() } };
    recorder.put(part);
  };
  const call: ToolCall = { tool: part.tool, callID: part.callID, messageID: part.messageID, input: rawInput };
  let verdict: Verdict | Promise<Verdict>;
  try {
    verdict = runHooks(
      services.hooks.beforeTool,
      { input: rawInput } as Verdict,
      (hook, current) => {
        const decision = hook({ ...call, input: current.input }, request);
        return decision instanceof Promise
          ? decision.then((answer) => merge(current, answer))
          : merge(current, decision);
      },
      (current) => current.deny !== undefined,
    );
  } catch (error) {
    fail(rawInput, errorMessage(error));
    return Promise.resolve();
  }
  if (verdict instanceof Promise) {
    return verdict.then(
      (decided) => execute(scope, part, decided, start, fail),
      (error) => fail(rawInput, errorMessage(error)),
    );
  }
  return execute(scope, part, verdict, start, fail);
}

/** Synchronous up to the tool's own run, so the part is marked running in the tick its call was allowed. */
async function execute(
  scope: ToolCallScope,
  part: ToolPart,
  verdict: Verdict,
  start: number,
  fail: (input: Record<string, unknown>, error: string) => void,
): Promise<void> {
  const { services, request, recorder } = scope;
  const { input } = verdict;
  if (verdict.deny !== undefined) return fail(input, verdict.deny);
  const definition = scope.tools.get(part.tool);
  if (!definition) {
    return fail(
      input,
      `Unknown tool "${part.tool}". Available tools: ${scope.offered.map((tool) => tool.name).join(", ")}.`,
    );
  }
  const parsed = definition.parameters.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "input"}: ${issue.message}`);
    return fail(input, `Invalid input for ${part.tool}: ${problems.join("; ")}`);
  }
  part.state = { status: "running", input, time: { start } };
  recorder.put(part);
  const { session, signal } = request;
  // A hook's "ask" forces the call's first question only; "allow" holds for each of its questions.
  let settled = verdict.permission;
  const context: ToolContext = {
    directory: session.directory,
    sessionID: session.id,
    messageID: part.messageID,
    callID: part.callID,
    abort: signal,
    now: services.now,
    ask: (ask) => {
      const decided = settled;
      if (settled === "ask") settled = undefined;
      return services.gate.ask(
        {
          sessionID: session.id,
          directory: session.directory,
          messageID: part.messageID,
          callID: part.callID,
          signal,
          agent: request.agent,
          decided,
        },
        ask,
      );
    },
    progress: (update) => {
      if (part.state.status !== "running") return;
      part.state = { ...part.state, ...update, metadata: { ...part.state.metadata, ...update.metadata } };
      recorder.put(part);
    },
    editorFs: services.editorFs?.(session.id),
  };
  try {
    let result = await definition.execute(parsed.data, context);
    const call: ToolCall = { tool: part.tool, callID: part.callID, messageID: part.messageID, input };
    const amended = runHooks(services.hooks.afterTool, result, (hook, current: ToolResult) =>
      hook(call, current, request),
    );
    result = amended instanceof Promise ? await amended : amended;
    part.state = {
      status: "completed",
      input,
      output: result.output,
      title: result.title,
      metadata: result.metadata,
      time: { start, end: services.now() },
    };
    recorder.put(part);
  } catch (error) {
    fail(input, signal.aborted ? "The tool was aborted." : errorMessage(error));
    return;
  }
  if (typeof part.state.metadata?.filepath === "string" && typeof part.state.metadata.diff === "string") {
    await announceSessionDiff(services, recorder, session);
  }
}

/**
 * As OpenCode does after a call that changed a file: the session's whole diff, so a client can show it without
 * refetching. Read once the call's own part is stored; a hint, so a failure to read it fails nothing.
 */
async function announceSessionDiff(services: TurnServices, recorder: StepRecorder, session: Session): Promise<void> {
  try {
    await recorder.settled();
    const diff = sessionDiff(await services.store.listMessages(session.id));
    services.bus.publish(
      "session.diff",
      { sessionID: session.id, diff },
      { directory: session.directory, sessionID: session.id },
    );
  } catch {
    // The step's next write reports a store failure where the turn handles it.
  }
}

/** A tool call's JSON arguments as an object, or why they are not one. */
/**
 * A tool call moor makes itself, not the model (a `!command`, a subtask command): stored as a pending part in the
 * recorder's message, as if the model had called it, then run through the same hooks and permission rules.
 * `callPrefix` marks whose call it was in its id (`sh_`, `cmd_`).
 */
export async function runOwnToolCall(
  services: TurnServices,
  request: TurnRequest,
  recorder: StepRecorder,
  call: { tool: string; input: Record<string, unknown>; callPrefix: string },
): Promise<void> {
  const { input } = call;
  const part: ToolPart = {
    sessionID: request.session.id,
    messageID: recorder.info.id,
    id: newId("prt", services.now()),
    type: "tool",
    callID: newId("prt", services.now()).replace(/^prt_/, `${call.callPrefix}_`),
    tool: call.tool,
    state: { status: "pending", input: { ...input }, raw: JSON.stringify(input) },
  };
  recorder.put(part);
  const tools = services.tools.forAgent(request.agent);
  await runToolCall({ services, request, recorder, tools, offered: tools.definitions }, part, { ...input });
}

export function parseToolInput(text: string): Record<string, unknown> | string {
  if (text.trim() === "") return {};
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
    return "the arguments must be a JSON object";
  } catch (error) {
    return `the arguments are not valid JSON (${errorMessage(error)})`;
  }
}
