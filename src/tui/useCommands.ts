// The slash commands `/` completes to: the client's own (/help, /sessions, /model, …) and the server's (GET /command:
// built-in and configured). Until the server answers (or when it cannot list them) only the client's. `/undo` and
// `/redo` are not offered: the server has no revert yet.
import { useEffect, useState } from "react";
import type { MoorClient, SlashEntry } from "../client/index.js";

/** What `moor attach` itself does with a slash: never sent to the server. */
export const CLIENT_COMMANDS: SlashEntry[] = [
  { name: "help", description: "list the commands and keys" },
  { name: "new", description: "start a new session" },
  { name: "sessions", description: "pick a session (type to filter)" },
  { name: "model", description: "pick the model for the next prompts" },
  { name: "agent", description: "pick the agent for the next prompts (or /agent NAME)" },
  { name: "compact", description: "summarize the session so far (compaction)" },
  { name: "export", description: "write the transcript as Markdown (/export [FILE])" },
  { name: "resume", description: "continue a turn a restart interrupted" },
  { name: "undo", description: "undo the last prompt's file changes and hide it" },
  { name: "redo", description: "bring back what /undo took back" },
  { name: "detach", description: "leave; the server keeps working" },
];

/** Keys the terminal UI answers to, for /help. */
export const KEY_HELP: readonly string[] = [
  "Enter send · Alt+Enter new line · ↑/↓ prompt history · Tab complete a command or switch agent",
  "Ctrl+C abort the turn (on an empty prompt: quit, after asking) · Ctrl+D detach",
  "Ctrl+O expand tool details and thinking · Ctrl+S sessions · Esc cancel the last queued prompt / close this",
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
