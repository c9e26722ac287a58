// The token counts a screen shows for a session: those of the latest reply that reported usage. A reply aborted (or
// failed) before the provider sent its usage carries all zeros; it must not reset the counts on screen to 0.
import type { TokenUsage } from "../protocol/index.js";
import type { ViewMessage } from "./view-model.js";

function hasUsage(tokens: TokenUsage): boolean {
  return tokens.input + tokens.output + tokens.reasoning + tokens.cache.read + tokens.cache.write > 0;
}

export function shownTokens(messages: readonly ViewMessage[]): TokenUsage | undefined {
  for (let i = messages.length - 1; i >= 0; i--) {
    const { info } = messages[i];
    if (info.role === "assistant" && hasUsage(info.tokens)) return info.tokens;
  }
  return undefined;
}
