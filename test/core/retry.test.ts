import { describe, expect, it } from "vitest";
import { isRetryable, retryDelay } from "../../src/core/retry.js";

const policy = { maxAttempts: 4, baseDelayMs: 1000, maxDelayMs: 30_000 };

describe("retry policy", () => {
  it("retries at once after a connection failed without an answer, then backs off", () => {
    const dropped = Object.assign(new Error("Cannot connect to API: other side closed"), { isRetryable: true });
    expect(isRetryable(dropped)).toBe(true);
    expect(retryDelay(dropped, 1, policy)).toBe(0);
    expect(retryDelay(dropped, 2, policy)).toBe(2000);
  });

  it("backs off from the first retry when the server answered, honouring its retry-after", () => {
    const limited = Object.assign(new Error("Too many requests"), { statusCode: 429 });
    expect(retryDelay(limited, 1, policy)).toBe(1000);
    const told = Object.assign(new Error("Slow down"), { statusCode: 429, responseHeaders: { "retry-after": "3" } });
    expect(retryDelay(told, 1, policy)).toBe(3000);
  });

  it("does not retry a client error even when it says it may", () => {
    expect(isRetryable(Object.assign(new Error("Unauthorized"), { statusCode: 401, isRetryable: true }))).toBe(false);
    expect(isRetryable(Object.assign(new Error("Overloaded"), { statusCode: 529 }))).toBe(true);
  });
});
