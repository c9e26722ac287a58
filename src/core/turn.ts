// The agent loop (DESIGN.md §5.1: the model is a parameter). One turn answers one user message: it streams model
// steps, runs the tool calls each step asks for, and loops until the model stops or `maxSteps` is reached. Each
// step is its own assistant message, as in OpenCode.
import type {
  JSONSchema7,
  LanguageModelV3,
  LanguageModelV3FunctionTool,
  LanguageModelV3Prompt,
  LanguageModelV3StreamPart,
  LanguageModelV3StreamResult,
  LanguageModelV3Usage,
} from "@ai-sdk/provider";
import * as z from "zod";
import {
  type AssistantMessage,
  emptyTokens,
  type MessageError,
  type MessageWithParts,
  newId,
  type Part,
  type ReasoningPart,
  type Session,
  type SessionStatus,
  type TextPart,
  type TokenUsage,
  type ToolPart,
  type UserMessage,
} from "../protocol/index.js";
import type { Store } from "../storage/store.js";
import type { AgentRegistry } from "./agents/registry.js";
import type { EventBus } from "./bus.js";
import { conversationFor, toModelPrompt } from "./history.js";
import type { PermissionGate } from "./permission.js";
import { wildcardMatch } from "./permission-rules.js";
import { errorMessage, isRetryable, type RetryPolicy, retryDelay, statusCodeOf } from "./retry.js";
import { StepRecorder } from "./step-recorder.js";
import type { EditorFileSystem, ToolContext, ToolDefinition } from "./tools/tool.js";

export interface ResolvedModel {
  model: LanguageModelV3;
  providerID: string;
  modelID: string;
  /** Price per million tokens, when the config gives one. */
  cost?: { input?: number; output?: number };
}

export interface TurnEnvironment {
  store: Store;
  bus: EventBus;
  gate: PermissionGate;
  now: () => number;
  tools: ToolDefinition[];
  /** Read per step: the agent's instructions and tool switches. */
  agents: AgentRegistry;
  maxSteps: number;
  retry: RetryPolicy;
  systemPrompt(session: Session): string;
  setStatus(session: Session, status: SessionStatus): void;
  editorFs?(sessionID: string): EditorFileSystem | undefined;
}

export interface TurnRequest {
  session: Session;
  user: UserMessage;
  model: ResolvedModel;
  agent: string;
  signal: AbortSignal;
}

export type TurnFinish = "stop" | "length" | "content-filter" | "max-steps" | "aborted" | "error" | "other";

export interface TurnOutcome {
  finish: TurnFinish;
  last?: MessageWithParts;
  error?: MessageError;
}

/** Tool parts left unfinished by a crash carry this mark so a resume knows to run them again. */
export const INTERRUPTED_MARK = "interrupted";

export class TurnAborted extends Error {
  constructor() {
    super("The turn was aborted.");
    this.name = "TurnAborted";
  }
}

export async function runTurn(
  env: TurnEnvironment,
  request: TurnRequest,
  resume?: MessageWithParts,
): Promise<TurnOutcome> {
  let last: MessageWithParts | undefined;
  if (resume) {
    const outcome = await rerunInterruptedTools(env, request, resume);
    if (outcome) return outcome;
  }
  for (let step = 0; step < env.maxSteps; step++) {
    const result = await runStep(env, request);
    last = result.message;
    if (result.outcome) return { ...result.outcome, last };
    if (!result.continue) return { finish: result.finish, last };
  }
  return { finish: "max-steps", last };
}

interface StepResult {
  message: MessageWithParts;
  continue: boolean;
  finish: TurnFinish;
  outcome?: TurnOutcome;
}

