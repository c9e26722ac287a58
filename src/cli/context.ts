// Everything a command needs from the outside world, gathered in one place: the environment, the home directory,
// the clock, config files. Modules below cli/ never read these themselves (DESIGN.md §1).
import { homedir } from "node:os";
import { resolve } from "node:path";
import { DirectoryConfigs } from "../config/directory-configs.js";
import { type HeldBack, type LoadedConfig, loadConfig, loadConfigSync } from "../config/load.js";
import { type MoorPaths, resolvePaths } from "../config/paths.js";
import type { MoorConfig } from "../config/schema.js";
import { trustDirectory } from "../config/trust.js";
import type { AgentRegistry } from "../core/agents/registry.js";
import { type Core, type CoreOptions, createCore } from "../core/index.js";
import { DEFAULT_ACTIONS } from "../core/permission-rules.js";
import { markInterruptedTurns } from "../core/recovery.js";
import { createBuiltinTools } from "../core/tools/index.js";
import type { EditorFileSystem } from "../core/tools/tool.js";
import type { ResolvedModel } from "../core/turn/types.js";
import type { ModelRef } from "../protocol/index.js";
import type { Store } from "../storage/port.js";
import { SqliteStore } from "../storage/sqlite-store.js";
import { agentRegistryFor } from "./agent-config.js";
import { commandEnv } from "./command-env.js";
import { readVersion } from "./version.js";

export type Env = Record<string, string | undefined>;

export interface CliContext {
  env: Env;
  paths: MoorPaths;
  directory: string;
  config: MoorConfig;
  configSources: string[];
  /** Variables the provider config read through `{env:VAR}`; held back from commands (command-env.ts). */
  providerEnv: string[];
  /** Whether `directory` is trusted; when not, its project config was filtered and `heldBack` says what went. */
  trusted: boolean;
  heldBack: HeldBack[];
  version: string;
  /**
   * The config of every directory a session runs in (this one's is `config` above), for core's settings; watched
   * for changes once a core is open (openCore).
   */
  configs: DirectoryConfigs;
}

export async function loadContext(options: { directory?: string; model?: string } = {}): Promise<CliContext> {
  const env = { ...process.env };
  if (options.model) env.MOOR_MODEL = options.model;
  const paths = resolvePaths(env, homedir());
  const directory = resolve(options.directory ?? process.cwd());
  const loaded = await loadConfig({ paths, cwd: directory, env, defaults: CONFIG_DEFAULTS });
  const context: CliContext = {
    env,
    paths,
    directory,
    config: loaded.config,
    configSources: loaded.sources,
    trusted: loaded.trusted,
    heldBack: loaded.heldBack,
    providerEnv: loaded.providerEnv,
    version: readVersion(),
    configs: new DirectoryConfigs({
      load: (cwd) => loadConfigSync({ paths, cwd, env, defaults: CONFIG_DEFAULTS }),
      warn: (message) => process.stderr.write(`moor: warning: ${message}\n`),
      // This directory's config changed on disk: GET /config, commands and the next model resolution use it too.
      changed: (changedDirectory, reloaded) => {
        if (changedDirectory === context.directory) applyLoaded(context, reloaded);
      },
    }),
  };
  context.configs.set(directory, loaded);
  return context;
}

/** What an untrusted project may only tighten: core's own defaults (maxSteps: core/index.ts). */
const CONFIG_DEFAULTS = { permission: DEFAULT_ACTIONS, maxSteps: 50 };

/**
 * Loads the config again into the same context (after the directory was trusted): permissions, GET /config and
 * the next model resolution see the new one, since they read `context.config` on every use. The trust list
 * changed, so every other directory's config is loaded again too.
 */
export async function reloadConfig(context: CliContext): Promise<void> {
  const loaded = await loadConfig({
    paths: context.paths,
    cwd: context.directory,
    env: context.env,
    defaults: CONFIG_DEFAULTS,
  });
  applyLoaded(context, loaded);
  context.configs.set(context.directory, loaded);
  context.configs.reloadAll();
}

function applyLoaded(context: CliContext, loaded: LoadedConfig): void {
  context.config = loaded.config;
  context.configSources = loaded.sources;
  context.trusted = loaded.trusted;
  context.heldBack = loaded.heldBack;
  context.providerEnv = loaded.providerEnv;
}

/** Trusts the context's directory and applies its whole config at once (GET/POST /trust, `moor run`'s prompt). */
export async function trustAndReload(context: CliContext): Promise<void> {
  trustDirectory(context.paths, context.directory);
  await reloadConfig(context);
}

/** Opens the database. Turns a process that is gone left running are marked interrupted when a core opens on it. */
export function openStore(context: CliContext): SqliteStore {
  return new SqliteStore(context.paths.db);
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
}

/** The agent registry of the config in use, built again only when the config is reloaded (a directory trusted). */
function cachedAgents(context: CliContext): () => AgentRegistry {
  let builtFor = context.config;
  let registry = agentRegistryFor(builtFor);
  return () => {
    if (context.config !== builtFor) {
      registry = agentRegistryFor(context.config);
      builtFor = context.config;
    }
    return registry;
  };
}

/**
 * Opens the core with the settings of each session's own directory, and watches the config files from now on: a
 * change applies to the next decision; the watchers stop with the core and never keep the process alive.
 */
export async function openCore(context: CliContext, store: Store, extras: CoreExtras = {}): Promise<Core> {
  context.configs.watch({ warn: extras.configLog?.warn, notice: extras.configLog?.notice });
  // Built now: a config whose agents are wrong stops the command here, in one line, rather than failing every prompt.
  const agents = cachedAgents(context);
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
      };
    },
    resolveModel: cachedModels(context),
    tools: ({ todos }) =>
      createBuiltinTools({
        commandEnv: () => commandEnv(context.env, context.config, context.providerEnv),
        todos,
      }),
    editorFs: extras.editorFs,
    onListenerError: extras.onListenerError,
    agents,
  });
  // Wrapped in place, not spread into a copy: `core.agents` is a getter that follows config reloads.
  const shutdown = core.shutdown;
  core.shutdown = () => {
    context.configs.close();
    return shutdown();
  };
  return core;
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
