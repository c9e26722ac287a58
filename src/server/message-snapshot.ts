// What GET /session/:id/message answers: the stored messages as of one event sequence number, named in the
// `x-moor-event-id` header (the SSE id format, `<epoch>-<seq>`). A client that opened its event stream first
// loads the snapshot, then applies only the events after that id: nothing is missed and nothing applied twice
// (src/client/join.ts). A header, not a field: OpenCode's clients read the same body and never see it.
//
// The promise behind the header: the body reflects every event up to and including `seq`, and none after. It
// holds because the rows and `bus.lastSeq` are read in one handler with no await between, and between two tasks
// the store holds exactly what has been announced: the store is synchronous (better-sqlite3), the bus publishes
// synchronously, and everything is written before it is announced in the same synchronous step, streamed text
// included (core/step-recorder.ts).
import type { EventBus } from "../core/bus.js";
import { formatEventId } from "../protocol/index.js";

/** The event id a snapshot is at: read it in the same synchronous step as the rows. */
export function snapshotPosition(bus: EventBus): string {
  return formatEventId(bus.epoch, bus.lastSeq);
}
