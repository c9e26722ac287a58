// Agents written as markdown files (OpenCode's format): `<name>.md` whose frontmatter holds the agent's fields
// (description, mode, model, temperature, tools, permission, steps, …) and whose body is its prompt. They become
// entries of the config's `agent` key, so they merge, follow trust and reload exactly as configured agents do.
import { readdirSync } from "node:fs";
import { basename, join } from "node:path";
import { ConfigError } from "./errors.js";
import { parseFrontmatter } from "./frontmatter.js";
import { readConfigText } from "./read-text.js";

/** The folders holding a config root's agents: moor's `agents/`, and OpenCode's `agent/` and `agents/`. */
export function agentFolders(root: string): string[] {
  return [join(root, "agents"), join(root, "agent")];
}

/** Where agents are looked for globally: moor's config folder, and OpenCode's (`~/.config/opencode`). */
export function globalAgentFolders(configDir: string, env: Record<string, string | undefined>): string[] {
  const folders = agentFolders(configDir);
  const base = env.XDG_CONFIG_HOME || (env.HOME ? join(env.HOME, ".config") : undefined);
  const opencode = base ? join(base, "opencode") : undefined;
  if (opencode && opencode !== configDir) folders.push(...agentFolders(opencode));
  return folders;
}

/** Where a project's agents are: `.moor/agents/`, and OpenCode's `.opencode/agent(s)/`. */
export function projectAgentFolders(project: string): string[] {
  return [...agentFolders(join(project, ".moor")), ...agentFolders(join(project, ".opencode"))];
}

export interface MarkdownAgent {
  /** The file's name without `.md`. */
  name: string;
  file: string;
  /** The config's `agent.<name>` entry: the frontmatter, and the body as `prompt`. */
  fields: Record<string, unknown>;
}

/**
 * Reads the `*.md` files of the folders, in order (a missing folder is no agents). A file that cannot be parsed is
 * a ConfigError naming it.
 */
export function readMarkdownAgents(folders: readonly string[]): MarkdownAgent[] {
  const agents: MarkdownAgent[] = [];
  for (const folder of folders) {
    let names: string[];
    try {
      names = readdirSync(folder)
        .filter((name) => name.endsWith(".md"))
        .sort();
    } catch {
      continue;
    }
    for (const name of names) {
      const file = join(folder, name);
      let text: string;
      try {
        text = readConfigText(file);
      } catch (error) {
        // A folder entry that is not a readable file (a directory named x.md) is skipped; others are reported.
        if ((error as NodeJS.ErrnoException).code === "EISDIR") continue;
        throw new ConfigError(`cannot read ${file}: ${(error as Error).message}`);
      }
      const { data, body } = parseFrontmatter(text, file);
      const prompt = body.trim();
      agents.push({ name: basename(name, ".md"), file, fields: { ...data, ...(prompt ? { prompt } : {}) } });
    }
  }
  return agents;
}
