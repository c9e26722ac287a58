// `moor web --attach URL`'s server: moor's web page (GET / and /assets/*, served as `moor serve` serves them) in
// front of another server's API (moor's or OpenCode's), every other request passed through to URL as it came:
// method, path, query, body and the Authorization header (Basic auth passes through; `-p` fills it when the browser
// sends none), the answer streamed back as it arrives (SSE included). Loopback only: the Host must be a loopback
// name (DNS-rebinding guard) and a browser request must come from the proxy's own page, since the proxy speaks to
// URL with the user's password.
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
} from "node:http";
import { request as httpsRequest } from "node:https";
import { Hono } from "hono";
import type { RouteContext, ServerDeps } from "../server/context.js";
import { isLoopbackHost } from "../server/guard.js";
import { RouteRegistry } from "../server/openapi.js";
import { webRoutes } from "../server/routes/web.js";

export interface WebProxyOptions {
  /** The server whose API the page uses. */
  upstream: URL;
  /** Sent as Basic auth when the browser's request carries no Authorization of its own. */
  password?: string;
  username?: string;
  /** The built index.html (server/routes/web.ts builtWebPage). */
  webPage: () => string | undefined;
  version: string;
}

/** Hop-by-hop headers (RFC 9110 §7.6.1): they describe one connection, never forwarded. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

function forwardable(headers: IncomingMessage["headers"]): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  return out;
}

function sendError(response: import("node:http").ServerResponse, status: number, code: string, message: string) {
  if (response.headersSent) return response.destroy();
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify({ error: { code, message }, name: "BadRequest", data: { message } }));
}

/** The page's own routes, answered by the same code `moor serve` uses (headers, CSP, asset names). */
function pageApp(options: WebProxyOptions): Hono {
  const app = new Hono();
  const deps = { version: options.version, webPage: options.webPage } as ServerDeps;
  const ctx: RouteContext = { app, deps, registry: new RouteRegistry(), streams: new Set() };
  webRoutes(ctx);
  return app;
}

export function createWebProxy(options: WebProxyOptions): Server {
  const page = pageApp(options);
  const { upstream } = options;
  const basePath = upstream.pathname.replace(/\/$/, "");
  const send = upstream.protocol === "https:" ? httpsRequest : httpRequest;
  const basic = options.password
    ? `Basic ${Buffer.from(`${options.username ?? "moor"}:${options.password}`).toString("base64")}`
    : undefined;

  return createServer((request, response) => {
    const host = request.headers.host;
    if (!isLoopbackHost(host)) {
      return sendError(response, 403, "forbidden", "moor web answers on loopback names only");
    }
    const origin = request.headers.origin;
    if (origin && origin !== `http://${host}`) {
      return sendError(response, 403, "forbidden", `origin ${origin} is not allowed`);
    }
    const url = new URL(request.url ?? "/", `http://${host}`);
    if (request.method === "GET" && (url.pathname === "/" || url.pathname.startsWith("/assets/"))) {
      void servePage(page, url, request, response);
      return;
    }
    const headers = forwardable(request.headers);
    delete headers.origin;
    delete headers.referer;
    headers.host = upstream.host;
    if (!headers.authorization && basic) headers.authorization = basic;
    const outgoing = send(
      {
        protocol: upstream.protocol,
        hostname: upstream.hostname.replace(/^\[|\]$/g, ""),
        port: upstream.port || undefined,
        method: request.method,
        path: `${basePath}${url.pathname}${url.search}`,
        headers,
      },
      (incoming) => {
        response.writeHead(incoming.statusCode ?? 502, forwardable(incoming.headers));
        // An event stream's frames go out as they come: no buffering between the two sockets.
        response.flushHeaders();
        incoming.pipe(response);
        incoming.on("error", () => response.destroy());
      },
    );
    outgoing.on("error", (error) =>
      sendError(response, 502, "bad_gateway", `cannot reach ${upstream.origin}: ${error.message}`),
    );
    // The browser went away (a closed event stream): stop the upstream request too.
    response.on("close", () => outgoing.destroy());
    request.pipe(outgoing);
  });
}

async function servePage(
  page: Hono,
  url: URL,
  request: IncomingMessage,
  response: import("node:http").ServerResponse,
): Promise<void> {
  try {
    const answer = await page.fetch(new Request(url, { method: "GET" }));
    const headers: OutgoingHttpHeaders = {};
    answer.headers.forEach((value, name) => {
      headers[name] = value;
    });
    response.writeHead(answer.status, headers);
    response.end(Buffer.from(await answer.arrayBuffer()));
  } catch (error) {
    request.resume();
    sendError(response, 500, "internal", `cannot serve the page: ${(error as Error).message}`);
  }
}
