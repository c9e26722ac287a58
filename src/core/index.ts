// Wires the core together. Everything outside (clock, config, model resolution, tools) is passed in, so the whole
// agent runs in a test on a temp dir with a scripted model.
import { randomUUID } from "node:crypto";
import type { ModelRef, Session } from "../protocol/index.js";
import type { Store } from "../storage/port.js";
import { AgentRegistry } from "./agents/registry.js";
import { builtOnFirstUse } from "./built-on-first-use.js";
import { EventBus, type EventBusOptions } from "./bus.js";
import type { CommandDefinition } from "./commands/command.js";
import { CommandService } from "./commands/service.js";
import { createCompaction } from "./compaction/auto-compaction.js";
import type { CompactionSettings } from "./compaction/budget.js";
import { addInstructions, nestedInstructionsOnRead } from "./context/instruction-hooks.js";
import type { ProjectInstructions } from "./context/instructions.js";
import { formatAfterEdit } from "./format/format-after-edit.js";
import { Formatters, type FormattersOptions } from "./format/formatters.js";
import { CommandHooks, type CommandHooksOptions } from "./hooks/command-hooks.js";
import { diagnosticsAfterEdit } from "./lsp/diagnostics-after-edit.js";
import { LspService, type LspServiceOptions } from "./lsp/service.js";
import type { McpOptions } from "./mcp/manager.js";
import { McpOnDemand } from "./mcp/mcp-on-demand.js";
import { PermissionGate, type PermissionLink } from "./permission.js";
import type { PermissionRules } from "./permission-rules.js";
import { markInterruptedTurns } from "./recovery.js";
import type { OwnerDispatch } from "./remote-owner.js";
import { DEFAULT_RETRY, type RetryPolicy } from "./retry.js";
import { SessionService } from "./session.js";
import { type SnapshotOptions, SnapshotService } from "./snapshots/service.js";
import { stepSnapshotHooks } from "./snapshots/step-snapshots.js";
import type { SubagentSettings } from "./subagents/limits.js";
import { subagentHooks } from "./subagents/subagent-hooks.js";
import { createTaskTool, type TaskToolServices } from "./subagents/task-tool.js";
import type { TitleOptions } from "./titles/title-writer.js";
import { sessionTodoList } from "./todo-list.js";
import { type AgentToolFilter, StaticToolSource, ToolRegistry } from "./tools/registry.js";
import type { TodoList } from "./tools/todo.js";
import type { EditorFileSystem, ToolDefinition } from "./tools/tool.js";
import { defaultTurnHooks } from "./turn/defaults.js";
import type { TurnHooks } from "./turn/hooks.js";
import type { ResolvedModel, TurnServices } from "./turn/types.js";

export interface CoreSettings {
  permission?: PermissionRules;
  maxSteps?: number;
  /** Allow whatever would be asked (`moor run --yes`); denials still hold. */
  autoApprove?: boolean;
  /** Config `compaction` (OpenCode's keys: auto, prune, reserved). */
  compaction?: CompactionSettings;
  /** How deep subagents nest and how long and far a child's turn runs (core/subagents/limits.ts). */
  subagents?: SubagentSettings;
  /** Config `snapshot`: false turns snapshots (and so revert) off for the directory. */
  snapshot?: boolean;
}

