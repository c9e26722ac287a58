// The event bus: every published event gets the next sequence number and goes into a bounded replay ring, so a
// client that reconnects with Last-Event-ID gets exactly what it missed, in order, once (DESIGN.md §3).
//
// The ring keeps each event as the UTF-8 of its JSON in blocks outside V8's heap, parsed again only for a replay.
// As objects, a full ring (RING_BYTES of JSON, ~17,000 events of a long-running server) held ~4 MB of V8's old
// generation, which V8 sizes at 1.3× what is live (cli/heap.ts): ~7 MB more resident after 1,000 turns than after
// 100. As bytes it weighs what it holds, and replaying JSON's own output gives the same JSON back.
import type { BusEnvelope, EventMap, EventType, MoorEvent } from "../protocol/index.js";

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

/**
 * The ring's JSON is written into blocks of this size (an event larger than one gets a block of its own); a block is
 * freed once every event in it has left the ring, so the ring holds at most one block more than it may weigh.
 */
const BLOCK_BYTES = 64 * 1024;

interface ListenerEntry {
  listener: BusListener;
  filter?: BusFilter;
  order: number;
  /** Set on unsubscribe: the merge below has already fetched the next entry of each set. */
  removed?: boolean;
}

export class EventBus {
  readonly epoch: string;
  private readonly ringSize: number;
  private readonly ringBytes: number;
  /**
   * The ring, as parallel arrays: entries ringStart.. are the kept events, oldest first. An event's JSON is
   * blocks[i] from ends[i] - sizes[i] to ends[i].
   */
  private seqs: number[] = [];
  private directories: string[] = [];
  private sessionIDs: (string | undefined)[] = [];
  private blocks: Buffer[] = [];
  private ends: number[] = [];
  private sizes: number[] = [];
  private ringStart = 0;
  /** The block new events are written into, and how much of it is used. */
  private block: Buffer | undefined;
  private blockUsed = 0;
  private bytes = 0;
  private seq = 0;
  /** The largest seq that can no longer be replayed (dropped from the ring, or before this bus began). */
  private floor = 0;
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
    this.ringSize = options.ringSize ?? 20_000;
    this.ringBytes = options.ringBytes ?? RING_BYTES;
    this.onListenerError = options.onListenerError;
    this.relay = options.relay;
    this.idsFromLog = options.idsFromLog !== undefined;
    this.seq = this.floor = options.idsFromLog?.startSeq ?? 0;
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
    const json = JSON.stringify(envelope.event);
    // UTF-8 takes at most 3 bytes per UTF-16 unit: only a JSON that might not fit is measured first.
    let room = this.block ? this.block.length - this.blockUsed : 0;
    if (json.length * 3 > room && Buffer.byteLength(json) > room) {
      this.block = Buffer.allocUnsafeSlow(Math.max(BLOCK_BYTES, Buffer.byteLength(json)));
      this.blockUsed = 0;
      room = this.block.length;
    }
    const block = this.block as Buffer;
    const size = block.write(json, this.blockUsed, room, "utf8");
    this.blockUsed += size;
    this.seqs.push(envelope.seq);
    this.directories.push(envelope.directory);
    this.sessionIDs.push(envelope.sessionID);
    this.blocks.push(block);
    this.ends.push(this.blockUsed);
    this.sizes.push(size);
    this.bytes += size;
    while (
      this.seqs.length - this.ringStart > 1 &&
      (this.seqs.length - this.ringStart > this.ringSize || this.bytes > this.ringBytes)
    ) {
      this.bytes -= this.sizes[this.ringStart];
      this.floor = this.seqs[this.ringStart];
      // Let go of now, not when the arrays are next compacted: a block is freed when its last event leaves.
      this.blocks[this.ringStart] = undefined as never;
      this.ringStart++;
    }
    // Compacted once the dropped head is most of the arrays: amortized O(1) per event.
    if (this.ringStart > 1024 && this.ringStart * 2 > this.seqs.length) {
      const from = this.ringStart;
      this.seqs = this.seqs.slice(from);
      this.directories = this.directories.slice(from);
      this.sessionIDs = this.sessionIDs.slice(from);
      this.blocks = this.blocks.slice(from);
      this.ends = this.ends.slice(from);
      this.sizes = this.sizes.slice(from);
      this.ringStart = 0;
    }
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
    if (seq < this.floor) return undefined;
    // Seqs in the ring increase (consecutive, or with gaps when they are event-log ids): the first one after `seq`
    // is found by bisection.
    let low = this.ringStart;
    let high = this.seqs.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.seqs[middle] <= seq) low = middle + 1;
      else high = middle;
    }
    const out: BusEnvelope[] = [];
    for (let i = low; i < this.seqs.length; i++) {
      const scope = { directory: this.directories[i], sessionID: this.sessionIDs[i] };
      if (!matches(scope, filter)) continue;
      const end = this.ends[i];
      const event = JSON.parse(this.blocks[i].toString("utf8", end - this.sizes[i], end)) as MoorEvent;
      out.push({ seq: this.seqs[i], ...scope, event });
    }
    return out;
  }
}

function matches(envelope: { directory: string; sessionID?: string }, filter?: BusFilter): boolean {
  if (!filter) return true;
  if (filter.directory !== undefined && envelope.directory !== filter.directory) return false;
  if (filter.sessionID !== undefined && envelope.sessionID !== filter.sessionID) return false;
  return true;
}
