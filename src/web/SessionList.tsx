/** @jsxImportSource preact */
// The session list: newest first, with directory, last update and a busy/idle badge; "New session" and a search
// box on top (the search filters by title and directory as you type).
import { useState } from "preact/hooks";
import { humanTitle } from "../client/session-title.js";
import type { Session, SessionStatus } from "../protocol/index.js";
import { relativeTime, shortDirectory } from "./format.js";

interface Props {
  sessions: Session[];
  statuses: Record<string, SessionStatus>;
  selected?: string;
  onSelect(id: string): void;
  onCreate(): void;
}

export function StatusBadge({ status }: { status?: SessionStatus }) {
  const type = status?.type ?? "idle";
  return <span class={`badge badge-${type}`}>{type === "retry" ? "retrying" : type}</span>;
}

/** Every word of the query appears in the session's title or directory, case ignored. */
export function matchesSearch(session: Session, query: string): boolean {
  const haystack = `${humanTitle(session)} ${session.title} ${session.directory}`.toLowerCase();
  return query
    .toLowerCase()
    .split(/\s+/)
    .every((word) => haystack.includes(word));
}

export function SessionList({ sessions, statuses, selected, onSelect, onCreate }: Props) {
  const [query, setQuery] = useState("");
  const sorted = [...sessions].sort((a, b) => b.time.updated - a.time.updated);
  const shown = query.trim() ? sorted.filter((session) => matchesSearch(session, query.trim())) : sorted;
  return (
    <nav class="session-list">
      <button type="button" class="primary new-session" onClick={onCreate}>
        + New session
      </button>
      {sorted.length > 0 && (
        <input
          type="search"
          class="session-search"
          aria-label="Search sessions"
          placeholder="Search sessions"
          value={query}
          onInput={(event) => setQuery(event.currentTarget.value)}
        />
      )}
      {sorted.length === 0 && <p class="empty">No sessions yet.</p>}
      {sorted.length > 0 && shown.length === 0 && <p class="empty">No session matches “{query.trim()}”.</p>}
      <ul>
        {shown.map((session) => (
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
      </ul>
    </nav>
  );
}
