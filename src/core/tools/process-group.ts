// A bash command runs in a process group of its own. Its id (and its leader's start time, against pid reuse) is
// recorded in the running tool part, so that after a crash the next start can end a command the dead server left
// running before the turn is resumed and runs it again.
import { readFileSync } from "node:fs";

/** Metadata keys on a running bash part. */
export interface ProcessGroupRecord {
  pgid: number;
  /** The leader's start time in clock ticks since boot (/proc/<pid>/stat field 22), where /proc exists. */
  pgidStart?: string;
}

const TERM_WAIT_STEPS = 50;
const TERM_WAIT_STEP_MS = 20;

/** What to record for a group whose leader (`detached: true` makes the child one) has this pid. */
export function processGroupRecord(pid: number): ProcessGroupRecord {
  const start = startTime(pid);
  return start === undefined ? { pgid: pid } : { pgid: pid, pgidStart: start };
}

/** The record in a tool part's metadata, if there is a valid one. */
export function readProcessGroupRecord(metadata: Record<string, unknown> | undefined): ProcessGroupRecord | undefined {
  const pgid = metadata?.pgid;
  if (typeof pgid !== "number" || !Number.isInteger(pgid) || pgid <= 1) return undefined;
  const start = metadata?.pgidStart;
  return typeof start === "string" ? { pgid, pgidStart: start } : { pgid };
}

/**
 * Ends the groups that still run (SIGTERM, then SIGKILL to what is left after about a second) and returns the ids
 * of those it signalled. Synchronous on purpose: recovery finishes before any turn can resume.
 */
export function endProcessGroups(records: ProcessGroupRecord[]): number[] {
  const live = records.filter(isStillRunning).map((record) => record.pgid);
  const signalled = live.filter((pgid) => signalGroup(pgid, "SIGTERM"));
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  for (let step = 0; step < TERM_WAIT_STEPS && signalled.some(groupExists); step++) {
    Atomics.wait(sleeper, 0, 0, TERM_WAIT_STEP_MS);
  }
  for (const pgid of signalled) if (groupExists(pgid)) signalGroup(pgid, "SIGKILL");
  return signalled;
}

/**
 * Whether the recorded group still runs and is the one recorded. A group id cannot be handed out again while the
 * group has members (Linux keeps the id in use), so the only doubt is a live leader pid: reused when its start
 * time differs from the recorded one.
 */
function isStillRunning(record: ProcessGroupRecord): boolean {
  if (!groupExists(record.pgid)) return false;
  if (record.pgidStart === undefined) return true;
  const leaderStart = startTime(record.pgid);
  return leaderStart === undefined || leaderStart === record.pgidStart;
}

function groupExists(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Field 22 of /proc/<pid>/stat; undefined where there is no /proc or no such process. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[19];
  } catch {
    return undefined;
  }
}
