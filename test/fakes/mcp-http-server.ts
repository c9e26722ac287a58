// A real MCP server over streamable HTTP on 127.0.0.1 (stateless: one transport per request, as the SDK's
// example does), for tests of remote servers.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
// @ts-expect-error: a plain ES module shared with the stdio server child.
import { buildServer } from "./mcp-tools.mjs";

export interface McpHttpServer {
  url: string;
  /** Requests seen, with their headers (a test checks configured headers arrive). */
  requests: { method?: string; headers: Record<string, unknown> }[];
  close(): Promise<void>;
}

export async function startMcpHttpServer(label = "http"): Promise<McpHttpServer> {
  const requests: McpHttpServer["requests"] = [];
  const server: Server = createServer(async (req, res) => {
    requests.push({ method: req.method, headers: { ...req.headers } });
    if (req.method !== "POST") {
      res.writeHead(405).end();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    const mcp = buildServer(label);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on("close", () => {
      void transport.close();
      void mcp.close();
    });
    await mcp.connect(transport);
    await transport.handleRequest(req, res, body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
