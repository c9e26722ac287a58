// The contract between the agent loop and a tool. Tools are factories (DESIGN.md §5.5): each file exports
// `create<Name>Tool()` returning a ToolDefinition; everything a tool may touch comes in through its ToolContext.
import type { JSONSchema7 } from "@ai-sdk/provider";
import type { z } from "zod";

export interface PermissionAsk {
  /** Permission key: `read`, `edit`, `bash`, `glob`, `grep`, `list`, `todowrite`, `external_directory`. */
  permission: string;
  /** What is asked for: absolute file paths, or the command line for bash. */
  patterns: string[];
  /** Patterns an `always` answer allows for the rest of the session (defaults to `patterns`). */
  always?: string[];
  metadata?: Record<string, unknown>;
  /** The action when no rule names this key and moor has no default for it (MCP tools: allow); else ask. */
  unruled?: "allow" | "ask" | "deny";
}

/** Thrown when the user (or a rule) refuses; the loop turns it into a tool error the model can read. */
export class PermissionDeniedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PermissionDeniedError";
  }
}

/** Thrown for a tool's own clear failures (bad input, not found, non-unique match); the message reaches the model. */
export class ToolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ToolError";
  }
}

/** File access through an editor (ACP `fs/read_text_file`, `fs/write_text_file`), so unsaved buffers win. */
export interface EditorFileSystem {
  readTextFile?(path: string): Promise<string>;
  writeTextFile?(path: string, content: string): Promise<void>;
}

export interface ToolContext {
  /** The session's directory; every path is resolved inside it unless `external_directory` is granted. */
  directory: string;
  sessionID: string;
  messageID: string;
  callID: string;
  abort: AbortSignal;
  now(): number;
  /** Resolves when allowed (by rule or by the user); throws PermissionDeniedError otherwise. */
  ask(request: PermissionAsk): Promise<void>;
  /** Progress while running (e.g. bash output so far); shown to clients, not to the model. */
  progress(update: { title?: string; metadata?: Record<string, unknown> }): void;
  /** Present when an ACP editor offers file access. */
  editorFs?: EditorFileSystem;
}

export interface ToolResult {
  title: string;
  output: string;
  metadata: Record<string, unknown>;
}

// biome-ignore lint/suspicious/noExplicitAny: a list of tools holds definitions of different input types.
export interface ToolDefinition<Input = any> {
  name: string;
  description: string;
  parameters: z.ZodType<Input>;
  /**
   * The input's JSON schema as the model is sent it, when the tool comes with one ready (an MCP server's
   * `inputSchema`); `parameters` then only checks that the input is an object, the tool's owner checks the rest.
   */
  inputSchema?: JSONSchema7;
  execute(input: Input, ctx: ToolContext): Promise<ToolResult>;
}
