// Errors core raises for a caller's mistake; transports map them to 4xx / JSON-RPC errors by `code`.
import type { ErrorCode } from "../protocol/index.js";

export class CoreError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "CoreError";
  }
}

export const notFound = (what: string, id: string) => new CoreError("not_found", `${what} not found: ${id}`);
