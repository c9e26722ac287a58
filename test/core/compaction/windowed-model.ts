// A fake model with a real context window: it counts each request's tokens (content characters / 4, plus a few
// per message), refuses one that does not fit with OpenAI's "context_length_exceeded" error, reports the count as
// its usage, and records every request. It answers a compaction request with a summary, a prompt with a call to
// the `big` tool, and a tool result with a short text (so each turn is two steps).
import { APICallError, type LanguageModelV3Prompt, type LanguageModelV3StreamPart } from "@ai-sdk/provider";
import { MockLanguageModelV3, simulateReadableStream } from "ai/test";
import { COMPACTION_SYSTEM } from "../../../src/core/compaction/prompt.js";

export interface RecordedRequest {
  prompt: LanguageModelV3Prompt;
  tokens: number;
  compaction: boolean;
  refused: boolean;
  text: string;
}

export function promptText(prompt: LanguageModelV3Prompt): string {
  const out: string[] = [];
  for (const message of prompt) {
    if (typeof message.content === "string") {
      out.push(message.content);
      continue;
    }
    for (const part of message.content) {
      if (part.type === "text") out.push(part.text);
      if (part.type === "tool-call") out.push(JSON.stringify(part.input));
      if (part.type === "tool-result" && "value" in part.output) out.push(String(part.output.value));
    }
  }
  return out.join("\n");
}

export function countTokens(prompt: LanguageModelV3Prompt): number {
  return Math.ceil(promptText(prompt).length / 4) + prompt.length * 4;
}

export function overflowError(window: number, tokens: number): APICallError {
  return new APICallError({
    message: `This model's maximum context length is ${window} tokens. However, your messages resulted in ${tokens} tokens. (context_length_exceeded)`,
    url: "http://fake/v1/chat/completions",
    requestBodyValues: {},
    statusCode: 400,
    responseBody: JSON.stringify({ error: { code: "context_length_exceeded", type: "invalid_request_error" } }),
    isRetryable: false,
  });
}

export interface WindowedModelOptions {
  window: number;
  /** The summary text of the `index`th compaction request (default: SUMMARY-<index>: …). */
  summary?: (request: RecordedRequest, index: number) => string;
  /** Refuse a request even when it fits (answers true): to script overflow errors. */
  refuse?: (request: RecordedRequest) => boolean;
}

export function windowedModel(options: WindowedModelOptions) {
  const requests: RecordedRequest[] = [];
  let summaries = 0;
  const model = new MockLanguageModelV3({
    doStream: async ({ prompt }) => {
      const text = promptText(prompt);
      const first = prompt[0];
      const compaction = first?.role === "system" && first.content === COMPACTION_SYSTEM;
      const request: RecordedRequest = { prompt, tokens: countTokens(prompt), compaction, refused: false, text };
      requests.push(request);
      if (request.tokens > options.window || options.refuse?.(request)) {
        request.refused = true;
        throw overflowError(options.window, request.tokens);
      }
      const chunks: LanguageModelV3StreamPart[] = [{ type: "stream-start", warnings: [] }];
      const last = prompt.at(-1);
      let finish: "stop" | "tool-calls" = "stop";
      if (compaction) {
        const summary = options.summary?.(request, summaries) ?? `SUMMARY-${summaries}: the work so far.`;
        summaries++;
        chunks.push({ type: "text-start", id: "t" }, { type: "text-delta", id: "t", delta: summary });
        chunks.push({ type: "text-end", id: "t" });
      } else if (last?.role === "tool") {
        chunks.push({ type: "text-start", id: "t" }, { type: "text-delta", id: "t", delta: "Step done." });
        chunks.push({ type: "text-end", id: "t" });
      } else {
        finish = "tool-calls";
        chunks.push({ type: "tool-call", toolCallId: `call_${requests.length}`, toolName: "big", input: "{}" });
      }
      chunks.push({
        type: "finish",
        usage: {
          inputTokens: { total: request.tokens, noCache: request.tokens, cacheRead: 0, cacheWrite: 0 },
          outputTokens: { total: 5, text: 5, reasoning: 0 },
        },
        finishReason: { unified: finish, raw: finish },
      });
      return { stream: simulateReadableStream({ chunks, chunkDelayInMs: null }) };
    },
  });
  return { model, requests };
}
