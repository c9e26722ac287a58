// Settings every node of a cluster reads the same way (issue 20 §2).
import { UsageError } from "../output.js";

const DEFAULT_LEASE_MS = 15_000;
const DEFAULT_INBOX_KEEP_MS = 60 * 60_000;
/** The longest between two sweeps of finished inbox items. */
const MAX_INBOX_SWEEP_MS = 10 * 60_000;

/**
 * How long a node's connection may sit inside a transaction before PostgreSQL ends it (PostgresStoreOptions'
 * idleInTransactionMs): well under a lease, so a node paused mid-commit never holds up a takeover or the cluster's
 * commits for long; far above any healthy commit's round trips.
 */
export function idleInTransactionMs(leaseMs: number): number {
  return Math.min(5000, Math.max(200, Math.floor(leaseMs / 3)));
}

/** A cluster node without its database can do nothing right: it says so in one line and exits for its supervisor. */
export function exitOnLostStore(error: Error): never {
  process.stderr.write(`moor: the PostgreSQL connection failed: ${error.message}\n`);
  process.exit(1);
}

/**
 * How long a worker's lease on a session lasts without renewal (MOOR_LEASE_MS; default 15 s): a crashed worker's
 * turns are taken over after about this long. API nodes count a worker live for two lease times after its last
 * heartbeat, so every node of a cluster should be given the same value.
 */
export function leaseMsFrom(env: Record<string, string | undefined>): number {
  return millisecondsFrom(env, "MOOR_LEASE_MS", DEFAULT_LEASE_MS, 300, 3_600_000);
}

/**
 * How long a worker keeps inbox items after they were finished (MOOR_INBOX_KEEP_MS; default an hour), and how often it
 * sweeps older ones (a sixth of that, at most every 10 minutes). A node waiting for an item's result hears of it at
 * once (or within its 500 ms poll), so a short keep loses nothing but what an operator could inspect.
 */
export function inboxSweepFrom(env: Record<string, string | undefined>): { keepMs: number; everyMs: number } {
  const keepMs = millisecondsFrom(env, "MOOR_INBOX_KEEP_MS", DEFAULT_INBOX_KEEP_MS, 1000, 30 * 24 * 3_600_000);
  return { keepMs, everyMs: Math.min(MAX_INBOX_SWEEP_MS, Math.ceil(keepMs / 6)) };
}

/** A whole number of milliseconds from `min` to `max` in the variable `name`, or `fallback` when it is unset or empty. */
function millisecondsFrom(
  env: Record<string, string | undefined>,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const text = env[name];
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`invalid ${name} ${text}: give milliseconds between ${min} and ${max}`);
  }
  return value;
}
