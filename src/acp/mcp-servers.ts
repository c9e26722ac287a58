// The MCP servers an editor passes in session/new and session/load (ACP's `mcpServers`: stdio, http, sse), as the
// servers core starts for that session alone. Each is named as the editor named it, so its tools are
// `<name>_<tool>` like a configured server's.
import type { McpServer } from "@agentclientprotocol/sdk/unstable";
import type { McpServerConfig } from "../core/mcp/server-config.js";

export function sessionMcpServers(servers: readonly McpServer[] | undefined): Record<string, McpServerConfig> {
  const result: Record<string, McpServerConfig> = {};
  for (const server of servers ?? []) {
    if ("type" in server && (server.type === "http" || server.type === "sse")) {
      result[server.name] = {
        type: "remote",
        url: server.url,
        headers: Object.fromEntries((server.headers ?? []).map((header) => [header.name, header.value])),
        transport: server.type,
      };
    } else if ("command" in server) {
      // (ACP-transport servers are not advertised in mcpCapabilities, so none is expected.)
      const stdio = server;
      result[stdio.name] = {
        type: "local",
        command: [stdio.command, ...(stdio.args ?? [])],
        environment: Object.fromEntries((stdio.env ?? []).map((variable) => [variable.name, variable.value])),
      };
    }
  }
  return result;
}
