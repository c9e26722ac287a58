// Which provider failures are worth another attempt, and how long to wait before it.

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 1000, maxDelayMs: 30_000 };

interface ApiErrorLike {
  statusCode?: number;
  isRetryable?: boolean;
  responseHeaders?: Record<string, string>;
  cause?: unknown;
  code?: string;
}

export function statusCodeOf(error: unknown): number | undefined {
  const status = (error as ApiErrorLike | undefined)?.statusCode;
  return typeof status === "number" ? status : undefined;
}

/**
 * 429, 5xx and dropped connections are retried; a 4xx (bad key, bad request) is not. Without a status, the AI
 * SDK's own verdict counts (its APICallError for a failed fetch, "Cannot connect to API: ...", is retryable), and
 * otherwise the error's text.
 */
export function isRetryable(error: unknown): boolean {
  const status = statusCodeOf(error);
  if (status !== undefined) return status === 429 || status >= 500;
  if ((error as ApiErrorLike | undefined)?.isRetryable === true) return true;
  const text = `${(error as Error)?.message ?? ""} ${String((error as ApiErrorLike)?.code ?? "")}`;
  return /ECONNRESET|ECONNREFUSED|EPIPE|socket hang up|other side closed|terminated|fetch failed|network/i.test(text);
}

/** Backoff doubling from the base, capped; a server's retry-after(-ms) header wins when it gives one. */
export function retryDelay(error: unknown, attempt: number, policy: RetryPolicy): number {
  // A connection that failed without an answer (a pooled socket the server had just closed) is tried again at once;
  // the backoff is for a server that answered "not now".
  if (attempt === 1 && statusCodeOf(error) === undefined) return 0;
  const headers = (error as ApiErrorLike | undefined)?.responseHeaders ?? {};
  const afterMs = Number(headers["retry-after-ms"]);
  if (Number.isFinite(afterMs) && afterMs >= 0) return Math.min(afterMs, policy.maxDelayMs);
  const afterSeconds = Number(headers["retry-after"]);
  if (Number.isFinite(afterSeconds) && afterSeconds >= 0) return Math.min(afterSeconds * 1000, policy.maxDelayMs);
  return Math.min(policy.baseDelayMs * 2 ** (attempt - 1), policy.maxDelayMs);
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) {
    const status = statusCodeOf(error);
    return status ? `${error.message} (HTTP ${status})` : error.message;
  }
  return String(error);
}