export interface CoreOptions {
  store: Store;
  version: string;
  /**
   * The settings for sessions in `directory`, asked at every decision (each permission question, each turn's step
   * limit): the answer may differ per directory and change between calls (cli reloads config files that change).
   */
  settings: (directory: string) => CoreSettings;
  resolveModel(ref: ModelRef | undefined): Promise<ResolvedModel>;
  /** The built-in tools, or how to build them from what only core has (the todo tools need the todo lists). */
  tools: ToolDefinition[] | ((services: { todos: TodoList }) => ToolDefinition[]);
  /** Which tools each agent has (all, when not given or when it answers undefined). */
  agentTools?: AgentToolFilter;
  /** Hooks run after the default ones, in order (the step limit stays last: turn/defaults.ts). */
  hooks?: Partial<TurnHooks>;
  now?: () => number;
  retry?: RetryPolicy;
  epoch?: string;
  ringSize?: number;
  systemPrompt?: (session: Session) => string;
  editorFs?: (sessionID: string) => EditorFileSystem | undefined;
  /** Links of the permission chain a feature adds (hooks, a policy), asked after the rules and before the user. */
  permissionLinks?: PermissionLink[];
  /** Where a bus listener's error is reported (cli: the log); see EventBusOptions. */
  onListenerError?: EventBusOptions["onListenerError"];
  /**
   * The agents of sessions in `directory` (the server's own when not given; a project's agents come from its
   * config); read on every use, like settings, so a reloaded config applies. Default: the built-ins.
   */
  agents?: (directory?: string) => AgentRegistry;
  /**
   * The project's instructions (AGENTS.md and friends, the config's `instructions`): added to each step's system
   * prompt, loaded when a session is created so its first step finds them ready (core/context/instructions.ts).
   */
  instructions?: ProjectInstructions;
  /**
   * Titles written by a model after a session's first prompt (`small_model`, else the session's model), in the
   * background; without this a session keeps its first prompt's first line (core/titles/).
   */
  titles?: TitleOptions;
  /** The commands configured for sessions in a directory (cli: config and markdown files); the built-ins are core's. */
  commands?: (directory: string) => CommandDefinition[];
  /** The user's home directory, where a command's `@~/…` points. */
  home?: string;
  /** MCP servers (core/mcp/): nothing connects until `core.mcp.start()` (cli calls it once the process serves). */
  mcp?: McpOptions;
  /** Formatters run after edit/write (config `formatter`); none when not given. */
  formatters?: FormattersOptions;
  /** Language servers checking files after edit/write (config `lsp`); none when not given. */
  lsp?: Omit<LspServiceOptions, "onDiagnostics">;
  /** Where a formatter failure is reported (serve: its log). */
  onFormatError?: (message: string) => void;
  /**
   * Where the projects' shadow repositories live (core/snapshots/): each step's changed files, complete diffs,
   * revert and unrevert. No snapshots without it.
   */
  snapshots?: SnapshotOptions;
  /** Config `hooks`: commands run on events (core/hooks/); none when not given. */
  commandHooks?: CommandHooksOptions;
  /** Cluster mode (issue 20 §2): how this node takes part; absent for a single server. */
  cluster?: ClusterRole;
}

/** What changes in core for a node of a cluster (cli/cluster/ wires it). */
export interface ClusterRole {
  /** Direct publishes go into the event log (EventBusOptions.relay). */
  relay?: EventBusOptions["relay"];
  /** The bus's epoch: the cluster's name, the same on every API node (event ids are valid on each). */
  epoch?: string;
  /** Sequence numbers are event-log ids (API nodes). */
  idsFromLog?: EventBusOptions["idsFromLog"];
  /** API nodes: turns, permission answers and commands go to the session's owner. */
  owners?: OwnerDispatch;
  /**
   * No start-up recovery of running turns: in a cluster they belong to other workers, and a worker recovers a
   * session when it takes over its lease.
   */
  skipRecovery?: boolean;
  /** Workers: a turn's result may share its end-of-turn commits' transaction (SessionServiceOptions.settleWithIdle). */
  settleWithIdle?: boolean;
}

export interface Core {
  bus: EventBus;
  gate: PermissionGate;
  sessions: SessionService;
  /** The one agent registry: GET /agent, ACP modes, prompt validation, the turn and the permission gate read it. */
  readonly agents: AgentRegistry;
  /** The agent registry for sessions in a directory (its project's agents included). */
  agentsFor(directory: string): AgentRegistry;
  store: Store;
  /** Slash commands: GET /command, POST /session/:id/command, ACP and the clients' `/` completion. */
  commands: CommandService;
  /** Where tool sources are added (MCP); the built-in tools are the source "builtin". */
  tools: ToolRegistry;
  /** The MCP servers: their status, connecting and disconnecting them, an ACP session's own (loaded on first need). */
  mcp: McpOnDemand;
  version: string;
  /** The formatters of a directory (GET /formatter); undefined when none were configured. */
  formatters?: Formatters;
  /** The language servers (GET /lsp, /find/symbol); undefined when none were configured. */
  lsp?: LspService;
  /** The projects' shadow repositories, when snapshots are on (moor debug paths reports their size). */
  snapshots?: SnapshotService;
  /** The configured hook commands (GET /hooks); undefined when core was given none. */
  commandHooks?: CommandHooks;
  /** Sessions that had a turn interrupted by the previous process's end (marked when this core was created). */
  interrupted: string[];
  shutdown(): Promise<void>;
}

/**
 * Builds the core on a store. Steps a process that is gone left running are marked interrupted first, once, before
 * any turn can start (their sessions are in `interrupted`).
 */
