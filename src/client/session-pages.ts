// A session list loaded a page at a time (GET /session with `limit` and `cursor`, newest first), as the web page's
// list and attach's picker show it: the first page at once, the next when the user scrolls to the end, and a typed
// search asked of the server (it matches titles) rather than filtered from what happens to be loaded. With 10,000
// sessions a screen shows the newest in one small request instead of fetching them all.
import type { Session } from "../protocol/index.js";

/** Sessions per request: more than a screen shows, few enough to arrive at once. */
export const SESSION_PAGE_SIZE = 50;

export interface SessionPageQuery {
  limit?: number;
  cursor?: string;
  /** Only titles containing this (case ignored). */
  search?: string;
  roots?: boolean;
}

export interface SessionPageResult {
  sessions: Session[];
  /** Where the next page starts; absent on the last page. */
  cursor?: string;
}

/** The sessions loaded so far for one search ("" for all), and whether more follow. */
export interface LoadedSessions {
  search: string;
  sessions: Session[];
  cursor?: string;
  /** False until the first page arrived. */
  loaded: boolean;
}

export function emptySessions(search = ""): LoadedSessions {
  return { search, sessions: [], loaded: false };
}

/** Adds the next page (a session already shown, e.g. learnt from an event, is not repeated). */
export function addPage(current: LoadedSessions, page: SessionPageResult): LoadedSessions {
  const seen = new Set(current.sessions.map((session) => session.id));
  return {
    search: current.search,
    sessions: [...current.sessions, ...page.sessions.filter((session) => !seen.has(session.id))],
    cursor: page.cursor,
    loaded: true,
  };
}

/** Whether more pages follow what is loaded. */
export function hasMore(current: LoadedSessions): boolean {
  return !current.loaded || current.cursor !== undefined;
}

/**
 * A session created or changed (an event): it moves to the top, as the server orders it. Under a search it is kept
 * only when its title still matches, and a session not loaded yet is only added when it is newer than the last one
 * shown (else its page brings it, once scrolled to).
 */
export function upsertSession(current: LoadedSessions, session: Session): LoadedSessions {
  const others = current.sessions.filter((entry) => entry.id !== session.id);
  const matches = titleMatches(session.title, current.search);
  const last = current.sessions.at(-1);
  const known = others.length !== current.sessions.length;
  const inRange = known || current.cursor === undefined || !last || session.time.updated >= last.time.updated;
  if (!matches || !inRange) return known ? { ...current, sessions: others } : current;
  return { ...current, sessions: sortNewestFirst([...others, session]) };
}

/** The server's search: every word of it appears in the title, case ignored. */
export function titleMatches(title: string, search: string): boolean {
  const text = title.toLowerCase();
  return search
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((word) => text.includes(word));
}

export function removeSession(current: LoadedSessions, sessionID: string): LoadedSessions {
  return { ...current, sessions: current.sessions.filter((session) => session.id !== sessionID) };
}

/** The server's order: most recently updated first, ties by id (newest id first). */
export function sortNewestFirst(sessions: readonly Session[]): Session[] {
  return [...sessions].sort((a, b) => b.time.updated - a.time.updated || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}
