// `hooks` add up across config files: a project's hooks for an event run after the user's own for it, as Claude
// Code runs the hooks of every settings file, rather than replacing them as other keys' lists are replaced.

/** `raw` with each of its `hooks` lists preceded by the list `merged` already has for that event. */
export function withHooksAdded(merged: Record<string, unknown>, raw: Record<string, unknown>): Record<string, unknown> {
  const base = merged.hooks;
  const added = raw.hooks;
  if (!isObject(base) || !isObject(added)) return raw;
  const hooks: Record<string, unknown> = {};
  for (const [event, list] of Object.entries(added)) {
    const before = base[event];
    hooks[event] = Array.isArray(before) && Array.isArray(list) ? [...before, ...list] : list;
  }
  return { ...raw, hooks };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
