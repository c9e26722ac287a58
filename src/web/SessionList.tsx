/** @jsxImportSource preact */
// The session list: newest first, with directory, last update and a busy/idle badge; "New session" and a search
// box on top. Sessions arrive a page at a time (client/session-pages.ts): the next page loads when the end of the
// list scrolls into view, and typing asks the server for titles holding every word, so 10,000 sessions cost one page.
import { useEffect, useRef, useState } from "preact/hooks";
import { hasMore, type LoadedSessions } from "../client/index.js";
import { humanTitle } from "../client/session-title.js";
import type { SessionStatus } from "../protocol/index.js";
import { relativeTime, shortDirectory } from "./format.js";

/** How long typing pauses before the search is sent: one request per pause, not per key. */
const SEARCH_DELAY_MS = 150;

interface Props {
  list: LoadedSessions;
  statuses: Record<string, SessionStatus>;
  selected?: string;
  onSelect(id: string): void;
  onCreate(): void;
  /** The end of the list is in view: load the next page. */
  onMore(): void;
  /** The search changed (trimmed; "" for every session). */
  onSearch(search: string): void;
}

export function StatusBadge({ status }: { status?: SessionStatus }) {
  const type = status?.type ?? "idle";
  return <span class={`badge badge-${type}`}>{type === "retry" ? "retrying" : type}</span>;
}

export function SessionList({ list, statuses, selected, onSelect, onCreate, onMore, onSearch }: Props) {
  const [query, setQuery] = useState(list.search);
  const searching = query.trim() !== "";
  // The last search asked for (not the one shown: typing "a" then clearing it before the answer must ask for "").
  const requested = useRef(list.search);
  // Held in a ref: a re-render (an event arriving) must not restart the pause.
  const searchRef = useRef(onSearch);
  searchRef.current = onSearch;
  useEffect(() => {
    const search = query.trim();
    if (search === requested.current) return;
    const timer = setTimeout(() => {
      requested.current = search;
      searchRef.current(search);
    }, SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [query]);

  const more = hasMore(list) && list.loaded;
  const end = useRef<HTMLLIElement>(null);
  const moreRef = useRef(onMore);
  moreRef.current = onMore;
  // Observed anew after each page: if the end is still in view (a tall window), the next page loads too.
  // biome-ignore lint/correctness/useExhaustiveDependencies: the page count is what re-arms the observer.
  useEffect(() => {
    const target = end.current;
    if (!more || !target) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) moreRef.current();
    });
    observer.observe(target);
    return () => observer.disconnect();
  }, [more, list.sessions.length]);

  const sessions = list.sessions;
  const empty = list.loaded && sessions.length === 0;
  return (
    <nav class="session-list">
      <button type="button" class="primary new-session" onClick={onCreate}>
        + New session
      </button>
      {(sessions.length > 0 || searching || list.search) && (
        <input
          type="search"
          class="session-search"
          aria-label="Search sessions"
          placeholder="Search sessions"
          value={query}
          onInput={(event) => setQuery(event.currentTarget.value)}
        />
      )}
      {empty && !list.search && <p class="empty">No sessions yet.</p>}
      {empty && list.search && <p class="empty">No session matches “{list.search}”.</p>}
      <ul>
        {sessions.map((session) => (
          <li key={session.id}>
            <a
              href={`#/s/${encodeURIComponent(session.id)}`}
              class={`session-item ${session.id === selected ? "selected" : ""}`}
              data-session={session.id}
              title={session.title}
              onClick={(event) => {
                event.preventDefault();
                onSelect(session.id);
              }}
            >
              <span class="session-title">{humanTitle(session)}</span>
              <StatusBadge status={statuses[session.id]} />
              <span class="session-meta">
                <span title={session.directory}>{shortDirectory(session.directory)}</span>
                <span>{relativeTime(session.time.updated)}</span>
              </span>
            </a>
          </li>
        ))}
        {more && (
          <li ref={end} class="session-more empty">
            Loading more…
          </li>
        )}
      </ul>
    </nav>
  );
}
