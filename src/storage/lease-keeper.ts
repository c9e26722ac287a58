// Keeps one session's lease while a worker runs it (cluster mode, issue 20 §2): renews it every third of the lease
// time, so two renewals may fail (a slow database, a GC pause) before it lapses, and reports once when it is lost
// (renew refused: another worker took it over, or it was released). A renewal that fails with an error (connection
// trouble) is retried at the next tick; if that goes on past the lease time, a takeover makes the next renew refuse.
import type { LeaseFence } from "./port.js";

export interface LeaseRenewer {
  renew(fence: LeaseFence, leaseMs: number): Promise<boolean>;
  release(fence: LeaseFence): Promise<boolean>;
}

export interface LeaseKeeper {
  readonly fence: LeaseFence;
  /** Whether the last renewal found the lease still held. */
  readonly held: boolean;
  /** Stops renewing and gives the lease up (for another worker to take at once). */
  release(): Promise<void>;
}

export function keepLease(
  leases: LeaseRenewer,
  fence: LeaseFence,
  leaseMs: number,
  onLost: (fence: LeaseFence) => void,
): LeaseKeeper {
  let held = true;
  let renewing = false;
  const timer = setInterval(
    () => {
      if (renewing || !held) return;
      renewing = true;
      leases
        .renew(fence, leaseMs)
        .then((still) => {
          if (still || !held) return;
          held = false;
          clearInterval(timer);
          onLost(fence);
        })
        .catch(() => {})
        .finally(() => {
          renewing = false;
        });
    },
    Math.max(1, Math.floor(leaseMs / 3)),
  );
  timer.unref();
  return {
    fence,
    get held() {
      return held;
    },
    release: async () => {
      clearInterval(timer);
      if (!held) return;
      held = false;
      await leases.release(fence);
    },
  };
}
