// The tokens one prompt's turn used, for session/prompt's `usage`: the assistant messages the turn added.
import type { Usage } from "@agentclientprotocol/sdk/unstable";
import type { MessageWithParts } from "../protocol/index.js";

/** Sums the assistant messages in `after` that were not in `before` (by id); undefined when the turn made none. */
export function turnUsage(before: MessageWithParts[], after: MessageWithParts[]): Usage | undefined {
  const known = new Set(before.map((message) => message.info.id));
  let usage: Usage | undefined;
  for (const { info } of after) {
    if (info.role !== "assistant" || known.has(info.id)) continue;
    usage ??= {
      totalTokens: 0,
      inputTokens: 0,
      outputTokens: 0,
      thoughtTokens: 0,
      cachedReadTokens: 0,
      cachedWriteTokens: 0,
    };
    const { tokens } = info;
    usage.inputTokens += tokens.input;
    usage.outputTokens += tokens.output;
    usage.thoughtTokens = (usage.thoughtTokens ?? 0) + tokens.reasoning;
    usage.cachedReadTokens = (usage.cachedReadTokens ?? 0) + tokens.cache.read;
    usage.cachedWriteTokens = (usage.cachedWriteTokens ?? 0) + tokens.cache.write;
    usage.totalTokens += tokens.input + tokens.output + tokens.reasoning + tokens.cache.read + tokens.cache.write;
  }
  return usage;
}
