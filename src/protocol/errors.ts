// The one error body every HTTP endpoint answers with on a client's mistake: `{error:{code,message}}`.
export interface ErrorBody {
  error: { code: string; message: string };
  /** OpenCode's error shape, beside moor's: its clients read `name` and `data.message`. */
  name?: string;
  data?: { message: string };
}

export type ErrorCode =
  | "bad_request"
  | "invalid_json"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "payload_too_large"
  | "unsupported_media_type"
  | "busy"
  | "too_many_requests"
  | "unknown_model"
  /** Cluster mode: no live worker serves the session's directory (HTTP 503). */
  | "no_worker"
  | "internal";
