// The SSE stream behind /event and /global/event (DESIGN.md §3, Delivery): `retry:` once, `server.connected`
// first, an `id: <epoch>-<seq>` on every frame, a heartbeat every 10 s, exact replay after Last-Event-ID or
// `server.resync` when that is impossible, and a bounded queue per client: a client that cannot keep up is
// disconnected with a reason instead of growing memory.
//
// Fan-out is the hot path (a token reaches every watching client): each bus event is serialized once per stream
// shape and the same bytes go to every client, and on a Node server they are written straight to the socket
// rather than through a web ReadableStream per client.
import type { ServerResponse } from "node:http";
import type { BusFilter, EventBus } from "../core/bus.js";
import { type BusEnvelope, formatEventId, formatSseFrame, type MoorEvent, parseEventId } from "../protocol/index.js";

/** How a stream shapes each event: bare, or wrapped (`/global/event` sends `{directory, payload}`). */
export type EventShape = (envelope: { directory: string; event: MoorEvent }) => unknown;

export interface SseOptions {
  bus: EventBus;
  filter?: BusFilter;
  lastEventId?: string | null;
  /** Must be the same function for every stream of one shape: serialized frames are shared per shape. */
  shape?: EventShape;
  heartbeatMs: number;
  /**
   * How many events a client may fall behind by before it is cut off. A Node response counts it in bytes waiting
   * (BYTES_PER_EVENT each), since Node queues bytes, not frames.
   */
  bufferLimit: number;
  onClose?: (reason: string) => void;
  /** Called when the server shuts down, to end every stream with a last event. */
  register: (stream: { end(reason: string): void }) => () => void;
  /**
   * Cluster mode (API nodes): the events after `after` up to `upTo` (matching the filter) from the store's event
   * log, for a client whose Last-Event-ID this node's ring no longer (or never) held — it may come from another node
   * or from before this node started. Undefined when there are too many: the client resyncs.
   */
  olderEvents?: (after: number, upTo: number, filter?: BusFilter) => Promise<BusEnvelope[] | undefined>;
}

const HEADERS = {
  "content-type": "text/event-stream",
  "cache-control": "no-cache, no-transform",
  connection: "keep-alive",
  "x-accel-buffering": "no",
};

/** Where frames go: a web stream (app.request, other runtimes) or a Node response. */
interface FrameSink {
  write(frame: Uint8Array): void;
  end(): void;
}

/** Makes a sink; `overflow` is called with a reason when the client has fallen too far behind. */
type SinkFactory = (overflow: (reason: string) => void) => FrameSink;

/** Bytes a Node response may hold for a client that does not read, per event of the configured limit. */
const BYTES_PER_EVENT = 512;

const bareShape: EventShape = ({ event }) => event;

/** Node responses corked this tick: their frames reach the socket when the tick's flush runs. */
let corkedSinks = 0;

/**
 * Resolves once every frame published so far has been handed to its socket. A reply that ends a turn (the sync
 * prompt) must not overtake the turn's last frames, which wait corked until the end of the tick: the reply is
 * written from the same chain of promise callbacks as the turn's end, before the tick's flush. OpenCode's
 * `run --attach` exits as soon as that reply arrives, so a frame that came after it was never printed.
 */
export function framesWritten(): Promise<void> {
  if (corkedSinks === 0) return Promise.resolve();
  // process.nextTick callbacks (the flushes) all run before the event loop reaches setImmediate's phase.
  return new Promise((resolve) => setImmediate(resolve));
}
/**
 * The last frame made in each shape. Every client of a shape receives a live event in the same bus publish, one
 * after the other, so one slot per shape serves them all; frames of older events are not kept (the ring holds the
 * events, and a replay encodes again), so the frames do not double what the ring weighs.
 */
const lastFrameByShape = new Map<EventShape, { envelope: BusEnvelope; frame: Uint8Array }>();

