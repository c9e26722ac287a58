// The commands configured for a session directory, for core (CoreOptions.commands): markdown commands in the global
// folders, the config's `command` key, then the project's folders. moor's folders and OpenCode's are both read
// (moor's win over OpenCode's). A project's folders count only once the directory is trusted, as its config's
// `command` key does (untrusted-project.ts): a command can run shell commands. Read at every use, so a file added or
// changed (or a directory trusted) applies to the next list or run.
import { join } from "node:path";
import { readCommandFolders } from "../config/command-files.js";
import type { LoadedConfig } from "../config/load.js";
import type { CommandDefinition } from "../core/commands/command.js";

export interface CommandFolders {
  /** moor's config directory (`~/.config/moor`). */
  config: string;
  /** OpenCode's (`~/.config/opencode`). */
  opencodeConfig: string;
}

export function globalCommandFolders(folders: CommandFolders): string[] {
  return [
    join(folders.opencodeConfig, "command"),
    join(folders.opencodeConfig, "commands"),
    join(folders.config, "commands"),
  ];
}

export function projectCommandFolders(directory: string): string[] {
  return [
    join(directory, ".opencode", "command"),
    join(directory, ".opencode", "commands"),
    join(directory, ".moor", "commands"),
  ];
}

export function commandsFor(
  folders: CommandFolders,
  directory: string,
  loaded: LoadedConfig,
  warn?: (message: string) => void,
): CommandDefinition[] {
  const byName = new Map<string, CommandDefinition>();
  const add = (name: string, command: Omit<CommandDefinition, "name">) => byName.set(name, { ...command, name });
  for (const command of readCommandFolders(globalCommandFolders(folders), warn)) add(command.name, command);
  for (const [name, command] of Object.entries(loaded.config.command ?? {})) add(name, command);
  if (loaded.trusted) {
    for (const command of readCommandFolders(projectCommandFolders(directory), warn)) add(command.name, command);
  }
  return [...byName.values()].map(({ name, description, agent, model, template, subtask }) => ({
    name,
    template,
    ...(description !== undefined && { description }),
    ...(agent !== undefined && { agent }),
    ...(model !== undefined && { model }),
    ...(subtask !== undefined && { subtask }),
  }));
}
