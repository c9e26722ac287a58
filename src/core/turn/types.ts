// What a turn is given and what it answers. One turn answers one user message (DESIGN.md §5.1).
import type { LanguageModelV3 } from "@ai-sdk/provider";
import type { MessageError, MessageWithParts, Session, SessionStatus, UserMessage } from "../../protocol/index.js";
import type { Store } from "../../storage/port.js";
import type { AgentRegistry } from "../agents/registry.js";
import type { EventBus } from "../bus.js";
import type { PermissionGate } from "../permission.js";
import type { RetryPolicy } from "../retry.js";
import type { ToolRegistry } from "../tools/registry.js";
import type { EditorFileSystem } from "../tools/tool.js";
import type { TurnHooks } from "./hooks.js";

export interface ResolvedModel {
  model: LanguageModelV3;
  providerID: string;
  modelID: string;
  /** Price per million tokens, when the config gives one. */
  cost?: { input?: number; output?: number };
  /** The model's window and output limit in tokens (the provider config's `limit`), when known: compaction uses it. */
  limit?: { context?: number; output?: number };
}

/** What the loop runs on, fixed when core is wired; everything a feature adds comes in as a hook. */
export interface TurnServices {
  /** Where steps and parts are written (the StepRecorder) and the parts re-read after a step. */
  store: Store;
  bus: EventBus;
  /** Tools ask it for permission through their ToolContext. */
  gate: PermissionGate;
  now: () => number;
  tools: ToolRegistry;
  hooks: TurnHooks;
  /** The agent registry as it is now (it follows config reloads): prompts name their agent in it. */
  readonly agents: AgentRegistry;
  /** The registry for sessions in a directory (a project's own agents): what a turn of such a session reads. */
  agentsIn(directory: string): AgentRegistry;
  retry: RetryPolicy;
  /** Present when an ACP editor offers file access for the session. */
  editorFs?(sessionID: string): EditorFileSystem | undefined;
}

export interface TurnRequest {
  session: Session;
  user: UserMessage;
  model: ResolvedModel;
  agent: string;
  signal: AbortSignal;
  /** Told when the turn waits to retry and when it is busy again (the session service announces it). */
  status(status: SessionStatus): void;
}

export type TurnFinish = "stop" | "length" | "content-filter" | "max-steps" | "aborted" | "error" | "other";

export interface TurnOutcome {
  finish: TurnFinish;
  last?: MessageWithParts;
  error?: MessageError;
  /**
   * The turn's last write, possibly not stored yet (it fails with the write's error): whoever ends the turn queues
   * its own end (the idle status) first, so on a store whose round trips are slow both share one transaction.
   */
  written?: Promise<void>;
}

/** Tool parts left unfinished by a crash carry this mark so a resume knows to run them again. */
export const INTERRUPTED_MARK = "interrupted";
