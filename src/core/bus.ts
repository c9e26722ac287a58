// The event bus: every published event gets the next sequence number and goes into a bounded replay ring, so a
// client that reconnects with Last-Event-ID gets exactly what it missed, in order, once (DESIGN.md §3).
//
// The ring (event-ring.ts) keeps each event as the UTF-8 of its JSON, deflated once a block of them is full, parsed
// again only for a replay; replaying JSON's own output gives the same JSON back.
import type { BusEnvelope, EventMap, EventType, MoorEvent } from "../protocol/index.js";
import { EventRing } from "./event-ring.js";

export type BusListener = (envelope: BusEnvelope) => void;

export interface BusFilter {
  directory?: string;
  sessionID?: string;
}

export interface EventBusOptions {
  /** How many recent events are kept for replay. */
  ringSize?: number;
  /**
   * How much recent events may weigh together, in bytes of their JSON (UTF-8; default RING_BYTES): the ring stops
   * short of ringSize when events are large (part updates carry a part's whole text, tools their output), so the
   * memory it holds does not grow with what turns say. The newest event is always kept.
   */
  ringBytes?: number;
  /** Names this server run; ids from another epoch cannot be replayed. */
  epoch: string;
  /**
   * Told when a listener throws (cli logs it); delivery to the other listeners and the publisher go on regardless.
   * Without it a listener's error is dropped: core writes nothing to the console of its own.
   */
  onListenerError?: (error: unknown, envelope: BusEnvelope) => void;
  /**
   * Cluster mode: where events published directly (not from a commit: session.status, session.idle, …) go instead
   * of to the listeners — into the store's event log, from which they come back through `publishCommitted` with the
   * other nodes' events, so every event of the cluster has one place in one order.
   */
  relay?: <K extends EventType>(
    type: K,
    properties: EventMap[K],
    scope: { directory: string; sessionID?: string },
  ) => void;
  /**
   * Cluster mode (API nodes): sequence numbers are the store's event ids, the same on every node; they may have
   * gaps. `startSeq` is the last id before this node started following the log (older ids cannot be replayed).
   */
  idsFromLog?: { startSeq: number };
}

/**
 * 4 MiB of JSON: a reply of 15,000 one-token deltas (about 2.6 MB) is still replayed exactly after a reconnect
 * (test/server/serve.test.ts), while the ring stays a few MB however large the events of a long-running server.
 */
export const RING_BYTES = 4 * 1024 * 1024;

interface ListenerEntry {
  listener: BusListener;
  filter?: BusFilter;
  order: number;
  /** Set on unsubscribe: the merge below has already fetched the next entry of each set. */
  removed?: boolean;
}

export class EventBus {
  readonly epoch: string;
  private readonly ring: EventRing;
  private seq = 0;
  private readonly relay: EventBusOptions["relay"];
  private readonly idsFromLog: boolean;
  /**
   * Listeners without a directory filter, and those with one by their directory: an event is matched against the
   * listeners of its own directory only, not against every client of every project (1,000 SSE clients watching 100
   * projects made each event 1,000 filter checks). `order` keeps delivery in subscription order across the two.
   */
  private readonly anyDirectory = new Set<ListenerEntry>();
  private readonly byDirectory = new Map<string, Set<ListenerEntry>>();
  private subscriptions = 0;
  private readonly onListenerError: EventBusOptions["onListenerError"];

  constructor(options: EventBusOptions) {
    this.epoch = options.epoch;
    this.onListenerError = options.onListenerError;
    this.relay = options.relay;
    this.idsFromLog = options.idsFromLog !== undefined;
    this.seq = options.idsFromLog?.startSeq ?? 0;
    this.ring = new EventRing(options.ringSize ?? 20_000, options.ringBytes ?? RING_BYTES, this.seq);
  }

  get lastSeq(): number {
    return this.seq;
  }

  /**
   * Announces an event that is not stored (a status, a hint). In cluster mode it is relayed to the event log instead
   * and delivered when it comes back from there (see EventBusOptions.relay).
   */
  publish<K extends EventType>(
    type: K,
    properties: EventMap[K],
    scope: { directory: string; sessionID?: string },
  ): BusEnvelope | undefined {
    if (this.relay) {
      this.relay(type, properties, scope);
      return undefined;
    }
    return this.deliverAll(++this.seq, type, properties, scope);
  }

