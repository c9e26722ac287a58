// Parsed histories of the sessions read most recently. A turn reads its session's whole history at every step;
// parsing every stored message and part again each time made a long session's steps cost more and more, and its
// garbage was most of what the server allocated. Writes through the store mark the messages they touch, and only
// those are read again; a write by another process (another `moor` on the same database) drops everything.
import type { MessageWithParts } from "../protocol/index.js";

interface CachedHistory {
  byId: Map<string, MessageWithParts>;
  /** Messages written since they were read (or new), to read again. */
  stale: Set<string>;
  /** The history in id order, rebuilt after a refresh. */
  list?: MessageWithParts[];
}

export interface HistorySource {
  /** Every message of the session, in id order. */
  readAll(sessionID: string): MessageWithParts[];
  /** One message, or undefined when it no longer exists. */
  readOne(sessionID: string, messageID: string): MessageWithParts | undefined;
  /** A value that changes when another connection has committed to the database. */
  externalVersion(): number;
}

export class HistoryCache {
  private readonly sessions = new Map<string, CachedHistory>();
  private version: number | undefined;

  constructor(
    private readonly source: HistorySource,
    private readonly capacity = 8,
  ) {}

  /** The session's history in id order. The objects are shared: callers copy before changing them. */
  get(sessionID: string): MessageWithParts[] {
    const version = this.source.externalVersion();
    if (version !== this.version) {
      this.sessions.clear();
      this.version = version;
    }
    let cached = this.sessions.get(sessionID);
    if (cached) {
      this.sessions.delete(sessionID);
      this.refresh(sessionID, cached);
    } else {
      const list = this.source.readAll(sessionID);
      cached = { byId: new Map(list.map((message) => [message.info.id, message])), stale: new Set(), list };
      if (this.sessions.size >= this.capacity) this.sessions.delete(this.sessions.keys().next().value as string);
    }
    // Most recently used last, so the first key is the one to evict.
    this.sessions.set(sessionID, cached);
    return (cached.list as MessageWithParts[]).slice();
  }

  /** A message (or one of its parts) of this session was written. */
  touched(sessionID: string, messageID: string): void {
    const cached = this.sessions.get(sessionID);
    if (!cached) return;
    cached.stale.add(messageID);
    cached.list = undefined;
  }

  /** A message was deleted; its session is not known here, so every cached session that holds it is told. */
  messageDeleted(messageID: string): void {
    for (const [sessionID, cached] of this.sessions) {
      if (cached.byId.has(messageID)) this.touched(sessionID, messageID);
    }
  }

  sessionDeleted(sessionID: string): void {
    this.sessions.delete(sessionID);
  }

  private refresh(sessionID: string, cached: CachedHistory): void {
    if (cached.list && cached.stale.size === 0) return;
    for (const messageID of cached.stale) {
      const message = this.source.readOne(sessionID, messageID);
      if (message) cached.byId.set(messageID, message);
      else cached.byId.delete(messageID);
    }
    cached.stale.clear();
    cached.list = [...cached.byId.values()].sort((a, b) =>
      a.info.id < b.info.id ? -1 : a.info.id > b.info.id ? 1 : 0,
    );
  }
}
