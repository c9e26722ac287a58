// The language servers of every project moor works in: started lazily on the first edit of a matching file (one per
// server and project root), stopped after they sat idle, all stopped when the core closes, and reaped at the next
// start when a killed moor could not stop them (child-record.ts).
import { readdirSync } from "node:fs";
import { extname, join, resolve } from "node:path";
import { BUILTIN_SERVERS, projectRoot, type ServerContext } from "./builtin-servers.js";
import type { LspChildRecord } from "./child-record.js";
import { LspClient, type WorkspaceSymbol } from "./client.js";
import type { Diagnostic } from "./diagnostic.js";

/** OpenCode's `lsp.<name>`. */
export interface LspServerEntry {
  disabled?: boolean;
  command?: string[];
  extensions?: string[];
  env?: Record<string, string>;
  initialization?: Record<string, unknown>;
}

/** OpenCode's `lsp` key: false turns language servers off. */
export type LspSettings = false | Record<string, LspServerEntry> | undefined;

/** GET /lsp's items (OpenCode's LSPStatus). */
export interface LspStatus {
  id: string;
  name: string;
  root: string;
  status: "connected" | "error";
}

export interface LspServiceOptions {
  settings(directory: string): LspSettings;
  trusted(directory: string): boolean;
  path: string | undefined;
  /** moor's own node_modules/.bin (typescript-language-server ships with moor). */
  ownBins: readonly string[];
  env(): Record<string, string | undefined>;
  /** A server unused this long is stopped (default 5 min). */
  idleMs?: number;
  /** How long an edit waits for the file's diagnostics (default 5 s; the first start waits for the server too). */
  diagnosticsTimeoutMs?: number;
  startTimeoutMs?: number;
  record?: LspChildRecord;
  /** A server published diagnostics for `path` (the `lsp.client.diagnostics` event). */
  onDiagnostics?(event: { serverID: string; path: string; directory: string }): void;
}

interface ServerSpec {
  id: string;
  extensions: readonly string[];
  root: string;
  command: string[];
  env?: Record<string, string>;
  initialization?: Record<string, unknown>;
}

interface Running {
  client: LspClient;
  spec: ServerSpec;
  directory: string;
  failed: boolean;
  /** Checks and symbol searches in progress: the idle timer runs only while there are none. */
  busy: number;
  idle?: NodeJS.Timeout;
}

export class LspService {
  private readonly running = new Map<string, Running>();
  /** A server that failed to start for a root is not started again for it (until the core restarts). */
  private readonly broken = new Map<string, { spec: ServerSpec; directory: string }>();
  private closed = false;

  constructor(private readonly options: LspServiceOptions) {}

  /** The file's diagnostics from every server for it (started if needed); empty when none applies or all failed. */
  async diagnostics(file: string, directory: string): Promise<Diagnostic[]> {
    const specs = this.specsFor(file, directory);
    const results = await Promise.all(
      specs.map(async (spec) => {
        const running = this.start(spec, directory);
        if (!running) return [];
        this.use(running);
        try {
          return await running.client.check(file, this.options.diagnosticsTimeoutMs ?? 5000);
        } catch {
          this.markBroken(running);
          return [];
        } finally {
          this.touch(running);
        }
      }),
    );
    return results.flat();
  }

  /** Workspace symbols from the servers of `directory` (those running, else those whose root markers it has). */
  async workspaceSymbol(query: string, directory: string): Promise<WorkspaceSymbol[]> {
    let servers = [...this.running.values()].filter((running) => running.directory === resolve(directory));
    if (servers.length === 0) {
      servers = this.specsForDirectory(directory)
        .map((spec) => this.start(spec, directory))
        .filter((running): running is Running => running !== undefined);
    }
    const results = await Promise.all(
      servers.map(async (running) => {
        this.use(running);
        try {
          if (running.client.openFiles === 0) {
            const file = firstSourceFile(running.spec.root, running.spec.extensions);
            if (file) await running.client.open(file);
          }
          return await running.client.workspaceSymbol(query);
        } catch {
          return [];
        } finally {
          this.touch(running);
        }
      }),
    );
    return results.flat();
  }

  status(directory: string): LspStatus[] {
    const dir = resolve(directory);
    const list: LspStatus[] = [];
    for (const running of this.running.values()) {
      if (running.directory !== dir) continue;
      list.push({ id: running.spec.id, name: running.spec.id, root: running.spec.root, status: "connected" });
    }
    for (const { spec, directory: owner } of this.broken.values()) {
      if (owner === dir) list.push({ id: spec.id, name: spec.id, root: spec.root, status: "error" });
    }
    return list;
  }

