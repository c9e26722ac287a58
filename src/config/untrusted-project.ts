// A project's own config (opencode.json, .moor/config.json) in a directory the user has not trusted: a cloned repo
// must not be able to loosen permissions, send prompts and keys elsewhere, start commands, or read the user's
// environment and files. What it may set is listed here (an allow list, so a key added later is held back until
// someone decides it is safe); everything else is held back with a reason `moor debug config` prints.
import { realpathSync } from "node:fs";
import { basename, dirname, isAbsolute, join, resolve, sep } from "node:path";
import { type Action, type Rules, tightenOnly } from "./permission-tighten.js";
import { PermissionConfig } from "./schema.js";
import { realDirectory } from "./trust.js";

export interface HeldBack {
  /** The config file the key came from. */
  file: string;
  /** Dotted path of the key, e.g. `provider` or `permission.bash`. */
  key: string;
  reason: string;
}

export interface UntrustedContext {
  file: string;
  project: string;
  /** The config merged so far (user and defaults): what a project may only tighten. */
  base: Record<string, unknown>;
  defaults: { permission: Record<string, Action>; maxSteps: number };
  home?: string;
}

/** Keys that change nothing the agent can do or reach. */
const HARMLESS = new Set(["$schema", "username", "theme", "keybinds", "tui", "layout"]);

/** Why the known dangerous keys are held back; any other unknown key gets the generic reason. */
const REASONS: Record<string, string> = {
  model: "changes the model that gets your prompts",
  small_model: "changes the model that gets your prompts",
  provider: "changes where prompts and your API keys are sent",
  enabled_providers: "changes which providers are used",
  disabled_providers: "changes which providers are used",
  mode: "modes set their own model, prompt and permissions",
  mcp: "starts MCP servers (runs commands)",
  hooks: "runs commands",
  notify: "sends your sessions' events to URLs",
  formatter: "runs formatter commands",
  lsp: "starts language servers (runs commands)",
  shell: "runs commands",
  env: "passes environment variables to commands",
  plugin: "loads and runs code",
  command: "slash commands can run shell commands",
  experimental: "experimental settings can run commands",
  share: "can publish your sessions",
  autoupdate: "changes how moor updates itself",
  store: "changes where your sessions are stored",
};
const UNKNOWN = "not applied until the directory is trusted";

export function filterUntrusted(
  raw: Record<string, unknown>,
  context: UntrustedContext,
): { kept: Record<string, unknown>; heldBack: HeldBack[] } {
  const heldBack: HeldBack[] = [];
  const hold = (key: string, reason: string) => heldBack.push({ file: context.file, key, reason });
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (HARMLESS.has(key)) kept[key] = value;
    else if (key === "permission") {
      const parsed = PermissionConfig.safeParse(value);
      // An invalid value is kept so that validation names it, as it would in a trusted directory.
      if (!parsed.success) kept[key] = value;
      else {
        const base = context.base.permission as Rules | undefined;
        const result = tightenOnly(base, parsed.data, context.defaults.permission);
        for (const dropped of result.dropped) hold(dropped.key, dropped.reason);
        if (result.kept !== undefined) kept[key] = result.kept;
      }
    } else if (key === "maxSteps") {
      const limit = (context.base.maxSteps as number | undefined) ?? context.defaults.maxSteps;
      if (typeof value === "number" && value > limit) hold(key, `more steps than your limit (${limit})`);
      else kept[key] = value;
    } else if (key === "tools" && value && typeof value === "object" && !Array.isArray(value)) {
      // `{tool: false}` turns a tool off; turning one on is not the project's call.
      const off = Object.entries(value).filter(([name, enabled]) => {
        if (enabled !== false) hold(`tools.${name}`, "enables a tool");
        return enabled === false;
      });
      if (off.length > 0) kept[key] = Object.fromEntries(off);
    } else if (key === "agent" && value && typeof value === "object" && !Array.isArray(value)) {
      const agents = untrustedAgents(value as Record<string, unknown>, context, hold);
      if (Object.keys(agents).length > 0) kept[key] = agents;
    } else if (key === "instructions" && Array.isArray(value)) {
      const inside = value.filter((entry, index) => {
        const ok = typeof entry === "string" && isProjectRelative(entry, context.project);
        if (!ok) hold(`instructions[${index}]`, "refers to a file or URL outside the project");
        return ok;
      });
      if (inside.length > 0) kept[key] = inside;
    } else hold(key, REASONS[key] ?? UNKNOWN);
  }
  const safe = dropOutsideReferences(kept, [], context, hold);
  return { kept: (safe === DROP ? {} : safe) as Record<string, unknown>, heldBack };
}

