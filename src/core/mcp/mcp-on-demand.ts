// The MCP servers as core offers them (GET /mcp, POST /mcp, ACP's per-session servers, `moor run`'s wait), with the
// manager (manager.ts: connections, child records, tool sources) and its modules loaded on first need: a process
// with no `mcp` config and no server added at run time never loads them (DESIGN.md §6, lazy-start.test.ts).
// With servers configured, `start()` loads it and connects them as before. Until then the answers are the ones the
// manager would give: every configured server is "disabled" (not connecting yet), there are no tools or commands.
import type { CommandDefinition } from "../commands/command.js";
import type { McpManager } from "./manager.js";
import type { McpServerConfig, McpStatus } from "./server-config.js";

export class McpOnDemand {
  private manager: McpManager | undefined;
  private loading: Promise<McpManager> | undefined;
  private starting: Promise<void> | undefined;

  constructor(
    /** The servers of the config (the manager is built with them). */
    private readonly configured: Record<string, McpServerConfig>,
    private readonly build: () => Promise<McpManager>,
  ) {}

  /** The manager, once something has needed it (undefined before: nothing MCP was loaded). */
  get loaded(): McpManager | undefined {
    return this.manager;
  }

  /** Connects the configured servers (cli: once the process serves); with none, nothing loads. Returns at once. */
  start(): void {
    if (this.starting) return;
    if (!this.manager && Object.keys(this.configured).length === 0) {
      // Nothing to connect: a manager built later (POST /mcp) is started when it is built, see load().
      this.starting = Promise.resolve();
      return;
    }
    this.starting = this.load().then((manager) => {
      manager.start();
      return manager.ready();
    });
  }

  /** Resolves once every server `start` connected has connected or failed once. */
  ready(): Promise<void> {
    return this.starting?.catch(() => {}) ?? Promise.resolve();
  }

  status(): Record<string, McpStatus> {
    return (
      this.manager?.status() ??
      Object.fromEntries(Object.keys(this.configured).map((name) => [name, { status: "disabled" } as McpStatus]))
    );
  }

  toolNames(name: string): string[] {
    return this.manager?.toolNames(name) ?? [];
  }

  has(name: string): boolean {
    return this.manager?.has(name) ?? Object.hasOwn(this.configured, name);
  }

  async add(name: string, config: McpServerConfig): Promise<Record<string, McpStatus>> {
    return (await this.load()).add(name, config);
  }

  async connect(name: string): Promise<boolean> {
    if (!this.has(name)) return false;
    return (await this.load()).connect(name);
  }

  async disconnect(name: string): Promise<boolean> {
    if (!this.has(name)) return false;
    return (await this.load()).disconnect(name);
  }

  async addSessionServers(sessionID: string, servers: Record<string, McpServerConfig>): Promise<void> {
    // A session without servers of its own (most ACP sessions) needs no manager.
    if (!this.manager && !this.loading && Object.keys(servers).length === 0) return;
    await (await this.load()).addSessionServers(sessionID, servers);
  }

  async closeSession(sessionID: string): Promise<void> {
    await (await this.loading)?.closeSession(sessionID);
  }

  commands(): CommandDefinition[] {
    return this.manager?.commands() ?? [];
  }

  async close(): Promise<void> {
    await (await this.loading?.catch(() => undefined))?.close();
  }

  private load(): Promise<McpManager> {
    this.loading ??= this.build().then((manager) => {
      this.manager = manager;
      // Started already with nothing configured: this one reaps what a killed moor left, like a start would.
      if (this.starting) manager.start();
      return manager;
    });
    return this.loading;
  }
}
