// Watches a set of files for changes (`<dir>/*` stands for any file in a folder), including files that do not exist
// yet: each file's directory is watched (or, when that does not exist either, its nearest existing ancestor, for
// the name that leads down to the file), so an editor's write-and-rename, a deletion and a creation are all seen. Bursts of events are debounced into one call.
// The watchers and the timer never keep the process alive.
import { type FSWatcher, statSync, watch } from "node:fs";
import { basename, dirname, resolve } from "node:path";

export interface FileWatch {
  /** Watches these files from now on instead of the previous ones (a reload may have found others). */
  update(files: string[]): void;
  close(): void;
}

export interface WatchOptions {
  /** Quiet time after the last event before `onChange` is called. */
  debounceMs?: number;
}

const DEFAULT_DEBOUNCE_MS = 100;

interface Watched {
  watcher: FSWatcher;
  /** Names in the directory whose events matter: a watched file, or the first missing directory on its path. */
  names: Set<string>;
}

export function watchFiles(files: string[], onChange: () => void, options: WatchOptions = {}): FileWatch {
  const debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS;
  const watched = new Map<string, Watched>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const schedule = () => {
    if (closed) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      if (!closed) onChange();
    }, debounceMs);
    timer.unref();
  };

  const open = (directory: string, names: Set<string>): Watched | undefined => {
    let watcher: FSWatcher;
    try {
      watcher = watch(directory, { persistent: false });
    } catch {
      // Gone between the check and the watch (or not readable): the next update finds another place to watch.
      return undefined;
    }
    const entry: Watched = { watcher, names };
    watcher.on("change", (_event, filename) => {
      if (filename === null || entry.names.has(filename.toString()) || entry.names.has("*")) schedule();
    });
    watcher.on("error", () => {
      // The directory itself went away: what was in it changed, and the reload that follows watches elsewhere.
      watcher.close();
      if (watched.get(directory) === entry) watched.delete(directory);
      schedule();
    });
    watcher.unref();
    return entry;
  };

  const update = (next: string[], initial: boolean) => {
    if (closed) return;
    const wanted = placesToWatch(next);
    for (const [directory, entry] of watched) {
      if (wanted.has(directory)) continue;
      entry.watcher.close();
      watched.delete(directory);
    }
    let added = false;
    for (const [directory, names] of wanted) {
      const entry = watched.get(directory);
      if (entry) entry.names = names;
      else {
        const opened = open(directory, names);
        if (opened) {
          watched.set(directory, opened);
          added = true;
        }
      }
    }
    // A directory that appeared (`.moor` created) is watched only from now on: a file written into it before the
    // watch began would be missed, so one more look is taken.
    if (added && !initial) schedule();
  };

  update(files, true);
  return {
    update: (next) => update(next, false),
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      for (const entry of watched.values()) entry.watcher.close();
      watched.clear();
    },
  };
}

/** For each file: the directory to watch and the name in it that leads to the file. */
function placesToWatch(files: string[]): Map<string, Set<string>> {
  const places = new Map<string, Set<string>>();
  for (const file of files) {
    let name = basename(resolve(file));
    let directory = dirname(resolve(file));
    while (!isDirectory(directory)) {
      const parent = dirname(directory);
      if (parent === directory) break;
      name = basename(directory);
      directory = parent;
    }
    if (!isDirectory(directory)) continue;
    const names = places.get(directory) ?? new Set<string>();
    names.add(name);
    places.set(directory, names);
  }
  return places;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
