import { Text } from "ink";
import { useEffect, useState } from "react";
import type { MoorClient } from "../client/index.js";
import type { Session, SessionStatus } from "../protocol/index.js";
import { FilterPicker } from "./FilterPicker.js";
import { sessionItems } from "./session-items.js";

/** How many of the newest idle sessions are checked for an interrupted turn (one request each). */
const CHECKED_FOR_INTERRUPTION = 10;

export interface SessionPickerProps {
  client: MoorClient;
  /** The open session: its subagents (task tool children) come first, marked ↳, to open one. */
  current?: string;
  onOpen(session: Session): void;
  onNew(): void;
  onCancel(): void;
}

/** The sessions to switch to, newest first, filtered as you type; Ctrl+N starts a new one. */
export function SessionPicker({ client, current, onOpen, onNew, onCancel }: SessionPickerProps) {
  const [sessions, setSessions] = useState<Session[] | undefined>();
  const [statuses, setStatuses] = useState<Record<string, SessionStatus>>({});
  const [interrupted, setInterrupted] = useState<ReadonlySet<string>>(new Set());
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    let live = true;
    void Promise.all([
      client.listSessions(),
      client.statuses().catch((): Record<string, SessionStatus> => ({})),
      current ? client.children(current).catch((): Session[] => []) : [],
    ])
      .then(async ([list, status, children]) => {
        if (!live) return;
        const first = new Set(children.map((child) => child.id));
        const sorted = [...list].sort((a, b) => b.time.updated - a.time.updated);
        setSessions([...children, ...sorted.filter((session) => !first.has(session.id))]);
        setStatuses(status);
        // A turn the server's previous process did not finish ends in an InterruptedError (core/recovery.ts).
        const idle = sorted.filter((session) => !status[session.id]).slice(0, CHECKED_FOR_INTERRUPTION);
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
  if (error) return <Text color="red">could not list sessions: {error}</Text>;
  if (!sessions) return <Text dimColor>loading sessions…</Text>;
  return (
    <FilterPicker
      title="Sessions"
      hint="Ctrl+N new"
      items={sessionItems(sessions, statuses, interrupted, Date.now())}
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
