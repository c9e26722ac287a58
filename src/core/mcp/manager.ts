// The MCP servers of one core: each connected in the background (never on the start path), its tools a source in
// the core's tool registry, its prompts commands. Servers an ACP editor passes for a session are that session's
// alone and end with it. Every child process ends when a server is disconnected or the manager closes; those a
// killed process left behind are ended on the next start (child-records.ts).
import type { CommandDefinition } from "../commands/command.js";
import type { ToolRegistry, ToolSource } from "../tools/registry.js";
import type { ToolDefinition } from "../tools/tool.js";
import { ChildRecords } from "./child-records.js";
import { type Backoff, DEFAULT_BACKOFF, McpConnection } from "./connection.js";
import { mcpToolDefinition } from "./mcp-tool.js";
import type { McpServerConfig, McpStatus } from "./server-config.js";
import { mcpPromptName } from "./tool-names.js";

export interface McpOptions {
  /** The configured servers (config `mcp`), by name. */
  servers: Record<string, McpServerConfig>;
  /** The environment local servers start with (cli: moor's own, less the secrets it holds back from commands). */
  env: Record<string, string>;
  /** Where local servers run unless configured otherwise, and the directory `mcp.tools.changed` is announced in. */
  directory: string;
  /** Where the pids of local servers are recorded (a folder in the data directory); none: not recorded. */
  childRecords?: string;
  backoff?: Partial<Backoff>;
}

interface Entry {
  connection: McpConnection;
  source: McpToolSource;
}

/** A server's tools; their definitions are built once per change of its tool list. */
class McpToolSource implements ToolSource {
  version = 0;
  private built: readonly ToolDefinition[] = [];

  constructor(
    readonly id: string,
    private readonly server: string,
    private readonly connection: McpConnection,
    readonly session?: string,
  ) {}

  list(): readonly ToolDefinition[] {
    return this.built;
  }

  rebuild(): void {
    this.built = this.connection.tools.map((tool) => mcpToolDefinition(this.server, tool, this.connection));
    this.version++;
  }
}

export class McpManager {
  private readonly servers = new Map<string, Entry>();
  private readonly sessions = new Map<string, Map<string, Entry>>();
  private readonly children: ChildRecords | undefined;
  private readonly backoff: Backoff;
  private started = false;
  private firstAttempts: Promise<void> = Promise.resolve();

  constructor(
    private readonly options: McpOptions,
    private readonly registry: ToolRegistry,
    private readonly version: string,
    private readonly announce: (server: string) => void,
  ) {
    this.children = options.childRecords ? new ChildRecords(options.childRecords) : undefined;
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    for (const [name, config] of Object.entries(options.servers)) this.servers.set(name, this.entry(name, config));
  }

  /**
   * Ends what a killed moor left running, then connects every enabled server. Called once the process serves (cli),
   * so neither cold start nor the first request waits for a server; returns at once.
   */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.children?.reapLeftovers();
    const attempts: Promise<void>[] = [];
    for (const [, entry] of this.servers) {
      if (entry.connection.options.config.enabled !== false) attempts.push(entry.connection.connect());
    }
    this.firstAttempts = Promise.all(attempts).then(() => {});
  }

  /** Resolves once every server started by `start` has connected or failed once (`moor run` waits, serve does not). */
  ready(): Promise<void> {
    return this.firstAttempts;
  }

  /** Every configured server's status, by name (GET /mcp). */
  status(): Record<string, McpStatus> {
    return Object.fromEntries([...this.servers].map(([name, entry]) => [name, entry.connection.status()]));
  }

  /** The tools a configured server offers now (as the model sees them). */
  toolNames(name: string): string[] {
    return (
      this.servers
        .get(name)
        ?.source.list()
        .map((tool) => tool.name) ?? []
    );
  }

  has(name: string): boolean {
    return this.servers.has(name);
  }

  /** Adds (or replaces) a server at run time and connects it; resolves once the first attempt settled (POST /mcp). */
  async add(name: string, config: McpServerConfig): Promise<Record<string, McpStatus>> {
    const earlier = this.servers.get(name);
    if (earlier) await this.drop(earlier);
    const entry = this.entry(name, config);
    this.servers.set(name, entry);
    if (config.enabled !== false) await entry.connection.connect();
    return this.status();
  }

  /** Connects a known server now (a disabled one too); false when there is no such server. */
  async connect(name: string): Promise<boolean> {
    const entry = this.servers.get(name);
    if (!entry) return false;
    await entry.connection.connect();
    return true;
  }

  /** Disconnects a server (its child ends) until connected again; false when there is no such server. */
  async disconnect(name: string): Promise<boolean> {
    const entry = this.servers.get(name);
    if (!entry) return false;
    await entry.connection.close();
    return true;
  }

  /** Starts servers for one session only (ACP `mcpServers`); resolves once each first attempt settled. */
  async addSessionServers(sessionID: string, servers: Record<string, McpServerConfig>): Promise<void> {
    await this.closeSession(sessionID);
    const entries = new Map<string, Entry>();
    for (const [name, config] of Object.entries(servers)) entries.set(name, this.entry(name, config, sessionID));
    this.sessions.set(sessionID, entries);
    await Promise.all([...entries.values()].map((entry) => entry.connection.connect()));
  }

  async closeSession(sessionID: string): Promise<void> {
    const entries = this.sessions.get(sessionID);
    if (!entries) return;
    this.sessions.delete(sessionID);
    await Promise.all([...entries.values()].map((entry) => this.drop(entry)));
  }

  /** The connected servers' prompts as commands named `<server>:<prompt>`. */
  commands(): CommandDefinition[] {
    const commands: CommandDefinition[] = [];
    for (const [name, { connection }] of this.servers) {
      for (const prompt of connection.prompts) {
        commands.push({
          name: mcpPromptName(name, prompt.name),
          description: prompt.description,
          template: connection.promptTemplates.get(prompt.name) ?? prompt.name,
        });
      }
    }
    return commands;
  }

  /** Ends every server and its child process (core shutdown). */
  async close(): Promise<void> {
    const all = [...this.servers.values(), ...[...this.sessions.values()].flatMap((entries) => [...entries.values()])];
    this.sessions.clear();
    await Promise.all(all.map((entry) => entry.connection.close()));
    this.children?.clear();
  }

  private entry(name: string, config: McpServerConfig, session?: string): Entry {
    let source: McpToolSource | undefined;
    const connection = new McpConnection({
      name,
      config,
      env: this.options.env,
      directory: this.options.directory,
      version: this.version,
      backoff: this.backoff,
      children: this.children,
      onChange: () => {
        source?.rebuild();
        this.announce(name);
      },
    });
    source = new McpToolSource(`mcp:${session ?? ""}:${name}`, name, connection, session);
    this.registry.add(source);
    return { connection, source };
  }

  private async drop(entry: Entry): Promise<void> {
    this.registry.remove(entry.source.id);
    await entry.connection.close();
  }
}
