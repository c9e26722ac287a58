// `moor daemon install|uninstall --role all|api|worker` (issue 20 §2): which unit, and what it carries. The flags
// come after the subcommand mixed with serve's own (commander leaves them all in the operands once it meets one it
// does not know), so they are taken out here. The store URL never goes on the unit's command line, where `ps` and
// `systemctl status` show it: it goes to the unit's environment (file mode 0600), as MOOR_STORE_URL.
import { resolve } from "node:path";
import { DAEMON_ROLES, type DaemonRole } from "../daemon/units.js";
import { UsageError } from "./output.js";

export interface RoleInstall {
  role: DaemonRole;
  /** From --store or MOOR_STORE_URL; undefined when the server reads its config's `store` (or uses SQLite). */
  storeUrl: string | undefined;
  /** The serve flags for the unit's command line, the role's own included, without --store. */
  serveArgs: string[];
}

const POSTGRES_URL = /^postgres(ql)?:\/\//i;

/** Takes `--name value` and `--name=value` out of `args`, every occurrence; returns the values in order. */
function takeFlag(args: string[], name: string): string[] {
  const values: string[] = [];
  for (let index = 0; index < args.length; ) {
    const arg = args[index];
    if (arg === name) {
      const value = args[index + 1];
      if (value === undefined || value.startsWith("--")) throw new UsageError(`${name} needs a value`);
      values.push(value);
      args.splice(index, 2);
    } else if (arg.startsWith(`${name}=`)) {
      values.push(arg.slice(name.length + 1));
      args.splice(index, 1);
    } else index++;
  }
  return values;
}

function hasFlag(args: string[], name: string): boolean {
  return args.some((arg) => arg === name || arg.startsWith(`${name}=`));
}

/** The role named by --role (default all), refusing any other word in one line. */
export function parseDaemonRole(value: string | undefined): DaemonRole {
  if (value === undefined) return "all";
  const role = DAEMON_ROLES.find((known) => known === value);
  if (!role) throw new UsageError(`invalid --role ${value}: give all, api or worker`);
  return role;
}

/**
 * What `daemon install` writes for its flags. Refuses, each in one line: an unknown role; api or worker without a
 * PostgreSQL store (the cluster shares one; `configStore` is the config's `store`, which the server reads itself);
 * a store that is not postgres://; --dir on anything but a worker, --port/--hostname/--socket on a worker (it has no
 * listener). A worker without --dir serves the directory install ran in, made absolute, since a service starts
 * elsewhere.
 */
export async function roleInstall(
  rawArgs: string[],
  env: Record<string, string | undefined>,
  cwd: string,
  configStore: () => Promise<string | undefined>,
): Promise<RoleInstall> {
  const args = [...rawArgs];
  const roles = takeFlag(args, "--role");
  if (roles.length > 1) throw new UsageError("give --role once");
  const role = parseDaemonRole(roles[0]);
  const stores = takeFlag(args, "--store");
  if (stores.length > 1) throw new UsageError("give --store once");
  const storeUrl = stores[0] ?? (env.MOOR_STORE_URL || undefined);
  if (storeUrl !== undefined && !POSTGRES_URL.test(storeUrl)) {
    throw new UsageError("unsupported --store: give a postgres:// URL (or none, for the SQLite file)");
  }
  if (role !== "all" && storeUrl === undefined && !POSTGRES_URL.test((await configStore()) ?? "")) {
    throw new UsageError(
      `--role ${role} needs a PostgreSQL store shared by the cluster: give --store postgres://… (or MOOR_STORE_URL)`,
    );
  }
  const dirs = takeFlag(args, "--dir");
  if (role === "worker") {
    for (const listenerFlag of ["--port", "--hostname", "--socket"]) {
      if (hasFlag(args, listenerFlag)) {
        throw new UsageError(`${listenerFlag} is for API nodes: a worker has no HTTP listener`);
      }
    }
    const served = dirs.length > 0 ? dirs : [cwd];
    return {
      role,
      storeUrl,
      serveArgs: ["--role", "worker", ...served.flatMap((dir) => ["--dir", resolve(cwd, dir)]), ...args],
    };
  }
  if (dirs.length > 0) throw new UsageError("--dir is for --role worker: the directories a worker serves");
  return { role, storeUrl, serveArgs: role === "all" ? args : ["--role", role, ...args] };
}
