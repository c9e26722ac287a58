// One model step: the call (retried while nothing was shown), its stream turned into parts, its tool calls run.
// Each step is its own assistant message, as in OpenCode.
import type {
  LanguageModelV3FunctionTool,
  LanguageModelV3StreamPart,
  LanguageModelV3StreamResult,
} from "@ai-sdk/provider";
import {
  type AssistantMessage,
  emptyTokens,
  type MessageWithParts,
  newId,
  type Part,
  type ReasoningPart,
  type TextPart,
  type TokenUsage,
  type ToolPart,
} from "../../protocol/index.js";
import { isContextOverflow } from "../compaction/overflow.js";
import { errorMessage, isRetryable, retryDelay } from "../retry.js";
import { StepRecorder } from "../step-recorder.js";
import { modelTool, type ToolSet } from "../tools/registry.js";
import { abortedError, overflowError, sleep, TurnAborted, toMessageError } from "./errors.js";
import type { StepPlan } from "./hooks.js";
import { parseToolInput, runToolCall, type ToolCallScope } from "./tool-call.js";
import type { TurnOutcome, TurnRequest, TurnServices } from "./types.js";
import { costOf, tokensOf } from "./usage.js";

export interface StepResult {
  message: MessageWithParts;
  /** Set when the step failed or was aborted: the turn ends with it. */
  outcome?: TurnOutcome;
  /** The model's finish reason. */
  finishReason: string;
  toolCalls: number;
  /**
   * The step's last write (its message's final state), when the step ended without an outcome: not yet stored, it
   * fails with the write's error. The loop awaits it before the next step, or hands it on with the turn's outcome.
   */
  written?: Promise<void>;
}

export function newAssistantMessage(services: TurnServices, request: TurnRequest): AssistantMessage {
  return {
    id: newId("msg", services.now()),
    sessionID: request.session.id,
    role: "assistant",
    time: { created: services.now() },
    parentID: request.user.id,
    modelID: request.model.modelID,
    providerID: request.model.providerID,
    mode: request.agent,
    agent: request.agent,
    path: { cwd: request.session.directory, root: request.session.directory },
    cost: 0,
    tokens: emptyTokens(),
  };
}

/** A step's recorder around a new assistant message of the turn (not yet opened). */
export function newStepRecorder(services: TurnServices, request: TurnRequest): StepRecorder {
  const { session } = request;
  return new StepRecorder(
    services.store,
    { directory: session.directory, sessionID: session.id },
    newAssistantMessage(services, request),
    services.now,
  );
}

/**
 * `deferOverflow`: a refusal as too long is not announced as `session.error` (the loop may compact and run the step
 * again; it announces the error when it does not).
 */
