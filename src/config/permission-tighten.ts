// What an untrusted project may do to `permission`: only make it stricter. Each project entry is kept when no
// request it can decide would get a looser answer than the user's config (or the built-in default) gives today;
// otherwise it is dropped, with the key named. The test is conservative: an entry that merely repeats what is
// already allowed is dropped too, and a tightening that needs a fallback gets one (see `fillFallback`).

export type Action = "allow" | "ask" | "deny";
type Table = Record<string, Action>;
export type Rules = Action | Record<string, Action | Table>;

const RANK: Record<Action, number> = { allow: 0, ask: 1, deny: 2 };
const BY_RANK: Action[] = ["allow", "ask", "deny"];

export interface Dropped {
  key: string;
  reason: string;
}

const LOOSER = "would loosen permissions (your config or the default is stricter)";

function isAction(value: unknown): value is Action {
  return value === "allow" || value === "ask" || value === "deny";
}

function max(actions: Action[]): Action {
  return BY_RANK[Math.max(...actions.map((action) => RANK[action]))];
}

function min(actions: Action[]): Action {
  return BY_RANK[Math.min(...actions.map((action) => RANK[action]))];
}

/** What a request under `key` falls back to when no rule names it (core's DEFAULT_ACTIONS, else ask). */
function fallbacks(key: string, defaults: Table): Action[] {
  return key === "*" ? [...Object.values(defaults), "ask"] : [defaults[key] ?? "ask"];
}

/** Every answer `base` can give for requests under `key` ("*": any key the rules do not name). */
function baseActions(base: Rules | undefined, key: string, defaults: Table): Action[] {
  if (isAction(base)) return [base];
  const entry = base?.[key] ?? base?.["*"];
  if (isAction(entry)) return [entry];
  if (entry) return [...Object.values(entry), ...fallbacks(key, defaults)];
  return fallbacks(key, defaults);
}

/** Every answer `base` can give at all. */
function allBaseActions(base: Rules | undefined, defaults: Table): Action[] {
  if (isAction(base)) return [base];
  const named = Object.values(base ?? {}).flatMap((entry) => (isAction(entry) ? [entry] : Object.values(entry)));
  return [...named, ...Object.values(defaults), "ask"];
}

export function tightenOnly(
  base: Rules | undefined,
  project: Rules,
  defaults: Table,
): { kept: Rules | undefined; dropped: Dropped[] } {
  if (isAction(project)) {
    const strictest = max(allBaseActions(base, defaults));
    return RANK[project] >= RANK[strictest]
      ? { kept: project, dropped: [] }
      : { kept: undefined, dropped: [{ key: "permission", reason: LOOSER }] };
  }
  const kept: Record<string, Action | Table> = {};
  const dropped: Dropped[] = [];
  for (const [key, value] of Object.entries(project)) {
    const strictest = max(baseActions(base, key, defaults));
    if (isAction(value)) {
      if (RANK[value] >= RANK[strictest]) kept[key] = value;
      else dropped.push({ key: `permission.${key}`, reason: LOOSER });
      continue;
    }
    const table: Table = {};
    for (const [pattern, action] of Object.entries(value)) {
      if (RANK[action] >= RANK[strictest]) table[pattern] = action;
      else dropped.push({ key: `permission.${key}.${pattern}`, reason: LOOSER });
    }
    const baseEntry = isAction(base) ? undefined : base?.[key];
    const mergesIntoTable = baseEntry !== undefined && !isAction(baseEntry);
    if (!mergesIntoTable) fillFallback(table, strictest, min(fallbacks(key, defaults)));
    if (Object.keys(table).length > 0) kept[key] = table;
  }
  // Rules that replace a single base action would send every key they do not name to its default; "*" keeps the
  // base's answer for those.
  if (isAction(base) && Object.keys(kept).length > 0 && !("*" in kept)) kept["*"] = base;
  return { kept: Object.keys(kept).length > 0 ? kept : undefined, dropped };
}

/**
 * A table that replaces an action (or the default) answers unmatched requests with the default; when that is
 * looser than what was answered before, `"*"` carries the stricter answer.
 */
function fillFallback(table: Table, strictest: Action, fallback: Action): void {
  if (Object.keys(table).length === 0 || "*" in table) return;
  if (RANK[fallback] < RANK[strictest]) table["*"] = strictest;
}
