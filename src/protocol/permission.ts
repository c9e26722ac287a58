import * as z from "zod";

export const PermissionAction = z.enum(["allow", "ask", "deny"]);
export type PermissionAction = z.infer<typeof PermissionAction>;

export const PermissionReply = z.enum(["once", "always", "reject"]);
export type PermissionReply = z.infer<typeof PermissionReply>;

/** A pending question to the user, in OpenCode's PermissionRequest shape. */
export const PermissionRequest = z.object({
  id: z.string(),
  sessionID: z.string(),
  /** The permission key: a tool name (`edit`, `bash`, …) or `external_directory`. */
  permission: z.string(),
  /** What is asked for: file paths, a command line. */
  patterns: z.array(z.string()),
  metadata: z.record(z.string(), z.any()),
  /** The patterns an `always` reply would allow for the rest of the session. */
  always: z.array(z.string()),
  tool: z.object({ messageID: z.string(), callID: z.string() }).optional(),
  time: z.object({ created: z.number() }).optional(),
});
export type PermissionRequest = z.infer<typeof PermissionRequest>;
