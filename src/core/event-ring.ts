// The bus's replay ring (bus.ts): the recent events, each as the UTF-8 of its JSON, bounded by how many there are
// and by how much their JSON weighs, so that a client reconnecting with Last-Event-ID gets exactly what it missed.
//
// The JSON is written into blocks outside V8's heap, and a block is deflated (zlib level 1) once it is full: a
// long-running server's events are repetitive (deltas of one part, updates of one message), so a full ring of 4 MiB
// of JSON holds ~0.4 MB instead of ~4.5 as bytes (~8.8 MB as objects), and RSS after 1,000 turns stays near RSS
// after 100 (DESIGN.md §6). The price is paid by a replay, which inflates the blocks it reads: replaying a whole
// 4 MiB ring takes ~50 ms instead of ~20; a reconnect that missed a few events inflates one block or two.
// The per-event index is kept in typed arrays (no JS object, heap number or string per event), and scopes are
// interned: a ring of 20,000 events holds a few hundred distinct directories and sessions, not 40,000 strings.
import { deflateRawSync, inflateRawSync } from "node:zlib";

/**
 * The JSON is written into blocks of this size (an event larger than one gets a block of its own); a block is
 * freed once every event in it has left the ring, so the ring holds at most one block more than it may weigh.
 */
export const BLOCK_BYTES = 64 * 1024;

/** Level 1: a 64 KB block of events deflates in ~0.3 ms to ~a tenth; higher levels gain little on such text. */
const DEFLATE_LEVEL = 1;

/** The index starts this large and doubles as events arrive, up to the ring's count bound. */
const FIRST_CAPACITY = 256;

export interface RingScope {
  directory: string;
  sessionID?: string;
}

interface Block {
  /** The block's JSON: raw while it is being filled, deflated once full. */
  data: Buffer;
  deflated: boolean;
}

/** Strings by small ids, counted, so that the typed index can name a scope and a string leaves with its last use. */
class Interner {
  private readonly ids = new Map<string, number>();
  private readonly names: (string | undefined)[] = [undefined];
  private readonly counts: number[] = [0];
  private readonly free: number[] = [];

  /** 0 stands for undefined. */
  take(name: string | undefined): number {
    if (name === undefined) return 0;
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.free.pop() ?? this.names.length;
      this.ids.set(name, id);
      this.names[id] = name;
      this.counts[id] = 0;
    }
    this.counts[id]++;
    return id;
  }

  release(id: number): void {
    if (id === 0 || --this.counts[id] > 0) return;
    this.ids.delete(this.names[id] as string);
    this.names[id] = undefined;
    this.free.push(id);
  }

  name(id: number): string | undefined {
    return this.names[id];
  }

  /** The id of a name in use, -1 when no event has it (then no event matches a filter on it). */
  find(name: string): number {
    return this.ids.get(name) ?? -1;
  }
}

export class EventRing {
  /**
   * The index, circular: event i (0 = oldest) is at (head + i) % capacity. Its JSON is bytes offset..offset+size of
   * the block numbered blockIds[i] (numbers grow by one per block, modulo 2^32).
   */
  private capacity = 0;
  private head = 0;
  private count = 0;
  private seqs = new Float64Array(0);
  private offsets = new Uint32Array(0);
  private sizes = new Uint32Array(0);
  private blockIds = new Uint32Array(0);
  private directoryIds = new Uint32Array(0);
  private sessionIds = new Uint32Array(0);
  private readonly directories = new Interner();
  private readonly sessions = new Interner();
  /** The blocks still holding kept events, oldest first; blocks[0] is numbered firstBlockId. */
  private blocks: Block[] = [];
  private firstBlockId = 0;
  /** How much of the newest block is used (it is raw until the next one starts). */
  private blockUsed = 0;
  private bytes = 0;
  /** The largest seq that can no longer be replayed (dropped from the ring, or before it began). */
  private dropped: number;

  constructor(
    private readonly maxEvents: number,
    private readonly maxBytes: number,
    startSeq = 0,
  ) {
    this.dropped = startSeq;
  }

  /** The largest seq that can no longer be replayed. */
  get floor(): number {
    return this.dropped;
  }

  /** The JSON weight of the kept events, in bytes. */
  get weight(): number {
    return this.bytes;
  }

  get length(): number {
    return this.count;
  }

  /** How many blocks hold kept events. */
  get blockCount(): number {
    return this.blocks.length;
  }

  /** Bytes the blocks hold (deflated ones at their deflated size). */
  get heldBytes(): number {
    let held = 0;
    for (const block of this.blocks) held += block.data.length;
    return held;
  }

