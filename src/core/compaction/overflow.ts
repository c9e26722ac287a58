// Whether a provider's error says the request did not fit the model's context window. Providers word it
// differently and some answer 400 with only a message, so the text decides (patterns as OpenCode's, widened).

const OVERFLOW_PATTERNS: readonly RegExp[] = [
  /context_length_exceeded/i, // OpenAI's error code
  /maximum context length/i, // OpenAI: "This model's maximum context length is 8192 tokens"
  /prompt is too long/i, // Anthropic: "prompt is too long: 210000 tokens > 200000 maximum"
  /context length exceeded/i,
  /exceeds? (?:the )?(?:model'?s? )?(?:max(?:imum)? )?context (?:length|window|size)/i,
  /input is too long/i, // Bedrock, some OpenAI-compatible servers
  /too many tokens/i,
  /reduce the length of the messages/i,
  /context window (?:is )?(?:full|exceeded)/i,
  /requested \d+ tokens.*(?:context|limit)/i, // vLLM, llama.cpp
  /exceeds the available context size/i, // llama.cpp server
  /greater than the context length/i,
  /(?:larger context length|context the overflows|provide a shorter input)/i, // LM Studio
];

interface ErrorLike {
  message?: unknown;
  responseBody?: unknown;
  code?: unknown;
  data?: unknown;
  cause?: unknown;
}

/** True when the error (or its response body, code or cause) says the context window was exceeded. */
export function isContextOverflow(error: unknown, depth = 0): boolean {
  if (error === undefined || error === null || depth > 3) return false;
  if (typeof error === "string") return OVERFLOW_PATTERNS.some((pattern) => pattern.test(error));
  if (typeof error !== "object") return false;
  const like = error as ErrorLike;
  const texts = [like.message, like.responseBody, like.code].filter((text) => typeof text === "string") as string[];
  if (like.data !== undefined) texts.push(safeJson(like.data));
  if (texts.some((text) => OVERFLOW_PATTERNS.some((pattern) => pattern.test(text)))) return true;
  return isContextOverflow(like.cause, depth + 1);
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? "";
  } catch {
    return "";
  }
}
