// The slash commands `/` completes to: the client's own (/sessions, /new, /resume, /compact, /detach) and the server's
// (GET /command: built-in and configured). Until the server answers (or when it cannot list them) only the client's.
import { useEffect, useState } from "react";
import type { MoorClient, SlashEntry } from "../client/index.js";

/** What `moor attach` itself does with a slash: never sent to the server. */
export const CLIENT_COMMANDS: SlashEntry[] = [
  { name: "sessions", description: "pick a session" },
  { name: "new", description: "start a new session" },
  { name: "resume", description: "continue a turn a restart interrupted" },
  { name: "compact", description: "summarize the session so far (compaction)" },
  { name: "undo", description: "undo the last prompt's file changes and hide it" },
  { name: "redo", description: "bring back what /undo took back" },
  { name: "detach", description: "leave; the server keeps working" },
];

export function useServerCommands(client: MoorClient): SlashEntry[] {
  const [commands, setCommands] = useState<SlashEntry[]>([]);
  useEffect(() => {
    let live = true;
    client.commands().then(
      (list) => {
        if (live) setCommands(list.map((command) => ({ name: command.name, description: command.description })));
      },
      () => {},
    );
    return () => {
      live = false;
    };
  }, [client]);
  return commands;
}
