// `moor serve --role api`: an API node of a cluster (issue 20 §2). It serves the whole HTTP/SSE API from the shared
// PostgreSQL store and runs no turns: prompts, aborts, commands and permission answers go to the session's owner
// worker (owner-dispatch.ts). Its event stream is the cluster's event log: every commit of every node is read back
// in id order (NOTIFY, and a short poll), and an SSE frame's id is `<cluster id>-<event id>`, so a client can
// reconnect to any API node with Last-Event-ID and get exactly what it missed.
import { hostname } from "node:os";
import type { ClusterRole } from "../../core/index.js";
import { DESKTOP_TARGET } from "../../core/notify/notifier.js";
import type { BusEnvelope, MoorEvent } from "../../protocol/index.js";
import type { SseOptions } from "../../server/sse.js";
import type { PostgresStore } from "../../storage/postgres-store.js";
import type { CliContext } from "../context.js";
import type { OpenedStore, PostgresChoices } from "../store-choice.js";
import { exitOnLostStore, idleInTransactionMs, leaseMsFrom } from "./cluster-settings.js";
import { ownerDispatch } from "./owner-dispatch.js";

export interface ApiNode {
  role: ClusterRole;
  /** Starts reading the other nodes' events (once core listens to the store); answers the sessions busy now. */
  follow(): Promise<string[]>;
  /** Events from the log for a Last-Event-ID this node's ring lacks (server/sse.ts). */
  olderEvents: NonNullable<SseOptions["olderEvents"]>;
  /**
   * Claims an event's notification to a target for this node (core/notify/notifier.ts): every API node sees every
   * event, one delivers it. A desktop's claim is per host (two nodes on one host would show it twice).
   */
  claimNotification(eventID: number, target: string): Promise<boolean>;
}

/** How long a notification's claim is kept (a node that sees the event later than that would deliver it again). */
const NOTIFY_CLAIM_KEEP_MS = 24 * 60 * 60_000;

/** An API node's connection: ended by the server if it hangs inside a transaction; lost, the node exits. */
export function apiStoreChoices(context: CliContext): PostgresChoices {
  // Its own commits (relayed events, prompts) reach the other API nodes in their notifications.
  return {
    idleInTransactionMs: idleInTransactionMs(leaseMsFrom(context.env)),
    onError: exitOnLostStore,
    notifyEvents: true,
  };
}

export async function apiNodeRole(context: CliContext, opened: OpenedStore): Promise<ApiNode> {
  const store = opened.store as PostgresStore;
  const leaseMs = leaseMsFrom(context.env);
  const epoch = await store.clusterID();
  return {
    role: {
      epoch,
      // Ids before this node started are not in its ring: a client that has one is told to resync.
      idsFromLog: { startSeq: store.lastEventId },
      // Events published here (not from a commit) take their place in the log too.
      relay: (type, properties, scope) => void store.commit(scope, (tx) => tx.emit(type, properties)).catch(() => {}),
      owners: ownerDispatch(store, leaseMs),
      skipRecovery: true,
    },
    follow: async () => {
      await store.follow();
      // Old claims go (hourly, on every API node: a delete that finds nothing costs little).
      const sweep = setInterval(() => void store.sweepNotifyClaims(NOTIFY_CLAIM_KEEP_MS).catch(() => {}), 60 * 60_000);
      sweep.unref();
      return store.leases.liveSessions();
    },
    claimNotification: (eventID, target) =>
      store.claimNotification(eventID, target === DESKTOP_TARGET ? `${DESKTOP_TARGET}:${hostname()}` : target),
    olderEvents: async (after, upTo, filter) => {
      const events = await store.eventsBetween(after, upTo, filter);
      return events?.map(
        (event): BusEnvelope => ({
          seq: event.id,
          directory: event.scope.directory,
          sessionID: event.scope.sessionID,
          event: { type: event.type, properties: event.properties } as MoorEvent,
        }),
      );
    },
  };
}