export async function runStep(
  services: TurnServices,
  request: TurnRequest,
  plan: StepPlan,
  tools: ToolSet,
  deferOverflow = false,
): Promise<StepResult> {
  const { session } = request;
  const recorder = newStepRecorder(services, request);
  const stream = new StepStream({ services, request, recorder, tools, offered: plan.tools });
  // The model call starts first; the step's message and step-start part are written while it is on the wire.
  let call = stream.call(plan);
  recorder.open();
  const base = { sessionID: session.id, messageID: recorder.info.id };
  recorder.put({ ...base, id: newId("prt", services.now()), type: "step-start" });
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await stream.run(call);
        break;
      } catch (error) {
        if (request.signal.aborted) throw new TurnAborted();
        // Retrying after output was shown would repeat it; only a clean failure is retried.
        if (stream.producedOutput || !isRetryable(error) || attempt >= services.retry.maxAttempts) throw error;
        const delay = retryDelay(error, attempt, services.retry);
        request.status({ type: "retry", attempt, message: errorMessage(error), next: services.now() + delay });
        await sleep(delay, request.signal);
        request.status({ type: "busy" });
        call = stream.call(plan);
      }
    }
  } catch (error) {
    const aborted = request.signal.aborted || error instanceof TurnAborted;
    const overflow = !aborted && !stream.producedOutput && isContextOverflow(error);
    const messageError = aborted
      ? abortedError()
      : overflow
        ? overflowError(error)
        : toMessageError(error, request.model.providerID);
    stream.closeOpenParts(aborted ? "The tool was aborted." : `The step failed: ${messageError.data.message}`);
    await recorder.close({
      time: { created: recorder.info.time.created, completed: services.now() },
      error: messageError,
    });
    const message = { info: recorder.info, parts: await stream.parts() };
    if (!aborted && !(overflow && deferOverflow)) {
      services.bus.publish(
        "session.error",
        { sessionID: session.id, error: messageError },
        { directory: session.directory, sessionID: session.id },
      );
    }
    const finish = aborted ? "aborted" : "error";
    return {
      message,
      finishReason: stream.finishReason,
      toolCalls: stream.toolCallCount,
      outcome: { finish, error: messageError },
    };
  }
  const usage = stream.tokens;
  const cost = costOf(usage, request.model);
  recorder.put({
    ...base,
    id: newId("prt", services.now()),
    type: "step-finish",
    reason: stream.finishReason,
    cost,
    tokens: usage,
  });
  // Not awaited here: the loop decides whether the turn ends, and whoever ends it may queue its own end-of-turn
  // commit while this one waits for the connection, so both go in one transaction (StepResult.written).
  const written = recorder.close({
    time: { created: recorder.info.time.created, completed: services.now() },
    tokens: usage,
    cost,
    finish: stream.finishReason,
  });
  // Every write is issued: once they are stored (`written`), the recorder's parts are the stored ones.
  const message = { info: recorder.info, parts: recorder.storedParts() };
  const result = { message, finishReason: stream.finishReason, toolCalls: stream.toolCallCount };
  if (request.signal.aborted) {
    await written;
    return { ...result, outcome: { finish: "aborted", error: abortedError() } };
  }
  return { ...result, written };
}

/** The plan's tools as the model sees them: the registry's cached list when the plan offers the whole set. */
function modelToolsOf(plan: StepPlan, tools: ToolSet): LanguageModelV3FunctionTool[] {
  return (
    plan.tools === tools.definitions ? tools.modelTools : plan.tools.map(modelTool)
  ) as LanguageModelV3FunctionTool[];
}

/** Consumes one model step's stream, turning its chunks into parts and running its tool calls. */
class StepStream {
  producedOutput = false;
  toolCallCount = 0;
  finishReason = "stop";
  tokens: TokenUsage = emptyTokens();
  private readonly textParts = new Map<string, TextPart | ReasoningPart>();
  private readonly toolParts = new Map<string, ToolPart>();
  private readonly running: Promise<void>[] = [];

  constructor(private readonly scope: ToolCallScope) {}

  private get request(): TurnRequest {
    return this.scope.request;
  }

  private get recorder(): StepRecorder {
    return this.scope.recorder;
  }

  private get now(): () => number {
    return this.scope.services.now;
  }

  parts(): Promise<Part[]> {
    return this.scope.services.store.listParts(this.recorder.info.id);
  }

  /**
   * Streams one step straight from the provider's `doStream`. The AI SDK's `streamText` would add its own layers of
   * web-stream transforms and per-call prompt validation: about 55 ms per 2,000 tokens in our profile, more than
   * the whole budget for such a reply. Tool calls are ours to run, so the loop around `streamText` is not needed.
   */
  call(plan: StepPlan): Promise<LanguageModelV3StreamResult> {
    // Async so that even a synchronous throw arrives as a rejection; the request itself starts right away.
    const call = (async () =>
      this.request.model.model.doStream({
        prompt: [{ role: "system", content: plan.system }, ...plan.messages],
        tools: modelToolsOf(plan, this.scope.tools),
        ...(plan.temperature !== undefined ? { temperature: plan.temperature } : {}),
        abortSignal: this.request.signal,
      }))();
    // Awaited by run(); until then a failure must not count as unhandled.
    call.catch(() => {});
    return call;
  }

