// The open session and its descendants (sessions created with parentID = it, or a descendant, e.g. by a task
// tool). Clients show and answer the permission questions of the whole family, since a child session's turn waits
// on its question while the user watches the parent. Pure helpers: the view model, `moor run --attach` and ACP keep
// the family as they like. Sessions know their parent from session.created/updated events (info.parentID) or
// from GET /session/:id/children, which `descendantsOf` walks.
import type { MoorEvent, Session } from "../protocol/index.js";

/** `family` (the open session first) grown by the session an event announces, when its parent is in it. */
export function growFamily(family: readonly string[], event: MoorEvent): readonly string[] {
  if (event.type !== "session.created" && event.type !== "session.updated") return family;
  const { info } = event.properties;
  if (!info.parentID || !family.includes(info.parentID) || family.includes(info.id)) return family;
  return [...family, info.id];
}

/** The session a permission event is about, when it is one (asked or replied). */
export function permissionSessionOf(event: MoorEvent): string | undefined {
  if (event.type === "permission.asked" || event.type === "permission.replied") return event.properties.sessionID;
  return undefined;
}

/** Every descendant of `id`, breadth first, read through GET /session/:id/children. */
export async function descendantsOf(
  children: (id: string) => Promise<Session[]>,
  id: string,
  limit = 1000,
): Promise<string[]> {
  const found: string[] = [];
  const queue = [id];
  while (queue.length > 0 && found.length < limit) {
    const next = queue.shift() as string;
    for (const child of await children(next)) {
      if (child.id === id || found.includes(child.id)) continue;
      found.push(child.id);
      queue.push(child.id);
    }
  }
  return found;
}
