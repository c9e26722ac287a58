// Everything a command needs from the outside world, gathered in one place: the environment, the home directory,
// the clock, config files (load-context.ts), and the store and core opened from them. Modules below cli/ never read
// these themselves (DESIGN.md §1).
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { describeKeyReports, reportConfigKeys } from "../config/key-report.js";
import type { LoadedConfig } from "../config/load.js";
import type { MoorConfig } from "../config/schema.js";
import type { AgentRegistry } from "../core/agents/registry.js";
import { CoreError } from "../core/errors.js";
import { type Core, type CoreOptions, createCore } from "../core/index.js";
import { markInterruptedTurns } from "../core/recovery.js";
import { createBuiltinTools } from "../core/tools/index.js";
import type { EditorFileSystem } from "../core/tools/tool.js";
import type { ResolvedModel } from "../core/turn/types.js";
import type { ModelRef } from "../protocol/index.js";
import type { Store } from "../storage/port.js";
import type { SqliteStore } from "../storage/sqlite-store.js";
import { afterEditOptions } from "./after-edit-options.js";
import { agentRegistryFor } from "./agent-config.js";
import { commandsFor } from "./command-config.js";
import { commandEnv } from "./command-env.js";
import { hookOptionsFor } from "./hook-options.js";
import { projectInstructionsFor } from "./instructions.js";
import type { CliContext } from "./load-context.js";
import { openSqliteFile } from "./store-choice.js";

export type { CliContext, Env } from "./load-context.js";
export { loadContext, reloadConfig, trustAndReload } from "./load-context.js";

/** Opens the database. Turns a process that is gone left running are marked interrupted when a core opens on it. */
export function openStore(context: CliContext): SqliteStore {
  return openSqliteFile(context.paths.db);
}

/**
 * Opens the database for a command that reads sessions without a core (export, session list): turns a process
 * that is gone left running are marked interrupted first, as a core would, so what it shows is what a resume sees.
 */
export async function openRecoveredStore(context: CliContext): Promise<SqliteStore> {
  const store = openStore(context);
  await markInterruptedTurns(store, undefined, Date.now);
  return store;
}

export interface CoreExtras {
  /** Allow what would be asked (`moor run --yes`); denials in config still hold. */
  autoApprove?: boolean;
  editorFs?: (sessionID: string) => EditorFileSystem | undefined;
  /** Where config reloads are reported: a failed one (one line; stderr unless given), a config that changed. */
  configLog?: { warn(message: string): void; notice(message: string): void };
  /** Where a failing event listener is reported (serve: its log). */
  onListenerError?: CoreOptions["onListenerError"];
  /** Where a title the model could not write is reported (serve: its log); the first-line title stays. */
  onTitleError?: (error: unknown, sessionID: string) => void;
  /** Where a formatter that failed is reported (serve: its log); the file stays as the tool wrote it. */
  onFormatError?: (message: string) => void;
  /** Where a hook command that failed, timed out or was dropped is reported (serve: its log; else stderr). */
  onHookFailure?: (message: string) => void;
  /** Cluster mode: how this node takes part (cli/cluster/). */
  cluster?: CoreOptions["cluster"];
}

/**
 * The agent registry of each directory's config (the server's own when no directory is named), built once per
 * config: again only when that config is reloaded (a file changed, a directory trusted). Another directory's agent
 * config that cannot be read fails what asked for it (a prompt there, GET /agent for it), in one line.
 */
function cachedAgents(context: CliContext): (directory?: string) => AgentRegistry {
  const built = new WeakMap<MoorConfig, AgentRegistry>();
  const registryOf = (config: MoorConfig) => {
    let registry = built.get(config);
    if (!registry) {
      registry = agentRegistryFor(config);
      built.set(config, registry);
    }
    return registry;
  };
  registryOf(context.config);
  return (directory) => {
    if (directory === undefined || resolve(directory) === context.directory) return registryOf(context.config);
    try {
      return registryOf(context.configs.get(directory).config);
    } catch (error) {
      throw new CoreError("bad_request", (error as Error).message.replace(/\s*\n\s*/g, "; "));
    }
  };
}

/**
 * Opens the core with the settings of each session's own directory, and watches the config files from now on: a
 * change applies to the next decision; the watchers stop with the core and never keep the process alive.
 */
