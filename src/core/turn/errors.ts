// How a turn's failures become the errors stored on its message.
import type { MessageError } from "../../protocol/index.js";
import { errorMessage, isRetryable, statusCodeOf } from "../retry.js";

export class TurnAborted extends Error {
  constructor() {
    super("The turn was aborted.");
    this.name = "TurnAborted";
  }
}

export function abortedError(): MessageError {
  return { name: "MessageAbortedError", data: { message: "The turn was aborted." } };
}

export function toMessageError(error: unknown, providerID: string): MessageError {
  const status = statusCodeOf(error);
  if (status === 401 || status === 403) {
    return { name: "ProviderAuthError", data: { message: errorMessage(error), providerID, statusCode: status } };
  }
  if (status !== undefined || isRetryable(error)) {
    return {
      name: "APIError",
      data: { message: errorMessage(error), statusCode: status, isRetryable: isRetryable(error) },
    };
  }
  return { name: "UnknownError", data: { message: errorMessage(error) } };
}

/** The provider refused the request as too long for the model's window (OpenCode's ContextOverflowError). */
export function overflowError(error: unknown): MessageError {
  return { name: "ContextOverflowError", data: { message: errorMessage(error), statusCode: statusCodeOf(error) } };
}

/** Waits, or rejects with TurnAborted as soon as the turn is aborted. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new TurnAborted());
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new TurnAborted());
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
