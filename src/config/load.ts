// Loads and merges the config files: global (<config dir>/moor.json[c], or opencode.json[c] there) and project
// (<project>/.moor/config.json[c], or <project>/opencode.json[c]); the project wins, env wins over both. A project
// file in a directory the user has not trusted is filtered first (untrusted-project.ts): what it may not set is
// held back and reported, never applied.
import { dirname, isAbsolute, join, resolve } from "node:path";
import { type ParseError, parse, printParseErrorCode } from "jsonc-parser";
import { ConfigError } from "./errors.js";
import { withHooksAdded } from "./hook-lists.js";
import { globalAgentFolders, projectAgentFolders, readMarkdownAgents } from "./markdown-agents.js";
import type { MoorPaths } from "./paths.js";
import type { Action } from "./permission-tighten.js";
import { readConfigText } from "./read-text.js";
import { MoorConfig } from "./schema.js";
import { isTrusted, trustFile } from "./trust.js";
import { filterUntrusted, type HeldBack } from "./untrusted-project.js";

export type { HeldBack } from "./untrusted-project.js";
export { ConfigError };

export interface LoadedConfig {
  config: MoorConfig;
  sources: string[];
  /** Variables a `{env:VAR}` under `provider` read: secrets moor holds, kept from the commands it runs. */
  providerEnv: string[];
  /** Whether the project directory is trusted (its own config applies in full). */
  trusted: boolean;
  /** What an untrusted project's config tried to set and was not allowed to; empty when trusted. */
  heldBack: HeldBack[];
  /**
   * Every file whose change could change this result: each candidate config file (read or absent), the files
   * `{file:…}` referred to, and the trust list when it was read. What a watcher watches (directory-configs.ts).
   */
  files: string[];
}

/** What an untrusted project may only tighten: core's defaults, passed in (config imports nothing of ours). */
export interface ConfigDefaults {
  permission: Record<string, Action>;
  maxSteps: number;
}

export interface LoadOptions {
  paths: MoorPaths;
  cwd: string;
  env: Record<string, string | undefined>;
  /** Read from the trust list when not given. */
  trusted?: boolean;
  defaults?: ConfigDefaults;
}

export async function loadConfig(options: LoadOptions): Promise<LoadedConfig> {
  return loadConfigSync(options);
}

/**
 * The same, synchronously: a few small files, read when a decision first needs a directory's config (core asks
 * for settings synchronously) or when a watched file changed.
 */
export function loadConfigSync(options: LoadOptions): LoadedConfig {
  const user = [
    [join(options.paths.config, "moor.json"), join(options.paths.config, "moor.jsonc")],
    [join(options.paths.config, "opencode.json"), join(options.paths.config, "opencode.jsonc")],
  ];
  const project = [
    [join(options.cwd, "opencode.json"), join(options.cwd, "opencode.jsonc")],
    [join(options.cwd, ".moor", "config.json"), join(options.cwd, ".moor", "config.jsonc")],
  ];
  const trusted = options.trusted ?? isTrusted(options.paths, options.cwd);
  const files = new Set([...user, ...project].flat());
  if (options.trusted === undefined) files.add(trustFile(options.paths));
  let merged: Record<string, unknown> = {};
  const sources: string[] = [];
  const providerEnv = new Set<string>();
  const heldBack: HeldBack[] = [];
  const merge = (parsed: Record<string, unknown>, file: string, fromProject: boolean) => {
    if (fromProject && !trusted) {
      const filtered = filterUntrusted(parsed, {
        file,
        project: options.cwd,
        base: merged,
        defaults: options.defaults ?? FALLBACK_DEFAULTS,
        home: options.env.HOME,
      });
      parsed = filtered.kept;
      heldBack.push(...filtered.heldBack);
    }
    for (const name of envReferences(parsed.provider)) providerEnv.add(name);
    const raw = substitute(parsed, file, options.env, files);
    validate(raw, file);
    merged = deepMerge(merged, withHooksAdded(merged, raw as Record<string, unknown>));
    sources.push(file);
  };
  // Markdown agents (markdown-agents.ts) come after the config files of the same place, as in OpenCode.
  const mergeAgents = (folders: string[], fromProject: boolean) => {
    for (const folder of folders) files.add(join(folder, "*"));
    for (const { name, file, fields } of readMarkdownAgents(folders))
      merge({ agent: { [name]: fields } }, file, fromProject);
  };
  for (const group of [...user, ...project]) {
    const fromProject = project.includes(group);
    if (group === project[0]) mergeAgents(globalAgentFolders(options.paths.config, options.env), false);
    for (const file of group) {
      const text = readIfExists(file);
      if (text === undefined) continue;
      merge(parseJsonc(file, text) as Record<string, unknown>, file, fromProject);
    }
  }
  mergeAgents(projectAgentFolders(options.cwd), true);
  const model = options.env.MOOR_MODEL || options.env.OPENCODE_MODEL;
  if (model) merged.model = model;
  return {
    config: validate(merged, sources.at(-1) ?? "config"),
    sources,
    providerEnv: [...providerEnv],
    trusted,
    heldBack,
    files: [...files],
  };
}