export async function createCore(options: CoreOptions): Promise<Core> {
  const now = options.now ?? Date.now;
  const builtins = new AgentRegistry();
  const agents = (directory?: string) => options.agents?.(directory) ?? builtins;
  const bus = new EventBus({
    epoch: options.cluster?.epoch ?? options.epoch ?? randomUUID().slice(0, 8),
    ringSize: options.ringSize,
    onListenerError: options.onListenerError,
    relay: options.cluster?.relay,
    idsFromLog: options.cluster?.idsFromLog,
  });
  // The bus is fed from commits: what it announces is stored.
  options.store.onCommit((scope, events) => {
    for (const { type, properties, id } of events) bus.publishCommitted(type, properties as never, scope, id);
  });
  const gate = new PermissionGate({
    store: options.store,
    bus,
    now,
    rules: (directory) => options.settings(directory).permission,
    autoApprove: (directory) => options.settings(directory).autoApprove ?? false,
    links: options.permissionLinks,
    limitsOf: (agent, directory) => agents(directory).limitsOf(agent),
    agentRulesOf: (agent, directory) => agents(directory).rulesOf(agent),
    owners: options.cluster?.owners,
  });
  const builtin =
    typeof options.tools === "function" ? options.tools({ todos: sessionTodoList(options.store) }) : options.tools;
  let sessions: SessionService | undefined;
  const taskServices: TaskToolServices = {
    store: options.store,
    bus,
    sessions: () => sessions as SessionService,
    agents: (directory) => agents(directory),
    settings: (directory) => options.settings(directory).subagents,
  };
  const task = createTaskTool(taskServices, agents());
  const subagents = subagentHooks({
    store: options.store,
    agents,
    settings: taskServices.settings,
    task,
    describedFor: (registry) => createTaskTool(taskServices, registry),
  });
  // The task tool is core's own source, after the built-ins (a built-in of the same name would win).
  const tools = new ToolRegistry(
    [new StaticToolSource("builtin", builtin), new StaticToolSource("task", [task])],
    options.agentTools,
  );
  const mcpOptions = options.mcp ?? { servers: {}, env: {}, directory: "" };
  const mcp = new McpOnDemand(mcpOptions.servers, async () => {
    const { McpManager } = await import("./mcp/manager.js");
    return new McpManager(mcpOptions, tools, options.version, (server) =>
      bus.publish("mcp.tools.changed", { server }, { directory: mcpOptions.directory }),
    );
  });
  const compaction = createCompaction({
    store: options.store,
    now,
    settings: (directory) => options.settings(directory).compaction ?? {},
  });
  const snapshots = options.snapshots
    ? new SnapshotService(
        { enabled: (directory) => options.settings(directory).snapshot !== false, ...options.snapshots },
        (directory, reason, sessionID) => {
          // Once per directory: the session goes on, but nothing it changes there can be undone.
          const message = `Snapshots are off for ${directory}: ${reason}. Changes made here cannot be undone.`;
          bus.publish(
            "session.error",
            { sessionID, error: { name: "UnknownError", kind: "snapshot", data: { message } } },
            { directory, sessionID },
          );
        },
      )
    : undefined;
  const stepSnapshots = snapshots
    ? stepSnapshotHooks({
        store: options.store,
        snapshots,
        enabled: (directory) => options.settings(directory).snapshot !== false,
        now,
      })
    : undefined;
  const snapshotHooks = stepSnapshots?.hooks ?? {};
  if (stepSnapshots) {
    // A step that failed or was aborted after a tool ran: its end is recorded once the turn is over.
    bus.subscribe(({ event }) => {
      if (event.type === "session.idle") stepSnapshots.settle(event.properties.sessionID).catch(() => {});
    });
  }
  const added = options.hooks ?? {};
  const commandHooks = options.commandHooks
    ? new CommandHooks(options.commandHooks, { store: options.store, bus, now })
    : undefined;
  // Built on first use (an edit, GET /formatter, GET /lsp), not when core opens.
  const formatterOptions = options.formatters;
  const formatters = formatterOptions ? builtOnFirstUse(() => new Formatters(formatterOptions)) : undefined;
  const lspOptions = options.lsp;
  // Language servers a killed moor left running are ended now, at start, whether or not this one starts any.
  lspOptions?.record?.reapOrphans();
  const lsp = lspOptions
    ? builtOnFirstUse(() => {
        return new LspService({
          ...lspOptions,
          onDiagnostics: ({ serverID, path, directory }) =>
            bus.publish("lsp.client.diagnostics", { serverID, path }, { directory }),
        });
      })
    : undefined;
  const hooks = defaultTurnHooks(
    {
      store: options.store,
      bus,
      systemPrompt: options.systemPrompt ?? ((session) => defaultSystemPrompt(session, now)),
      environment: (session) => environmentLines(session, now),
      maxSteps: (directory) => options.settings(directory).maxSteps ?? 50,
      agents,
    },
    {
      ...added,
      prepareStep: [
        ...(options.instructions ? [addInstructions(options.instructions)] : []),
        // Compaction sees the whole plan (instructions included), before hooks that add to it.
        compaction.prepareStep,
        subagents.prepareStep,
        ...(snapshotHooks.prepareStep ?? []),
        ...(added.prepareStep ?? []),
      ],
      beforeTool: [
        subagents.beforeTool,
        // Before a snapshot is taken for a call a hook may deny.
        ...(commandHooks ? [commandHooks.beforeTool] : []),
        ...(snapshotHooks.beforeTool ?? []),
        ...(added.beforeTool ?? []),
      ],
      afterStep: [subagents.afterStep, ...(snapshotHooks.afterStep ?? []), ...(added.afterStep ?? [])],
      afterTool: [
        ...(options.instructions ? [nestedInstructionsOnRead(options.instructions)] : []),
        // Formatting first: the language servers check the file as it stays.
        ...(formatters
          ? [formatAfterEdit({ format: (file, dir) => formatters.get().format(file, dir) }, options.onFormatError)]
          : []),
        ...(lsp ? [diagnosticsAfterEdit({ diagnostics: (file, dir) => lsp.get().diagnostics(file, dir) })] : []),
        ...(added.afterTool ?? []),
        // Last: the hooks see the result as it is stored.
        ...(commandHooks ? [commandHooks.afterTool] : []),
      ],
      overflow: [compaction.overflow, ...(added.overflow ?? [])],
    },
  );
  const instructions = options.instructions;
  if (instructions) {
    bus.subscribe(({ event }) => {
      if (event.type === "session.created") instructions.warm(event.properties.info.directory);
    });
  }
  const turns: TurnServices = {
    store: options.store,
    bus,
    gate,
    now,
    tools,
    hooks,
    get agents() {
      return agents();
    },
    agentsIn: agents,
    retry: options.retry ?? DEFAULT_RETRY,
    editorFs: options.editorFs,
  };
  const interrupted = options.cluster?.skipRecovery ? [] : await markInterruptedTurns(options.store, bus, now);
  sessions = new SessionService({
    store: options.store,
    bus,
    turns,
    now,
    version: options.version,
    projectID: () => "global",
    resolveModel: options.resolveModel,
    titles: options.titles,
    summarize: compaction.summarize,
    snapshots,
    owners: options.cluster?.owners,
    settleWithIdle: options.cluster?.settleWithIdle,
  });
  const commands = new CommandService({
    sessions,
    bus,
    gate,
    tools,
    agents,
    now,
    configured: (directory) => [...mcp.commands(), ...(options.commands?.(directory) ?? [])],
    home: options.home,
    owners: options.cluster?.owners,
  });
  return {
    bus,
    gate,
    sessions,
    commands,
    get agents() {
      return agents();
    },
    agentsFor: agents,
    store: options.store,
    tools,
    mcp,
    version: options.version,
    get formatters() {
      return formatters?.get();
    },
    get lsp() {
      return lsp?.get();
    },
    interrupted,
    snapshots,
    commandHooks,
    shutdown: async () => {
      await sessions.shutdown();
      await commandHooks?.close();
      await snapshots?.settled();
      await mcp.close();
      await lsp?.peek()?.close();
    },
  };
}

export function defaultSystemPrompt(session: Session, now: () => number): string {
  return [
    "You are Moor, a coding agent. You work in the user's project through tools: read, write, edit, bash, glob, grep,",
    "ls, todowrite and todoread. Read files before you change them, prefer edit for small changes, keep the user",
    "informed in short messages, and stop when the task is done.",
    environmentLines(session, now),
  ].join("\n");
}

/** What the model is told of where and when it works, whatever the agent's prompt (OpenCode's environment). */
export function environmentLines(session: Session, now: () => number): string {
  return [
    `Working directory: ${session.directory}`,
    `Today's date: ${new Date(now()).toISOString().slice(0, 10)}`,
  ].join("\n");
}
