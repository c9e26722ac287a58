// One MCP server, kept connected: connects in the background, lists its tools and prompts, follows
// `notifications/tools/list_changed`, and when the connection drops (the child died, the network went) connects
// again with a capped backoff. Meanwhile its tools answer a clear error at once; a call never waits on a dead server.
// The SDK is imported when the first server connects, so a process without MCP servers never loads it.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { CallToolResult, Prompt, Tool } from "@modelcontextprotocol/sdk/types.js";
import type { ChildRecords } from "./child-records.js";
import { DEFAULT_MCP_TIMEOUT_MS, type McpServerConfig, type McpStatus } from "./server-config.js";

export interface Backoff {
  /** The first wait after a drop or a failed attempt, doubled after each failure… */
  initialMs: number;
  /** …up to this. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 500, maxMs: 30_000 };

export interface ConnectionOptions {
  name: string;
  config: McpServerConfig;
  /** The environment a local server starts with (its `environment` is added). */
  env: Record<string, string>;
  /** A local server's working directory unless its config names one. */
  directory: string;
  version: string;
  backoff: Backoff;
  children?: ChildRecords;
  /** Its tools or prompts changed (connected, refreshed, or the server said so). */
  onChange(): void;
}

/** How long a local server has to exit on its own once its stdin is closed. */
const TERM_GRACE_MS = 300;
/** …and to end on SIGTERM. */
const KILL_GRACE_MS = 1_000;

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

/** What of a server's stderr is kept to say why it failed. */
const STDERR_TAIL = 2_000;

export class McpConnection {
  private client: Client | undefined;
  private state: "connecting" | "connected" | "failed" | "disabled" = "disabled";
  private error = "";
  private attempt = 0;
  private retry: NodeJS.Timeout | undefined;
  /** Bumped by every connect and close: events of an older connection are ignored. */
  private generation = 0;
  private pid: number | undefined;
  private stderr = "";
  tools: Tool[] = [];
  prompts: Prompt[] = [];
  /** Each prompt's text with `$1`, `$2`… in its arguments' places. */
  promptTemplates = new Map<string, string>();

  constructor(readonly options: ConnectionOptions) {}

  /** How long a tool call may take before it is cancelled. */
  get timeout(): number {
    return this.options.config.timeout ?? DEFAULT_MCP_TIMEOUT_MS;
  }

  /** Connecting and listing get at least the default: a short tool timeout must not fail a slow start. */
  private get setupTimeout(): number {
    return Math.max(this.timeout, DEFAULT_MCP_TIMEOUT_MS);
  }

  status(): McpStatus {
    if (this.state === "connected") return { status: "connected", tools: this.tools.length };
    if (this.state === "disabled") return { status: "disabled" };
    return { status: "failed", error: this.state === "connecting" && !this.error ? "connecting" : this.error };
  }

  get connected(): boolean {
    return this.state === "connected";
  }

  /** Why calls fail now, for the model: the server is not connected and is being connected again. */
  unavailable(): string {
    const why = this.error || "still connecting";
    return `MCP server "${this.options.name}" is not connected (${why}); moor is reconnecting it. Try again shortly or do without it.`;
  }

  /** Connects in the background (a failure is the status and is retried); resolves when this attempt settled. */
  connect(): Promise<void> {
    // Connected already: nothing to do (a second client would leave the first one's child running).
    if (this.state === "connected") return Promise.resolve();
    clearTimeout(this.retry);
    this.retry = undefined;
    const generation = ++this.generation;
    this.state = "connecting";
    return this.open(generation).catch((error: unknown) => {
      if (generation !== this.generation) return;
      this.fail(generation, describe(error, this.stderr));
    });
  }

  /** Disconnects and stops reconnecting; the child process (if any) is ended. */
  async close(disabled = true): Promise<void> {
    clearTimeout(this.retry);
    this.retry = undefined;
    this.generation++;
    this.state = disabled ? "disabled" : "failed";
    const client = this.client;
    this.client = undefined;
    if (this.tools.length > 0 || this.prompts.length > 0) {
      this.tools = [];
      this.prompts = [];
      this.options.onChange();
    }
    await this.closeClient(client);
  }

  /**
   * Closes the client and ends its child: the SDK closes stdin and waits 2 s before SIGTERM; a server that does not
   * exit on a closed stdin gets SIGTERM after a short grace instead, so shutdown and disconnect stay quick.
   */
  private async closeClient(client: Client | undefined): Promise<void> {
    const pid = this.pid;
    this.forgetChild();
    let closed = false;
    const term =
      pid === undefined
        ? undefined
        : setTimeout(() => {
            if (!closed) signal(pid, "SIGTERM");
            kill = setTimeout(() => {
              if (!closed) signal(pid, "SIGKILL");
            }, KILL_GRACE_MS);
          }, TERM_GRACE_MS);
    let kill: NodeJS.Timeout | undefined;
    await client?.close().catch(() => {});
    closed = true;
    clearTimeout(term);
    clearTimeout(kill);
  }

  async callTool(name: string, args: Record<string, unknown>, signal: AbortSignal): Promise<CallToolResult> {
    const client = this.client;
    if (!client || this.state !== "connected") throw new McpUnavailableError(this.unavailable());
    return (await client.callTool({ name, arguments: args }, undefined, {
      timeout: this.timeout,
      signal,
    })) as CallToolResult;
  }

