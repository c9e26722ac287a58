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

/**
 * A real MCP server that speaks only the older HTTP+SSE transport (GET /sse, POST /messages): a client must fall
 * back to it after streamable HTTP is refused.
 */
export async function startMcpSseServer(label = "sse"): Promise<McpHttpServer> {
  const { SSEServerTransport } = await import("@modelcontextprotocol/sdk/server/sse.js");
  const requests: McpHttpServer["requests"] = [];
  const transports = new Map<string, InstanceType<typeof SSEServerTransport>>();
  const server: Server = createServer(async (req, res) => {
    requests.push({ method: req.method, headers: { ...req.headers } });
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (req.method === "GET" && url.pathname === "/sse") {
      const transport = new SSEServerTransport("/messages", res);
      transports.set(transport.sessionId, transport);
      res.on("close", () => transports.delete(transport.sessionId));
      await buildServer(label).connect(transport);
      return;
    }
    const transport = transports.get(url.searchParams.get("sessionId") ?? "");
    if (req.method === "POST" && url.pathname === "/messages" && transport) {
      await transport.handlePostMessage(req, res);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/sse`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
