// The CPU time a process has used, read from /proc (Linux): the bench's figure least moved by other load on a shared
// machine. Shared by acp-start.mjs, hooks.mjs and scale.mjs.
import { readFileSync } from "node:fs";

/** CPU time (user + system) the process has used so far, in ms; undefined where there is none (gone, not Linux). */
export function cpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    // After the name, which may itself hold ") ": utime and stime are fields 14 and 15 of proc(5), in clock ticks
    // (100 a second on Linux).
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}
