// Markdown commands, OpenCode's format: a file `<folder>/<name>.md` (subfolders make `a/b`) whose body is the
// template and whose front matter may set description, agent, model and subtask. Read from the folders given, in
// order: a later folder's command replaces an earlier one of the same name.
import { type Dirent, readdirSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { parseFrontmatter } from "./frontmatter.js";
import { readConfigText } from "./read-text.js";
import type { CommandConfig } from "./schema.js";

export type NamedCommand = CommandConfig & { name: string };

/** The commands in the folders (missing folders are skipped; an unreadable file is reported and skipped). */
export function readCommandFolders(folders: string[], warn: (message: string) => void = () => {}): NamedCommand[] {
  const byName = new Map<string, NamedCommand>();
  for (const folder of folders) {
    for (const file of markdownFiles(folder)) {
      let text: string;
      try {
        text = readConfigText(file);
      } catch (error) {
        warn(`command file ${file} cannot be read: ${(error as Error).message}`);
        continue;
      }
      const name = relative(folder, file).slice(0, -".md".length).split(sep).join("/");
      try {
        byName.set(name, { name, ...parseCommandMarkdown(text, file) });
      } catch (error) {
        warn((error as Error).message);
      }
    }
  }
  return [...byName.values()];
}

function markdownFiles(folder: string): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(folder, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) return markdownFiles(path);
      return entry.isFile() && entry.name.endsWith(".md") ? [path] : [];
    });
}

/**
 * A markdown command's front matter (read as agent files are: config/frontmatter.ts) and its body, the template.
 * Keys other than the four a command has are ignored; a file without front matter is all template.
 */
export function parseCommandMarkdown(text: string, file: string): CommandConfig {
  const { data, body } = parseFrontmatter(text, file);
  const command: CommandConfig = { template: body.trim() };
  for (const key of ["description", "agent", "model"] as const) {
    if (data[key] !== undefined && data[key] !== null) command[key] = String(data[key]);
  }
  if (data.subtask !== undefined) command.subtask = data.subtask === true || data.subtask === "true";
  return command;
}
