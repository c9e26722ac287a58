/** @jsxImportSource preact */
// The MCP servers in the top bar: one dot per server (green connected, red failed, grey disabled) with its status as
// the tooltip. Nothing when none is configured or the server has no /mcp. Polled: a server's status changes
// without an event (a drop, a reconnect), and the poll is one small GET.
import { useEffect, useState } from "preact/hooks";
import { type McpServerLine, type MoorClient, mcpServerLines } from "../client/index.js";

const POLL_MS = 10_000;

export function McpStatus({ client }: { client: MoorClient }) {
  const [lines, setLines] = useState<McpServerLine[]>([]);
  useEffect(() => {
    let live = true;
    const load = () =>
      client.mcpStatus().then(
        (status) => live && setLines(mcpServerLines(status)),
        () => undefined,
      );
    void load();
    const timer = setInterval(load, POLL_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [client]);
  if (lines.length === 0) return null;
  return (
    <span class="mcp-status" data-mcp-status>
      MCP
      {lines.map((line) => (
        <span key={line.name} class={`mcp-server mcp-${line.state}`} title={line.text}>
          <span class="dot" />
          {line.name}
        </span>
      ))}
    </span>
  );
}
