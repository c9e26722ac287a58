// moor's sessions, messages and permission requests in the shapes of OpenCode's v2 `/api/*` API (the @opencode-ai/sdk
// v2 client's SessionV2Info, SessionMessage, PermissionV2Request), and its error bodies: OpenCode's `{_tag, message}`
// alongside moor's `{error:{code,message}}`, so either kind of client reads them. Shapes checked against OpenCode
// 1.18.33's answers (test/compat/fixtures/opencode-1.18.33/api-*.json).
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { CoreError } from "../../core/errors.js";
import type { ErrorCode, MessageWithParts, PermissionRequest, Session } from "../../protocol/index.js";
import { HttpError, statusForCode } from "../errors.js";

export function v2Session(session: Session) {
  return {
    id: session.id,
    ...(session.parentID ? { parentID: session.parentID } : {}),
    projectID: session.projectID,
    ...(session.agent ? { agent: session.agent } : {}),
    ...(session.model ? { model: session.model } : {}),
    cost: session.cost ?? 0,
    // moor keeps token totals per message, not per session (GET .../message has them).
    tokens: { input: 0, output: 0, reasoning: 0, cache: { read: 0, write: 0 } },
    time: { created: session.time.created, updated: session.time.updated },
    title: session.title,
    location: { directory: session.directory },
  };
}

/** A moor message (info + parts) as one v2 SessionMessage: a user's text, or an assistant's content list. */
export function v2Message(message: MessageWithParts) {
  const { info, parts } = message;
  if (info.role === "user") {
    return {
      id: info.id,
      time: { created: info.time.created },
      type: "user" as const,
      text: parts.flatMap((part) => (part.type === "text" && !part.synthetic ? [part.text] : [])).join("\n"),
    };
  }
  const content = parts.flatMap((part): Record<string, unknown>[] => {
    if (part.type === "text") return [{ type: "text", id: part.id, text: part.text }];
    if (part.type === "reasoning") return [{ type: "reasoning", id: part.id, text: part.text }];
    if (part.type !== "tool") return [];
    const { state } = part;
    const wire =
      state.status === "completed"
        ? { status: "completed", input: state.input, output: state.output }
        : state.status === "error"
          ? { status: "error", input: state.input, error: state.error }
          : { status: state.status, input: state.input };
    return [{ type: "tool", id: part.callID, name: part.tool, state: wire, time: { created: info.time.created } }];
  });
  return {
    id: info.id,
    time: { created: info.time.created, ...(info.time.completed ? { completed: info.time.completed } : {}) },
    type: "assistant" as const,
    agent: info.agent,
    model: { id: info.modelID, providerID: info.providerID },
    content,
    ...(info.finish ? { finish: info.finish } : {}),
    cost: info.cost,
    tokens: {
      input: info.tokens.input,
      output: info.tokens.output,
      reasoning: info.tokens.reasoning,
      cache: { read: info.tokens.cache.read, write: info.tokens.cache.write },
    },
  };
}

export function v2Permission(request: PermissionRequest) {
  return {
    id: request.id,
    sessionID: request.sessionID,
    action: request.permission,
    resources: request.patterns,
    save: request.always,
    metadata: request.metadata,
    ...(request.tool
      ? { source: { type: "tool", messageID: request.tool.messageID, callID: request.tool.callID } }
      : {}),
  };
}

/** An error in both vocabularies: OpenCode's v2 clients read `_tag`/`message`, moor's read `error`. */
export function v2Error(c: Context, status: ContentfulStatusCode, tag: string, code: ErrorCode, message: string) {
  return c.json({ _tag: tag, message, error: { code, message }, name: tag, data: { message } }, status);
}

const TAG: Partial<Record<ErrorCode, string>> = {
  bad_request: "InvalidRequestError",
  invalid_json: "InvalidRequestError",
  conflict: "ConflictError",
  busy: "ConflictError",
  unauthorized: "UnauthorizedError",
  forbidden: "ForbiddenError",
};

/**
 * Runs a v2 handler, answering moor's client errors in the v2 shape; `notFound` names the thing a 404 is about
 * (OpenCode's SessionNotFoundError, PermissionNotFoundError, …). Anything else goes on to the server's handler.
 */
export async function inV2Shape(
  c: Context,
  notFound: string,
  handler: () => Promise<Response> | Response,
): Promise<Response> {
  try {
    return await handler();
  } catch (error) {
    if (!(error instanceof HttpError || error instanceof CoreError)) throw error;
    const status = error instanceof HttpError ? error.status : statusForCode(error.code);
    const tag = error.code === "not_found" ? notFound : (TAG[error.code] ?? "InvalidRequestError");
    return v2Error(c, status, tag, error.code, error.message);
  }
}

/**
 * A v2 route moor has no feature for: a 400 saying so (as moor's other not-supported routes, e.g. sharing), tagged
 * InvalidRequestError, the error every v2 route of OpenCode's SDK declares, so its clients show the message.
 */
export function v2NotSupported(c: Context, service: string, what: string) {
  const message = `${what} is not supported by moor (${service})`;
  return v2Error(c, 400, "InvalidRequestError", "bad_request", message);
}