/** The frame for a bus event in one shape, serialized and encoded once however many clients receive it live. */
function sharedFrame(bus: EventBus, envelope: BusEnvelope, shape: EventShape): Uint8Array {
  const last = lastFrameByShape.get(shape);
  if (last?.envelope === envelope) return last.frame;
  const frame = encodeFrame(bus, envelope.seq, shape({ directory: envelope.directory, event: envelope.event }));
  lastFrameByShape.set(shape, { envelope, frame });
  return frame;
}

function encodeFrame(bus: EventBus, seq: number, payload: unknown): Uint8Array {
  return Buffer.from(formatSseFrame({ id: formatEventId(bus.epoch, seq), data: JSON.stringify(payload) }));
}

/** Streams events as a web Response (used by app.request in tests, and by any non-Node runtime). */
export function sseResponse(options: SseOptions): Response {
  let stream: EventStream | undefined;
  const body = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        stream = new EventStream(options, (overflow) => ({
          write: (frame) => {
            controller.enqueue(frame);
            const waiting = -(controller.desiredSize ?? 0);
            if (waiting > options.bufferLimit) overflow(`more than ${options.bufferLimit} events waiting`);
          },
          end: () => {
            try {
              controller.close();
            } catch {
              // Already closed by the client.
            }
          },
        }));
        stream.start();
      },
      cancel() {
        stream?.clientGone();
      },
    },
    { highWaterMark: 0 },
  );
  return new Response(body, { headers: HEADERS });
}

/** Streams events straight to a Node response; `headers` are the CORS headers the middleware would have set. */
export function sseToNodeResponse(
  options: SseOptions,
  outgoing: ServerResponse,
  headers: Record<string, string>,
): void {
  outgoing.writeHead(200, { ...headers, ...HEADERS });
  outgoing.flushHeaders();
  const byteLimit = options.bufferLimit * BYTES_PER_EVENT;
  const stream = new EventStream(options, (overflow) => {
    // Frames published in one tick (a part update and its first delta, say) leave in one write to the socket.
    // Whether the client keeps up is judged after that write, on what the socket could not take: a replay of
    // thousands of events in one tick is not a slow client.
    let corked = false;
    const flush = () => {
      corked = false;
      corkedSinks--;
      outgoing.uncork();
      if (outgoing.writableLength > byteLimit) {
        overflow(`${Math.round(outgoing.writableLength / 1024)} KB waiting (limit ${byteLimit / 1024} KB)`);
      }
    };
    return {
      write: (frame) => {
        if (!corked) {
          corked = true;
          corkedSinks++;
          outgoing.cork();
          process.nextTick(flush);
        }
        outgoing.write(frame);
      },
      end: () => {
        outgoing.end();
        // A client that stopped reading would hold the socket, and what is queued for it, for good.
        if (outgoing.writableLength > 0) setTimeout(() => outgoing.destroy(), 10_000).unref();
      },
    };
  });
  outgoing.on("close", () => stream.clientGone());
  stream.start();
}

class EventStream {
  private closed = false;
  private cleanup = () => {};
  private readonly shape: EventShape;

  private readonly sink: FrameSink;

  constructor(
    private readonly options: SseOptions,
    makeSink: SinkFactory,
  ) {
    this.shape = options.shape ?? bareShape;
    this.sink = makeSink((reason) => this.close(`client too slow: ${reason}`, true));
  }

