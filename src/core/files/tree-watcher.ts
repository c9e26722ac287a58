// Watches a directory tree with one `fs.watch` per directory (inotify on Linux reports its children's changes by
// name), never one per file: chokidar 5, which watches every file too, took 2.4 s, stalled the event loop for 1 s
// and grew the process by ~110 MB on a 10,000-file project; this takes a readdir per directory. Links are not
// followed. At most `maxEntries` paths are known; directories past that are not watched (`onFull` says so once).
import { type FSWatcher, watch } from "node:fs";
import { lstat, readdir } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import type { IgnoreTest } from "./ignore-rules.js";

export type TreeEvent = "add" | "change" | "unlink";

export interface TreeWatcherOptions {
  root: string;
  /** The rules in force now (they change when .gitignore does). */
  ignored: () => IgnoreTest;
  maxEntries: number;
  onEvent: (path: string, event: TreeEvent) => void;
  onFull: () => void;
}

interface WatchedDirectory {
  watcher: FSWatcher;
  /** Child name → whether it is a directory. */
  children: Map<string, boolean>;
}

export class TreeWatcher {
  private readonly dirs = new Map<string, WatchedDirectory>();
  private entries = 0;
  private closed = false;
  private full = false;

  constructor(private readonly options: TreeWatcherOptions) {}

  /** Resolves once the whole tree (up to the cap) is watched. */
  async start(): Promise<void> {
    await this.addTree(this.options.root, false);
  }

  get size(): number {
    return this.entries;
  }

  close(): void {
    this.closed = true;
    for (const dir of this.dirs.values()) dir.watcher.close();
    this.dirs.clear();
    this.entries = 0;
  }

  private rel(path: string): string {
    return relative(this.options.root, path).split(sep).join("/");
  }

  /** Watches `path` and everything under it; `announce` reports each path found as added (a new directory). */
  private async addTree(path: string, announce: boolean): Promise<void> {
    const pending = [path];
    while (pending.length > 0 && !this.closed) {
      const dir = pending.shift() as string;
      if (this.dirs.has(dir)) continue;
      const listing = await readdir(dir, { withFileTypes: true }).catch(() => undefined);
      if (!listing || this.closed || this.dirs.has(dir)) continue;
      let watcher: FSWatcher;
      try {
        watcher = watch(dir, { persistent: false }, (_type, name) => this.changed(dir, name?.toString()));
      } catch {
        continue;
      }
      watcher.on("error", () => this.forget(dir));
      const children = new Map<string, boolean>();
      this.dirs.set(dir, { watcher, children });
      const ignored = this.options.ignored();
      for (const entry of listing) {
        const child = join(dir, entry.name);
        const isDirectory = entry.isDirectory();
        if (ignored(this.rel(child), isDirectory)) continue;
        if (!this.take()) break;
        children.set(entry.name, isDirectory);
        if (announce) this.options.onEvent(child, "add");
        if (isDirectory) pending.push(child);
      }
    }
  }

  /** Counts one more known path; false (and `onFull` once) when the cap is reached. */
  private take(): boolean {
    if (this.entries >= this.options.maxEntries) {
      if (!this.full) {
        this.full = true;
        this.options.onFull();
      }
      return false;
    }
    this.entries++;
    return true;
  }

  private async changed(dir: string, name: string | undefined): Promise<void> {
    const watched = this.dirs.get(dir);
    if (!watched || this.closed) return;
    // No name (an overflowed queue): compare the whole directory.
    const names = name ? [name] : [...new Set([...watched.children.keys(), ...(await readdir(dir).catch(() => []))])];
    for (const child of names) await this.check(dir, watched, child);
  }

  private async check(dir: string, watched: WatchedDirectory, name: string): Promise<void> {
    const path = join(dir, name);
    const info = await lstat(path).catch(() => undefined);
    if (this.closed || this.dirs.get(dir) !== watched) return;
    const known = watched.children.get(name);
    if (!info) {
      if (known === undefined) return;
      watched.children.delete(name);
      this.entries--;
      if (known) this.forgetTree(path);
      this.options.onEvent(path, "unlink");
      return;
    }
    const isDirectory = info.isDirectory();
    if (this.options.ignored()(this.rel(path), isDirectory)) return;
    if (known === undefined) {
      if (!this.take()) return;
      watched.children.set(name, isDirectory);
      this.options.onEvent(path, "add");
      if (isDirectory) await this.addTree(path, true);
    } else if (!isDirectory) this.options.onEvent(path, "change");
  }

  private forget(dir: string): void {
    const watched = this.dirs.get(dir);
    if (!watched) return;
    watched.watcher.close();
    this.dirs.delete(dir);
  }

  private forgetTree(path: string): void {
    for (const [dir, watched] of [...this.dirs]) {
      if (dir === path || dir.startsWith(path + sep)) {
        this.entries -= watched.children.size;
        this.forget(dir);
      }
    }
  }
}
