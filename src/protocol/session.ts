import * as z from "zod";

export const TokenUsage = z.object({
  total: z.number().optional(),
  input: z.number(),
  output: z.number(),
  reasoning: z.number(),
  cache: z.object({ read: z.number(), write: z.number() }),
});
export type TokenUsage = z.infer<typeof TokenUsage>;

export const emptyTokens = (): TokenUsage => ({ input: 0, output: 0, reasoning: 0, cache: { read: 0, write: 0 } });

export const ModelRef = z.object({ providerID: z.string(), modelID: z.string() });
export type ModelRef = z.infer<typeof ModelRef>;

/**
 * A revert in effect (OpenCode's `revert`): the messages from `messageID` (from `partID` within it) on are hidden,
 * their file changes undone; `snapshot` is the tree unrevert puts back, `diff` what the revert changed.
 */
export const SessionRevert = z.object({
  messageID: z.string(),
  partID: z.string().optional(),
  snapshot: z.string().optional(),
  diff: z.string().optional(),
});
export type SessionRevert = z.infer<typeof SessionRevert>;

/** A session, in OpenCode's shape. */
export const Session = z.object({
  id: z.string(),
  slug: z.string(),
  projectID: z.string(),
  directory: z.string(),
  path: z.string().optional(),
  parentID: z.string().optional(),
  title: z.string(),
  version: z.string(),
  agent: z.string().optional(),
  model: z.object({ id: z.string(), providerID: z.string(), variant: z.string().optional() }).optional(),
  summary: z.object({ additions: z.number(), deletions: z.number(), files: z.number() }).optional(),
  cost: z.number().optional(),
  tokens: TokenUsage.optional(),
  revert: SessionRevert.optional(),
  time: z.object({ created: z.number(), updated: z.number(), archived: z.number().optional() }),
});
export type Session = z.infer<typeof Session>;

export const SessionStatus = z.discriminatedUnion("type", [
  z.object({ type: z.literal("idle") }),
  z.object({ type: z.literal("busy") }),
  z.object({ type: z.literal("retry"), attempt: z.number(), message: z.string(), next: z.number() }),
]);
export type SessionStatus = z.infer<typeof SessionStatus>;

export const Todo = z.object({
  id: z.string().optional(),
  content: z.string(),
  status: z.enum(["pending", "in_progress", "completed", "cancelled"]),
  priority: z.enum(["high", "medium", "low"]).default("medium"),
});
export type Todo = z.infer<typeof Todo>;

export const FileDiff = z.object({
  file: z.string(),
  patch: z.string().optional(),
  before: z.string().optional(),
  after: z.string().optional(),
  additions: z.number(),
  deletions: z.number(),
  status: z.enum(["added", "modified", "deleted"]).optional(),
});
export type FileDiff = z.infer<typeof FileDiff>;
