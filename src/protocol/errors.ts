// The one error body every HTTP endpoint answers with on a client's mistake: `{error:{code,message}}`.
export interface ErrorBody {
  error: { code: string; message: string };
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
  | "internal";