  private async open(generation: number): Promise<void> {
    const { Client } = await import("@modelcontextprotocol/sdk/client/index.js");
    const { ToolListChangedNotificationSchema, PromptListChangedNotificationSchema } = await import(
      "@modelcontextprotocol/sdk/types.js"
    );
    const make = () => {
      const client = new Client({ name: "moor", version: this.options.version });
      client.setNotificationHandler(ToolListChangedNotificationSchema, () => this.refresh(generation, client));
      client.setNotificationHandler(PromptListChangedNotificationSchema, () => this.refresh(generation, client));
      return client;
    };
    let client = make();
    const config = this.options.config;
    if (config.type === "local") {
      await client.connect(await this.stdioTransport(generation, config), { timeout: this.setupTimeout });
    } else if (config.transport === "sse") {
      await client.connect(await sseTransport(config), { timeout: this.setupTimeout });
    } else {
      try {
        await client.connect(await httpTransport(config), { timeout: this.setupTimeout });
      } catch (error) {
        if (config.transport === "http") throw error;
        // Not streamable HTTP: the older SSE transport, as the spec's backwards-compatibility section says.
        await client.close().catch(() => {});
        client = make();
        await client.connect(await sseTransport(config), { timeout: this.setupTimeout });
      }
    }
    if (generation !== this.generation) {
      await client.close().catch(() => {});
      return;
    }
    this.client = client;
    client.onclose = () => this.fail(generation, describe(new Error("the connection closed"), this.stderr));
    await this.load(client);
    if (generation !== this.generation) return;
    this.state = "connected";
    this.error = "";
    this.attempt = 0;
    this.options.onChange();
  }

  private async stdioTransport(
    generation: number,
    config: Extract<McpServerConfig, { type: "local" }>,
  ): Promise<Transport> {
    const { StdioClientTransport } = await import("@modelcontextprotocol/sdk/client/stdio.js");
    const [command, ...args] = config.command;
    const transport = new StdioClientTransport({
      command,
      args,
      env: { ...this.options.env, ...config.environment },
      cwd: config.cwd ?? this.options.directory,
      stderr: "pipe",
    });
    this.stderr = "";
    transport.stderr?.on("data", (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString("utf8")).slice(-STDERR_TAIL);
    });
    // The pid exists once the transport started (client.connect starts it): recorded from then on.
    const start = transport.start.bind(transport);
    transport.start = async () => {
      await start();
      if (transport.pid && generation === this.generation) {
        this.pid = transport.pid;
        this.options.children?.add(transport.pid, this.options.name);
      }
    };
    return transport;
  }

  private async load(client: Client): Promise<void> {
    const tools: Tool[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor ? { cursor } : undefined, { timeout: this.setupTimeout });
      tools.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor);
    const prompts = client.getServerCapabilities()?.prompts
      ? (await client.listPrompts(undefined, { timeout: this.setupTimeout })).prompts
      : [];
    // A prompt becomes a command whose template is the prompt filled with `$1`, `$2`… for its arguments.
    const templates = new Map<string, string>();
    for (const prompt of prompts) {
      const args = Object.fromEntries((prompt.arguments ?? []).map((arg, index) => [arg.name, `$${index + 1}`]));
      const result = await client
        .getPrompt({ name: prompt.name, arguments: args }, { timeout: this.setupTimeout })
        .catch(() => undefined);
      const text = result?.messages
        .map((message) => (message.content.type === "text" ? message.content.text : ""))
        .filter(Boolean)
        .join("\n\n");
      templates.set(prompt.name, text || prompt.description || prompt.name);
    }
    this.tools = tools;
    this.prompts = prompts;
    this.promptTemplates = templates;
  }

  private refresh(generation: number, client: Client): void {
    this.load(client).then(
      () => {
        if (generation === this.generation) this.options.onChange();
      },
      () => {
        // A failed refresh keeps the tools known so far; a dropped connection is handled by onclose.
      },
    );
  }

  private fail(generation: number, error: string): void {
    if (generation !== this.generation) return;
    this.generation++;
    this.state = "failed";
    this.error = error;
    const client = this.client;
    this.client = undefined;
    void this.closeClient(client);
    const { initialMs, maxMs } = this.options.backoff;
    const delay = Math.min(initialMs * 2 ** this.attempt, maxMs);
    this.attempt = Math.min(this.attempt + 1, 30);
    this.retry = setTimeout(() => void this.connect(), delay);
    // A waiting reconnect never keeps the process alive.
    this.retry.unref();
  }

  private forgetChild(): void {
    if (this.pid !== undefined) this.options.children?.remove(this.pid);
    this.pid = undefined;
  }
}

/** A call to a server that is not connected now. */
export class McpUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "McpUnavailableError";
  }
}

async function httpTransport(config: Extract<McpServerConfig, { type: "remote" }>): Promise<Transport> {
  const { StreamableHTTPClientTransport } = await import("@modelcontextprotocol/sdk/client/streamableHttp.js");
  return new StreamableHTTPClientTransport(new URL(config.url), { requestInit: { headers: config.headers } });
}

async function sseTransport(config: Extract<McpServerConfig, { type: "remote" }>): Promise<Transport> {
  const { SSEClientTransport } = await import("@modelcontextprotocol/sdk/client/sse.js");
  return new SSEClientTransport(new URL(config.url), { requestInit: { headers: config.headers } });
}

/** One line saying why, with the end of the server's stderr when it said something. */
function describe(error: unknown, stderr: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const said = stderr.trim().split("\n").slice(-1)[0]?.trim();
  return said ? `${message} (stderr: ${said.slice(0, 300)})` : message;
}
