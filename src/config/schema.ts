// The config file's shape: OpenCode's keys keep their meaning (an opencode.json can be copied over); keys moor
// does not use are kept, not rejected.
import * as z from "zod";

const Action = z.enum(["allow", "ask", "deny"]);

export const ModelConfig = z
  .object({
    id: z.string().optional(),
    name: z.string().optional(),
    tool_call: z.boolean().optional(),
    reasoning: z.boolean().optional(),
    limit: z.object({ context: z.number().optional(), output: z.number().optional() }).optional(),
    cost: z.object({ input: z.number().optional(), output: z.number().optional() }).loose().optional(),
    options: z.record(z.string(), z.unknown()).optional(),
  })
  .loose();
export type ModelConfig = z.infer<typeof ModelConfig>;

export const ProviderConfig = z
  .object({
    npm: z.string().optional(),
    name: z.string().optional(),
    options: z
      .object({
        baseURL: z.string().optional(),
        apiKey: z.string().optional(),
        headers: z.record(z.string(), z.string()).optional(),
      })
      .loose()
      .optional(),
    models: z.record(z.string(), ModelConfig).optional(),
  })
  .loose();
export type ProviderConfig = z.infer<typeof ProviderConfig>;

export const PermissionConfig = z.union([
  Action,
  z.record(z.string(), z.union([Action, z.record(z.string(), Action)])),
]);

/** A slash command (OpenCode's `command.<name>`): the prompt template and how its turn runs. */
export const CommandConfig = z
  .object({
    template: z.string(),
    description: z.string().optional(),
    agent: z.string().optional(),
    model: z.string().optional(),
    subtask: z.boolean().optional(),
  })
  .loose();
export type CommandConfig = z.infer<typeof CommandConfig>;

/** An MCP server (OpenCode's `mcp.<name>`): a local command over stdio, or a remote URL (streamable HTTP, else SSE). */
export const McpConfig = z.discriminatedUnion("type", [
  z
    .object({
      type: z.literal("local"),
      command: z.array(z.string()).min(1),
      cwd: z.string().optional(),
      environment: z.record(z.string(), z.string()).optional(),
      enabled: z.boolean().optional(),
      timeout: z.number().int().positive().optional(),
    })
    .loose(),
  z
    .object({
      type: z.literal("remote"),
      url: z.string(),
      headers: z.record(z.string(), z.string()).optional(),
      enabled: z.boolean().optional(),
      timeout: z.number().int().positive().optional(),
    })
    .loose(),
]);
export type McpConfig = z.infer<typeof McpConfig>;
/** One formatter (OpenCode's `formatter.<name>`): a built-in's name changes or disables it, another name adds one. */
export const FormatterConfig = z
  .object({
    disabled: z.boolean().optional(),
    command: z.array(z.string()).min(1).optional(),
    environment: z.record(z.string(), z.string()).optional(),
    extensions: z.array(z.string()).optional(),
  })
  .loose();
export type FormatterConfig = z.infer<typeof FormatterConfig>;

/** One language server (OpenCode's `lsp.<name>`): a built-in's name changes or disables it, another name adds one. */
export const LspServerConfig = z
  .object({
    disabled: z.boolean().optional(),
    command: z.array(z.string()).min(1).optional(),
    extensions: z.array(z.string()).optional(),
    env: z.record(z.string(), z.string()).optional(),
    initialization: z.record(z.string(), z.unknown()).optional(),
  })
  .loose();
export type LspServerConfig = z.infer<typeof LspServerConfig>;

/**
 * Config `hooks` (core/hooks/): moor's `{"<event>": [{matcher?, command, timeout? (ms)}]}`, and Claude Code's block
 * (`PreToolUse`… with `{matcher?, hooks: [{type: "command", command, timeout? (s)}]}`) as copied from its settings.
 */
const HookEntryConfig = z
  .object({
    matcher: z.string().optional(),
    command: z.string().min(1).optional(),
    timeout: z.number().positive().optional(),
    hooks: z
      .array(
        z
          .object({
            type: z.string().optional(),
            command: z.string().min(1),
            timeout: z.number().positive().optional(),
          })
          .loose(),
      )
      .optional(),
  })
  .loose()
  .refine((entry) => entry.command !== undefined || entry.hooks !== undefined, {
    message: "a hook needs a `command` (or Claude Code's `hooks` list)",
  });
