// Permission rules from config (OpenCode's `permission` key) plus the session's "always" grants → allow/ask/deny.
import type { PermissionAction } from "../protocol/index.js";

/** `"allow"` for everything, or per permission key: an action, or `{pattern: action}`. */
export type PermissionRules = PermissionAction | Record<string, PermissionAction | Record<string, PermissionAction>>;

/** Read-only tools run freely; anything that changes the world asks first. */
export const DEFAULT_ACTIONS: Record<string, PermissionAction> = {
  read: "allow",
  glob: "allow",
  grep: "allow",
  list: "allow",
  todoread: "allow",
  todowrite: "allow",
  edit: "ask",
  bash: "ask",
  external_directory: "ask",
  webfetch: "ask",
  // Starting a subagent is allowed (as in OpenCode); what the subagent does asks under its own keys.
  task: "allow",
};

const STRICTNESS: Record<PermissionAction, number> = { allow: 0, ask: 1, deny: 2 };

function stricter(a: PermissionAction, b: PermissionAction | undefined): PermissionAction {
  return b !== undefined && STRICTNESS[b] > STRICTNESS[a] ? b : a;
}

/**
 * Marks a command whose words do not say what runs (`sh -c …`, `sudo …`, a line the parser could not read): only a
 * blanket allow (`"bash": "allow"`) lets it run unasked; grants and patterns never do, a deny still denies.
 */
export const OPAQUE_MARK = "(opaque) ";

/** `*` matches anything, `?` one character; a trailing ` *` also matches nothing (`git status *` ⊇ `git status`). */
export function wildcardMatch(pattern: string, value: string): boolean {
  if (pattern === "*") return true;
  const optionalTail = pattern.endsWith(" *");
  const body = (optionalTail ? pattern.slice(0, -2) : pattern)
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${body}${optionalTail ? "( .*)?" : ""}$`, "s").test(value);
}

/** The most specific matching pattern wins: an exact match, else the one with the most literal characters. */
export function actionForPattern(table: Record<string, PermissionAction>, value: string): PermissionAction | undefined {
  let best: { action: PermissionAction; weight: number } | undefined;
  for (const [pattern, action] of Object.entries(table)) {
    if (!wildcardMatch(pattern, value)) continue;
    const weight = pattern === value ? Number.POSITIVE_INFINITY : pattern.replace(/[*?]/g, "").length;
    if (!best || weight >= best.weight) best = { action, weight };
  }
  return best?.action;
}

/**
 * The rules' entry for a permission key: the key itself, else the most specific wildcard key matching it (OpenCode's
 * `"mcp-github_*": "ask"` for an MCP server's tools), else `*`.
 */
function entryFor(
  rules: Record<string, PermissionAction | Record<string, PermissionAction>> | undefined,
  permission: string,
): PermissionAction | Record<string, PermissionAction> | undefined {
  if (!rules) return undefined;
  if (Object.hasOwn(rules, permission)) return rules[permission];
  let best: { key: string; weight: number } | undefined;
  for (const key of Object.keys(rules)) {
    if (key === "*" || !/[*?]/.test(key) || !wildcardMatch(key, permission)) continue;
    const weight = key.replace(/[*?]/g, "").length;
    if (!best || weight >= best.weight) best = { key, weight };
  }
  return best ? rules[best.key] : rules["*"];
}

function actionFor(
  rules: PermissionRules | undefined,
  permission: string,
  value: string,
  unruled: PermissionAction | undefined,
): PermissionAction {
  if (typeof rules === "string") return rules;
  const entry = entryFor(rules, permission);
  if (typeof entry === "string") return entry;
  if (entry) {
    const action = actionForPattern(entry, value);
    if (action) return action;
  }
  return DEFAULT_ACTIONS[permission] ?? unruled ?? "ask";
}

/**
 * An agent's own permission table over the user's rules (OpenCode's agent `permission`). Where it names the key (or
 * `*`) and a pattern matches, its action replaces the user's when it `loosens` (an agent the user configured),
 * else only makes it stricter. Where it says nothing, the user's rules stand.
 */
export interface AgentRules {
  table: PermissionRules;
  loosens: boolean;
}

/** The table's action for one value, or undefined when it says nothing about it. */
export function agentTableAction(
  table: PermissionRules,
  permission: string,
  value: string,
): PermissionAction | undefined {
  if (typeof table === "string") return table;
  const entry = Object.hasOwn(table, permission)
    ? table[permission]
    : Object.hasOwn(table, "*")
      ? table["*"]
      : undefined;
  if (entry === undefined || typeof entry === "string") return entry;
  return actionForPattern(entry, value);
}

export interface Grant {
  permission: string;
  pattern: string;
}

/**
 * Every pattern must be allowed for `allow`; any `deny` denies; otherwise the user is asked. The turn's agent's limits
 * (from the agent registry) make the configured action stricter, never looser; where a limit says `ask`, grants do
 * not answer for it.
 */
export function evaluatePermission(
  rules: PermissionRules | undefined,
  grants: Grant[],
  permission: string,
  patterns: string[],
  limits?: Readonly<Record<string, PermissionAction>>,
  agent?: AgentRules,
  /** The action for a key no rule and no default names (an MCP tool's: allow, as OpenCode does). */
  unruled?: PermissionAction,
): PermissionAction {
  const limit = !limits
    ? undefined
    : Object.hasOwn(limits, permission)
      ? limits[permission]
      : Object.hasOwn(limits, "*")
        ? limits["*"]
        : undefined;
  let result: PermissionAction = "allow";
  for (const value of patterns.length > 0 ? patterns : ["*"]) {
    const opaque = value.startsWith(OPAQUE_MARK);
    const judged = opaque ? value.slice(OPAQUE_MARK.length) : value;
    let own = actionFor(rules, permission, judged, unruled);
    const byAgent = agent ? agentTableAction(agent.table, permission, judged) : undefined;
    if (byAgent !== undefined) own = agent?.loosens ? byAgent : stricter(own, byAgent);
    const configured = stricter(own, limit);
    if (configured === "deny") return "deny";
    if (opaque) {
      if (configured !== "allow" || !blanketAllow(rules, permission, agent)) result = "ask";
      continue;
    }
    if (configured === "allow") continue;
    const granted =
      limit !== "ask" && grants.some((grant) => grant.permission === permission && wildcardMatch(grant.pattern, value));
    if (!granted) result = "ask";
  }
  return result;
}

/** Whether what decides an opaque command is a blanket allow: the agent's table where it names the key, the rules. */
function blanketAllow(rules: PermissionRules | undefined, permission: string, agent: AgentRules | undefined): boolean {
  const named =
    agent !== undefined &&
    (typeof agent.table === "string" || Object.hasOwn(agent.table, permission) || Object.hasOwn(agent.table, "*"));
  if (!named) return allowsEverything(rules, permission);
  if (agent.loosens) return allowsEverything(agent.table, permission);
  return allowsEverything(rules, permission) && allowsEverything(agent.table, permission);
}

/** `"bash": "allow"` (or `{"*": "allow"}` alone, or `"allow"` for everything): no pattern of it is judged. */
function allowsEverything(rules: PermissionRules | undefined, permission: string): boolean {
  if (typeof rules === "string") return rules === "allow";
  const entry = entryFor(rules, permission);
  if (typeof entry === "string") return entry === "allow";
  return entry !== undefined && Object.keys(entry).length === 1 && entry["*"] === "allow";
}
