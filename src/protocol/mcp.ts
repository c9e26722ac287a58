// GET/POST /mcp and /mcp/:name/connect|disconnect, in OpenCode's shapes: a status per server by name; moor adds
// the number of tools a connected server has.
import * as z from "zod";

export const McpLocalConfig = z.object({
  type: z.literal("local"),
  command: z.array(z.string()).min(1),
  cwd: z.string().optional(),
  environment: z.record(z.string(), z.string()).optional(),
  enabled: z.boolean().optional(),
  timeout: z.number().int().positive().optional(),
});

export const McpRemoteConfig = z.object({
  type: z.literal("remote"),
  url: z.url({ protocol: /^https?$/ }),
  headers: z.record(z.string(), z.string()).optional(),
  enabled: z.boolean().optional(),
  timeout: z.number().int().positive().optional(),
});

export const McpAddBody = z.object({
  name: z.string().min(1).max(100),
  config: z.discriminatedUnion("type", [McpLocalConfig, McpRemoteConfig]),
});
export type McpAddBody = z.infer<typeof McpAddBody>;

export const McpStatus = z.union([
  z.object({ status: z.literal("connected"), tools: z.number().int() }),
  z.object({ status: z.literal("disabled") }),
  z.object({ status: z.literal("failed"), error: z.string() }),
]);
export type McpStatus = z.infer<typeof McpStatus>;

export const McpStatusMap = z.record(z.string(), McpStatus);
export type McpStatusMap = z.infer<typeof McpStatusMap>;
