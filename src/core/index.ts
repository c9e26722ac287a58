// Wires the core together. Everything outside (clock, config, model resolution, tools) is passed in, so the whole
// agent runs in a test on a temp dir with a scripted model.
import { randomUUID } from "node:crypto";
import type { ModelRef, Session } from "../protocol/index.js";
import type { Store } from "../storage/store.js";
import { AgentRegistry } from "./agents/registry.js";
import { EventBus } from "./bus.js";
import { PermissionGate } from "./permission.js";
import type { PermissionRules } from "./permission-rules.js";
import { markInterruptedTurns } from "./recovery.js";
import { DEFAULT_RETRY, type RetryPolicy } from "./retry.js";
import { SessionService } from "./session.js";
import type { EditorFileSystem, ToolDefinition } from "./tools/tool.js";
import type { ResolvedModel, TurnEnvironment } from "./turn.js";

export interface CoreSettings {
  permission?: PermissionRules;
  maxSteps?: number;
  /** Allow whatever would be asked (`moor run --yes`); denials still hold. */
  autoApprove?: boolean;
}

export interface CoreOptions {
  store: Store;
  version: string;
  /** Read on every use, so a changed config applies to the next decision. */
  settings: () => CoreSettings;
  resolveModel(ref: ModelRef | undefined): Promise<ResolvedModel>;
  tools: ToolDefinition[];
  now?: () => number;
  retry?: RetryPolicy;
  epoch?: string;
  ringSize?: number;
  systemPrompt?: (session: Session) => string;
  editorFs?: (sessionID: string) => EditorFileSystem | undefined;
  /** The agents; read on every use, like settings, so a reloaded config applies. Default: the built-ins. */
  agents?: () => AgentRegistry;
}

export interface Core {
  bus: EventBus;
  gate: PermissionGate;
  sessions: SessionService;
  /** The one agent registry: GET /agent, ACP modes, prompt validation, the turn and the permission gate read it. */
  readonly agents: AgentRegistry;
  store: Store;
  version: string;
  /** Sessions that had a turn interrupted by the previous process's end. */
  interrupted: string[];
  shutdown(): Promise<void>;
}

export function createCore(options: CoreOptions): Core {
  const now = options.now ?? Date.now;
  const builtins = new AgentRegistry();
  const agents = options.agents ?? (() => builtins);
  const bus = new EventBus({ epoch: options.epoch ?? randomUUID().slice(0, 8), ringSize: options.ringSize });
  const gate = new PermissionGate(
    options.store,
    bus,
    now,
    () => options.settings().permission,
    () => options.settings().autoApprove ?? false,
    (agent) => agents().limitsOf(agent),
  );
  const env: TurnEnvironment = {
    store: options.store,
    bus,
    gate,
    now,
    tools: options.tools,
    get agents() {
      return agents();
    },
    get maxSteps() {
      return options.settings().maxSteps ?? 50;
    },
    retry: options.retry ?? DEFAULT_RETRY,
    systemPrompt: options.systemPrompt ?? ((session) => defaultSystemPrompt(session, now)),
    setStatus: () => {},
    editorFs: options.editorFs,
  };
  const interrupted = markInterruptedTurns(options.store, bus, now);
  const sessions = new SessionService({
    store: options.store,
    bus,
    env,
    now,
    version: options.version,
    projectID: () => "global",
    resolveModel: options.resolveModel,
  });
  return {
    bus,
    gate,
    sessions,
    get agents() {
      return agents();
    },
    store: options.store,
    version: options.version,
    interrupted,
    shutdown: () => sessions.shutdown(),
  };
}

export function defaultSystemPrompt(session: Session, now: () => number): string {
  return [
    "You are Moor, a coding agent. You work in the user's project through tools: read, write, edit, bash, glob, grep,",
    "ls, todowrite and todoread. Read files before you change them, prefer edit for small changes, keep the user",
    "informed in short messages, and stop when the task is done.",
    `Working directory: ${session.directory}`,
    `Today's date: ${new Date(now()).toISOString().slice(0, 10)}`,
  ].join("\n");
}