  /**
   * Announces an event a commit stored; `id` is its id in the store's event log, when the store keeps one. With
   * `idsFromLog` the id is the sequence number (an id not above the last one was delivered already and is skipped).
   */
  publishCommitted<K extends EventType>(
    type: K,
    properties: EventMap[K],
    scope: { directory: string; sessionID?: string },
    id?: number,
  ): BusEnvelope | undefined {
    if (!this.idsFromLog || id === undefined) return this.deliverAll(++this.seq, type, properties, scope);
    if (id <= this.seq) return undefined;
    this.seq = id;
    return this.deliverAll(id, type, properties, scope);
  }

  private deliverAll<K extends EventType>(
    seq: number,
    type: K,
    properties: EventMap[K],
    scope: { directory: string; sessionID?: string },
  ): BusEnvelope {
    const envelope: BusEnvelope = {
      seq,
      directory: scope.directory,
      sessionID: scope.sessionID,
      event: { type, properties } as MoorEvent,
    };
    this.keep(envelope);
    const own = this.byDirectory.get(envelope.directory);
    if (!own) {
      for (const entry of this.anyDirectory) this.deliver(entry, envelope);
      return envelope;
    }
    // Both sets iterate live (a listener removed during delivery is skipped), merged by subscription order.
    const a = this.anyDirectory.values();
    const b = own.values();
    let nextA = a.next();
    let nextB = b.next();
    for (;;) {
      if (nextA.done && nextB.done) break;
      if (!nextA.done && (nextB.done || nextA.value.order < nextB.value.order)) {
        this.deliver(nextA.value, envelope);
        nextA = a.next();
      } else if (!nextB.done) {
        this.deliver(nextB.value, envelope);
        nextB = b.next();
      }
    }
    return envelope;
  }

  private keep(envelope: BusEnvelope): void {
    this.ring.push(envelope.seq, envelope, JSON.stringify(envelope.event));
  }

  private report(error: unknown, envelope: BusEnvelope): void {
    try {
      this.onListenerError?.(error, envelope);
    } catch {
      // The reporter failing too must not break the publisher either.
    }
  }

  private deliver(entry: ListenerEntry, envelope: BusEnvelope): void {
    if (entry.removed || !matches(envelope, entry.filter)) return;
    try {
      entry.listener(envelope);
    } catch (error) {
      // A listener's failure must not stop delivery to the others or break the publisher: it is reported.
      this.report(error, envelope);
    }
  }

  subscribe(listener: BusListener, filter?: BusFilter): () => void {
    const entry: ListenerEntry = { listener, filter, order: ++this.subscriptions };
    const directory = filter?.directory;
    let set = this.anyDirectory;
    if (directory !== undefined) {
      set = this.byDirectory.get(directory) ?? new Set();
      this.byDirectory.set(directory, set);
    }
    set.add(entry);
    return () => {
      entry.removed = true;
      set.delete(entry);
      // A directory nobody watches any more leaves the map (projects come and go on a long-running server).
      if (directory !== undefined && set.size === 0 && this.byDirectory.get(directory) === set) {
        this.byDirectory.delete(directory);
      }
    };
  }

  /**
   * The events after `seq` (matching the filter), or undefined when the ring no longer holds all of them —
   * the caller must then tell its client to resync.
   */
  since(seq: number, filter?: BusFilter): BusEnvelope[] | undefined {
    if (seq > this.seq) return undefined;
    if (seq === this.seq) return [];
    return this.ring
      .since(seq, filter)
      ?.map(({ seq, scope, json }) => ({ seq, ...scope, event: JSON.parse(json) as MoorEvent }));
  }
}

function matches(envelope: { directory: string; sessionID?: string }, filter?: BusFilter): boolean {
  if (!filter) return true;
  if (filter.directory !== undefined && envelope.directory !== filter.directory) return false;
  if (filter.sessionID !== undefined && envelope.sessionID !== filter.sessionID) return false;
  return true;
}