/** Used when the caller passes no defaults: every permission asks, as core does for a key it does not know. */
const FALLBACK_DEFAULTS: ConfigDefaults = { permission: {}, maxSteps: 50 };

function readIfExists(file: string): string | undefined {
  try {
    return readConfigText(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new ConfigError(`cannot read ${file}: ${(error as Error).message}`);
  }
}

function parseJsonc(file: string, text: string): unknown {
  const errors: ParseError[] = [];
  const value = parse(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length > 0) {
    const { error, offset } = errors[0];
    const before = text.slice(0, offset);
    const line = before.split("\n").length;
    const column = offset - before.lastIndexOf("\n");
    throw new ConfigError(`${file}:${line}:${column}: invalid JSON (${printParseErrorCode(error)})`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new ConfigError(`${file}: expected a JSON object at the top level`);
  }
  return value;
}

function validate(raw: unknown, file: string): MoorConfig {
  const result = MoorConfig.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const { path, message } = deepestIssue(issue as ZodIssueLike);
    return `${file}: ${path.join(".") || "(root)"}: ${message}`;
  });
  throw new ConfigError(problems.join("\n"));
}

interface ZodIssueLike {
  code: string;
  path: PropertyKey[];
  message: string;
  errors?: ZodIssueLike[][];
}

/**
 * A union's "Invalid input" says nothing; the branch that got furthest into the value says what was expected
 * (e.g. `permission.edit: expected one of "allow"|"ask"|"deny"`).
 */
function deepestIssue(issue: ZodIssueLike): { path: PropertyKey[]; message: string } {
  if (issue.code !== "invalid_union" || !issue.errors?.length) return { path: issue.path, message: issue.message };
  let best: { path: PropertyKey[]; message: string } | undefined;
  for (const branch of issue.errors) {
    for (const inner of branch) {
      const found = deepestIssue(inner);
      if (!best || found.path.length > best.path.length) best = found;
    }
  }
  return best
    ? { path: [...issue.path, ...best.path], message: best.message }
    : { path: issue.path, message: issue.message };
}

/** `{env:VAR}` and `{file:path}` in any string (OpenCode's substitutions); each file read is added to `read`. */
function substitute(value: unknown, file: string, env: Record<string, string | undefined>, read: Set<string>): unknown {
  if (typeof value === "string") {
    return value
      .replace(/\{env:([^}]+)\}/g, (_, name: string) => env[name.trim()] ?? "")
      .replace(/\{file:([^}]+)\}/g, (_, path: string) => readReferenced(path.trim(), file, env, read));
  }
  if (Array.isArray(value)) return value.map((item) => substitute(item, file, env, read));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, substitute(item, file, env, read)]));
  }
  return value;
}

/** The names every `{env:VAR}` in `value` (any depth) refers to. */
function envReferences(value: unknown): string[] {
  if (typeof value === "string") return [...value.matchAll(/\{env:([^}]+)\}/g)].map((match) => match[1].trim());
  if (Array.isArray(value)) return value.flatMap(envReferences);
  if (value && typeof value === "object") return Object.values(value).flatMap(envReferences);
  return [];
}

function readReferenced(
  path: string,
  configFile: string,
  env: Record<string, string | undefined>,
  read: Set<string>,
): string {
  const expanded = path.startsWith("~/") && env.HOME ? join(env.HOME, path.slice(2)) : path;
  const full = isAbsolute(expanded) ? expanded : resolve(dirname(configFile), expanded);
  read.add(full);
  try {
    return readConfigText(full).trim();
  } catch {
    throw new ConfigError(`${configFile}: {file:${path}} refers to ${full}, which cannot be read`);
  }
}

function deepMerge(base: Record<string, unknown>, override: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = out[key];
    out[key] =
      isPlainObject(current) && isPlainObject(value)
        ? deepMerge(current as Record<string, unknown>, value as Record<string, unknown>)
        : value;
  }
  return out;
}

function isPlainObject(value: unknown): boolean {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
