import { Text } from "ink";
import { useCallback, useEffect, useRef, useState } from "react";
import {
  addPage,
  emptySessions,
  hasMore,
  type LoadedSessions,
  type MoorClient,
  SESSION_PAGE_SIZE,
} from "../client/index.js";
import type { Session, SessionStatus } from "../protocol/index.js";
import { FilterPicker } from "./FilterPicker.js";
import { sessionItems } from "./session-items.js";

/** How many of the newest idle sessions are checked for an interrupted turn (one request each). */
const CHECKED_FOR_INTERRUPTION = 10;
/** How long typing pauses before the server is asked: one search per pause, not per key. */
const SEARCH_DELAY_MS = 150;

export interface SessionPickerProps {
  client: MoorClient;
  /** The open session: its subagents (task tool children) come first, marked ↳, to open one. */
  current?: string;
  onOpen(session: Session): void;
  onNew(): void;
  onCancel(): void;
}

/**
 * The sessions to switch to, newest first, a page at a time (client/session-pages.ts): moving down near the end
 * loads the next page, and typing filters what is loaded at once, then asks the server for every title holding the
 * words. Ctrl+N starts a new one.
 */
export function SessionPicker({ client, current, onOpen, onNew, onCancel }: SessionPickerProps) {
  const [list, setList] = useState<LoadedSessions>(() => emptySessions());
  const [children, setChildren] = useState<Session[]>([]);
  const [statuses, setStatuses] = useState<Record<string, SessionStatus>>({});
  const [interrupted, setInterrupted] = useState<ReadonlySet<string>>(new Set());
  const [error, setError] = useState<string | undefined>();
  const [filter, setFilter] = useState("");
  const latest = useRef(list);
  latest.current = list;
  const loadingMore = useRef(false);

  useEffect(() => {
    let live = true;
    void Promise.all([
      client.sessionPage({ limit: SESSION_PAGE_SIZE }),
      client.statuses().catch((): Record<string, SessionStatus> => ({})),
      current ? client.children(current).catch((): Session[] => []) : [],
    ])
      .then(async ([page, status, kids]) => {
        if (!live) return;
        setList((shown) => (shown.loaded ? shown : addPage(emptySessions(), page)));
        setChildren(kids);
        setStatuses(status);
        // A turn the server's previous process did not finish ends in an InterruptedError (core/recovery.ts).
        const idle = page.sessions.filter((session) => !status[session.id]).slice(0, CHECKED_FOR_INTERRUPTION);
        const found = await Promise.all(
          idle.map((session) =>
            client
              .messages(session.id)
              .then((messages) => {
                const last = messages.at(-1)?.info;
                return last?.role === "assistant" && last.error?.name === "InterruptedError" ? session.id : undefined;
              })
              .catch(() => undefined),
          ),
        );
        if (live) setInterrupted(new Set(found.filter((id): id is string => id !== undefined)));
      })
      .catch((failure: Error) => live && setError(failure.message));
    return () => {
      live = false;
    };
  }, [client, current]);

  // A search for what was typed, once typing pauses; a page for an older search is dropped.
  useEffect(() => {
    const search = filter.trim();
    if (search === latest.current.search) return;
    let live = true;
    const timer = setTimeout(() => {
      client
        .sessionPage({ search, limit: SESSION_PAGE_SIZE })
        .then((page) => live && setList(addPage(emptySessions(search), page)))
        .catch((failure: Error) => live && setError(failure.message));
    }, SEARCH_DELAY_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [client, filter]);

  const more = useCallback(() => {
    const from = latest.current;
    if (loadingMore.current || !from.loaded || from.cursor === undefined) return;
    loadingMore.current = true;
    client
      .sessionPage({ search: from.search, cursor: from.cursor, limit: SESSION_PAGE_SIZE })
      .then((page) =>
        setList((shown) =>
          shown.search === from.search && shown.cursor === from.cursor ? addPage(shown, page) : shown,
        ),
      )
      .catch((failure: Error) => setError(failure.message))
      .finally(() => {
        loadingMore.current = false;
      });
  }, [client]);

  if (error) return <Text color="red">could not list sessions: {error}</Text>;
  if (!list.loaded) return <Text dimColor>loading sessions…</Text>;
  const first = new Set(children.map((child) => child.id));
  const sessions = [...children, ...list.sessions.filter((session) => !first.has(session.id))];
  return (
    <FilterPicker
      title="Sessions"
      hint="Ctrl+N new"
      items={sessionItems(sessions, statuses, interrupted, Date.now())}
      more={hasMore(list)}
      onMore={more}
      onFilter={setFilter}
      onPick={(id) => {
        const session = sessions.find((candidate) => candidate.id === id);
        if (session) onOpen(session);
      }}
      onCancel={onCancel}
      onKey={(input, key) => {
        if (key.ctrl && input === "n") {
          onNew();
          return true;
        }
        return false;
      }}
    />
  );
}
