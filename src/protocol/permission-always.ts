import type { PermissionRequest } from "./permission.js";

/**
 * What answering "always" stores, in words every client shows before the user chooses: the request's `always`
 * patterns are exactly what the server will remember for the rest of the session.
 */
export function alwaysLabel(request: Pick<PermissionRequest, "always">): string {
  return request.always.length > 0
    ? `Always allow: ${request.always.join(", ")}`
    : "Always: nothing to remember, asked again next time";
}
