// The seams of the turn loop (DESIGN.md §1, "Two seams"), as pi-mono's agent loop takes transformContext,
// beforeToolCall and afterToolCall. Each hook is a list: several features add one each, and they run in order,
// each seeing what the previous one left. The loop's own policies are default hooks (turn/defaults.ts).
import type { LanguageModelV3Prompt } from "@ai-sdk/provider";
import type { MessageWithParts } from "../../protocol/index.js";
import type { ToolSet } from "../tools/registry.js";
import type { ToolDefinition, ToolResult } from "../tools/tool.js";
import type { TurnFinish, TurnRequest } from "./types.js";

type MaybePromise<T> = T | Promise<T>;

/** What one step sends the model. */
export interface StepPlan {
  system: string;
  messages: LanguageModelV3Prompt;
  /** The tools offered. A call to another tool of the agent's set still reaches beforeTool (and may run). */
  tools: readonly ToolDefinition[];
  /** The sampling temperature (the agent's `temperature`); the provider's default when not given. */
  temperature?: number;
}

export interface StepContext {
  request: TurnRequest;
  /** 1 for the turn's first step. */
  step: number;
  /** The agent's tools (tools/registry.ts). */
  tools: ToolSet;
}

/** Builds or changes the step's plan (history, instructions, agent, tools, compaction); undefined keeps it. */
export type PrepareStepHook = (plan: StepPlan, context: StepContext) => MaybePromise<StepPlan | undefined>;

export interface ToolCall {
  tool: string;
  callID: string;
  messageID: string;
  input: Record<string, unknown>;
}

/**
 * Before a tool call is looked up, validated and run: undefined allows it; `{deny}` refuses it (the model reads the
 * reason as the tool's error, later hooks do not run); `{input}` runs it with other input (validated after);
 * `{permission}` settles the call's permission questions: "allow" lets what the rules would ask run unasked,
 * "ask" asks the user the call's first question even where the rules allow it (what the rules deny stays denied).
 */
export type BeforeToolDecision =
  | undefined
  | { deny: string }
  | { input: Record<string, unknown> }
  | { permission: "allow" | "ask" };
export type BeforeToolHook = (call: ToolCall, request: TurnRequest) => MaybePromise<BeforeToolDecision>;

/** After a tool call succeeded, before its result is stored: may answer an amended result (output, metadata). */
export type AfterToolHook = (
  call: ToolCall,
  result: ToolResult,
  request: TurnRequest,
) => MaybePromise<ToolResult | undefined>;

export interface StepReport {
  /** 1 for the turn's first step. */
  step: number;
  message: MessageWithParts;
  /** The model's finish reason (`tool-calls`, `stop`, `length`...). */
  finishReason: string;
  toolCalls: number;
}

export type StepDecision = { action: "continue" } | { action: "stop"; finish: TurnFinish };

/** After a step that completed (not failed or aborted): continue with another step, or stop the turn. */
export type AfterStepHook = (
  report: StepReport,
  decision: StepDecision,
  request: TurnRequest,
) => MaybePromise<StepDecision | undefined>;

/**
 * After the provider refused a step as too long for the model's context (before any output): true when the hook made
 * room (compaction), and the step is planned and run again, once; false leaves the error to end the turn.
 */
export type OverflowHook = (context: StepContext) => MaybePromise<boolean>;

export interface TurnHooks {
  prepareStep: PrepareStepHook[];
  beforeTool: BeforeToolHook[];
  afterTool: AfterToolHook[];
  afterStep: AfterStepHook[];
  /** Asked in order until one answers true (compaction adds one). */
  overflow?: OverflowHook[];
}

/**
 * Runs hooks in order, each given the value the previous one left (an undefined answer keeps it), until `done`
 * says the value is final. Synchronous while the hooks answer synchronously, so the default hooks add no tick to a
 * step and a tool call is still marked running in the same tick its call arrived.
 */
export function runHooks<H, V>(
  hooks: readonly H[],
  value: V,
  call: (hook: H, value: V) => MaybePromise<V | undefined>,
  done?: (value: V) => boolean,
  from = 0,
): MaybePromise<V> {
  for (let index = from; index < hooks.length; index++) {
    const answer = call(hooks[index], value);
    if (answer instanceof Promise) {
      return answer.then((next) => {
        const current = next ?? value;
        return done?.(current) ? current : runHooks(hooks, current, call, done, index + 1);
      });
    }
    if (answer !== undefined) value = answer;
    if (done?.(value)) return value;
  }
  return value;
}
