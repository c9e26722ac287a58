// An MCP server as core is given it (cli maps config `mcp.<name>`, ACP maps an editor's `mcpServers` to it). Core
// never reads config or the environment: a local server's environment comes in whole.

export interface LocalMcpServer {
  type: "local";
  /** The command and its arguments. */
  command: string[];
  cwd?: string;
  /** Added to the environment cli gives local servers. */
  environment?: Record<string, string>;
  enabled?: boolean;
  /** Milliseconds a tool call may take before it is cancelled (connecting gets at least the default). */
  timeout?: number;
}

export interface RemoteMcpServer {
  type: "remote";
  url: string;
  headers?: Record<string, string>;
  enabled?: boolean;
  timeout?: number;
  /** Which transport to use; default: streamable HTTP, falling back to SSE when the server does not speak it. */
  transport?: "http" | "sse";
}

export type McpServerConfig = LocalMcpServer | RemoteMcpServer;

/** A server's state as GET /mcp answers it (OpenCode's MCPStatus, plus moor's tool count on a connected one). */
export type McpStatus =
  | { status: "connected"; tools: number }
  | { status: "disabled" }
  | { status: "failed"; error: string };

/** Requests (connecting, listing, a tool call) may take this long unless the server's `timeout` says otherwise. */
export const DEFAULT_MCP_TIMEOUT_MS = 60_000;