/** Marks an agent entry from an untrusted project: its `permission` only narrows the user's rules (cli/agent-config). */
export const UNTRUSTED_AGENT = "$untrusted";

/** Agent fields that change only how the agent talks or is listed, not what it may do or where prompts go. */
const AGENT_HARMLESS = new Set([
  "description",
  "mode",
  "hidden",
  "color",
  "prompt",
  "temperature",
  "top_p",
  "permission",
]);

/**
 * An untrusted project's agents (its `agent` key, its markdown agents) may only narrow: they keep what changes no
 * reach (their `permission` is marked to narrow only), turn tools off, lower the step limit; a model, `disable` and
 * anything else is held back.
 */
function untrustedAgents(
  agents: Record<string, unknown>,
  context: UntrustedContext,
  hold: (key: string, reason: string) => void,
): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  const limit = (context.base.maxSteps as number | undefined) ?? context.defaults.maxSteps;
  for (const [name, entry] of Object.entries(agents)) {
    if (!entry || typeof entry !== "object" || Array.isArray(entry)) {
      kept[name] = entry;
      continue;
    }
    const fields: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(entry)) {
      const path = `agent.${name}.${field}`;
      if (AGENT_HARMLESS.has(field)) fields[field] = value;
      else if (field === "steps" || field === "maxSteps") {
        if (typeof value === "number" && value > limit) hold(path, `more steps than your limit (${limit})`);
        else fields[field] = value;
      } else if (field === "tools" && value && typeof value === "object" && !Array.isArray(value)) {
        const off = Object.entries(value).filter(([tool, enabled]) => {
          if (enabled !== false) hold(`${path}.${tool}`, "enables a tool");
          return enabled === false;
        });
        if (off.length > 0) fields[field] = Object.fromEntries(off);
      } else if (field === "model") hold(path, "changes the model that gets your prompts");
      else hold(path, UNKNOWN);
    }
    if (Object.keys(fields).length > 0) kept[name] = { ...fields, [UNTRUSTED_AGENT]: true };
  }
  return kept;
}

/** A relative path (or glob) that stays in the project, symlinks followed as far as they exist. */
function isProjectRelative(path: string, project: string): boolean {
  if (/^[a-z][a-z0-9+.-]*:/i.test(path) || isAbsolute(path) || path.startsWith("~")) return false;
  if (path.split(/[\\/]/).includes("..")) return false;
  return withinProject(resolve(project, path), project);
}

const DROP = Symbol("drop");

/**
 * `{env:NAME}` is never read for an untrusted project (the user's environment holds their keys), nor `{file:…}`
 * outside the project (symlinks resolved). The key holding such a string is held back; an array holding one is
 * held back whole.
 */
function dropOutsideReferences(
  value: unknown,
  path: string[],
  context: UntrustedContext,
  hold: (key: string, reason: string) => void,
): unknown {
  if (typeof value === "string") {
    const env = value.match(/\{env:([^}]+)\}/);
    if (env) {
      hold(path.join("."), `reads the environment variable ${env[1].trim()}`);
      return DROP;
    }
    for (const match of value.matchAll(/\{file:([^}]+)\}/g)) {
      if (!insideProject(match[1].trim(), context)) {
        hold(path.join("."), `reads ${match[1].trim()}, outside the project`);
        return DROP;
      }
    }
    return value;
  }
  if (Array.isArray(value)) {
    // Held back whole, under the array's own key: a list missing an item could mean something else.
    const reasons: string[] = [];
    const items = value.map((item) => dropOutsideReferences(item, path, context, (_, reason) => reasons.push(reason)));
    if (reasons.length > 0) {
      hold(path.join("."), reasons[0]);
      return DROP;
    }
    return items;
  }
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const result = dropOutsideReferences(item, [...path, key], context, hold);
      if (result !== DROP) out[key] = result;
    }
    return out;
  }
  return value;
}

function insideProject(reference: string, context: UntrustedContext): boolean {
  const expanded = reference.startsWith("~/") && context.home ? join(context.home, reference.slice(2)) : reference;
  return withinProject(isAbsolute(expanded) ? expanded : resolve(dirname(context.file), expanded), context.project);
}

/** Judged by the real path of the deepest part that exists (a link in the project may point anywhere). */
function withinProject(full: string, project: string): boolean {
  let existing = full;
  let rest = "";
  for (;;) {
    try {
      existing = join(realpathSync(existing), rest);
      break;
    } catch {
      const parent = dirname(existing);
      if (parent === existing) break;
      rest = join(basename(existing), rest);
      existing = parent;
    }
  }
  const root = realDirectory(project);
  return existing === root || existing.startsWith(root.endsWith(sep) ? root : root + sep);
}
