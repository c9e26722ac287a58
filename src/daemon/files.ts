// The daemon's files in the state dir: daemon.json (where it runs: read by `moor attach` and `moor run --attach`),
// daemon.lock (held by the one supervisor), daemon.log (its and the server's output).
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface DaemonFiles {
  info: string;
  lock: string;
  log: string;
}

export function daemonFiles(stateDir: string): DaemonFiles {
  return {
    info: join(stateDir, "daemon.json"),
    lock: join(stateDir, "daemon.lock"),
    log: join(stateDir, "daemon.log"),
  };
}

export type DaemonState = "starting" | "running" | "restarting" | "crash-loop" | "stopping";

export interface DaemonInfo {
  /** The server's pid. */
  pid: number;
  supervisorPid: number;
  url: string;
  startedAt: number;
  version: string;
  restarts: number;
  state: DaemonState;
  serveArgs: string[];
  message?: string;
}

export function readDaemonInfo(files: DaemonFiles): DaemonInfo | undefined {
  try {
    return JSON.parse(readFileSync(files.info, "utf8")) as DaemonInfo;
  } catch {
    return undefined;
  }
}

/** Written to a temp file and renamed, so a reader never sees half a file. */
export function writeDaemonInfo(files: DaemonFiles, info: DaemonInfo): void {
  const temp = `${files.info}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(info, null, 2)}\n`);
  renameSync(temp, files.info);
}
