// The event bus: every published event gets the next sequence number and goes into a bounded replay ring, so a
// client that reconnects with Last-Event-ID gets exactly what it missed, in order, once (DESIGN.md §3).
import type { BusEnvelope, EventMap, EventType, MoorEvent } from "../protocol/index.js";

export type BusListener = (envelope: BusEnvelope) => void;

export interface BusFilter {
  directory?: string;
  sessionID?: string;
}

export interface EventBusOptions {
  /** How many recent events are kept for replay. */
  ringSize?: number;
  /** Names this server run; ids from another epoch cannot be replayed. */
  epoch: string;
  /**
   * Told when a listener throws (cli logs it); delivery to the other listeners and the publisher go on regardless.
   * Without it a listener's error is dropped: core writes nothing to the console of its own.
   */
  onListenerError?: (error: unknown, envelope: BusEnvelope) => void;
}

export class EventBus {
  readonly epoch: string;
  private readonly ringSize: number;
  private readonly ring: BusEnvelope[] = [];
  private ringStart = 0;
  private seq = 0;
  private readonly listeners = new Set<{ listener: BusListener; filter?: BusFilter }>();
  private readonly onListenerError: EventBusOptions["onListenerError"];

  constructor(options: EventBusOptions) {
    this.epoch = options.epoch;
    this.ringSize = options.ringSize ?? 20_000;
    this.onListenerError = options.onListenerError;
  }

  get lastSeq(): number {
    return this.seq;
  }

  publish<K extends EventType>(
    type: K,
    properties: EventMap[K],
    scope: { directory: string; sessionID?: string },
  ): BusEnvelope {
    const envelope: BusEnvelope = {
      seq: ++this.seq,
      directory: scope.directory,
      sessionID: scope.sessionID,
      event: { type, properties } as MoorEvent,
    };
    if (this.ring.length < this.ringSize) this.ring.push(envelope);
    else {
      this.ring[this.ringStart] = envelope;
      this.ringStart = (this.ringStart + 1) % this.ringSize;
    }
    for (const entry of this.listeners) {
      if (!matches(envelope, entry.filter)) continue;
      try {
        entry.listener(envelope);
      } catch (error) {
        // A listener's failure must not stop delivery to the others or break the publisher: it is reported.
        this.report(error, envelope);
      }
    }
    return envelope;
  }

  private report(error: unknown, envelope: BusEnvelope): void {
    try {
      this.onListenerError?.(error, envelope);
    } catch {
      // The reporter failing too must not break the publisher either.
    }
  }

  subscribe(listener: BusListener, filter?: BusFilter): () => void {
    const entry = { listener, filter };
    this.listeners.add(entry);
    return () => this.listeners.delete(entry);
  }

  /**
   * The events after `seq` (matching the filter), or undefined when the ring no longer holds all of them —
   * the caller must then tell its client to resync.
   */
  since(seq: number, filter?: BusFilter): BusEnvelope[] | undefined {
    if (seq > this.seq) return undefined;
    if (seq === this.seq) return [];
    const oldest = this.ring.length === 0 ? this.seq + 1 : this.at(0).seq;
    if (seq + 1 < oldest) return undefined;
    const out: BusEnvelope[] = [];
    for (let i = 0; i < this.ring.length; i++) {
      const envelope = this.at(i);
      if (envelope.seq > seq && matches(envelope, filter)) out.push(envelope);
    }
    return out;
  }

  private at(index: number): BusEnvelope {
    return this.ring[(this.ringStart + index) % this.ring.length];
  }
}

function matches(envelope: BusEnvelope, filter?: BusFilter): boolean {
  if (!filter) return true;
  if (filter.directory !== undefined && envelope.directory !== filter.directory) return false;
  if (filter.sessionID !== undefined && envelope.sessionID !== filter.sessionID) return false;
  return true;
}
