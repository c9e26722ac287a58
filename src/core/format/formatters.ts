// The formatters of a project: the built-ins it has (builtin-formatters.ts) and the config's `formatter` entries, in
// OpenCode's shape. After edit/write, every enabled formatter for the file's extension runs on it, in order.
import { extname } from "node:path";
import { BUILTIN_FORMATTERS, type BuiltinFormatter } from "./builtin-formatters.js";
import { type FormatRun, runFormatter } from "./run-formatter.js";

/** OpenCode's `formatter.<name>`. */
export interface FormatterEntry {
  disabled?: boolean;
  command?: string[];
  environment?: Record<string, string>;
  extensions?: string[];
}

/** OpenCode's `formatter` key: false turns all formatters off. */
export type FormatterSettings = false | Record<string, FormatterEntry> | undefined;

/** GET /formatter's items (OpenCode's FormatterStatus). */
export interface FormatterStatus {
  name: string;
  extensions: string[];
  enabled: boolean;
}

export interface FormattersOptions {
  /** The `formatter` config of a session directory (read at each use: a reloaded config applies). */
  settings(directory: string): FormatterSettings;
  /** Whether the directory is trusted: its own node_modules programs run only then. */
  trusted(directory: string): boolean;
  /** The PATH to find programs on (cli passes the environment's). */
  path: string | undefined;
  /** The environment formatters run with (cli: the commands' environment, secrets held back). */
  env(): Record<string, string | undefined>;
  /** Default 10 s: a formatter that hangs must not hold the turn. */
  timeoutMs?: number;
}

interface Resolved {
  name: string;
  extensions: string[];
  command?: string[];
  environment?: Record<string, string>;
  enabled: boolean;
}

export interface FormatOutcome {
  name: string;
  result: FormatRun;
}

export class Formatters {
  constructor(private readonly options: FormattersOptions) {}

  /** Every known formatter for the directory, enabled or not. */
  status(directory: string): FormatterStatus[] {
    return this.resolve(directory).map(({ name, extensions, enabled }) => ({ name, extensions, enabled }));
  }

  /** Runs the enabled formatters for `file` (absolute) in turn; what each answered. */
  async format(file: string, directory: string): Promise<FormatOutcome[]> {
    const extension = extname(file);
    const outcomes: FormatOutcome[] = [];
    for (const formatter of this.resolve(directory)) {
      if (!formatter.enabled || !formatter.command || !formatter.extensions.includes(extension)) continue;
      const command = formatter.command.map((arg) => arg.replaceAll("$FILE", file));
      const result = await runFormatter(command, {
        cwd: directory,
        env: { ...this.options.env(), ...formatter.environment },
        timeoutMs: this.options.timeoutMs ?? 10_000,
      });
      outcomes.push({ name: formatter.name, result });
    }
    return outcomes;
  }

  private resolve(directory: string): Resolved[] {
    const settings = this.options.settings(directory);
    const context = {
      directory,
      path: this.options.path,
      projectBins: this.options.trusted(directory),
    };
    const configured = settings === false ? {} : (settings ?? {});
    const resolved: Resolved[] = BUILTIN_FORMATTERS.map((builtin: BuiltinFormatter) => {
      const entry = configured[builtin.name];
      const command = entry?.command ?? (settings === false || entry?.disabled ? undefined : builtin.detect(context));
      return {
        name: builtin.name,
        extensions: entry?.extensions ?? [...builtin.extensions],
        command,
        environment: entry?.environment,
        enabled: settings !== false && !entry?.disabled && command !== undefined,
      };
    });
    for (const [name, entry] of Object.entries(configured)) {
      if (BUILTIN_FORMATTERS.some((builtin) => builtin.name === name)) continue;
      resolved.push({
        name,
        extensions: entry.extensions ?? [],
        command: entry.command,
        environment: entry.environment,
        enabled: !entry.disabled && entry.command !== undefined,
      });
    }
    return resolved;
  }
}
