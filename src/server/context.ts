// What every route module receives: the core, the route registry (for /doc), and the helpers that read a
// request's directory and validated body.
import type { Context, Hono } from "hono";
import * as z from "zod";
import type { FileWatchHub } from "../core/files/watch-hub.js";
import type { Core } from "../core/index.js";
import type { TrustState } from "../protocol/trust.js";
import { describeZodError, HttpError } from "./errors.js";
import type { LoginThrottleOptions } from "./login-throttle.js";
import type { RouteRegistry, RouteSpec } from "./openapi.js";
import type { OneOffNotifications } from "./prompt-notify.js";
import type { SseOptions } from "./sse.js";

export interface Logger {
  info(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
  debug(obj: unknown, msg?: string): void;
}

export interface ServerDeps {
  core: Core;
  version: string;
  auth?: { password: string; username?: string };
  cors?: string[];
  paths?: Record<string, string>;
  /** The user's home directory (GET /path's `home`, as OpenCode fills it). */
  home?: string;
  /** The merged config, secrets already masked (for GET /config). */
  config?: () => unknown;
  /**
   * The project directory's trust (GET/POST /trust). `trust` throws a ConfigError (a 400) for a directory that is
   * not the server's; after it the config in use is the reloaded one.
   */
  trust?: { state(): TrustState; trust(directory?: string): Promise<TrustState> };
  /** OpenCode's `/config/providers` shape. */
  providers?: () => unknown;
  defaultDirectory: string;
  logger?: Logger;
  maxBodyBytes?: number;
  heartbeatMs?: number;
  sseBufferLimit?: number;
  /** Failed-login throttling (defaults: lockouts from the 5th failure, 1 s doubling to 60 s). */
  loginThrottle?: LoginThrottleOptions;
  /** When bound to loopback, the Host header must be a loopback name (DNS-rebinding guard). */
  enforceLoopbackHost?: boolean;
  /** Watches the directory of each event stream for `file.watcher.updated` while the stream is open. */
  fileWatch?: FileWatchHub;
  /** The web UI's HTML, when it is built; a plain status page otherwise. */
  webPage?: () => string | undefined;
  /** Where a prompt's one-off `notify` goes (serve's notifier); without it such a prompt is refused (400). */
  notify?: OneOffNotifications;
  /** Cluster mode (API nodes): older events from the store's log, for a Last-Event-ID the ring lacks (sse.ts). */
  olderEvents?: SseOptions["olderEvents"];
}

export interface RouteContext {
  app: Hono;
  deps: ServerDeps;
  registry: RouteRegistry;
  /** Ends every open event stream with a last event (server shutdown). */
  streams: Set<{ end(reason: string): void }>;
}

export function requestDirectory(c: Context, fallback: string): string {
  const query = c.req.query("directory");
  if (query) return query;
  const header = c.req.header("x-opencode-directory");
  if (header) {
    try {
      return decodeURIComponent(header);
    } catch {
      throw new HttpError(400, "bad_request", "x-opencode-directory is not valid URL encoding");
    }
  }
  return fallback;
}

/** Reads and validates the JSON body; an empty body counts as `{}` when the schema accepts it. */
export async function readBody<T>(c: Context, schema: z.ZodType<T>): Promise<T> {
  const text = await c.req.text();
  let value: unknown = {};
  if (text.trim() !== "") {
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new HttpError(400, "invalid_json", `request body is not valid JSON: ${(error as Error).message}`);
    }
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new HttpError(400, "bad_request", describeZodError(parsed.error));
  return parsed.data;
}

export function readQuery<T>(c: Context, schema: z.ZodType<T>): T {
  const parsed = schema.safeParse(c.req.query());
  if (!parsed.success) throw new HttpError(400, "bad_request", describeZodError(parsed.error));
  return parsed.data;
}

type Handler = (c: Context) => Response | Promise<Response>;

/** Registers a route with Hono and with the OpenAPI registry in one step. */
export function route(ctx: RouteContext, spec: RouteSpec, handler: Handler): void {
  ctx.registry.add(spec);
  ctx.app.on(spec.method.toUpperCase(), spec.path, handler);
}

export const EmptyBody = z.object({}).loose();
