// One line per MCP server for both screens (attach's /mcp, the web page's header): what GET /mcp says, short.
import type { McpStatus, McpStatusMap } from "../protocol/mcp.js";

export interface McpServerLine {
  name: string;
  /** connected | failed | disabled, for colour. */
  state: McpStatus["status"];
  text: string;
}

export function mcpServerLines(status: McpStatusMap): McpServerLine[] {
  return Object.entries(status).map(([name, entry]) => ({
    name,
    state: entry.status,
    text:
      entry.status === "connected"
        ? `${name}: connected, ${entry.tools} tool${entry.tools === 1 ? "" : "s"}`
        : entry.status === "failed"
          ? `${name}: failed (${entry.error})`
          : `${name}: disabled`,
  }));
}

/** The whole status in one line (attach's notice line). */
export function mcpSummary(status: McpStatusMap): string {
  const lines = mcpServerLines(status);
  return lines.length === 0 ? "MCP: no servers configured" : `MCP: ${lines.map((line) => line.text).join(" · ")}`;
}
