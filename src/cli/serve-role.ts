// `moor serve --role all|api|worker` (cluster mode, issue 20 §2). `all` is what serve has always done: one process
// serves HTTP + SSE and runs the turns, on SQLite or PostgreSQL. `api` and `worker` split that across processes that
// share one PostgreSQL, so they need a postgres:// store (--store, MOOR_STORE_URL or config `store`) and are refused
// in one line without one.
//
// What is built for them so far is the storage layer only (storage/postgres-leases.ts: workers, session leases with
// epochs, fenced commits; storage/postgres-inbox.ts: commands for a session's owner). Until serve is wired, `api` and
// `worker` are refused in one line rather than silently running as `all`. The wiring still needed:
// * worker: register (leases.register with the directories it serves, from --dir or the config) and heartbeat; take
//   leases of new/lapsed sessions it serves (leases.acquire; lapsed() for takeover), keep them (storage/lease-keeper.ts
//   renews every lease/3) and stop the session's turn when one is lost; run the session's turns on
//   storage/postgres-fenced-store.ts's view, whose every commit is fenced (FencedError must stop the turn, as an
//   interrupted one: core does not know it yet); on takeover mark the cut-off turn interrupted and resume it; watch
//   the inbox (inbox.watch + a pendingFor poll) and run its prompts, aborts and permission answers. Today's core is
//   one per process over one store, so a per-session fenced view needs the core to take its store per session.
// * api: no turns (no core loop); follow the event log (PostgresStore.follow) into the SSE ring with ids from the
//   log; answer reads from the store; send prompts/aborts/permission replies to the inbox (409/503 in one line when
//   no live worker serves the session's directory: leases.eligibleWorkers).
// * the bus's sequence numbers taken from the event ids, so Last-Event-ID is valid on every API node.
import { UsageError } from "./output.js";

export const SERVE_ROLES = ["all", "api", "worker"] as const;
export type ServeRole = (typeof SERVE_ROLES)[number];

/** Which roles run today; the others are refused until serve is wired for them (see the head of this file). */
const WIRED_ROLES: readonly ServeRole[] = ["all"];

/**
 * The role serve runs as, given `--role` and the store URL it will use (undefined: the SQLite file). Refuses a role
 * it does not know, `api`/`worker` without a PostgreSQL store, and roles not wired yet, each with a UsageError.
 */
export function chooseServeRole(flag: string | undefined, storeUrl: string | undefined): ServeRole {
  if (flag === undefined) return "all";
  const role = SERVE_ROLES.find((known) => known === flag);
  if (!role) throw new UsageError(`invalid --role ${flag}: give all, api or worker`);
  if (role === "all") return role;
  if (storeUrl === undefined || !/^postgres(ql)?:\/\//i.test(storeUrl)) {
    throw new UsageError(
      `--role ${role} needs a PostgreSQL store shared by the cluster: give --store postgres://… (or MOOR_STORE_URL)`,
    );
  }
  if (!WIRED_ROLES.includes(role)) {
    throw new UsageError(`--role ${role} is not available yet in this version: run --role all (the default)`);
  }
  return role;
}
