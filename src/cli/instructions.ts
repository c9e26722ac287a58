// Where the project's instructions come from, as cli knows it: the user's home and config directory (core never
// reads them itself) and each session directory's config (its `instructions` list).
import { join } from "node:path";
import { ProjectInstructions } from "../core/context/instructions.js";
import type { CliContext } from "./context.js";

/**
 * The global instruction files in order of preference: moor's own, then OpenCode's and Claude Code's, read only
 * when moor's is absent (only the first that exists is loaded).
 */
export function globalInstructionFiles(context: Pick<CliContext, "env" | "paths" | "home">): string[] {
  const configHome = context.env.XDG_CONFIG_HOME || join(context.home, ".config");
  const files = [
    join(context.paths.config, "AGENTS.md"),
    join(configHome, "opencode", "AGENTS.md"),
    join(context.home, ".claude", "CLAUDE.md"),
  ];
  return [...new Set(files)];
}

export function projectInstructionsFor(
  context: CliContext,
  warn: (message: string) => void = (message) => process.stderr.write(`moor: warning: ${message}\n`),
): ProjectInstructions {
  return new ProjectInstructions({
    globalFiles: globalInstructionFiles(context),
    configured: (directory) => {
      try {
        return context.configs.get(directory).config.instructions;
      } catch {
        // An invalid config is reported where it is loaded; the instructions do without its list.
        return undefined;
      }
    },
    home: context.home,
    warn,
  });
}