  /** The pids of running servers (tests check they are gone). */
  pids(): number[] {
    return [...this.running.values()].flatMap((running) => (running.client.pid ? [running.client.pid] : []));
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.running.values()].map((running) => this.stop(running)));
  }

  /**
   * Ends every server at once, synchronously: for a process that exits without a chance to close the core (a
   * signal's handler calling exit). Their records are cleared, so the next start has nothing to reap.
   */
  killNow(): void {
    this.closed = true;
    for (const running of this.running.values()) {
      if (running.idle) clearTimeout(running.idle);
      running.client.killNow();
      if (running.client.pid) this.options.record?.remove(running.client.pid);
    }
    this.running.clear();
  }

  private start(spec: ServerSpec, directory: string): Running | undefined {
    if (this.closed) return undefined;
    const key = `${spec.id}\0${spec.root}`;
    if (this.broken.has(key)) return undefined;
    const existing = this.running.get(key);
    if (existing) return existing;
    const client = new LspClient({
      serverID: spec.id,
      root: spec.root,
      command: spec.command,
      env: { ...this.options.env(), ...spec.env },
      initialization: spec.initialization,
      startTimeoutMs: this.options.startTimeoutMs,
      onDiagnostics: (path) => this.options.onDiagnostics?.({ serverID: spec.id, path, directory }),
      onExit: () => {
        if (client.pid) this.options.record?.remove(client.pid);
        if (this.running.get(key)?.client === client) {
          const gone = this.running.get(key);
          if (gone?.idle) clearTimeout(gone.idle);
          this.running.delete(key);
          // An exit nobody asked for is an error GET /lsp shows (and the server is not started again).
          if (gone && !gone.failed && !this.closed) this.broken.set(key, { spec, directory: resolve(directory) });
        }
      },
    });
    if (client.pid) this.options.record?.add(client.pid);
    const running: Running = { client, spec, directory: resolve(directory), failed: false, busy: 0 };
    this.running.set(key, running);
    this.touch(running);
    return running;
  }

  private markBroken(running: Running): void {
    const key = `${running.spec.id}\0${running.spec.root}`;
    this.broken.set(key, { spec: running.spec, directory: running.directory });
    void this.stop(running);
  }

  /** A use begins: no idle stop until it ends (a first start may take longer than the idle time). */
  private use(running: Running): void {
    running.busy++;
    if (running.idle) clearTimeout(running.idle);
    running.idle = undefined;
  }

  /** A use ended (or the server just started): idle from now. */
  private touch(running: Running): void {
    running.busy = Math.max(0, running.busy - 1);
    if (running.idle) clearTimeout(running.idle);
    running.idle = undefined;
    if (running.busy > 0 || running.failed) return;
    running.idle = setTimeout(() => void this.stop(running), this.options.idleMs ?? 5 * 60_000);
    running.idle.unref();
  }

  private async stop(running: Running): Promise<void> {
    running.failed = true;
    if (running.idle) clearTimeout(running.idle);
    const key = `${running.spec.id}\0${running.spec.root}`;
    if (this.running.get(key) === running) this.running.delete(key);
    await running.client.stop();
    if (running.client.pid) this.options.record?.remove(running.client.pid);
  }

  private specsFor(file: string, directory: string): ServerSpec[] {
    const extension = extname(file);
    return this.servers(directory, file).filter((spec) => spec.extensions.includes(extension));
  }

  private specsForDirectory(directory: string): ServerSpec[] {
    return this.servers(directory, resolve(directory, "x"));
  }

  /** The servers that apply to `file` in `directory`: built-ins found and not disabled, then configured ones. */
  private servers(directory: string, file: string): ServerSpec[] {
    const settings = this.options.settings(directory);
    if (settings === false) return [];
    const configured = settings ?? {};
    const context: ServerContext = {
      directory: resolve(directory),
      path: this.options.path,
      ownBins: this.options.ownBins,
      projectBins: this.options.trusted(directory),
    };
    const specs: ServerSpec[] = [];
    for (const builtin of BUILTIN_SERVERS) {
      const entry = configured[builtin.id];
      if (entry?.disabled) continue;
      const command = entry?.command ?? builtin.command(context, file);
      if (!command) continue;
      specs.push({
        id: builtin.id,
        extensions: entry?.extensions ?? builtin.extensions,
        root: projectRoot(file, context.directory, builtin.rootMarkers),
        command,
        env: entry?.env,
        initialization: entry?.initialization,
      });
    }
    for (const [id, entry] of Object.entries(configured)) {
      if (BUILTIN_SERVERS.some((builtin) => builtin.id === id) || entry.disabled || !entry.command) continue;
      specs.push({
        id,
        extensions: entry.extensions ?? [],
        root: context.directory,
        command: entry.command,
        env: entry.env,
        initialization: entry.initialization,
      });
    }
    return specs;
  }
}

/** A file with one of `extensions` in `root` or its `src/` (not deeper: this only gives the server a project). */
function firstSourceFile(root: string, extensions: readonly string[]): string | undefined {
  for (const dir of [root, join(root, "src")]) {
    try {
      const name = readdirSync(dir, { withFileTypes: true }).find(
        (entry) => entry.isFile() && extensions.includes(extname(entry.name)),
      )?.name;
      if (name) return join(dir, name);
    } catch {
      // No such directory.
    }
  }
  return undefined;
}
