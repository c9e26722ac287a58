// Providers say "too long" in many words; each wording compaction must recognise, and errors it must not.
import { APICallError } from "@ai-sdk/provider";
import { describe, expect, it } from "vitest";
import { isContextOverflow } from "../../../src/core/compaction/overflow.js";

const apiError = (message: string, responseBody?: string, statusCode = 400) =>
  new APICallError({ message, url: "http://x", requestBodyValues: {}, statusCode, responseBody });

describe("isContextOverflow", () => {
  it.each([
    [
      "OpenAI",
      apiError(
        "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens.",
      ),
    ],
    ["OpenAI code in the body", apiError("Bad Request", '{"error":{"code":"context_length_exceeded"}}')],
    ["Anthropic", apiError("prompt is too long: 210000 tokens > 200000 maximum")],
    ["llama.cpp", apiError("the request exceeds the available context size, try increasing it")],
    ["vLLM", apiError("This model's maximum context length is 4096 tokens. However, you requested 5000 tokens")],
    [
      "LM Studio",
      apiError(
        "Trying to keep the first 5000 tokens when context the overflows. However, the model is loaded with context length of only 4096 tokens, which is not enough. Try to load the model with a larger context length, or provide a shorter input",
      ),
    ],
    ["Bedrock", apiError("Input is too long for requested model.")],
    ["a cause", Object.assign(new Error("request failed"), { cause: new Error("context length exceeded") })],
  ])("recognises %s", (_name, error) => {
    expect(isContextOverflow(error)).toBe(true);
  });

  it.each([
    ["a bad key", apiError("Incorrect API key provided", undefined, 401)],
    ["rate limit", apiError("Rate limit reached for requests", undefined, 429)],
    ["a plain error", new Error("socket hang up")],
    ["nothing", undefined],
  ])("does not take %s for an overflow", (_name, error) => {
    expect(isContextOverflow(error)).toBe(false);
  });
});
