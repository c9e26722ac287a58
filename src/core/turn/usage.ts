// A step's usage as stored: tokens from the provider's report, cost from the config's prices, finish mapped.
import type { LanguageModelV3Usage } from "@ai-sdk/provider";
import type { TokenUsage } from "../../protocol/index.js";
import type { ResolvedModel, TurnFinish } from "./types.js";

export function tokensOf(usage: LanguageModelV3Usage): TokenUsage {
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

export function costOf(tokens: TokenUsage, model: ResolvedModel): number {
  const price = model.cost;
  if (!price) return 0;
  return (tokens.input * (price.input ?? 0) + tokens.output * (price.output ?? 0)) / 1_000_000;
}

/** The turn's finish for a step the model ended with `reason` (a step that called tools and stopped: "stop"). */
export function mapFinish(reason: string): TurnFinish {
  if (reason === "stop" || reason === "length" || reason === "content-filter") return reason;
  return reason === "tool-calls" ? "stop" : "other";
}
