// Token estimates where the provider has not reported usage yet: about four characters a token (as OpenCode's
// estimate). Rough, but compaction leaves a reserve for the difference.
import type { LanguageModelV3Prompt } from "@ai-sdk/provider";
import type { ToolDefinition } from "../tools/tool.js";

export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

const MESSAGE_FRAMING_CHARS = 16;

/** The estimated size of a request: system prompt, messages and the tools' descriptions and schemas. */
export function estimateRequest(system: string, messages: LanguageModelV3Prompt, tools: readonly ToolDefinition[]) {
  let chars = system.length;
  for (const message of messages) {
    // Each message costs a few tokens of framing (role, separators) beyond its content.
    chars += MESSAGE_FRAMING_CHARS;
    if (typeof message.content === "string") {
      chars += message.content.length;
      continue;
    }
    for (const part of message.content) chars += partChars(part as unknown as Record<string, unknown>);
  }
  for (const tool of tools) chars += tool.name.length + tool.description.length + 200;
  return Math.ceil(chars / 4);
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
