// The one list of agents that the turn, the permission gate, the session service and every client read (issue 13
// §3). Built-ins come first; configured agents (OpenCode's `agent` key, read by cli) are passed in as overrides.
import { type AgentMode, type ModelRef, type PermissionAction, primaryAgents } from "../../protocol/index.js";
import { CoreError } from "../errors.js";
import type { AgentRules } from "../permission-rules.js";
import type { AgentDefinition, AgentLimits, AgentPermissionTable } from "./agent.js";
import { BUILTIN_AGENTS, DEFAULT_AGENT } from "./builtin.js";

/**
 * A configured agent: fields it gives replace the built-in's of the same name (so `build` and `plan` can be tuned),
 * or define a new agent; `disable` removes one. `limits` are added to the built-in's and can only narrow them.
 */
export interface AgentOverride {
  name: string;
  description?: string;
  mode?: AgentMode;
  hidden?: boolean;
  color?: string;
  limits?: Record<string, PermissionAction>;
  instructions?: string;
  model?: ModelRef;
  tools?: Record<string, boolean>;
  prompt?: string;
  temperature?: number;
  steps?: number;
  /** Replaces the base agent's table key by key (a key given here replaces the same key's rules). */
  permission?: AgentPermissionTable;
  /** See AgentDefinition: false for an agent from a project the user has not trusted. */
  permissionLoosens?: boolean;
  disable?: boolean;
}

export interface AgentRegistryOptions {
  overrides?: readonly AgentOverride[];
  /** The agent of a prompt that names none (OpenCode's `default_agent`); a primary agent. */
  defaultAgent?: string;
}

const STRICTNESS: Record<PermissionAction, number> = { allow: 0, ask: 1, deny: 2 };

export class AgentRegistry {
  readonly defaultAgent: string;
  private readonly byName = new Map<string, AgentDefinition>();

  /** Throws a CoreError (`bad_request`) when the default agent is unknown, disabled or a subagent. */
  constructor(definitions: readonly AgentDefinition[] = BUILTIN_AGENTS, options: AgentRegistryOptions = {}) {
    for (const definition of definitions) this.byName.set(definition.name, definition);
    for (const override of options.overrides ?? []) this.apply(override);
    const wanted = options.defaultAgent ?? DEFAULT_AGENT;
    const chosen = this.byName.get(wanted);
    if (!chosen || chosen.mode === "subagent") {
      const primary = primaryAgents([...this.byName.values()]).map((agent) => agent.name);
      throw new CoreError(
        "bad_request",
        `The default agent "${wanted}" is ${chosen ? "a subagent" : "unknown"}; primary agents: ${primary.join(", ") || "none"}.`,
      );
    }
    this.defaultAgent = wanted;
  }

  /** A Map, not an object: a name such as `toString` or `__proto__` is no agent. */
  get(name: string): AgentDefinition | undefined {
    return this.byName.get(name);
  }

  /**
   * Every agent: the default first, then the rest in the order they were defined (built-ins first). Clients take
   * the first primary agent as the one a prompt runs under when the user picks none (GET /agent does not otherwise
   * say which is the default).
   */
  list(): AgentDefinition[] {
    const rest = [...this.byName.values()].filter((agent) => agent.name !== this.defaultAgent);
    const first = this.byName.get(this.defaultAgent);
    return first ? [first, ...rest] : rest;
  }

  /** The agents a user picks from: primary (or `all`) and not hidden, as every client picks them. */
  primary(): AgentDefinition[] {
    return primaryAgents(this.list());
  }

  /** The agent a prompt runs under; an unknown name is the caller's mistake, and the message names the known ones. */
  resolve(name: string | undefined): AgentDefinition {
    const agent = this.byName.get(name ?? this.defaultAgent);
    if (agent) return agent;
    const known = this.list().map((definition) => definition.name);
    throw new CoreError(
      "bad_request",
      `Unknown agent "${String(name).slice(0, 80)}"; known agents: ${known.join(", ")}.`,
    );
  }

