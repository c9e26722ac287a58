import * as z from "zod";
import { attachmentProblem } from "./attachment.js";
import { ModelRef, TokenUsage } from "./session.js";

/** Errors recorded on an assistant message, in OpenCode's `{name, data}` shape. */
export const MessageError = z.object({
  name: z.enum([
    "APIError",
    "UnknownError",
    "MessageAbortedError",
    "MessageOutputLengthError",
    "ProviderAuthError",
    "InterruptedError",
    "ContextOverflowError",
  ]),
  data: z
    .object({
      message: z.string(),
      statusCode: z.number().optional(),
      isRetryable: z.boolean().optional(),
      providerID: z.string().optional(),
    })
    .loose(),
});
export type MessageError = z.infer<typeof MessageError>;

export const UserMessage = z.object({
  id: z.string(),
  sessionID: z.string(),
  role: z.literal("user"),
  time: z.object({ created: z.number() }),
  agent: z.string().optional(),
  model: ModelRef.optional(),
  system: z.string().optional(),
  /** The prompt's tool switches (OpenCode's `tools`): a tool set to false is neither offered nor run. */
  tools: z.record(z.string(), z.boolean()).optional(),
  summary: z
    .object({ diffs: z.array(z.any()) })
    .loose()
    .optional(),
});
export type UserMessage = z.infer<typeof UserMessage>;

export const AssistantMessage = z.object({
  id: z.string(),
  sessionID: z.string(),
  role: z.literal("assistant"),
  time: z.object({ created: z.number(), completed: z.number().optional() }),
  parentID: z.string(),
  modelID: z.string(),
  providerID: z.string(),
  mode: z.string(),
  agent: z.string(),
  path: z.object({ cwd: z.string(), root: z.string() }),
  cost: z.number(),
  tokens: TokenUsage,
  finish: z.string().optional(),
  error: MessageError.optional(),
  /** A compaction summary (OpenCode's shape): the model sees the history from the latest one on. */
  summary: z.boolean().optional(),
});
export type AssistantMessage = z.infer<typeof AssistantMessage>;

export const MessageInfo = z.discriminatedUnion("role", [UserMessage, AssistantMessage]);
export type MessageInfo = z.infer<typeof MessageInfo>;

const partBase = { id: z.string(), sessionID: z.string(), messageID: z.string() };
const timeRange = z.object({ start: z.number(), end: z.number().optional() });

export const TextPart = z.object({
  ...partBase,
  type: z.literal("text"),
  text: z.string(),
  synthetic: z.boolean().optional(),
  time: timeRange.optional(),
});
export const ReasoningPart = z.object({ ...partBase, type: z.literal("reasoning"), text: z.string(), time: timeRange });

export const ToolStatePending = z.object({
  status: z.literal("pending"),
  input: z.record(z.string(), z.any()),
  raw: z.string(),
});
export const ToolStateRunning = z.object({
  status: z.literal("running"),
  input: z.record(z.string(), z.any()),
  title: z.string().optional(),
  metadata: z.record(z.string(), z.any()).optional(),
  time: z.object({ start: z.number() }),
});
export const ToolStateCompleted = z.object({
  status: z.literal("completed"),
  input: z.record(z.string(), z.any()),
  output: z.string(),
  title: z.string(),
  metadata: z.record(z.string(), z.any()),
  /** `compacted`: when compaction pruned the output (OpenCode's shape): the model no longer sees it, clients do. */
  time: z.object({ start: z.number(), end: z.number(), compacted: z.number().optional() }),
});
export const ToolStateError = z.object({
  status: z.literal("error"),
  input: z.record(z.string(), z.any()),
  error: z.string(),
  metadata: z.record(z.string(), z.any()).optional(),
  time: z.object({ start: z.number(), end: z.number() }),
});
export const ToolState = z.discriminatedUnion("status", [
  ToolStatePending,
  ToolStateRunning,
  ToolStateCompleted,
  ToolStateError,
]);
export type ToolState = z.infer<typeof ToolState>;

export const ToolPart = z.object({
  ...partBase,
  type: z.literal("tool"),
  callID: z.string(),
  tool: z.string(),
  state: ToolState,
});
export const StepStartPart = z.object({ ...partBase, type: z.literal("step-start"), snapshot: z.string().optional() });
export const StepFinishPart = z.object({
  ...partBase,
  type: z.literal("step-finish"),
  reason: z.string(),
  snapshot: z.string().optional(),
  cost: z.number(),
  tokens: TokenUsage,
});
export const FilePart = z.object({
  ...partBase,
  type: z.literal("file"),
  mime: z.string(),
  filename: z.string().optional(),
  url: z.string(),
});
export const PatchPart = z.object({
  ...partBase,
  type: z.literal("patch"),
  hash: z.string(),
  files: z.array(z.string()),
});

export const Part = z.discriminatedUnion("type", [
  TextPart,
  ReasoningPart,
  ToolPart,
  StepStartPart,
  StepFinishPart,
  FilePart,
  PatchPart,
]);
export type Part = z.infer<typeof Part>;
export type TextPart = z.infer<typeof TextPart>;
export type ReasoningPart = z.infer<typeof ReasoningPart>;
export type ToolPart = z.infer<typeof ToolPart>;
export type StepFinishPart = z.infer<typeof StepFinishPart>;

export const MessageWithParts = z.object({ info: MessageInfo, parts: z.array(Part) });
export type MessageWithParts = z.infer<typeof MessageWithParts>;

/** A file a client attaches (OpenCode's FilePartInput), refused when it could not be read back. */
export const FilePartInput = z
  .object({
    id: z.string().optional(),
    type: z.literal("file"),
    mime: z.string(),
    filename: z.string().optional(),
    url: z.string(),
  })
  .superRefine((part, ctx) => {
    const problem = attachmentProblem(part);
    if (problem) ctx.addIssue({ code: "custom", message: `file part not accepted: ${problem}` });
  });

/** What a client sends as a prompt (OpenCode's TextPartInput / FilePartInput). */
export const PartInput = z.discriminatedUnion("type", [
  z.object({ id: z.string().optional(), type: z.literal("text"), text: z.string(), synthetic: z.boolean().optional() }),
  FilePartInput,
]);
export type PartInput = z.infer<typeof PartInput>;

export const PromptInput = z.object({
  messageID: z.string().optional(),
  model: ModelRef.optional(),
  agent: z.string().optional(),
  noReply: z.boolean().optional(),
  tools: z.record(z.string(), z.boolean()).optional(),
  system: z.string().optional(),
  variant: z.string().optional(),
  parts: z.array(PartInput).min(1),
  /**
   * Moor's own: a one-off notification when this turn ends, sent by the server (the client may be gone): `true`, a
   * desktop notification on the server's machine; an http(s) URL, a POST there; `{desktop, webhook}`, either or both.
   */
  notify: z
    .union([
      z.boolean(),
      z.string().refine(isHttpUrl, "notify: must be true or an http(s) URL"),
      z.object({
        desktop: z.boolean().optional(),
        webhook: z.string().refine(isHttpUrl, "notify.webhook: must be an http(s) URL").optional(),
      }),
    ])
    .optional(),
});
export type PromptInput = z.infer<typeof PromptInput>;

function isHttpUrl(value: string): boolean {
  try {
    return ["http:", "https:"].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}
