// `moor serve --role all|api|worker` (cluster mode, issue 20 §2). `all` is what serve has always done: one process
// serves HTTP + SSE and runs the turns, on SQLite or PostgreSQL. `api` and `worker` split that across processes that
// share one PostgreSQL, so they need a postgres:// store (--store, MOOR_STORE_URL or config `store`) and are refused
// in one line without one.
//
// `api` serves HTTP + SSE and runs no turns (cluster/api-node.ts); `worker` runs the turns of the directories it
// serves under session leases (cluster/serve-worker.ts, cluster/worker.ts).
import { UsageError } from "./output.js";

export const SERVE_ROLES = ["all", "api", "worker"] as const;
export type ServeRole = (typeof SERVE_ROLES)[number];

/** Which roles run today. */
const WIRED_ROLES: readonly ServeRole[] = ["all", "api", "worker"];

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
