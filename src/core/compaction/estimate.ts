// Token estimates where the provider has not reported usage yet: about four characters a token (as OpenCode's
// estimate). Rough, but compaction leaves a reserve for the difference.
import type { LanguageModelV3Message, LanguageModelV3Prompt } from "@ai-sdk/provider";
import type { ToolDefinition } from "../tools/tool.js";

export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

const MESSAGE_FRAMING_CHARS = 16;

/** The estimated size of a request: system prompt, messages and the tools' descriptions and schemas. */
export function estimateRequest(system: string, messages: LanguageModelV3Prompt, tools: readonly ToolDefinition[]) {
  let chars = system.length;
  for (const message of messages) chars += messageChars(message);
  for (const tool of tools) chars += tool.name.length + tool.description.length + 200;
  return Math.ceil(chars / 4);
}

/**
 * Sizes of the prompt's messages, by object: history.ts hands out the same message objects for unchanged stored
 * messages, so each step sizes only the new ones (tool inputs are serialized to be sized).
 */
const sized = new WeakMap<LanguageModelV3Message, number>();

function messageChars(message: LanguageModelV3Message): number {
  const known = sized.get(message);
  if (known !== undefined) return known;
  // Each message costs a few tokens of framing (role, separators) beyond its content.
  let chars = MESSAGE_FRAMING_CHARS;
  if (typeof message.content === "string") chars += message.content.length;
  else for (const part of message.content) chars += partChars(part as unknown as Record<string, unknown>);
  sized.set(message, chars);
  return chars;
}

function partChars(part: Record<string, unknown>): number {
  switch (part.type) {
    case "text":
    case "reasoning":
      return String(part.text ?? "").length;
    case "tool-call":
      return JSON.stringify(part.input ?? {}).length + 40;
    case "tool-result": {
      const output = part.output as { value?: unknown } | undefined;
      const value = output?.value;
      return (typeof value === "string" ? value.length : JSON.stringify(value ?? "").length) + 40;
    }
    default:
      return 1000;
  }
}
