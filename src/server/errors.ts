// One error shape for every client mistake: `{error:{code,message}}` with a 4xx; a 500 only for our own bugs,
// and never with a stack trace.
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";
import { CoreError } from "../core/errors.js";
import type { ErrorBody, ErrorCode } from "../protocol/index.js";

export class HttpError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

const STATUS_BY_CODE: Partial<Record<ErrorCode, ContentfulStatusCode>> = {
  bad_request: 400,
  invalid_json: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  busy: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  too_many_requests: 429,
  unknown_model: 400,
  no_worker: 503,
};

/** OpenCode's error names (its openapi.json), so that its clients show the message they find in `data`. */
const OPENCODE_NAME: Partial<Record<ErrorCode, string>> = {
  not_found: "NotFoundError",
  unauthorized: "UnauthorizedError",
  forbidden: "ForbiddenError",
  conflict: "ConflictError",
  busy: "SessionBusyError",
  internal: "UnknownError",
  unknown_model: "ProviderModelNotFoundError",
};

/** The HTTP status of a core error's code: the one table both answer shapes (moor's, OpenCode v2's) read. */
export function statusForCode(code: ErrorCode): ContentfulStatusCode {
  return STATUS_BY_CODE[code] ?? 400;
}

export function errorResponse(c: Context, status: ContentfulStatusCode, code: ErrorCode, message: string): Response {
  const body: ErrorBody = { error: { code, message }, name: OPENCODE_NAME[code] ?? "BadRequest", data: { message } };
  return c.json(body, status);
}

/** Maps anything thrown by a handler to a response; unknown errors are logged and answered with a bare 500. */
export function toErrorResponse(c: Context, error: unknown, log: (error: unknown) => void): Response {
  if (error instanceof HttpError) return errorResponse(c, error.status, error.code, error.message);
  if (error instanceof CoreError) return errorResponse(c, statusForCode(error.code), error.code, error.message);
  const name = (error as Error)?.name;
  if (name === "UnknownModelError") return errorResponse(c, 400, "unknown_model", (error as Error).message);
  if (name === "ModelNotConfiguredError" || name === "ProviderError" || name === "ConfigError") {
    return errorResponse(c, 400, "bad_request", (error as Error).message);
  }
  log(error);
  return errorResponse(c, 500, "internal", "Internal error");
}

export function describeZodError(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join(".") || "body"}: ${issue.message}`)
    .join("; ");
}
