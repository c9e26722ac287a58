// An AI SDK mock model that answers each call with the next scripted step (the model boundary is the only fake).
import type { LanguageModelV3StreamPart } from "@ai-sdk/provider";
import { MockLanguageModelV3, simulateReadableStream } from "ai/test";

export type ScriptedStep =
  | {
      text?: string;
      reasoning?: string;
      toolCalls?: { name: string; input?: unknown; rawInput?: string }[];
      delayMs?: number;
    }
  | { error: Error };

const usage = {
  inputTokens: { total: 10, noCache: 10, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: 5, text: 5, reasoning: 0 },
};

export function scriptedModel(steps: ScriptedStep[]): MockLanguageModelV3 {
  let call = 0;
  return new MockLanguageModelV3({
    doStream: async () => {
      const step = steps[call++] ?? { text: "done" };
      if ("error" in step) throw step.error;
      const chunks: LanguageModelV3StreamPart[] = [{ type: "stream-start", warnings: [] }];
      if (step.reasoning) {
        chunks.push(
          { type: "reasoning-start", id: "r1" },
          { type: "reasoning-delta", id: "r1", delta: step.reasoning },
        );
        chunks.push({ type: "reasoning-end", id: "r1" });
      }
      if (step.text) {
        chunks.push({ type: "text-start", id: "t1" });
        for (const token of step.text.split(/(?<= )/)) chunks.push({ type: "text-delta", id: "t1", delta: token });
        chunks.push({ type: "text-end", id: "t1" });
      }
      for (const [index, toolCall] of (step.toolCalls ?? []).entries()) {
        chunks.push({
          type: "tool-call",
          toolCallId: `call_${call}_${index}`,
          toolName: toolCall.name,
          input: toolCall.rawInput ?? JSON.stringify(toolCall.input),
        });
      }
      const toolCalls = (step.toolCalls ?? []).length > 0;
      chunks.push({
        type: "finish",
        usage,
        finishReason: { unified: toolCalls ? "tool-calls" : "stop", raw: toolCalls ? "tool_calls" : "stop" },
      });
      return {
        stream: simulateReadableStream({ chunks, chunkDelayInMs: step.delayMs ?? null }),
      };
    },
  });
}
