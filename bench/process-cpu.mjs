// The CPU time a process has used, read from /proc (Linux): the bench's figure least moved by other load on a shared
// machine. Shared by acp-start.mjs, hooks.mjs and scale.mjs.
import { readdirSync, readFileSync } from "node:fs";

/**
 * CPU time (user + system) the process has used so far, in ms; undefined where there is none (gone, not Linux).
 * With `reaped`, that of its children it has waited for too.
 */
export function cpuMs(pid, { reaped = false } = {}) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    // After the name, which may itself hold ") ": utime and stime are fields 14 and 15 of proc(5), cutime and cstime
    // 16 and 17, in clock ticks (100 a second on Linux).
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const own = Number(fields[11]) + Number(fields[12]);
    return (reaped ? own + Number(fields[13]) + Number(fields[14]) : own) * 10;
  } catch {
    return undefined;
  }
}

/** The ids of the process's children that run now (Linux); empty where /proc cannot tell. */
export function childPids(pid) {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
      readFileSync(`/proc/${pid}/task/${task}/children`, "latin1").split(" ").filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}