export const HooksConfig = z.record(z.string(), z.array(HookEntryConfig));

/** Moor's own `notify` (README "Notifications"): webhooks for events, desktop notifications, retry limits. */
const HttpUrl = z.string().refine((value) => {
  try {
    return ["http:", "https:"].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}, "must be an http(s) URL");
export const NotifyConfig = z
  .object({
    webhooks: z
      .array(
        z
          .object({
            url: HttpUrl,
            events: z.array(z.string().min(1)).optional(),
            headers: z.record(z.string(), z.string()).optional(),
          })
          .loose(),
      )
      .optional(),
    desktop: z.union([z.boolean(), z.object({ after: z.number().min(0).optional() }).loose()]).optional(),
    retry: z
      .object({
        initialMs: z.number().int().positive().optional(),
        maxMs: z.number().int().positive().optional(),
        attempts: z.number().int().positive().optional(),
        maxAgeMs: z.number().int().positive().optional(),
        timeoutMs: z.number().int().positive().optional(),
      })
      .loose()
      .optional(),
    queue: z.number().int().positive().optional(),
  })
  .loose();
export type NotifyConfig = z.infer<typeof NotifyConfig>;

export const MoorConfig = z
  .object({
    $schema: z.string().optional(),
    model: z.string().optional(),
    small_model: z.string().optional(),
    provider: z.record(z.string(), ProviderConfig).optional(),
    permission: PermissionConfig.optional(),
    maxSteps: z.number().int().positive().optional(),
    /** Moor's own: where sessions are stored, a postgres:// URL (cluster mode); absent, the SQLite file (cli/store-choice.ts). */
    store: z.string().optional(),
    /** OpenCode's key: false turns snapshots (complete diffs, undo) off (core/snapshots/). */
    snapshot: z.boolean().optional(),
    username: z.string().optional(),
    agent: z.record(z.string(), z.unknown()).optional(),
    /** Instruction files, globs (relative to the project) and http(s) URLs added to the system prompt. */
    instructions: z.array(z.string()).optional(),
    command: z.record(z.string(), CommandConfig).optional(),
    mcp: z.record(z.string(), McpConfig).optional(),
    /** OpenCode's keys: compact automatically, prune old tool outputs first, tokens kept free (core/compaction/). */
    compaction: z
      .object({
        auto: z.boolean().optional(),
        prune: z.boolean().optional(),
        reserved: z.number().int().min(0).optional(),
      })
      .loose()
      .optional(),
    /** OpenCode's: how many levels of subagents a session may start (1: children cannot start their own). */
    subagent_depth: z.number().int().min(0).optional(),
    /** Moor's own: how deep subagents nest (over subagent_depth), a child turn's step limit and time limit in ms (core/subagents/). */
    subagent: z
      .object({
        depth: z.number().int().min(0).optional(),
        steps: z.number().int().positive().optional(),
        timeout: z.number().int().positive().optional(),
      })
      .loose()
      .optional(),
    /** OpenCode's `formatter`: false turns every formatter off; per name a command (`$FILE`), extensions, env. */
    formatter: z.union([z.literal(false), z.record(z.string(), FormatterConfig)]).optional(),
    /** OpenCode's `lsp`: false turns language servers off; per name a command, extensions, env, initialization. */
    lsp: z.union([z.literal(false), z.record(z.string(), LspServerConfig)]).optional(),
    /** Moor's own: webhooks and desktop notifications on events (core/notify/). */
    notify: NotifyConfig.optional(),
    /** Moor's own (and Claude Code's block): commands run on events (core/hooks/); a project's waits for trust. */
    hooks: HooksConfig.optional(),
    /** Moor's own: environment variables kept for commands although moor holds them as secrets (README). */
    shellEnv: z
      .object({ passthrough: z.array(z.string()).optional() })
      .loose()
      .optional(),
  })
  .loose();
export type MoorConfig = z.infer<typeof MoorConfig>;
