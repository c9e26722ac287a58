// Joining a session mid-stream: a snapshot (GET /session/:id/message) and the live events must meet exactly, or the
// screen shows words twice or not at all until the part ends. Deltas carry no offset, so the only sound join is by
// position: the server names the event id its snapshot was taken at (`x-moor-event-id`, see
// src/server/message-snapshot.ts: the snapshot reflects every event up to that id and none after), and the client
//   1. has its event stream open first (the server subscribes it before anything else it answers),
//   2. holds the events that arrive from then on,
//   3. loads the snapshot,
//   4. applies the snapshot, then only the held events after its id, then live events as they come.
// Every event after the snapshot's id is on the stream (it was subscribed before the snapshot was read), and every
// event up to it is in the snapshot, so each event counts exactly once. The stream and the snapshot come on two
// connections, so an event up to the snapshot's id may still arrive after the snapshot was applied: it is dropped
// then too, not only while held.
import { type MoorEvent, parseEventId } from "../protocol/index.js";

export interface HeldEvent {
  event: MoorEvent;
  id: string | undefined;
}

/**
 * Whether an event with SSE id `id` comes after a snapshot taken at `snapshotId`. Without a snapshot id (a server
 * that does not send one, e.g. OpenCode) or an event id, the event is kept: applied at worst twice, never lost. An
 * event of another server run than the snapshot's is older than it (the restart came before the snapshot was read;
 * the stream's `server.resync` then asks for a new join anyway).
 */
export function isAfterSnapshot(id: string | undefined, snapshotId: string | undefined): boolean {
  const snapshot = parseEventId(snapshotId);
  const event = parseEventId(id);
  if (!snapshot || !event) return true;
  return event.epoch === snapshot.epoch && event.seq > snapshot.seq;
}

/**
 * Whether an event arriving after the snapshot was applied is already in it: of the snapshot's server run, at or
 * before its id. An event of another run (a restart since) is never taken for one of the snapshot's.
 */
export function isInSnapshot(id: string | undefined, snapshotId: string | undefined): boolean {
  const snapshot = parseEventId(snapshotId);
  const event = parseEventId(id);
  return !!snapshot && !!event && event.epoch === snapshot.epoch && event.seq <= snapshot.seq;
}

/**
 * Holds live events while a snapshot loads. `offer` each event as it arrives: it answers whether to apply it now
 * (false while held). `hold` before requesting a snapshot; `release` with the snapshot's id gives back the held
 * events after it, in order, and stops holding. Joins may overlap (a user switching sessions quickly): events stay
 * held until the last one started is released; an earlier one's release returns undefined (its snapshot is stale
 * and should be dropped).
 */
export class SnapshotJoin {
  private held: HeldEvent[] | undefined;
  private latest = 0;
  /** The id of the snapshot last applied: later-arriving events up to it are already in it. */
  private appliedAt: string | undefined;

  hold(): number {
    this.held ??= [];
    return ++this.latest;
  }

  get holding(): boolean {
    return this.held !== undefined;
  }

  offer(event: MoorEvent, id: string | undefined): boolean {
    if (!this.held) return !isInSnapshot(id, this.appliedAt);
    this.held.push({ event, id });
    return false;
  }

  release(ticket: number, snapshotId: string | undefined): MoorEvent[] | undefined {
    if (ticket !== this.latest || !this.held) return undefined;
    const after = this.held.filter((held) => isAfterSnapshot(held.id, snapshotId)).map((held) => held.event);
    this.held = undefined;
    this.appliedAt = snapshotId;
    return after;
  }
}
