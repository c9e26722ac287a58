import { parseEventId } from "../../protocol/index.js";
import { type RouteContext, requestDirectory, route } from "../context.js";
import { sseResponse } from "../sse.js";

export function eventRoutes(ctx: RouteContext): void {
  const { deps } = ctx;
  const stream = (c: Parameters<Parameters<typeof route>[2]>[0], global: boolean) => {
    const lastEventId = c.req.header("last-event-id") ?? c.req.query("lastEventId") ?? null;
    const explicitDirectory = c.req.query("directory") ?? c.req.header("x-opencode-directory");
    const directory = explicitDirectory ? requestDirectory(c, deps.defaultDirectory) : undefined;
    const started = Date.now();
    return sseResponse({
      bus: deps.core.bus,
      filter: global || !directory ? undefined : { directory },
      lastEventId,
      wrap: global ? ({ directory: dir, event }) => ({ directory: dir, payload: event }) : undefined,
      heartbeatMs: deps.heartbeatMs ?? 10_000,
      bufferLimit: deps.sseBufferLimit ?? 10_000,
      register: (entry) => {
        ctx.streams.add(entry);
        return () => ctx.streams.delete(entry);
      },
      onClose: (reason) =>
        deps.logger?.debug(
          { reason, ms: Date.now() - started, resumed: Boolean(parseEventId(lastEventId)) },
          "event stream closed",
        ),
    });
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