function newAssistantMessage(env: TurnEnvironment, request: TurnRequest): AssistantMessage {
  return {
    id: newId("msg", env.now()),
    sessionID: request.session.id,
    role: "assistant",
    time: { created: env.now() },
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

async function runStep(env: TurnEnvironment, request: TurnRequest): Promise<StepResult> {
  const { session } = request;
  const history = toModelPrompt(conversationFor(env.store.listMessages(session.id), request.user.id));
  const recorder = new StepRecorder(
    env.store,
    env.bus,
    { directory: session.directory, sessionID: session.id },
    newAssistantMessage(env, request),
    env.now,
  );
  const stream = new StepStream(env, request, recorder);
  // The model call starts first; the step's message and step-start part are written while it is on the wire.
  let call = stream.call(history);
  recorder.open();
  const base = { sessionID: session.id, messageID: recorder.info.id };
  recorder.put({ ...base, id: newId("prt", env.now()), type: "step-start" });
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await stream.run(call);
        break;
      } catch (error) {
        if (request.signal.aborted) throw new TurnAborted();
        // Retrying after output was shown would repeat it; only a clean failure is retried.
        if (stream.producedOutput || !isRetryable(error) || attempt >= env.retry.maxAttempts) throw error;
        const delay = retryDelay(error, attempt, env.retry);
        env.setStatus(session, { type: "retry", attempt, message: errorMessage(error), next: env.now() + delay });
        await sleep(delay, request.signal);
        env.setStatus(session, { type: "busy" });
        call = stream.call(history);
      }
    }
  } catch (error) {
    const aborted = request.signal.aborted || error instanceof TurnAborted;
    const messageError = aborted ? abortedError() : toMessageError(error, request.model.providerID);
    stream.closeOpenParts(aborted ? "The tool was aborted." : `The step failed: ${messageError.data.message}`);
    recorder.close({ time: { created: recorder.info.time.created, completed: env.now() }, error: messageError });
    const message = { info: recorder.info, parts: stream.parts() };
    if (!aborted) {
      env.bus.publish(
        "session.error",
        { sessionID: session.id, error: messageError },
        { directory: session.directory, sessionID: session.id },
      );
    }
    return {
      message,
      continue: false,
      finish: aborted ? "aborted" : "error",
      outcome: { finish: aborted ? "aborted" : "error", error: messageError },
    };
  }
  const usage = stream.tokens;
  const cost = costOf(usage, request.model);
  recorder.put({
    ...base,
    id: newId("prt", env.now()),
    type: "step-finish",
    reason: stream.finishReason,
    cost,
    tokens: usage,
  });
  recorder.close({
    time: { created: recorder.info.time.created, completed: env.now() },
    tokens: usage,
    cost,
    finish: stream.finishReason,
  });
  const message = { info: recorder.info, parts: stream.parts() };
  if (request.signal.aborted) {
    return { message, continue: false, finish: "aborted", outcome: { finish: "aborted", error: abortedError() } };
  }
  const calledTools = stream.toolCallCount > 0;
  return {
    message,
    continue: calledTools && stream.finishReason === "tool-calls",
    finish: mapFinish(stream.finishReason),
  };
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

  constructor(
    private readonly env: TurnEnvironment,
    private readonly request: TurnRequest,
    private readonly recorder: StepRecorder,
  ) {}

  parts(): Part[] {
    return this.env.store.listParts(this.recorder.info.id);
  }

  /**
   * Streams one step straight from the provider's `doStream`. The AI SDK's `streamText` would add its own layers of
   * web-stream transforms and per-call prompt validation: about 55 ms per 2,000 tokens in our profile, more than
   * the whole budget for such a reply. Tool calls are ours to run, so the loop around `streamText` is not needed.
   */
  call(history: LanguageModelV3Prompt): Promise<LanguageModelV3StreamResult> {
    // Async so that even a synchronous throw arrives as a rejection; the request itself starts right away.
    const call = (async () =>
      this.request.model.model.doStream({
        prompt: [{ role: "system", content: systemPromptFor(this.env, this.request) }, ...history],
        tools: offeredTools(this.env.tools, enabledFor(this.env, this.request)),
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
    const now = this.env.now();
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
        if (typeof input === "string") this.finishTool(part, {}, { error: `Invalid tool call: ${input}` });
        else this.running.push(this.execute(part, input));
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
      id: newId("prt", this.env.now()),
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

  private async execute(part: ToolPart, input: Record<string, unknown>): Promise<void> {
    await executeTool(this.env, this.request, this.recorder, part, input);
  }

  private finishTool(part: ToolPart, input: Record<string, unknown>, result: { error: string }): void {
    const start = this.env.now();
    part.state = { status: "error", input, error: result.error, time: { start, end: start } };
    this.recorder.put(part);
  }

  /** After an abort or failure, nothing is left looking alive. */
  closeOpenParts(reason: string): void {
    const now = this.env.now();
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

function systemPromptFor(env: TurnEnvironment, request: TurnRequest): string {
  const base = env.systemPrompt(request.session);
  const extra = env.agents.get(request.agent)?.instructions;
  return extra ? `${base}\n${extra}` : base;
}

const toolLists = new WeakMap<ToolDefinition[], LanguageModelV3FunctionTool[]>();

/**
 * The tools as the model sees them, converted to JSON Schema once per tool list (converting zod schemas on every
 * step showed up in profiles). Inputs are validated with the zod schemas when a call runs.
 */
function modelTools(definitions: ToolDefinition[]): LanguageModelV3FunctionTool[] {
  let tools = toolLists.get(definitions);
  if (!tools) {
    tools = definitions.map((definition) => ({
      type: "function",
      name: definition.name,
      description: definition.description,
      inputSchema: z.toJSONSchema(definition.parameters, { io: "input" }) as JSONSchema7,
    }));
    toolLists.set(definitions, tools);
  }
  return tools;
}

/** Tools a switch named for their permission key also covers, as in OpenCode (`edit: false` turns off `write`). */
const SWITCH_FAMILY: Record<string, string> = { write: "edit", patch: "edit", multiedit: "edit" };

/**
 * Whether the prompt's tool switches (OpenCode's `tools: {name: boolean}`) leave a tool on. The switch naming the
 * tool wins, then its family's (`edit` for `write`), then the most specific wildcard pattern (`*`, `mcp_*`).
 * Switches only turn tools off: `true` restores a tool a wider switch turned off, it never loosens permissions.
 */
export function toolEnabled(switches: Record<string, boolean> | undefined, name: string): boolean {
  if (!switches) return true;
  if (Object.hasOwn(switches, name)) return switches[name] !== false;
  const family = Object.hasOwn(SWITCH_FAMILY, name) ? SWITCH_FAMILY[name] : undefined;
  if (family && Object.hasOwn(switches, family)) return switches[family] !== false;
  let best: { enabled: boolean; weight: number } | undefined;
  for (const [pattern, enabled] of Object.entries(switches)) {
    if (!/[*?]/.test(pattern) || !wildcardMatch(pattern, name)) continue;
    const weight = pattern.replace(/[*?]/g, "").length;
    if (!best || weight >= best.weight) best = { enabled, weight };
  }
  return best?.enabled !== false;
}

/**
 * Which tools the turn may use: those neither the agent's switches nor the prompt's turn off (either can only turn
 * tools off). Undefined when neither has switches: every tool.
 */
function enabledFor(env: TurnEnvironment, request: TurnRequest): ((name: string) => boolean) | undefined {
  const agentSwitches = env.agents.get(request.agent)?.tools;
  const promptSwitches = request.user.tools;
  if (!agentSwitches && !promptSwitches) return undefined;
  return (name) => toolEnabled(agentSwitches, name) && toolEnabled(promptSwitches, name);
}

/** The tools the model is offered this turn: all of them, less those switched off. */
function offeredTools(
  definitions: ToolDefinition[],
  enabled: ((name: string) => boolean) | undefined,
): LanguageModelV3FunctionTool[] {
  const tools = modelTools(definitions);
  return enabled ? tools.filter((tool) => enabled(tool.name)) : tools;
}

/** A tool call's JSON arguments as an object, or why they are not one. */
function parseToolInput(text: string): Record<string, unknown> | string {
  if (text.trim() === "") return {};
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
    return "the arguments must be a JSON object";
  } catch (error) {
    return `the arguments are not valid JSON (${errorMessage(error)})`;
  }
}

/** Runs one tool call, moving its part through running → completed | error. */
async function executeTool(
  env: TurnEnvironment,
  request: TurnRequest,
  recorder: StepRecorder,
  part: ToolPart,
  rawInput: Record<string, unknown>,
): Promise<void> {
  const { session, signal } = request;
  const start = env.now();
  const fail = (error: string, metadata?: Record<string, unknown>) => {
    part.state = { status: "error", input: rawInput, error, metadata, time: { start, end: env.now() } };
    recorder.put(part);
  };
  // A model may call a tool it was not offered (or a resumed turn may hold such a call): the switch is enforced here.
  const enabled = enabledFor(env, request);
  if (enabled && !enabled(part.tool)) {
    return fail(`The tool "${part.tool}" is turned off for this prompt or agent.`);
  }
  const definition = env.tools.find((tool) => tool.name === part.tool);
  if (!definition) {
    const offered = env.tools.filter((tool) => !enabled || enabled(tool.name));
    return fail(`Unknown tool "${part.tool}". Available tools: ${offered.map((tool) => tool.name).join(", ")}.`);
  }
  const parsed = definition.parameters.safeParse(rawInput);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "input"}: ${issue.message}`);
    return fail(`Invalid input for ${part.tool}: ${problems.join("; ")}`);
  }
  part.state = { status: "running", input: rawInput, time: { start } };
  recorder.put(part);
  const context: ToolContext = {
    directory: session.directory,
    sessionID: session.id,
    messageID: part.messageID,
    callID: part.callID,
    abort: signal,
    now: env.now,
    ask: (ask) =>
      env.gate.ask(
        {
          sessionID: session.id,
          directory: session.directory,
          messageID: part.messageID,
          callID: part.callID,
          signal,
          agent: request.agent,
        },
        ask,
      ),
    progress: (update) => {
      if (part.state.status !== "running") return;
      part.state = { ...part.state, ...update, metadata: { ...part.state.metadata, ...update.metadata } };
      recorder.put(part);
    },
    todos: {
      get: () => env.store.getTodos(session.id),
      set: (todos) => {
        env.store.setTodos(session.id, todos);
        env.bus.publish(
          "todo.updated",
          { sessionID: session.id, todos },
          { directory: session.directory, sessionID: session.id },
        );
      },
    },
    editorFs: env.editorFs?.(session.id),
  };
  try {
    const result = await definition.execute(parsed.data, context);
    part.state = {
      status: "completed",
      input: rawInput,
      output: result.output,
      title: result.title,
      metadata: result.metadata,
      time: { start, end: env.now() },
    };
    recorder.put(part);
    const file = result.metadata.filepath;
    if (typeof file === "string") {
      env.bus.publish("file.edited", { file }, { directory: session.directory, sessionID: session.id });
    }
  } catch (error) {
    fail(signal.aborted ? "The tool was aborted." : errorMessage(error));
  }
}

/** Runs again the tool calls a crash left unfinished, in their own parts, so completed calls are not repeated. */
async function rerunInterruptedTools(
  env: TurnEnvironment,
  request: TurnRequest,
  message: MessageWithParts,
): Promise<TurnOutcome | undefined> {
  if (message.info.role !== "assistant") return undefined;
  const { session } = request;
  const recorder = new StepRecorder(
    env.store,
    env.bus,
    { directory: session.directory, sessionID: session.id },
    { ...message.info, error: undefined },
    env.now,
  );
  recorder.open();
  const interrupted = message.parts.filter(
    (part): part is ToolPart =>
      part.type === "tool" && part.state.status === "error" && part.state.metadata?.[INTERRUPTED_MARK] === true,
  );
  await Promise.all(interrupted.map((part) => executeTool(env, request, recorder, part, part.state.input)));
  recorder.close({ time: { created: message.info.time.created, completed: env.now() }, finish: "tool-calls" });
  if (request.signal.aborted) {
    return {
      finish: "aborted",
      error: abortedError(),
      last: { info: recorder.info, parts: env.store.listParts(message.info.id) },
    };
  }
  return undefined;
}

function tokensOf(usage: LanguageModelV3Usage): TokenUsage {
  const input = usage.inputTokens.total ?? 0;
  const output = usage.outputTokens.total ?? 0;
  return {
    total: input + output,
    input,
    output,
    reasoning: usage.outputTokens.reasoning ?? 0,
    cache: { read: usage.inputTokens.cacheRead ?? 0, write: usage.inputTokens.cacheWrite ?? 0 },
  };
}

function costOf(tokens: TokenUsage, model: ResolvedModel): number {
  const price = model.cost;
  if (!price) return 0;
  return (tokens.input * (price.input ?? 0) + tokens.output * (price.output ?? 0)) / 1_000_000;
}

function mapFinish(reason: string): TurnFinish {
  if (reason === "stop" || reason === "length" || reason === "content-filter") return reason;
  return reason === "tool-calls" ? "stop" : "other";
}

export function abortedError(): MessageError {
  return { name: "MessageAbortedError", data: { message: "The turn was aborted." } };
}

function toMessageError(error: unknown, providerID: string): MessageError {
  const status = statusCodeOf(error);
  if (status === 401 || status === 403) {
    return { name: "ProviderAuthError", data: { message: errorMessage(error), providerID, statusCode: status } };
  }
  if (status !== undefined || isRetryable(error)) {
    return {
      name: "APIError",
      data: { message: errorMessage(error), statusCode: status, isRetryable: isRetryable(error) },
    };
  }
  return { name: "UnknownError", data: { message: errorMessage(error) } };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new TurnAborted());
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new TurnAborted());
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
