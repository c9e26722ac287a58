/** @jsxImportSource preact */
// The session list: newest first, with directory, last update and a busy/idle badge; "New session" on top.
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

export function SessionList({ sessions, statuses, selected, onSelect, onCreate }: Props) {
  const sorted = [...sessions].sort((a, b) => b.time.updated - a.time.updated);
  return (
    <nav class="session-list">
      <button type="button" class="primary new-session" onClick={onCreate}>
        + New session
      </button>
      {sorted.length === 0 && <p class="empty">No sessions yet.</p>}
      <ul>
        {sorted.map((session) => (
          <li key={session.id}>
            <a
              href={`#/s/${encodeURIComponent(session.id)}`}
              class={`session-item ${session.id === selected ? "selected" : ""}`}
              data-session={session.id}
              onClick={(event) => {
                event.preventDefault();
                onSelect(session.id);
              }}
            >
              <span class="session-title">{session.title || "Untitled"}</span>
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