  /**
   * The limits the permission gate applies for a turn's agent. An agent no longer defined (a stored turn of an agent
   * since removed from the config, resumed) gets the default agent's limits.
   */
  limitsOf(name: string | undefined): AgentLimits {
    return (this.byName.get(name ?? this.defaultAgent) ?? this.byName.get(this.defaultAgent))?.limits ?? {};
  }

  /** The agent's own permission table for the permission gate (same fallback as limitsOf). */
  rulesOf(name: string | undefined): AgentRules | undefined {
    const agent = this.byName.get(name ?? this.defaultAgent) ?? this.byName.get(this.defaultAgent);
    if (agent?.permission === undefined) return undefined;
    return { table: agent.permission as AgentRules["table"], loosens: agent.permissionLoosens === true };
  }

  private apply(override: AgentOverride): void {
    if (override.disable) {
      this.byName.delete(override.name);
      return;
    }
    const base = this.byName.get(override.name);
    const { disable: _disable, limits, permission, ...fields } = override;
    const defined = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
    this.byName.set(override.name, {
      ...(base ?? { name: override.name, mode: "all", builtIn: false, limits: {} }),
      ...defined,
      ...tunedPermission(base, limits ?? {}, permission, override.permissionLoosens === true),
    } as AgentDefinition);
  }
}

function narrowed(base: AgentLimits, extra: Record<string, PermissionAction>): AgentLimits {
  const result: Record<string, PermissionAction> = { ...base };
  for (const [key, action] of Object.entries(extra)) {
    const current = Object.hasOwn(result, key) ? result[key] : undefined;
    if (current === undefined || STRICTNESS[action] > STRICTNESS[current]) result[key] = action;
  }
  return result;
}

/**
 * An agent's limits and table after an override. The override's limits only narrow. Its table merges over the
 * base's, rule by rule (a pattern it names replaces the base's, as OpenCode's later rules win); when the user's own
 * config gives it (`loosens`), a key it names is no longer capped by the base's limit: the limit becomes the table's
 * `*` rule for that key, so `agent.plan.permission.edit: {"*.md": "allow"}` lets plan edit markdown files only.
 */
function tunedPermission(
  base: AgentDefinition | undefined,
  limits: Record<string, PermissionAction>,
  table: AgentPermissionTable | undefined,
  loosens: boolean,
): { limits: AgentLimits; permission: AgentPermissionTable | undefined } {
  let baseLimits: AgentLimits = base?.limits ?? {};
  let baseTable = base?.permission;
  if (table !== undefined && loosens && Object.keys(baseLimits).length > 0) {
    const named = typeof table === "string" ? Object.keys(baseLimits) : Object.keys(table);
    const moved = Object.fromEntries(Object.entries(baseLimits).filter(([key]) => named.includes(key)));
    baseLimits = Object.fromEntries(Object.entries(baseLimits).filter(([key]) => !named.includes(key)));
    baseTable = mergedTable(moved, baseTable);
  }
  return { limits: narrowed(baseLimits, limits), permission: mergedTable(baseTable, table) };
}

function mergedTable(
  base: AgentPermissionTable | undefined,
  override: AgentPermissionTable | undefined,
): AgentPermissionTable | undefined {
  if (override === undefined) return base;
  if (base === undefined || typeof override === "string") return override;
  const result: Record<string, PermissionAction | Readonly<Record<string, PermissionAction>>> =
    typeof base === "string" ? { "*": base } : { ...base };
  for (const [key, rules] of Object.entries(override)) {
    const current = Object.hasOwn(result, key) ? result[key] : undefined;
    result[key] =
      typeof rules === "string" || current === undefined
        ? rules
        : { ...(typeof current === "string" ? { "*": current } : current), ...rules };
  }
  return result;
}
