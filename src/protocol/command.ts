// Slash commands on the wire, OpenCode's shapes: GET /command lists `Command`s, POST /session/:id/command takes a
// `CommandInput` (reference/opencode-core-openapi.json).
import * as z from "zod";
import { FilePartInput } from "./message.js";

export const Command = z.object({
  name: z.string(),
  description: z.string().optional(),
  agent: z.string().optional(),
  model: z.string().optional(),
  source: z.enum(["command", "mcp", "skill"]).optional(),
  template: z.string(),
  subtask: z.boolean().optional(),
  /** The placeholders the template takes (`$1`…, `$ARGUMENTS`): what a client shows as argument hints. */
  hints: z.array(z.string()),
});
export type Command = z.infer<typeof Command>;

export const CommandInput = z.object({
  messageID: z.string().optional(),
  agent: z.string().optional(),
  /** `provider/model`. */
  model: z
    .string()
    .regex(/^[^/]+\/.+$/, "must be provider/model")
    .optional(),
  arguments: z.string(),
  command: z.string().min(1),
  variant: z.string().optional(),
  parts: z.array(FilePartInput).optional(),
});
export type CommandInput = z.infer<typeof CommandInput>;

/** `/name args` typed in a prompt box: the command's name and its argument line, or undefined for plain text. */
export function parseSlashCommand(text: string): { name: string; arguments: string } | undefined {
  const match = /^\/(\S+)(?:\s+([\s\S]*))?$/.exec(text.trim());
  if (!match) return undefined;
  return { name: match[1], arguments: (match[2] ?? "").trim() };
}
