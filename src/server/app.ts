// The HTTP app is a value (DESIGN.md §5.2): createApp(deps) returns a Hono app; tests call app.request(), and
// listen.ts serves it. Edge checks run before any handler: Host (DNS rebinding), Origin, then authentication.

import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { Hono } from "hono/quick";
import { authGate } from "./auth.js";
import type { RouteContext, ServerDeps } from "./context.js";
import { errorResponse, toErrorResponse } from "./errors.js";
import { corsHeaders, isLoopbackHost, originAllowed } from "./guard.js";
import { LoginThrottle } from "./login-throttle.js";
import { RouteRegistry } from "./openapi.js";
import { eventRoutes } from "./routes/events.js";
import { fileRoutes } from "./routes/file.js";
import { globalRoutes } from "./routes/global.js";
import { hookRoutes } from "./routes/hooks.js";
import { lspRoutes } from "./routes/lsp.js";
import { mcpRoutes } from "./routes/mcp.js";
import { opencodeMessageEditRoutes } from "./routes/opencode-message-edits.js";
import { opencodeSessionRoutes } from "./routes/opencode-session.js";
import { opencodeStaticRoutes } from "./routes/opencode-static.js";
import { opencodeV2Routes } from "./routes/opencode-v2.js";
import { opencodeV2ResourceRoutes } from "./routes/opencode-v2-resources.js";
import { opencodeV2SessionRoutes } from "./routes/opencode-v2-session.js";
import { permissionRoutes } from "./routes/permission.js";
import { sessionRoutes } from "./routes/session.js";
import { trustRoutes } from "./routes/trust.js";
import { webRoutes } from "./routes/web.js";

export type { ServerDeps } from "./context.js";

export interface MoorApp {
  app: Hono;
  /** Ends every open event stream with a last `server.instance.disposed` event. */
  endStreams(reason: string): void;
}

const DEFAULT_MAX_BODY = 10 * 1024 * 1024;
const BODYLESS = new Set(["GET", "HEAD", "OPTIONS"]);

export function createMoorApp(deps: ServerDeps): MoorApp {
  const app = new Hono();
  const streams = new Set<{ end(reason: string): void }>();
  const ctx: RouteContext = { app, deps, registry: new RouteRegistry(), streams };
  const allowedOrigins = deps.cors ?? [];

  app.use("*", async (c, next) => {
    const started = performance.now();
    await next();
    // Never the Authorization header or the query string (auth_token lives there).
    deps.logger?.info(
      { method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - started) },
      "request",
    );
  });

  app.use("*", async (c, next) => {
    if (deps.enforceLoopbackHost && !isLoopbackHost(c.req.header("host"))) {
      return errorResponse(c, 403, "forbidden", "Host header is not a loopback name (DNS rebinding guard)");
    }
    const origin = c.req.header("origin");
    if (origin) {
      if (!originAllowed(origin, { allowed: allowedOrigins, hostHeader: c.req.header("host") })) {
        return errorResponse(c, 403, "forbidden", `Origin ${origin} is not allowed (use --cors to allow it)`);
      }
      for (const [name, value] of Object.entries(corsHeaders(origin, allowedOrigins))) c.header(name, value);
      if (c.req.method === "OPTIONS") {
        c.header("access-control-allow-methods", "GET, POST, PATCH, DELETE, OPTIONS");
        c.header(
          "access-control-allow-headers",
          c.req.header("access-control-request-headers") ?? "authorization, content-type, last-event-id",
        );
        c.header("access-control-max-age", "600");
        return c.body(null, 204);
      }
    }
    await next();
  });

  if (deps.auth) app.use("*", authGate(deps.auth, new LoginThrottle(deps.loginThrottle), deps.logger));

  const maxBody = deps.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const tooLarge = (c: Context) => errorResponse(c, 413, "payload_too_large", `Request body over ${maxBody} bytes`);
  const countBody = bodyLimit({ maxSize: maxBody, onError: tooLarge });
  // A declared length is judged from the header. Hono's middleware reads `request.body` first, which makes
  // node-server build a full web Request (and lose its fast way to read the body), a cost every request paid; it
  // is kept for bodies of unknown length, which it counts as they arrive.
  app.use("*", async (c, next) => {
    if (BODYLESS.has(c.req.method)) return next();
    const length = c.req.header("content-length");
    if (length === undefined || c.req.header("transfer-encoding")) return countBody(c, next);
    return Number(length) > maxBody ? tooLarge(c) : next();
  });

  globalRoutes(ctx);
  sessionRoutes(ctx);
  permissionRoutes(ctx);
  trustRoutes(ctx);
  mcpRoutes(ctx);
  lspRoutes(ctx);
  hookRoutes(ctx);
  fileRoutes(ctx);
  opencodeStaticRoutes(ctx);
  opencodeSessionRoutes(ctx);
  opencodeMessageEditRoutes(ctx);
  opencodeV2Routes(ctx);
  opencodeV2SessionRoutes(ctx);
  opencodeV2ResourceRoutes(ctx);
  eventRoutes(ctx);
  webRoutes(ctx);

  app.notFound((c) => errorResponse(c, 404, "not_found", `No route for ${c.req.method} ${c.req.path}`));
  app.onError((error, c) => toErrorResponse(c, error, (err) => deps.logger?.error({ err }, "unhandled error")));

  return {
    app,
    endStreams: (reason) => {
      for (const stream of [...streams]) stream.end(reason);
    },
  };
}

export function createApp(deps: ServerDeps): Hono {
  return createMoorApp(deps).app;
}
