// What GET /session/:id/message answers: the stored messages as of one event sequence number, named in the
// `x-moor-event-id` header (the SSE id format, `<epoch>-<seq>`). A client that opened its event stream first
// loads the snapshot, then applies only the events after that id: nothing is missed and nothing applied twice
// (src/client/join.ts). A header, not a field: OpenCode's clients read the same body and never see it.
//
// The promise behind the header: the body reflects every event up to and including `seq`, and none after. It
// holds because the session service starts the read and takes `bus.lastSeq` in one synchronous step
// (SessionService.messagesAt), a read reflects exactly the commits announced before it was started (the store
// port's promise), and every row is written by the commit that announces it, streamed text included
// (core/step-recorder.ts).
import type { EventBus } from "../core/bus.js";
import { formatEventId } from "../protocol/index.js";

/** The event id of a snapshot taken at sequence number `seq`. */
export function snapshotPosition(bus: EventBus, seq: number): string {
  return formatEventId(bus.epoch, seq);
}
