// Settings every node of a cluster reads the same way (issue 20 §2).
import { UsageError } from "../output.js";

const DEFAULT_LEASE_MS = 15_000;

/**
 * How long a worker's lease on a session lasts without renewal (MOOR_LEASE_MS; default 15 s): a crashed worker's
 * turns are taken over after about this long. API nodes count a worker live for two lease times after its last
 * heartbeat, so every node of a cluster should be given the same value.
 */
export function leaseMsFrom(env: Record<string, string | undefined>): number {
  const text = env.MOOR_LEASE_MS;
  if (text === undefined || text === "") return DEFAULT_LEASE_MS;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 300 || value > 3_600_000) {
    throw new UsageError(`invalid MOOR_LEASE_MS ${text}: give milliseconds between 300 and 3600000`);
  }
  return value;
}
