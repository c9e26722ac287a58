// The project's instructions (AGENTS.md and friends) a session's model reads after the system prompt, as OpenCode
// loads them: from the session's directory up to its worktree root the first of AGENTS.md, CLAUDE.md, CONTEXT.md
// (every copy of that name on the way, nearest first); the user's global file (the first of the candidates cli
// passes in: moor's, OpenCode's, Claude Code's); the config's `instructions` list (paths and globs relative to the
// project, `~/` paths, http(s) URLs fetched once with a timeout).
//
// Loaded once per directory and kept. A later look only stats what the load depended on (the files read, the
// directories a new file could appear in) and loads again when a stamp changed, so a warm session's step pays a
// few stat calls, never a read, a glob walk or a fetch.
import { type Stats, statSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { readRegularFile } from "../files/read-regular.js";
import { globToRegExp, SKIPPED_DIRECTORIES } from "../tools/walk.js";

/** The project file names, in order of preference (OpenCode's). */
export const PROJECT_FILES = ["AGENTS.md", "CLAUDE.md", "CONTEXT.md"] as const;
/**
 * An instructions file larger than this is not sent (it would not fit a context anyway); only regular files are read,
 * so a clone whose AGENTS.md is a named pipe or a link to /dev/zero cannot hold a turn.
 */
export const MAX_INSTRUCTION_BYTES = 1024 * 1024;

export type InstructionKind = "project" | "global" | "config" | "url";

export interface InstructionSource {
  kind: InstructionKind;
  /** The file's absolute path, or the URL. */
  origin: string;
  text: string;
  /** Bytes of `text` (UTF-8). */
  size: number;
}

export interface InstructionOptions {
  /** The user's global instruction files, in order of preference: only the first that exists is loaded. */
  globalFiles: readonly string[];
  /** The config's `instructions` list for sessions in `directory` (read at each load, so a reload applies). */
  configured(directory: string): readonly string[] | undefined;
  /** For `~/` entries of the list (cli passes the user's home; core never reads it itself). */
  home?: string;
  /** Fetches a URL's text; default: fetch. */
  fetchText?(url: string, signal: AbortSignal): Promise<string>;
  /** How long a URL may take before it is skipped; default 5 s (OpenCode's). */
  urlTimeoutMs?: number;
  /** A source that could not be loaded (a URL that failed, an unreadable file): one line; it is skipped. */
  warn?(message: string): void;
}

interface Entry {
  /** The config list the load used: a different one (config reloaded) loads again. */
  listKey: string;
  sources: InstructionSource[];
  /** Every path the load depended on, with its stamp then (`-` when absent). */
  stamps: Map<string, string>;
  /** The load under way (the first one, or one after a change). */
  loading?: Promise<InstructionSource[]>;
}

const MAX_GLOB_FILES = 10_000;

export class ProjectInstructions {
  private readonly entries = new Map<string, Entry>();
  /**
   * URL texts, fetched once per process. A failure is kept too (undefined): trying again on every load would make
   * each new directory's first step wait out the timeout once more.
   */
  private readonly urls = new Map<string, Promise<string | undefined>>();

  constructor(private readonly options: InstructionOptions) {}

  /**
   * What a session in `directory` sends the model, in order. Synchronous when the kept load is still fresh (the
   * warm path); a promise on the first use of a directory, or when a file it depends on changed.
   */
  current(directory: string): InstructionSource[] | Promise<InstructionSource[]> {
    const key = resolve(directory);
    const listKey = JSON.stringify(this.options.configured(key) ?? []);
    const entry = this.entries.get(key);
    if (entry?.loading) return entry.loading;
    if (entry && entry.listKey === listKey && stillFresh(entry.stamps)) return entry.sources;
    return this.reload(key, listKey, entry);
  }

  /** Starts loading `directory` in the background (a session was created there), so its first step finds it. */
  warm(directory: string): void {
    const answer = this.current(directory);
    if (answer instanceof Promise) answer.catch(() => {});
  }

  /** Loads `directory` afresh, keeping nothing (`moor debug instructions`). */
  async load(directory: string): Promise<InstructionSource[]> {
    return (await this.loadWithStamps(resolve(directory))).sources;
  }

  /** The files the directory's load read (to tell a nested AGENTS.md that is already in the prompt). */
  loadedFiles(directory: string): ReadonlySet<string> {
    const entry = this.entries.get(resolve(directory));
    return new Set(entry?.sources.filter((source) => source.kind !== "url").map((source) => source.origin) ?? []);
  }

  private reload(key: string, listKey: string, previous: Entry | undefined): Promise<InstructionSource[]> {
    const entry: Entry = previous ?? { listKey, sources: [], stamps: new Map() };
    const loading = this.loadWithStamps(key).then(
      ({ sources, stamps }) => {
        Object.assign(entry, { listKey, sources, stamps, loading: undefined });
        return sources;
      },
      (error: unknown) => {
        entry.loading = undefined;
        if (!previous) this.entries.delete(key);
        throw error;
      },
    );
    entry.loading = loading;
    this.entries.set(key, entry);
    return loading;
  }

  private async loadWithStamps(directory: string) {
    const stamps = new Map<string, string>();
    const stamped = (path: string) => {
      if (!stamps.has(path)) stamps.set(path, stampOf(path));
    };
    const root = worktreeRoot(directory);
    const chain = directoriesUp(directory, root);
    // A new AGENTS.md anywhere on the chain changes its directory's mtime.
    for (const dir of chain) stamped(dir);
    const files: { kind: InstructionKind; path: string }[] = [];
    for (const name of PROJECT_FILES) {
      const found = chain.map((dir) => join(dir, name)).filter(isFile);
      if (found.length === 0) continue;
      for (const path of found) files.push({ kind: "project", path });
      break;
    }
    for (const path of this.options.globalFiles) stamped(path);
    const global = this.options.globalFiles.find(isFile);
    if (global) files.push({ kind: "global", path: global });
    const urls: string[] = [];
    for (const entry of this.options.configured(directory) ?? []) {
      if (/^https?:\/\//i.test(entry)) {
        urls.push(entry);
        continue;
      }
      for (const path of await this.expand(entry, chain, stamped)) files.push({ kind: "config", path });
    }
    // Fetched while the files are read; sent after them.
    const fetched = urls.map((url) => this.fetchOnce(url));
    const seen = new Set<string>();
    const sources: InstructionSource[] = [];
    for (const { kind, path } of files) {
      if (seen.has(path)) continue;
      seen.add(path);
      stamped(path);
      const text = (await readRegularFile(path, MAX_INSTRUCTION_BYTES, { followLinks: true }))?.toString("utf8");
      if (text === undefined) {
        this.options.warn?.(`instructions: cannot read ${path}: not a readable file of at most 1 MB`);
      }
      if (text !== undefined && text.trim() !== "") sources.push(sourceOf(kind, path, text));
    }
    for (const [index, url] of urls.entries()) {
      const text = await fetched[index];
      if (text !== undefined && text.trim() !== "") sources.push(sourceOf("url", url, text));
    }
    return { sources, stamps };
  }

  /**
   * The files one `instructions` entry names: an absolute or `~/` path or glob as is; a relative one from the
   * session's directory (the project). Not from its parents, as OpenCode's globUp does: an untrusted project may
   * keep only entries inside itself (config/untrusted-project.ts), and that must hold for what they match too.
   */
  private async expand(entry: string, chain: string[], stamped: (path: string) => void): Promise<string[]> {
    const home = this.options.home;
    const expanded = entry.startsWith("~/") && home ? join(home, entry.slice(2)) : entry;
    const bases = isAbsolute(expanded) ? [""] : [chain[0]];
    const out: string[] = [];
    for (const base of bases) {
      const pattern = base ? join(base, expanded) : expanded;
      const staticPart = staticPrefix(pattern);
      if (staticPart === pattern) {
        if (isFile(pattern)) out.push(pattern);
        else stamped(dirname(pattern));
        continue;
      }
      // A file added under the pattern's fixed part changes that directory's mtime (one level; deeper additions
      // are seen on the next change to a file already read, or a restart).
      stamped(staticPart);
      const glob = relative(staticPart, pattern).split(sep).join("/");
      const depth = glob.includes("**") ? Number.POSITIVE_INFINITY : glob.split("/").length;
      const regex = globToRegExp(glob);
      const found = (await walk(staticPart, depth)).filter((path) => regex.test(path)).sort();
      for (const path of found) out.push(join(staticPart, path));
    }
    return out;
  }

  private fetchOnce(url: string): Promise<string | undefined> {
    let text = this.urls.get(url);
    if (!text) {
      text = this.fetchURL(url);
      this.urls.set(url, text);
    }
    return text;
  }

  private async fetchURL(url: string): Promise<string | undefined> {
    const signal = AbortSignal.timeout(this.options.urlTimeoutMs ?? 5000);
    try {
      return await (this.options.fetchText ?? defaultFetchText)(url, signal);
    } catch (error) {
      this.options.warn?.(`instructions: cannot fetch ${url}: ${(error as Error).message}`);
      return undefined;
    }
  }
}

async function defaultFetchText(url: string, signal: AbortSignal): Promise<string> {
  const response = await fetch(url, { signal });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.text();
}

function sourceOf(kind: InstructionKind, origin: string, text: string): InstructionSource {
  return { kind, origin, text, size: Buffer.byteLength(text) };
}

/** The nearest ancestor of `directory` (itself included) holding `.git`; `directory` itself when none does. */
export function worktreeRoot(directory: string): string {
  for (let dir = directory; ; dir = dirname(dir)) {
    if (exists(join(dir, ".git"))) return dir;
    if (dirname(dir) === dir) return directory;
  }
}

/** `from` and each parent up to `to` (included), nearest first; just `from` when `to` is not above it. */
export function directoriesUp(from: string, to: string): string[] {
  const out = [from];
  if (from === to || !from.startsWith(to.endsWith(sep) ? to : to + sep)) return out;
  for (let dir = from; dir !== to; ) {
    dir = dirname(dir);
    out.push(dir);
  }
  return out;
}

function stat(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function exists(path: string): boolean {
  return stat(path) !== undefined;
}

function isFile(path: string): boolean {
  return stat(path)?.isFile() ?? false;
}

function stampOf(path: string): string {
  const info = stat(path);
  return info ? `${info.mtimeMs}:${info.size}` : "-";
}

function stillFresh(stamps: Map<string, string>): boolean {
  for (const [path, stamp] of stamps) if (stampOf(path) !== stamp) return false;
  return true;
}

/** The part of a path before its first segment with a glob character. */
function staticPrefix(pattern: string): string {
  const segments = pattern.split(sep);
  const index = segments.findIndex((segment) => /[*?[{]/.test(segment));
  if (index === -1) return pattern;
  return segments.slice(0, index).join(sep) || sep;
}

/**
 * Files under `root` at most `depth` levels down (1: its own files), as `/`-separated paths relative to it (the
 * usual heavy directories skipped): a pattern without `**` never walks the whole tree.
 */
async function walk(root: string, depth: number): Promise<string[]> {
  const files: string[] = [];
  const pending: [string, number][] = [[root, 1]];
  while (pending.length > 0 && files.length < MAX_GLOB_FILES) {
    const [dir, level] = pending.pop()!;
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (level < depth && !SKIPPED_DIRECTORIES.has(entry.name)) pending.push([full, level + 1]);
      } else if (entry.isFile()) files.push(relative(root, full).split(sep).join("/"));
    }
  }
  return files;
}
