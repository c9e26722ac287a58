// Parsed histories of the sessions a PostgreSQL node read most recently (history-cache.ts is the SQLite store's).
// A turn reads its session's whole history at every step; on PostgreSQL that was every message and part sent over
// the connection and parsed again, a cost that grew with the session (and most of a worker's CPU per turn in a long
// one). Any node may write a session, so the cache cannot be kept by watching this node's writes: each read sends
// what it holds as (message id, fingerprint) pairs, and the server answers every message's fingerprint but the data
// only of those whose fingerprint differs. A fingerprint is the message row's xmin (the transaction that wrote that
// row version) and its parts' xmins in id order: any insert, update or delete of the message or one of its parts
// changes it. (xmin wraps around after 2^32 transactions; a row rewritten exactly that many transactions later with
// the same shape of parts is the one change it would miss.)
import type pg from "pg";
import type { MessageInfo, MessageWithParts, Part } from "../protocol/index.js";
import { inline, preparedQuery } from "./postgres-literals.js";

interface Entry {
  fingerprint: string;
  message: MessageWithParts;
}

export interface HistoryRow {
  id: string;
  fingerprint: string;
  /** Null when the caller's copy is current. */
  data: string | null;
  /** The parts' data as one JSON array (cheaper to parse than a text[] of JSON). */
  parts: string | null;
}

const HISTORY_QUERY = `
  WITH part_versions AS (
    SELECT message_id, string_agg(xmin::text, ',' ORDER BY id) AS versions FROM part WHERE session_id = $1
    GROUP BY message_id
  ),
  known AS (SELECT * FROM unnest($2::text[], $3::text[]) AS k(id, fingerprint)),
  current AS (
    SELECT m.id, m.data, m.xmin::text || '/' || coalesce(pv.versions, '') AS fingerprint
    FROM message m LEFT JOIN part_versions pv ON pv.message_id = m.id
    WHERE m.session_id = $1
  )
  SELECT c.id, c.fingerprint,
    CASE WHEN k.fingerprint IS DISTINCT FROM c.fingerprint THEN c.data END AS data,
    CASE WHEN k.fingerprint IS DISTINCT FROM c.fingerprint THEN
      (SELECT '[' || coalesce(string_agg(p.data, ',' ORDER BY p.id), '') || ']' FROM part p WHERE p.message_id = c.id)
    END AS parts
  FROM current c LEFT JOIN known k ON k.id = c.id
  ORDER BY c.id`;

/** How long a history read in a worker's take (prime) may serve the session's next read. */
const PRIMED_MS = 1000;

export class PostgresHistories {
  private readonly sessions = new Map<string, Map<string, Entry>>();
  /** Histories read in the transaction of a worker's take, each for its session's next read (prime). */
  private readonly primed = new Map<string, { list: MessageWithParts[]; at: number }>();

  constructor(private readonly capacity = 8) {}

  /**
   * The session's messages in id order, read on `client` (one statement: one round trip, one snapshot). The objects
   * are shared between reads, as the SQLite store's are: callers copy before changing them.
   */
  async read(client: pg.Client, sessionID: string): Promise<MessageWithParts[]> {
    const primed = this.primed.get(sessionID);
    if (primed) {
      this.primed.delete(sessionID);
      if (Date.now() - primed.at <= PRIMED_MS) return primed.list;
    }
    const { rows } = await client.query<HistoryRow>(preparedQuery(HISTORY_QUERY, this.values(sessionID)));
    return this.apply(sessionID, rows);
  }

  /**
   * The read as a statement with its values written in, to run in the transaction of another query (a worker's take
   * of its session's inbox: the turn it starts reads the history first). Its answer goes to prime.
   */
  inlineRead(sessionID: string): string {
    return inline(HISTORY_QUERY, this.values(sessionID));
  }

  /**
   * Takes the answer of inlineRead's statement as a read's, and keeps it for the session's next read, which then
   * needs no round trip: the snapshot of the take, a moment older than a read of its own would be. Not after this
   * node writes anything (forgetPrimed: the turn must see its own writes), nor after PRIMED_MS.
   */
  prime(sessionID: string, rows: HistoryRow[]): void {
    this.primed.set(sessionID, { list: this.apply(sessionID, rows), at: Date.now() });
  }

  /** This node is writing: no history read before may stand in for a read after. */
  forgetPrimed(): void {
    if (this.primed.size > 0) this.primed.clear();
  }

  /** The read's values: the session, and the messages held with their fingerprints. */
  private values(sessionID: string): [string, string[], string[]] {
    const cached = this.sessions.get(sessionID);
    const ids: string[] = [];
    const fingerprints: string[] = [];
    if (cached) {
      for (const [id, entry] of cached) {
        ids.push(id);
        fingerprints.push(entry.fingerprint);
      }
    }
    return [sessionID, ids, fingerprints];
  }

  /** A read's answer: the cache updated from its rows, and the history in id order. */
  private apply(sessionID: string, rows: HistoryRow[]): MessageWithParts[] {
    const cached = this.sessions.get(sessionID);
    const next = new Map<string, Entry>();
    const list: MessageWithParts[] = [];
    for (const row of rows) {
      let entry = row.data === null ? cached?.get(row.id) : undefined;
      if (!entry) {
        const message: MessageWithParts = {
          info: JSON.parse(row.data as string) as MessageInfo,
          parts: JSON.parse(row.parts ?? "[]") as Part[],
        };
        entry = { fingerprint: row.fingerprint, message };
      }
      next.set(row.id, entry);
      list.push(entry.message);
    }
    // Most recently read last, so the first key is the one to evict.
    this.sessions.delete(sessionID);
    if (rows.length > 0) {
      this.sessions.set(sessionID, next);
      if (this.sessions.size > this.capacity) this.sessions.delete(this.sessions.keys().next().value as string);
    }
    return list;
  }
}
