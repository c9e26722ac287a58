// An API node's way to the worker that owns a session (cluster mode, issue 20 §2): core's OwnerDispatch on the
// PostgreSQL inbox. A command is refused at once, in one line, when no live worker serves the session's directory
// (nobody would ever take it); otherwise it waits in the inbox for whichever eligible worker takes the lease.
import { CoreError } from "../../core/errors.js";
import type { OwnerDispatch } from "../../core/remote-owner.js";
import type { PostgresStore } from "../../storage/postgres-store.js";

/** A worker is counted live while its heartbeat is at most this many lease times old. */
const STALE_LEASES = 2;

export function ownerDispatch(store: PostgresStore, leaseMs: number, now: () => number = Date.now): OwnerDispatch {
  /**
   * Directories a live worker was seen to serve, until when that answer is reused. A worker counts as live for
   * STALE_LEASES lease times after its last heartbeat anyway, so reusing a yes for a fraction of a lease changes what
   * is refused by no more than that; a no is never reused (a worker that starts is counted at once).
   */
  const served = new Map<string, number>();
  const reuseMs = Math.min(1000, Math.floor(leaseMs / 3));
  const ready: OwnerDispatch["ready"] = async (session) => {
    if ((served.get(session.directory) ?? 0) > now()) return;
    const workers = await store.leases.eligibleWorkers(session.directory, leaseMs * STALE_LEASES);
    if (workers.length > 0) served.set(session.directory, now() + reuseMs);
    else {
      served.delete(session.directory);
      throw new CoreError(
        "no_worker",
        `No worker serves ${session.directory}: start one there (moor serve --role worker --dir ${session.directory}).`,
      );
    }
  };
  return {
    ready,
    async send(session, command, record) {
      // A turn's prompt was checked by ready() before it was stored; everything else is checked here.
      if (command.kind !== "turn") await ready(session);
      if (!record) return store.inbox.send(session.id, command);
      let itemID = 0;
      await store.commit(record.scope, record.write, {
        inbox: { sessionID: session.id, command, queued: (id) => (itemID = id), basedOn: session },
      });
      return itemID;
    },
    announced: (sessionID) => store.announcedSession(sessionID),
    async result(itemID) {
      const { result, eventsUpTo } = await store.inbox.finished(itemID);
      // The turn's events are in the log before its result: this node's streams get them before the caller's answer.
      await store.syncEvents(eventsUpTo);
      return result;
    },
  };
}
