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

export const MoorConfig = z
  .object({
    $schema: z.string().optional(),
    model: z.string().optional(),
    small_model: z.string().optional(),
    provider: z.record(z.string(), ProviderConfig).optional(),
    permission: PermissionConfig.optional(),
    maxSteps: z.number().int().positive().optional(),
    /** OpenCode's key: false turns snapshots (complete diffs, undo) off (core/snapshots/). */
    snapshot: z.boolean().optional(),
    username: z.string().optional(),
    agent: z.record(z.string(), z.unknown()).optional(),
    /** Instruction files, globs (relative to the project) and http(s) URLs added to the system prompt. */
    instructions: z.array(z.string()).optional(),
    command: z.record(z.string(), CommandConfig).optional(),
    /** OpenCode's keys: compact automatically, prune old tool outputs first, tokens kept free (core/compaction/). */
    compaction: z
      .object({
        auto: z.boolean().optional(),
        prune: z.boolean().optional(),
        reserved: z.number().int().min(0).optional(),
      })
      .loose()
      .optional(),
    /** Moor's own: environment variables kept for commands although moor holds them as secrets (README). */
    shellEnv: z
      .object({ passthrough: z.array(z.string()).optional() })
      .loose()
      .optional(),
  })
  .loose();
export type MoorConfig = z.infer<typeof MoorConfig>;
