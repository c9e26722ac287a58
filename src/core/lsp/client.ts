// One language server process for one project root, spoken to with JSON-RPC over its stdio (vscode-jsonrpc). It
// runs in a process group of its own (typescript-language-server starts tsserver children), so stopping it ends
// them all, and the group is what the child record holds for reaping after a crash.
import { type ChildProcess, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import type { Readable, Writable } from "node:stream";
import { pathToFileURL } from "node:url";
import type { MessageConnection } from "vscode-jsonrpc/node.js";
import type { Diagnostic, Range } from "./diagnostic.js";

export interface LspClientOptions {
  serverID: string;
  root: string;
  command: readonly string[];
  env: Record<string, string | undefined>;
  initialization?: Record<string, unknown>;
  /** How long initialize may take before the server is given up (default 30 s). */
  startTimeoutMs?: number;
  /** Called with every file whose diagnostics the server published. */
  onDiagnostics?(path: string): void;
  /** Called once when the process ended, whoever ended it. */
  onExit?(): void;
}

/** OpenCode's Symbol (GET /find/symbol). */
export interface WorkspaceSymbol {
  name: string;
  kind: number;
  location: { uri: string; range: Range };
}

const LANGUAGE_IDS: Record<string, string> = {
  ".ts": "typescript",
  ".mts": "typescript",
  ".cts": "typescript",
  ".tsx": "typescriptreact",
  ".js": "javascript",
  ".mjs": "javascript",
  ".cjs": "javascript",
  ".jsx": "javascriptreact",
  ".py": "python",
  ".pyi": "python",
};

/**
 * After the first diagnostics of a file arrive, more may follow: typescript-language-server publishes the syntax
 * pass first and the type check's result a little later. Wait this long after each for another.
 */
const SETTLE_MS = 300;

export class LspClient {
  readonly pid: number | undefined;
  private readonly child: ChildProcess;
  /** Set once vscode-jsonrpc is loaded (lazily: it costs start time, and most runs never start a server). */
  private connection?: MessageConnection;
  private readonly diagnostics = new Map<string, Diagnostic[]>();
  private readonly versions = new Map<string, number>();
  private readonly waiters = new Set<{ path: string; wake(): void }>();
  private exited = false;
  readonly ready: Promise<void>;

  constructor(options: LspClientOptions) {
    this.child = spawn(options.command[0], options.command.slice(1), {
      cwd: options.root,
      env: options.env,
      detached: true,
      shell: false,
      stdio: ["pipe", "pipe", "ignore"],
    });
    this.pid = this.child.pid;
    const exitedPromise = new Promise<void>((resolve) => {
      const done = () => {
        if (this.exited) return;
        this.exited = true;
        for (const waiter of this.waiters) waiter.wake();
        options.onExit?.();
        resolve();
      };
      this.child.on("exit", done);
      this.child.on("error", done);
    });
    this.child.stdin?.on("error", () => {});
    const initialize = import("vscode-jsonrpc/node.js").then(async (rpc) => {
      const connection = rpc.createMessageConnection(
        // stdio is "pipe": both streams exist.
        new rpc.StreamMessageReader(this.child.stdout as Readable),
        new rpc.StreamMessageWriter(this.child.stdin as Writable),
      );
      this.connection = connection;
      connection.onNotification(
        "textDocument/publishDiagnostics",
        (params: { uri: string; diagnostics: Diagnostic[] }) => {
          const path = uriToPath(params.uri);
          if (!path) return;
          this.diagnostics.set(path, params.diagnostics);
          for (const waiter of this.waiters) if (waiter.path === path) waiter.wake();
          options.onDiagnostics?.(path);
        },
      );
      // Servers ask these of their client; answering keeps them from waiting on us.
      connection.onRequest("workspace/configuration", (params: { items?: unknown[] }) =>
        (params.items ?? []).map(() => options.initialization ?? {}),
      );
      connection.onRequest("window/workDoneProgress/create", () => null);
      connection.onRequest("client/registerCapability", () => null);
      connection.onError(() => {});
      connection.listen();
      const rootUri = pathToFileURL(options.root).href;
      await connection.sendRequest("initialize", {
        processId: process.pid,
        rootUri,
        rootPath: options.root,
        workspaceFolders: [{ uri: rootUri, name: "workspace" }],
        initializationOptions: options.initialization ?? {},
        capabilities: {
          window: { workDoneProgress: true },
          workspace: { configuration: true, symbol: {} },
          textDocument: {
            synchronization: { didOpen: true, didChange: true },
            publishDiagnostics: { versionSupport: true },
          },
        },
      });
      await connection.sendNotification("initialized", {});
    });
    const timeout = options.startTimeoutMs ?? 30_000;
    this.ready = Promise.race([
      initialize,
      exitedPromise.then(() => {
        throw new Error(`${options.serverID} exited while starting`);
      }),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`${options.serverID} did not start in ${timeout} ms`)), timeout).unref(),
      ),
    ]);
    this.ready.catch(() => this.stop());
  }

  /** The connection, once started (every caller awaited `ready` first). */
  private get rpc(): MessageConnection {
    if (!this.connection) throw new Error("the language server is not started");
    return this.connection;
  }

  get running(): boolean {
    return !this.exited;
  }

  /**
   * Tells the server the file's current text (open, or a change of an open file) and waits for its diagnostics: the
   * first publication after this, plus a short settle for a second one, at most `timeoutMs` in all. Answers what
   * the server last said of the file (possibly nothing).
   */
  async check(path: string, timeoutMs: number): Promise<Diagnostic[]> {
    await this.ready;
    const text = await readFile(path, "utf8");
    const uri = pathToFileURL(path).href;
    const version = (this.versions.get(path) ?? -1) + 1;
    this.versions.set(path, version);
    let published = 0;
    let wake: () => void = () => {};
    const waiter = {
      path,
      wake: () => {
        published++;
        wake();
      },
    };
    this.waiters.add(waiter);
    try {
      if (version === 0) {
        const languageId = LANGUAGE_IDS[extname(path)] ?? "plaintext";
        await this.rpc.sendNotification("textDocument/didOpen", {
          textDocument: { uri, languageId, version, text },
        });
      } else {
        await this.rpc.sendNotification("textDocument/didChange", {
          textDocument: { uri, version },
          contentChanges: [{ text }],
        });
      }
      const deadline = Date.now() + timeoutMs;
      const sleep = (ms: number) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.max(0, ms));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      while (published === 0 && !this.exited && Date.now() < deadline) await sleep(deadline - Date.now());
      // The first publication may be the syntax pass alone; a settled one is the last one within SETTLE_MS.
      for (let seen = published; !this.exited && Date.now() < deadline; seen = published) {
        await sleep(Math.min(SETTLE_MS, deadline - Date.now()));
        if (published === seen) break;
      }
    } finally {
      this.waiters.delete(waiter);
    }
    return this.diagnostics.get(path) ?? [];
  }

  /**
   * Opens a file the server has not seen (nothing when it has): typescript-language-server answers workspace/symbol
   * only for projects with an open file.
   */
  async open(path: string): Promise<void> {
    await this.ready;
    if (this.versions.has(path)) return;
    const text = await readFile(path, "utf8");
    this.versions.set(path, 0);
    const languageId = LANGUAGE_IDS[extname(path)] ?? "plaintext";
    await this.rpc.sendNotification("textDocument/didOpen", {
      textDocument: { uri: pathToFileURL(path).href, languageId, version: 0, text },
    });
  }

  get openFiles(): number {
    return this.versions.size;
  }

  async workspaceSymbol(query: string): Promise<WorkspaceSymbol[]> {
    await this.ready;
    const result = (await this.rpc.sendRequest("workspace/symbol", { query })) as WorkspaceSymbol[] | null;
    return (result ?? []).filter((symbol) => symbol.location && "range" in symbol.location);
  }

  /** Asks the server to shut down, then ends its group; resolves once the process is gone (bounded). */
  async stop(): Promise<void> {
    if (this.exited) return;
    const connection = this.connection;
    if (connection) {
      const graceful = (async () => {
        await connection.sendRequest("shutdown");
        await connection.sendNotification("exit");
      })().catch(() => {});
      await Promise.race([graceful, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
      connection.dispose();
    }
    this.killGroup("SIGTERM");
    const exited = new Promise<void>((resolve) => {
      if (this.exited) resolve();
      else this.child.once("exit", () => resolve());
    });
    const killed = await Promise.race([
      exited.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2000).unref()),
    ]);
    if (!killed) {
      this.killGroup("SIGKILL");
      await exited;
    }
    // tsserver children may outlive the leader for a moment: the group gets a last SIGKILL, and is waited for
    // (bounded), so that "stopped" means no process of it is left.
    this.killGroup("SIGKILL");
    for (let wait = 0; wait < 40 && this.groupExists(); wait++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  private groupExists(): boolean {
    if (this.pid === undefined) return false;
    try {
      process.kill(-this.pid, 0);
      return true;
    } catch {
      return false;
    }
  }

  /** Ends the group at once, without asking (the process is exiting and cannot wait for a shutdown). */
  killNow(): void {
    this.killGroup("SIGKILL");
  }

  private killGroup(signal: NodeJS.Signals): void {
    if (this.pid === undefined) return;
    try {
      process.kill(-this.pid, signal);
    } catch {
      // Already gone.
    }
  }
}

function uriToPath(uri: string): string | undefined {
  try {
    return decodeURIComponent(new URL(uri).pathname);
  } catch {
    return undefined;
  }
}
