// The store a worker's core writes through (cluster mode, issue 20 §2): the PostgreSQL store, with every commit for
// a session fenced by the lease this worker holds (or last held) for it, so a worker that lost a session — taken
// over while it hung — writes nothing more there (storage/postgres-leases.ts). A child session (a subagent's) is
// fenced by its parent's lease: the worker runs it because it holds the parent. Commits with no session (a relayed
// server-wide event) are not fenced.
import type { LeaseFence, Store, StoreWrites } from "../../storage/port.js";
import { fencedStore } from "../../storage/postgres-fenced-store.js";
import type { CommitOptions, PostgresStore } from "../../storage/postgres-store.js";

export interface LeaseBook {
  /** The fence to write a session under: the session's own lease, or the root session's for a child. */
  fenceFor(sessionID: string): LeaseFence | undefined;
  /** Records the lease just acquired for a session (it replaces the one before). */
  hold(fence: LeaseFence): void;
}

export function leaseBook(): LeaseBook & { childOf(childID: string, parentID: string): void } {
  const fences = new Map<string, LeaseFence>();
  /** Child session → its parent, for the children this worker created. */
  const parents = new Map<string, string>();
  return {
    fenceFor(sessionID) {
      let id: string | undefined = sessionID;
      for (let depth = 0; id !== undefined && depth < 32; depth++) {
        const fence = fences.get(id);
        if (fence) return fence;
        id = parents.get(id);
      }
      return undefined;
    },
    hold(fence) {
      fences.set(fence.sessionID, fence);
    },
    childOf(childID, parentID) {
      parents.set(childID, parentID);
    },
  };
}

export function leaseFencedStore(store: PostgresStore, book: ReturnType<typeof leaseBook>): Store {
  const base = fencedStore(store, { sessionID: "", workerID: "", epoch: 0 });
  return {
    ...base,
    commit: (scope, write) => {
      const options: CommitOptions = {};
      return store.commit(
        scope,
        (tx) => {
          const result = write(tracking(tx, book));
          // Chosen after the writes were collected (PostgresStore reads it when the commit runs): a new child
          // session of this commit is fenced by its parent's lease.
          if (scope.sessionID !== undefined) options.fence = book.fenceFor(scope.sessionID);
          return result;
        },
        options,
      );
    },
  };
}

/** The writes, noting each child session created under a parent. */
function tracking(tx: StoreWrites, book: ReturnType<typeof leaseBook>): StoreWrites {
  return {
    ...tx,
    putSession(session, basedOn) {
      if (session.parentID) book.childOf(session.id, session.parentID);
      tx.putSession(session, basedOn);
    },
  };
}
