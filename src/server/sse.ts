// The SSE stream behind /event and /global/event (DESIGN.md §3, Delivery): `retry:` once, `server.connected`
// first, an `id: <epoch>-<seq>` on every frame, a heartbeat every 10 s, exact replay after Last-Event-ID or
// `server.resync` when that is impossible, and a bounded queue per client: a client that cannot keep up is
// disconnected with a reason instead of growing memory.
import type { BusFilter, EventBus } from "../core/bus.js";
import { type BusEnvelope, formatEventId, formatSseFrame, type MoorEvent, parseEventId } from "../protocol/index.js";

export interface SseOptions {
  bus: EventBus;
  filter?: BusFilter;
  lastEventId?: string | null;
  /** `/global/event` wraps each event as `{directory, payload}`. */
  wrap?: (envelope: { directory: string; event: MoorEvent }) => unknown;
  heartbeatMs: number;
  /** Frames queued for a client before it is considered stuck. */
  bufferLimit: number;
  onClose?: (reason: string) => void;
  /** Called when the server shuts down, to end every stream with a last event. */
  register: (stream: { end(reason: string): void }) => () => void;
}

export function sseResponse(options: SseOptions): Response {
  const { bus } = options;
  const encoder = new TextEncoder();
  let cleanup = () => {};
  let closed = false;
  const body = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        const send = (event: MoorEvent, seq: number, directory: string) => {
          if (closed) return;
          const payload = options.wrap ? options.wrap({ directory, event }) : event;
          const frame = formatSseFrame({ id: formatEventId(bus.epoch, seq), data: JSON.stringify(payload) });
          controller.enqueue(encoder.encode(frame));
          if ((controller.desiredSize ?? 0) < -options.bufferLimit) {
            close(`client too slow: more than ${options.bufferLimit} events waiting`, true);
          }
        };
        const close = (reason: string, slow = false) => {
          if (closed) return;
          if (slow) {
            const notice: MoorEvent = { type: "server.resync", properties: { reason } };
            // Jump the queue is not possible with a ReadableStream; the notice follows what was queued.
            controller.enqueue(
              encoder.encode(
                formatSseFrame({ id: formatEventId(bus.epoch, bus.lastSeq), data: JSON.stringify(notice) }),
              ),
            );
          }
          closed = true;
          cleanup();
          options.onClose?.(reason);
          try {
            controller.close();
          } catch {
            // Already closed by the client.
          }
        };

        controller.enqueue(encoder.encode("retry: 3000\n\n"));
        // Subscribe before reading the ring so nothing published in between is missed; replayed seqs are skipped live.
        let replayedUpTo = bus.lastSeq;
        const live: BusEnvelope[] = [];
        let replaying = true;
        const unsubscribe = bus.subscribe((envelope) => {
          if (replaying) live.push(envelope);
          else if (envelope.seq > replayedUpTo) send(envelope.event, envelope.seq, envelope.directory);
        }, options.filter);
        const resume = parseEventId(options.lastEventId ?? undefined);
        const missed =
          options.lastEventId && resume && resume.epoch === bus.epoch
            ? bus.since(resume.seq, options.filter)
            : undefined;
        // The connected frame carries the client's own position while it is being replayed to, so a drop during the
        // replay resumes from there.
        send({ type: "server.connected", properties: {} }, missed && resume ? resume.seq : bus.lastSeq, "global");
        if (missed) {
          for (const envelope of missed) send(envelope.event, envelope.seq, envelope.directory);
          replayedUpTo = Math.max(replayedUpTo, missed.at(-1)?.seq ?? 0);
        } else if (options.lastEventId) {
          const reason = resume && resume.epoch !== bus.epoch ? "server restarted" : "event id too old or unknown";
          send({ type: "server.resync", properties: { reason } }, bus.lastSeq, "global");
        }
        replaying = false;
        for (const envelope of live) {
          if (envelope.seq > replayedUpTo) send(envelope.event, envelope.seq, envelope.directory);
        }
        replayedUpTo = Math.max(replayedUpTo, live.at(-1)?.seq ?? 0);
        const heartbeat = setInterval(
          () => send({ type: "server.heartbeat", properties: {} }, bus.lastSeq, "global"),
          options.heartbeatMs,
        );
        const unregister = options.register({
          end: (reason) => {
            send(
              { type: "server.instance.disposed", properties: { directory: "global", reason } },
              bus.lastSeq,
              "global",
            );
            close(reason);
          },
        });
        cleanup = () => {
          clearInterval(heartbeat);
          unsubscribe();
          unregister();
        };
      },
      cancel() {
        closed = true;
        cleanup();
        options.onClose?.("client disconnected");
      },
    },
    { highWaterMark: 0 },
  );
  return new Response(body, {
    headers: {
      "content-type": "text/event-stream",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    },
  });
}