  /** Keeps an event (seqs must increase), then drops the oldest ones beyond the bounds; the newest is always kept. */
  push(seq: number, scope: RingScope, json: string): void {
    const last = this.blocks.at(-1);
    // UTF-8 takes at most 3 bytes per UTF-16 unit: only a JSON that might not fit is measured first.
    let room = last ? last.data.length - this.blockUsed : 0;
    if (json.length * 3 > room && Buffer.byteLength(json) > room) {
      const needed = Math.max(BLOCK_BYTES, Buffer.byteLength(json));
      // The full block's raw buffer is written again: one raw block for the life of the ring, not one per 64 KB.
      const raw = last ? this.seal(last) : undefined;
      const block = { data: raw?.length === needed ? raw : Buffer.allocUnsafeSlow(needed), deflated: false };
      this.blocks.push(block);
      this.blockUsed = 0;
      room = block.data.length;
    }
    const block = this.blocks[this.blocks.length - 1];
    const size = block.data.write(json, this.blockUsed, room, "utf8");
    if (this.count === this.capacity) this.grow();
    const at = (this.head + this.count) % this.capacity;
    this.seqs[at] = seq;
    this.offsets[at] = this.blockUsed;
    this.sizes[at] = size;
    this.blockIds[at] = (this.firstBlockId + this.blocks.length - 1) >>> 0;
    this.directoryIds[at] = this.directories.take(scope.directory);
    this.sessionIds[at] = this.sessions.take(scope.sessionID);
    this.count++;
    this.blockUsed += size;
    this.bytes += size;
    while (this.count > 1 && (this.count > this.maxEvents || this.bytes > this.maxBytes)) this.dropOldest();
  }

  /**
   * The events after `seq` whose scope passes `filter`, oldest first, each with its JSON; undefined when the ring no
   * longer holds all of them (seq below the floor). A seq at or beyond the newest gives none.
   */
  since(
    seq: number,
    filter?: { directory?: string; sessionID?: string },
  ): { seq: number; scope: RingScope; json: string }[] | undefined {
    if (seq < this.dropped) return undefined;
    const directory = filter?.directory === undefined ? 0 : this.directories.find(filter.directory);
    const session = filter?.sessionID === undefined ? 0 : this.sessions.find(filter.sessionID);
    const out: { seq: number; scope: RingScope; json: string }[] = [];
    if (directory < 0 || session < 0) return out;
    // Seqs increase (consecutive, or with gaps when they are event-log ids): the first one after `seq` is found
    // by bisection.
    let low = 0;
    let high = this.count;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.seqs[(this.head + middle) % this.capacity] <= seq) low = middle + 1;
      else high = middle;
    }
    // Events of one block come together: each block is inflated once per replay.
    let openId = -1;
    let open: Buffer | undefined;
    for (let i = low; i < this.count; i++) {
      const at = (this.head + i) % this.capacity;
      if (directory && this.directoryIds[at] !== directory) continue;
      if (session && this.sessionIds[at] !== session) continue;
      if (this.blockIds[at] !== openId) {
        openId = this.blockIds[at];
        const block = this.blocks[(openId - this.firstBlockId) >>> 0];
        open = block.deflated ? inflateRawSync(block.data) : block.data;
      }
      const offset = this.offsets[at];
      out.push({
        seq: this.seqs[at],
        scope: {
          directory: this.directories.name(this.directoryIds[at]) as string,
          sessionID: this.sessions.name(this.sessionIds[at]),
        },
        json: (open as Buffer).toString("utf8", offset, offset + this.sizes[at]),
      });
    }
    return out;
  }

  /**
   * Deflates a full block into a buffer of its own size (zlib's output chunk is larger, and may be shared), and
   * gives back the raw buffer it was written in.
   */
  private seal(block: Block): Buffer {
    const raw = block.data;
    const deflated = deflateRawSync(raw.subarray(0, this.blockUsed), { level: DEFLATE_LEVEL });
    block.data = Buffer.allocUnsafeSlow(deflated.length);
    deflated.copy(block.data);
    block.deflated = true;
    return raw;
  }

  private dropOldest(): void {
    const at = this.head;
    this.bytes -= this.sizes[at];
    this.dropped = this.seqs[at];
    this.directories.release(this.directoryIds[at]);
    this.sessions.release(this.sessionIds[at]);
    this.head = (this.head + 1) % this.capacity;
    this.count--;
    // A block is freed when its last event leaves: the blocks before the new oldest event's.
    const oldest = this.blockIds[this.head];
    const unused = (oldest - this.firstBlockId) >>> 0;
    if (unused > 0) {
      this.blocks.splice(0, unused);
      this.firstBlockId = oldest;
    }
  }

  private grow(): void {
    // One more than the bound: the newest event is written before the oldest is dropped.
    const capacity = Math.min(this.maxEvents + 1, Math.max(FIRST_CAPACITY, this.capacity * 2));
    const order = <T extends Float64Array | Uint32Array>(from: T, to: T): T => {
      for (let i = 0; i < this.count; i++) to[i] = from[(this.head + i) % this.capacity];
      return to;
    };
    this.seqs = order(this.seqs, new Float64Array(capacity));
    this.offsets = order(this.offsets, new Uint32Array(capacity));
    this.sizes = order(this.sizes, new Uint32Array(capacity));
    this.blockIds = order(this.blockIds, new Uint32Array(capacity));
    this.directoryIds = order(this.directoryIds, new Uint32Array(capacity));
    this.sessionIds = order(this.sessionIds, new Uint32Array(capacity));
    this.head = 0;
    this.capacity = capacity;
  }
}
