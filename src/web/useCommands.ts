// The slash commands for a session's directory (GET /command: built-in and configured), for `/` completion in the
// prompt box. None until the server answers (or when it cannot list them): text is then sent as a prompt.
import { useEffect, useState } from "preact/hooks";
import type { MoorClient, SlashEntry } from "../client/index.js";

export function useCommands(client: MoorClient, directory: string | undefined): SlashEntry[] {
  const [commands, setCommands] = useState<SlashEntry[]>([]);
  useEffect(() => {
    if (!directory) return;
    let live = true;
    client
      .withDirectory(directory)
      .commands()
      .then(
        (list) => {
          if (live) setCommands(list.map((command) => ({ name: command.name, description: command.description })));
        },
        () => {},
      );
    return () => {
      live = false;
    };
  }, [client, directory]);
  return commands;
}