  start(): void {
    const { bus, filter, lastEventId } = this.options;
    this.sink.write(Buffer.from("retry: 3000\n\n"));
    // Subscribe before reading the ring so nothing published in between is missed; replayed seqs are skipped live.
    let replayedUpTo = bus.lastSeq;
    const live: BusEnvelope[] = [];
    let replaying = true;
    const unsubscribe = bus.subscribe((envelope) => {
      if (replaying) live.push(envelope);
      else if (envelope.seq > replayedUpTo) this.send(envelope);
    }, filter);
    const resume = parseEventId(lastEventId ?? undefined);
    const missed = lastEventId && resume && resume.epoch === bus.epoch ? bus.since(resume.seq, filter) : undefined;
    const older = this.options.olderEvents;
    if (!missed && older && resume && resume.epoch === bus.epoch && resume.seq <= bus.lastSeq) {
      // Read from the log while live events wait in `live`; what the log answers ends where the bus stood.
      const upTo = bus.lastSeq;
      void older(resume.seq, upTo, filter)
        .catch(() => undefined)
        .then((events) => {
          if (this.closed) return unsubscribe();
          this.begin(events, resume, Math.max(replayedUpTo, upTo), live, unsubscribe, () => {
            replaying = false;
          });
          replayedUpTo = Math.max(replayedUpTo, upTo, live.at(-1)?.seq ?? 0);
        });
      this.cleanup = unsubscribe;
      return;
    }
    this.begin(missed, resume, replayedUpTo, live, unsubscribe, () => {
      replaying = false;
    });
    replayedUpTo = Math.max(replayedUpTo, missed?.at(-1)?.seq ?? 0, live.at(-1)?.seq ?? 0);
  }

  /**
   * Sends the connected frame, the replay (`missed`, or a resync when the client's id could not be replayed), then
   * the live events that arrived meanwhile (`live`, those after `replayedUpTo`), and starts the heartbeat.
   */
  private begin(
    missed: BusEnvelope[] | undefined,
    resume: ReturnType<typeof parseEventId>,
    replayedUpTo: number,
    live: BusEnvelope[],
    unsubscribe: () => void,
    goLive: () => void,
  ): void {
    const { bus, lastEventId } = this.options;
    // The connected frame carries the client's own position while it is being replayed to, so a drop during the
    // replay resumes from there.
    this.sendOwn({ type: "server.connected", properties: {} }, missed && resume ? resume.seq : bus.lastSeq);
    if (missed) {
      for (const envelope of missed) this.send(envelope);
      replayedUpTo = Math.max(replayedUpTo, missed.at(-1)?.seq ?? 0);
    } else if (lastEventId) {
      const reason = resume && resume.epoch !== bus.epoch ? "server restarted" : "event id too old or unknown";
      this.sendOwn({ type: "server.resync", properties: { reason } }, bus.lastSeq);
    }
    goLive();
    for (const envelope of live) {
      if (envelope.seq > replayedUpTo) this.send(envelope);
    }
    const heartbeat = setInterval(
      () => this.sendOwn({ type: "server.heartbeat", properties: {} }, bus.lastSeq),
      this.options.heartbeatMs,
    );
    const unregister = this.options.register({
      end: (reason) => {
        this.sendOwn({ type: "server.instance.disposed", properties: { directory: "global", reason } }, bus.lastSeq);
        this.close(reason);
      },
    });
    this.cleanup = () => {
      clearInterval(heartbeat);
      unsubscribe();
      unregister();
    };
  }

  /** The client went away (or cancelled the stream). */
  clientGone(): void {
    if (this.closed) return;
    this.closed = true;
    this.cleanup();
    this.options.onClose?.("client disconnected");
  }

  private send(envelope: BusEnvelope): void {
    this.deliver(sharedFrame(this.options.bus, envelope, this.shape));
  }

  private sendOwn(event: MoorEvent, seq: number): void {
    this.deliver(this.ownFrame(event, seq));
  }

  /** A frame of this stream's own (connected, heartbeat, resync, disposed), not shared with other clients. */
  private ownFrame(event: MoorEvent, seq: number): Uint8Array {
    return encodeFrame(this.options.bus, seq, this.shape({ directory: "global", event }));
  }

  private deliver(frame: Uint8Array): void {
    if (this.closed) return;
    this.sink.write(frame);
  }

  private close(reason: string, slow = false): void {
    if (this.closed) return;
    // Closed first: writing the notice below reports the overflow again, and that must be a no-op.
    this.closed = true;
    if (slow) {
      // Jumping the queue is not possible; the notice follows what was queued.
      this.sink.write(this.ownFrame({ type: "server.resync", properties: { reason } }, this.options.bus.lastSeq));
    }
    this.cleanup();
    this.options.onClose?.(reason);
    this.sink.end();
  }
}
