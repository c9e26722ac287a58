// The config that applies in each directory sessions run in: the global config merged with that directory's own
// project config (an untrusted project filtered as for the server's own directory), loaded on first use and kept.
// Once `watch()` is called, a change to any file a directory's config came from (or could come from) reloads it;
// a file that became invalid keeps the last good config and says so in one warning line.
import { resolve } from "node:path";
import type { LoadedConfig } from "./load.js";
import { type FileWatch, watchFiles } from "./watch.js";

export interface DirectoryConfigsOptions {
  /** Loads one directory's config; throws (a ConfigError, one line per problem) when a file is invalid. */
  load(directory: string): LoadedConfig;
  /** A reload that failed: one line, never a stack. */
  warn(message: string): void;
  /** A directory's config changed (a reload read something different). */
  changed?(directory: string, loaded: LoadedConfig): void;
  debounceMs?: number;
}

interface Entry {
  loaded: LoadedConfig;
  /** The text of `loaded`, to tell a real change from an editor touching a file. */
  text: string;
  watch?: FileWatch;
  /** The last failure warned about, so a burst of saves of the same broken file warns once. */
  warned?: string;
}

export class DirectoryConfigs {
  private readonly entries = new Map<string, Entry>();
  /** Directories whose first load failed, with the problem last warned about. */
  private readonly failing = new Map<string, string>();
  private watching = false;
  private closed = false;
  private warn: (message: string) => void;
  private notice: (message: string) => void = () => {};

  constructor(private readonly options: DirectoryConfigsOptions) {
    this.warn = options.warn;
  }

  /**
   * The directory's config. Loaded on first use; an invalid one then throws (there is no good config to keep yet)
   * and is tried again on the next use.
   */
  get(directory: string): LoadedConfig {
    const key = resolve(directory);
    const entry = this.entries.get(key);
    if (entry) return entry.loaded;
    let loaded: LoadedConfig;
    try {
      loaded = this.options.load(key);
    } catch (error) {
      // Said once in the log too: a turn started in the background has no caller to show the error to.
      const problem = oneLine((error as Error).message);
      if (this.failing.get(key) !== problem) {
        this.failing.set(key, problem);
        this.warn(`config for ${key} cannot be loaded: ${problem}`);
      }
      throw error;
    }
    this.failing.delete(key);
    this.keep(key, loaded);
    return loaded;
  }

  /** Keeps a config loaded elsewhere for its directory (the server's own, at start and after trusting it). */
  set(directory: string, loaded: LoadedConfig): void {
    this.keep(resolve(directory), loaded);
  }

  /** Reloads one directory now; on failure the last good config stays and one warning line says why. */
  reload(directory: string): void {
    const key = resolve(directory);
    const entry = this.entries.get(key);
    if (!entry) return;
    let loaded: LoadedConfig;
    try {
      loaded = this.options.load(key);
    } catch (error) {
      const problem = oneLine((error as Error).message);
      if (entry.warned !== problem) {
        entry.warned = problem;
        this.warn(`config for ${key} not reloaded, the last good one stays: ${problem}`);
      }
      return;
    }
    entry.warned = undefined;
    entry.watch?.update(loaded.files);
    const text = JSON.stringify(loaded);
    if (text === entry.text) return;
    entry.loaded = loaded;
    entry.text = text;
    this.options.changed?.(key, loaded);
    this.notice(`config for ${key} reloaded`);
  }

  /** Reloads every directory kept (the trust list changed: any of them may be trusted now, or no longer). */
  reloadAll(): void {
    for (const directory of [...this.entries.keys()]) this.reload(directory);
  }

  /**
   * From now on, each kept directory (and each one loaded later) is reloaded when one of its files changes.
   * `warn`, when given, replaces where failed reloads are reported; `notice` hears of each config that changed.
   */
  watch(options: { warn?: (message: string) => void; notice?: (message: string) => void } = {}): void {
    if (options.warn) this.warn = options.warn;
    if (options.notice) this.notice = options.notice;
    if (this.closed || this.watching) return;
    this.watching = true;
    for (const [directory, entry] of this.entries) this.startWatching(directory, entry);
  }

  /** Stops every watcher; the configs kept stay readable. */
  close(): void {
    this.closed = true;
    for (const entry of this.entries.values()) entry.watch?.close();
  }

  private keep(key: string, loaded: LoadedConfig): void {
    const entry = this.entries.get(key);
    if (entry) {
      entry.loaded = loaded;
      entry.text = JSON.stringify(loaded);
      entry.warned = undefined;
      entry.watch?.update(loaded.files);
      return;
    }
    const created: Entry = { loaded, text: JSON.stringify(loaded) };
    this.entries.set(key, created);
    if (this.watching && !this.closed) this.startWatching(key, created);
  }

  private startWatching(directory: string, entry: Entry): void {
    entry.watch = watchFiles(entry.loaded.files, () => this.reload(directory), { debounceMs: this.options.debounceMs });
  }
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, "; ");
}
