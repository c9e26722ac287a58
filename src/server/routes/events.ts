import type { ServerResponse } from "node:http";
import { parseEventId } from "../../protocol/index.js";
import { type RouteContext, requestDirectory, route } from "../context.js";
import { corsHeaders } from "../guard.js";
import { type EventShape, type SseOptions, sseResponse, sseToNodeResponse } from "../sse.js";

const globalShape: EventShape = ({ directory, event }) => ({ directory, payload: event });

/**
 * What the handler returns once it has written the response itself: node-server's "already sent" mark. Its body
 * is read before returning, which turns node-server's lazy Response into a full one: a lazy one would be written
 * out again (ERR_HTTP_HEADERS_SENT). The handler leaves `c.res` alone, as Hono would copy the response into a
 * lazy one. A full Response needs Node's fetch classes, so the mark's module (which makes one as it loads) is
 * imported with the first stream: a server without event clients never loads them (lazy-fetch-classes.ts).
 */
async function alreadySent(): Promise<Response> {
  const { RESPONSE_ALREADY_SENT } = await import("@hono/node-server/utils/response");
  const response = new Response(null, { headers: RESPONSE_ALREADY_SENT.headers });
  void response.body;
  return response;
}

export function eventRoutes(ctx: RouteContext): void {
  const { deps } = ctx;
  const stream = (c: Parameters<Parameters<typeof route>[2]>[0], global: boolean) => {
    const lastEventId = c.req.header("last-event-id") ?? c.req.query("lastEventId") ?? null;
    const explicitDirectory = c.req.query("directory") ?? c.req.header("x-opencode-directory");
    const directory = explicitDirectory ? requestDirectory(c, deps.defaultDirectory) : undefined;
    const started = Date.now();
    // Files change on disk in the stream's directory (the server's own for a global stream) while it is open.
    const unwatch = deps.fileWatch?.watch(directory ?? deps.defaultDirectory);
    const options: SseOptions = {
      bus: deps.core.bus,
      filter: global || !directory ? undefined : { directory },
      lastEventId,
      shape: global ? globalShape : undefined,
      heartbeatMs: deps.heartbeatMs ?? 10_000,
      bufferLimit: deps.sseBufferLimit ?? 10_000,
      olderEvents: deps.olderEvents,
      register: (entry) => {
        ctx.streams.add(entry);
        return () => ctx.streams.delete(entry);
      },
      onClose: (reason) => {
        unwatch?.();
        deps.logger?.debug(
          { reason, ms: Date.now() - started, resumed: Boolean(parseEventId(lastEventId)) },
          "event stream closed",
        );
      },
    };
    // Served by Node (listen.ts): frames go straight to the socket. Otherwise (app.request): a web stream.
    const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
    if (!outgoing) return sseResponse(options);
    const origin = c.req.header("origin");
    sseToNodeResponse(options, outgoing, origin ? corsHeaders(origin, deps.cors ?? []) : {});
    return alreadySent();
  };
  route(
    ctx,
    {
      method: "get",
      path: "/event",
      operationId: "event.subscribe",
      summary: "Server-sent events (filtered by directory)",
      tag: "event",
    },
    (c) => stream(c, false),
  );
  route(
    ctx,
    {
      method: "get",
      path: "/global/event",
      operationId: "global.event",
      summary: "Server-sent events of every directory, as {directory, payload}",
      tag: "global",
    },
    (c) => stream(c, true),
  );
}