export async function openCore(context: CliContext, store: Store, extras: CoreExtras = {}): Promise<Core> {
  context.configs.watch({ warn: extras.configLog?.warn, notice: extras.configLog?.notice });
  // Once, at start (serve, run, acp all open one core): keys that do nothing, so nobody wonders why.
  for (const line of describeKeyReports(reportConfigKeys(context.configSources))) {
    process.stderr.write(`moor: warning: ${line}\n`);
  }
  // Built now: a config whose agents are wrong stops the command here, in one line, rather than failing every prompt.
  const agents = cachedAgents(context);
  const models = cachedModels(context);
  const core = await createCore({
    store,
    version: context.version,
    settings: (directory) => {
      const { config } = context.configs.get(directory);
      return {
        permission: config.permission,
        maxSteps: config.maxSteps,
        autoApprove: extras.autoApprove,
        compaction: config.compaction,
        subagents: {
          depth: config.subagent?.depth ?? config.subagent_depth,
          steps: config.subagent?.steps,
          timeoutMs: config.subagent?.timeout,
        },
        snapshot: config.snapshot,
      };
    },
    resolveModel: models,
    titles: { smallModel: smallModelFor(context, models), onError: extras.onTitleError },
    tools: ({ todos }) =>
      createBuiltinTools({
        commandEnv: () => commandEnv(context.env, context.config, context.providerEnv),
        todos,
      }),
    editorFs: extras.editorFs,
    onListenerError: extras.onListenerError,
    agents,
    instructions: projectInstructionsFor(context, extras.configLog?.warn),
    commands: (directory) => configuredCommands(context, directory),
    home: homedir(),
    mcp: mcpOptionsFor(context),
    ...afterEditOptions(context),
    onFormatError: extras.onFormatError,
    snapshots: { dir: context.paths.snapshot, home: homedir() },
    ...hookOptionsFor(context, extras.onHookFailure),
    cluster: extras.cluster,
  });
  // Wrapped in place, not spread into a copy: `core.agents` is a getter that follows config reloads.
  const shutdown = core.shutdown;
  // Language servers live in process groups of their own: a process that exits from a signal's handler ends them.
  const killLanguageServers = () => core.lsp?.killNow();
  process.once("exit", killLanguageServers);
  core.shutdown = () => {
    context.configs.close();
    process.removeListener("exit", killLanguageServers);
    return shutdown();
  };
  return core;
}

/**
 * The configured MCP servers (the server directory's config: a project's own `mcp` waits for trust) and what they
 * start with: the environment commands get (moor's secrets held back; a server's `environment` adds its own keys).
 */
function mcpOptionsFor(context: CliContext): CoreOptions["mcp"] {
  return {
    servers: context.config.mcp ?? {},
    env: commandEnv(context.env, context.config, context.providerEnv),
    directory: context.directory,
    childRecords: join(context.paths.data, "mcp-children"),
  };
}

/** The config's `small_model` for sessions in a directory (titles are written by it), when one is set. */
function smallModelFor(
  context: CliContext,
  models: (ref: ModelRef | undefined) => Promise<ResolvedModel>,
): (directory: string) => Promise<ResolvedModel | undefined> {
  return async (directory) => {
    const id = context.configs.get(directory).config.small_model;
    if (!id) return undefined;
    const { splitModelId } = await import("../providers/resolve.js");
    return models(splitModelId(id));
  };
}

/**
 * The configured commands of a directory; none while its config cannot be loaded (DirectoryConfigs has said why, in
 * one line), so the built-ins stay usable.
 */
function configuredCommands(context: CliContext, directory: string) {
  let loaded: LoadedConfig;
  try {
    loaded = context.configs.get(directory);
  } catch {
    return [];
  }
  return commandsFor(commandFolders(context), directory, loaded);
}

/** Where global markdown commands are: moor's config directory, and OpenCode's. */
function commandFolders(context: CliContext): { config: string; opencodeConfig: string } {
  const xdg = context.env.XDG_CONFIG_HOME || join(homedir(), ".config");
  return { config: context.paths.config, opencodeConfig: join(xdg, "opencode") };
}

/**
 * Resolves each model once per config: the config changes only on reload (a file changed, or the directory was
 * trusted), and building the
 * provider again for every prompt cost a visible part of the time to the first token. Failures are not kept.
 */
function cachedModels(context: CliContext): (ref: ModelRef | undefined) => Promise<ResolvedModel> {
  const models = new Map<string, Promise<ResolvedModel>>();
  let resolvedFor = context.config;
  return (ref) => {
    if (context.config !== resolvedFor) {
      // The config was reloaded: models are built from the new one.
      models.clear();
      resolvedFor = context.config;
    }
    const key = ref ? `${ref.providerID}/${ref.modelID}` : "";
    let model = models.get(key);
    if (!model) {
      model = resolveModelFor(context, ref);
      models.set(key, model);
      model.catch(() => models.delete(key));
    }
    return model;
  };
}

async function resolveModelFor(context: CliContext, ref: ModelRef | undefined): Promise<ResolvedModel> {
  const { resolveModel } = await import("../providers/resolve.js");
  const id = ref ? `${ref.providerID}/${ref.modelID}` : undefined;
  let config = context.config;
  if (!id && !config.model && !config.provider) {
    // Nothing configured: a local Ollama, when one answers, is offered.
    const { detectOllama } = await import("../providers/ollama.js");
    const ollama = await detectOllama();
    const first = ollama && Object.keys(ollama.models ?? {})[0];
    if (ollama && first) config = { ...config, provider: { ollama }, model: `ollama/${first}` };
  }
  const resolved = await resolveModel(config, id, { env: context.env });
  const cost = resolved.info?.cost;
  const limit = resolved.info?.limit;
  return { model: resolved.model, providerID: resolved.providerID, modelID: resolved.modelID, cost, limit };
}
