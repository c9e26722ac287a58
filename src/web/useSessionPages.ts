// The web page's session list, a page at a time (client/session-pages.ts): the first page of the current search on
// load and resync, the next when asked, and events folded in. A page that arrives for a search the user has since
// changed is dropped, so a slow answer never overwrites a newer one.
import { useCallback, useRef, useState } from "preact/hooks";
import {
  addPage,
  emptySessions,
  type LoadedSessions,
  type MoorClient,
  removeSession,
  SESSION_PAGE_SIZE,
  upsertSession,
} from "../client/index.js";
import type { Session } from "../protocol/index.js";

export interface SessionPages {
  list: LoadedSessions;
  /** Loads the first page of the current search again (on load and on resync). */
  reload(): Promise<void>;
  /** Starts over with this search ("" for every session). */
  search(search: string): Promise<void>;
  /** Loads the next page, unless one is already on its way or none follows. */
  more(): Promise<void>;
  upsert(session: Session): void;
  remove(sessionID: string): void;
}

export function useSessionPages(client: MoorClient): SessionPages {
  const [list, setList] = useState<LoadedSessions>(() => emptySessions());
  const current = useRef(list);
  current.current = list;
  /** The search the user wants now; a page for any other is stale. */
  const wanted = useRef("");
  const loadingMore = useRef(false);
  /**
   * The events folded in while a first page is on its way: the page may have been read before them (a session created
   * while the page reloads after a resync), so they are folded into it again when it arrives.
   */
  const sinceLoad = useRef<((list: LoadedSessions) => LoadedSessions)[] | undefined>(undefined);

  const search = useCallback(
    async (text: string) => {
      wanted.current = text;
      const folded: ((list: LoadedSessions) => LoadedSessions)[] = [];
      sinceLoad.current = folded;
      const page = await client.sessionPage({ search: text, limit: SESSION_PAGE_SIZE });
      if (sinceLoad.current === folded) sinceLoad.current = undefined;
      if (wanted.current !== text) return;
      setList(folded.reduce((list, fold) => fold(list), addPage(emptySessions(text), page)));
    },
    [client],
  );
  const reload = useCallback(() => search(wanted.current), [search]);
  const more = useCallback(async () => {
    const from = current.current;
    if (loadingMore.current || !from.loaded || from.cursor === undefined) return;
    loadingMore.current = true;
    try {
      const page = await client.sessionPage({ search: from.search, cursor: from.cursor, limit: SESSION_PAGE_SIZE });
      setList((latest) =>
        latest.search === from.search && latest.cursor === from.cursor ? addPage(latest, page) : latest,
      );
    } finally {
      loadingMore.current = false;
    }
  }, [client]);
  const fold = useCallback((change: (list: LoadedSessions) => LoadedSessions) => {
    sinceLoad.current?.push(change);
    setList(change);
  }, []);
  const upsert = useCallback((session: Session) => fold((latest) => upsertSession(latest, session)), [fold]);
  const remove = useCallback((sessionID: string) => fold((latest) => removeSession(latest, sessionID)), [fold]);
  return { list, reload, search, more, upsert, remove };
}
