// The top-level config keys moor does not act on, per file: keys nobody knows (a typo, another tool's config) and
// OpenCode keys moor knows but ignores (an opencode.json copied over keeps them). Said once at start, so a user
// never wonders why a setting does nothing.
import { readFileSync } from "node:fs";
import { parse } from "jsonc-parser";

/**
 * The keys moor acts on. Issue 14's keys (agent, default_agent, command, compaction, small_model, instructions) are
 * here: a key leaves this list for IGNORED when moor stops acting on it.
 */
const USED = new Set([
  "$schema",
  "model",
  "small_model",
  "provider",
  "permission",
  "agent",
  "default_agent",
  "command",
  "compaction",
  "instructions",
  "subagent_depth",
  "mcp",
  "snapshot",
  // moor's own
  "maxSteps",
  "shellEnv",
  "subagent",
  // issue 17
  "formatter",
  "lsp",
  // issue 20
  "store",
  // issue 19
  "hooks",
]);

/** OpenCode's config keys (its schema, 1.18.33, and the older TUI keys) that moor parses and does not act on. */
const IGNORED = new Set([
  "attachment",
  "autoshare",
  "autoupdate",
  "disabled_providers",
  "enabled_providers",
  "enterprise",
  "experimental",
  "keybinds",
  "layout",
  "logLevel",
  "mode",
  "plugin",
  "reference",
  "references",
  "server",
  "share",
  "shell",
  "skills",
  "theme",
  "tool_output",
  "tools",
  "tui",
  "username",
  "watcher",
]);

export interface KeyReport {
  file: string;
  /** Keys neither moor nor OpenCode knows. */
  unknown: string[];
  /** OpenCode keys moor does not act on. */
  ignored: string[];
}

/** The report of each config file that has something to say (files that cannot be read are skipped: load says why). */
export function reportConfigKeys(files: readonly string[]): KeyReport[] {
  const reports: KeyReport[] = [];
  for (const file of files) {
    let value: unknown;
    try {
      value = parse(readFileSync(file, "utf8"), [], { allowTrailingComma: true });
    } catch {
      continue;
    }
    if (!value || typeof value !== "object" || Array.isArray(value)) continue;
    const keys = Object.keys(value);
    const unknown = keys.filter((key) => !USED.has(key) && !IGNORED.has(key));
    const ignored = keys.filter((key) => IGNORED.has(key));
    if (unknown.length > 0 || ignored.length > 0) reports.push({ file, unknown, ignored });
  }
  return reports;
}

/** One line per file and kind, e.g. `~/.config/moor/moor.json: unknown config keys: modle`. */
export function describeKeyReports(reports: readonly KeyReport[]): string[] {
  const lines: string[] = [];
  for (const { file, unknown, ignored } of reports) {
    if (unknown.length > 0) lines.push(`${file}: unknown config key${plural(unknown)}: ${unknown.join(", ")}`);
    if (ignored.length > 0) {
      lines.push(`${file}: OpenCode config key${plural(ignored)} moor ignores: ${ignored.join(", ")}`);
    }
  }
  return lines;
}

function plural(keys: readonly string[]): string {
  return keys.length === 1 ? "" : "s";
}
