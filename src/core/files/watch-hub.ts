// `file.watcher.updated` for the directories clients are watching (an SSE stream names its directory). One
// tree watcher (tree-watcher.ts) per directory, shared by every stream on it and closed when the last one leaves. It skips
// `.git`, `node_modules` and what the project's .gitignore lists (ignore-rules.ts), and never follows symlinks out.
//
// Bounded: at most `maxDirectories` directories and `maxEntries` paths per directory are watched (past that, new
// paths are ignored and the log says so once); events are queued per path, a burst coalesced into one event per
// file per flush, at most `maxQueued` paths per flush (the rest of a burst is dropped and counted: these events
// are hints, the files themselves are the state).
import { join, resolve } from "node:path";
import type { EventBus } from "../bus.js";
import { type IgnoreTest, loadIgnoreRules } from "./ignore-rules.js";
import { TreeWatcher } from "./tree-watcher.js";

export type FileWatchEvent = "add" | "change" | "unlink";

export interface FileWatchHubOptions {
  bus: EventBus;
  maxDirectories?: number;
  maxEntries?: number;
  maxQueued?: number;
  /**
   * Directories never watched, e.g. the home folder and `/` (cli passes them; core does not read the real home):
   * a server started there would otherwise watch the whole tree up to the cap.
   */
  neverWatch?: string[];
  /** How long a burst is gathered before its events are published. */
  flushMs?: number;
  log?: { warn(obj: unknown, msg?: string): void };
}

export interface FileWatchStats {
  /** Directories with a watcher (starting or running). */
  directories: number;
  /** Paths the watchers hold, over all directories. */
  entries: number;
}

export interface FileWatchHub {
  /** Watches `directory` for as long as the returned function is not called (calling it twice is harmless). */
  watch(directory: string): () => void;
  stats(): FileWatchStats;
  /** Resolves once `directory`'s watcher has read its tree (at once when it is not watched). */
  ready(directory: string): Promise<void>;
  close(): Promise<void>;
}

interface Watched {
  users: number;
  /**
   * The directory as each user spelled it, with its count: the bus filters streams on the exact string, so an
   * event goes out once per spelling in use (`/p` and `/p/` share one watcher).
   */
  scopes: Map<string, number>;
  tree?: TreeWatcher;
  closed: boolean;
  pending: Map<string, FileWatchEvent>;
  dropped: number;
  timer?: NodeJS.Timeout;
  ready: Promise<void>;
  markReady: () => void;
}

export function createFileWatchHub(options: FileWatchHubOptions): FileWatchHub {
  const maxDirectories = options.maxDirectories ?? 16;
  const maxEntries = options.maxEntries ?? 10_000;
  const maxQueued = options.maxQueued ?? 1000;
  const flushMs = options.flushMs ?? 50;
  const watched = new Map<string, Watched>();
  const neverWatch = new Set((options.neverWatch ?? []).map((directory) => resolve(directory)));
  let warnedDirectories = false;

  const flush = (directory: string, entry: Watched) => {
    entry.timer = undefined;
    const events = [...entry.pending];
    entry.pending.clear();
    for (const [file, event] of events) {
      for (const scope of entry.scopes.keys()) {
        options.bus.publish("file.watcher.updated", { file, event }, { directory: scope });
      }
    }
    if (entry.dropped > 0) {
      options.log?.warn({ directory, dropped: entry.dropped }, "file watcher: burst too large, events dropped");
      entry.dropped = 0;
    }
  };

  const queue = (directory: string, entry: Watched, file: string, event: FileWatchEvent) => {
    const before = entry.pending.get(file);
    if (before === undefined && entry.pending.size >= maxQueued) {
      entry.dropped++;
      return;
    }
    // A file created in this burst and then written is still news of its creation.
    entry.pending.set(file, before === "add" && event === "change" ? "add" : event);
    entry.timer ??= setTimeout(() => flush(directory, entry), flushMs);
  };

  const start = async (directory: string, entry: Watched) => {
    let ignored: IgnoreTest = await loadIgnoreRules(directory);
    if (entry.closed) return;
    const tree = new TreeWatcher({
      root: directory,
      ignored: () => ignored,
      maxEntries,
      onFull: () =>
        options.log?.warn({ directory, maxEntries }, "file watcher: too many paths, the rest are not watched"),
      onEvent: (path, event) => {
        // A changed .gitignore changes what is reported from now on.
        if (path === join(directory, ".gitignore")) {
          void loadIgnoreRules(directory).then((rules) => {
            ignored = rules;
          });
        }
        queue(directory, entry, path, event);
      },
    });
    entry.tree = tree;
    await tree.start();
    entry.markReady();
  };

  const stop = (directory: string, entry: Watched) => {
    entry.closed = true;
    entry.markReady();
    watched.delete(directory);
    if (entry.timer) clearTimeout(entry.timer);
    entry.pending.clear();
    entry.tree?.close();
  };

  return {
    watch(input) {
      const directory = resolve(input);
      let entry = watched.get(directory);
      if (neverWatch.has(directory)) return () => {};
      if (!entry) {
        if (watched.size >= maxDirectories) {
          if (!warnedDirectories) {
            warnedDirectories = true;
            options.log?.warn({ maxDirectories }, "file watcher: too many directories, the rest are not watched");
          }
          return () => {};
        }
        let markReady = () => {};
        const ready = new Promise<void>((resolve) => {
          markReady = resolve;
        });
        const created: Watched = {
          users: 0,
          scopes: new Map(),
          closed: false,
          pending: new Map(),
          dropped: 0,
          ready,
          markReady,
        };
        entry = created;
        watched.set(directory, created);
        start(directory, created).catch((error) => {
          options.log?.warn({ directory, err: error }, "file watcher could not start");
          if (!created.closed) void stop(directory, created);
        });
      }
      const held = entry;
      held.users++;
      held.scopes.set(input, (held.scopes.get(input) ?? 0) + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = (held.scopes.get(input) ?? 1) - 1;
        if (left > 0) held.scopes.set(input, left);
        else held.scopes.delete(input);
        if (--held.users === 0 && !held.closed) void stop(directory, held);
      };
    },
    stats() {
      let entries = 0;
      for (const entry of watched.values()) entries += entry.tree?.size ?? 0;
      return { directories: watched.size, entries };
    },
    ready(directory) {
      return watched.get(resolve(directory))?.ready ?? Promise.resolve();
    },
    async close() {
      for (const [directory, entry] of [...watched]) stop(directory, entry);
    },
  };
}