  async run(call: Promise<LanguageModelV3StreamResult>): Promise<void> {
    const { stream } = await call;
    const reader = stream.getReader();
    let finished = false;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (this.request.signal.aborted) throw new TurnAborted();
        this.onChunk(value);
      }
      finished = true;
    } finally {
      if (!finished) reader.cancel().catch(() => {});
      // Tool calls already started finish (or see the abort) before the step is closed.
      await Promise.all(this.running);
    }
    if (this.request.signal.aborted) throw new TurnAborted();
  }

  private onChunk(chunk: LanguageModelV3StreamPart): void {
    const { sessionID, id: messageID } = { sessionID: this.request.session.id, id: this.recorder.info.id };
    const now = this.now();
    switch (chunk.type) {
      case "text-start":
      case "reasoning-start": {
        const type = chunk.type === "text-start" ? "text" : "reasoning";
        const part = { id: newId("prt", now), sessionID, messageID, type, text: "", time: { start: now } } as
          | TextPart
          | ReasoningPart;
        this.textParts.set(`${type}:${chunk.id}`, part);
        this.producedOutput = true;
        this.recorder.put(part);
        break;
      }
      case "text-delta":
      case "reasoning-delta": {
        const part = this.textParts.get(`${chunk.type === "text-delta" ? "text" : "reasoning"}:${chunk.id}`);
        if (part && chunk.delta) this.recorder.appendText(part, chunk.delta);
        break;
      }
      case "text-end":
      case "reasoning-end": {
        const key = `${chunk.type === "text-end" ? "text" : "reasoning"}:${chunk.id}`;
        const part = this.textParts.get(key);
        if (!part) break;
        this.textParts.delete(key);
        part.time = { start: part.time?.start ?? now, end: now };
        this.recorder.put(part);
        break;
      }
      case "tool-input-start": {
        this.producedOutput = true;
        this.toolPart(chunk.id, chunk.toolName);
        break;
      }
      case "tool-input-delta": {
        const part = this.toolParts.get(chunk.id);
        if (part?.state.status === "pending") part.state.raw += chunk.delta;
        break;
      }
      case "tool-call": {
        this.producedOutput = true;
        this.toolCallCount++;
        const part = this.toolPart(chunk.toolCallId, chunk.toolName);
        const input = parseToolInput(chunk.input);
        if (typeof input === "string") this.invalidCall(part, `Invalid tool call: ${input}`);
        else this.running.push(runToolCall(this.scope, part, input));
        break;
      }
      case "finish": {
        this.finishReason = chunk.finishReason.unified;
        this.tokens = tokensOf(chunk.usage);
        break;
      }
      case "error":
        throw chunk.error;
    }
  }

  private toolPart(callID: string, tool: string): ToolPart {
    let part = this.toolParts.get(callID);
    if (part) return part;
    const { id: messageID } = this.recorder.info;
    part = {
      id: newId("prt", this.now()),
      sessionID: this.request.session.id,
      messageID,
      type: "tool",
      callID,
      tool,
      state: { status: "pending", input: {}, raw: "" },
    };
    this.toolParts.set(callID, part);
    this.recorder.put(part);
    return part;
  }

  private invalidCall(part: ToolPart, error: string): void {
    const start = this.now();
    part.state = { status: "error", input: {}, error, time: { start, end: start } };
    this.recorder.put(part);
  }

  /** After an abort or failure, nothing is left looking alive. */
  closeOpenParts(reason: string): void {
    const now = this.now();
    for (const part of this.textParts.values()) {
      part.time = { start: part.time?.start ?? now, end: now };
      this.recorder.put(part);
    }
    this.textParts.clear();
    for (const part of this.toolParts.values()) {
      const { state } = part;
      if (state.status === "completed" || state.status === "error") continue;
      const start = state.status === "running" ? state.time.start : now;
      part.state = { status: "error", input: state.input, error: reason, time: { start, end: now } };
      this.recorder.put(part);
    }
  }
}
