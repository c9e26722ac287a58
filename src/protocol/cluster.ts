// What an API node asks of the worker that owns a session (cluster mode, issue 20 §2), passed through the database
// (storage/postgres-inbox.ts), and what the worker answers. Plain JSON both ways: they are stored as text.
import type { CommandInput } from "./command.js";
import type { ErrorCode } from "./errors.js";
import type { MessageError, MessageWithParts, PromptInput, UserMessage } from "./message.js";
import type { PermissionReply } from "./permission.js";
import type { ModelRef } from "./session.js";

export type OwnerCommand =
  /**
   * Run the turn of a prompt the API node has already stored (its user message `userID`; `user`, that message as
   * stored, spares the worker reading it back).
   */
  | { kind: "turn"; userID: string; user?: UserMessage }
  /** Store and run a prompt (the worker records the user message). */
  | { kind: "prompt"; prompt: PromptInput }
  | { kind: "resume" }
  | { kind: "abort" }
  | { kind: "permission"; requestID: string; reply: PermissionReply; message?: string }
  | { kind: "summarize"; model?: ModelRef }
  | { kind: "command"; input: CommandInput }
  /** The user's own shell command (OpenCode's `!command`). */
  | { kind: "shell"; input: ShellCommand }
  | { kind: "revert"; messageID: string; partID?: string; force?: boolean }
  | { kind: "unrevert"; force?: boolean };

/** A turn's end as the API node needs it: the caller reads the messages from the store. */
export interface RemoteTurnResult {
  finish: string;
  userID: string;
  /** The turn's last assistant message. */
  lastID?: string;
  /** That message with its parts, when small enough to travel with the result (else the caller reads it). */
  last?: MessageWithParts;
  error?: MessageError;
}

/** POST /session/:id/shell's body. */
export interface ShellCommand {
  command: string;
  agent?: string;
  model?: ModelRef;
  messageID?: string;
}

export type OwnerResult = { ok: true; value?: unknown } | { ok: false; code: ErrorCode; message: string };
