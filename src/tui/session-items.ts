// The session picker's rows: title, when it last changed, its status (busy, idle, or interrupted: the server's
// previous process ended during its turn) and its directory; typing matches any of them and the id.
import type { Session, SessionStatus } from "../protocol/index.js";
import type { PickerItem } from "./FilterPicker.js";

export type SessionState = "busy" | "idle" | "interrupted" | "retry";

/** "just now", "5m ago", "3h ago", "2d ago", then the date. */
export function timeAgo(time: number, now: number): string {
  const seconds = Math.max(0, Math.round((now - time) / 1000));
  if (seconds < 60) return "just now";
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h ago`;
  if (seconds < 7 * 86_400) return `${Math.floor(seconds / 86_400)}d ago`;
  return new Date(time).toISOString().slice(0, 10);
}

export function sessionState(
  id: string,
  statuses: Record<string, SessionStatus>,
  interrupted: ReadonlySet<string>,
): SessionState {
  const status = statuses[id];
  if (status && status.type !== "idle") return status.type;
  return interrupted.has(id) ? "interrupted" : "idle";
}

export function sessionItems(
  sessions: readonly Session[],
  statuses: Record<string, SessionStatus>,
  interrupted: ReadonlySet<string>,
  now: number,
): PickerItem[] {
  return sessions.map((session) => {
    const state = sessionState(session.id, statuses, interrupted);
    const when = timeAgo(session.time.updated, now);
    return {
      key: session.id,
      label: session.parentID ? `↳ ${session.title}` : session.title,
      detail: `· ${when} · ${state} · ${session.directory}`,
      search: `${session.title} ${session.directory} ${session.id} ${state}`,
    };
  });
}
