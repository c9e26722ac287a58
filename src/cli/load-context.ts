// The context of a command: its environment, home directory, paths and config files (DESIGN.md §1: modules
// below cli/ never read these themselves). Config only, so a command that must answer before the core has loaded
// (`moor acp`'s initialize, issue 18 §5) gets its config without loading core; context.ts opens store and core.
import { homedir } from "node:os";
import { resolve } from "node:path";
import { DirectoryConfigs } from "../config/directory-configs.js";
import { type HeldBack, type LoadedConfig, loadConfig, loadConfigSync } from "../config/load.js";
import { type MoorPaths, resolvePaths } from "../config/paths.js";
import type { MoorConfig } from "../config/schema.js";
import { trustDirectory } from "../config/trust.js";
import { DEFAULT_ACTIONS } from "../core/permission-rules.js";
import { readVersion } from "./version.js";

export type Env = Record<string, string | undefined>;

export interface CliContext {
  env: Env;
  /** The user's home directory (global instruction files). */
  home: string;
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
  const home = homedir();
  const paths = resolvePaths(env, home);
  const directory = resolve(options.directory ?? process.cwd());
  const loaded = await loadConfig({ paths, cwd: directory, env, defaults: CONFIG_DEFAULTS });
  const context: CliContext = {
    env,
    home,
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
