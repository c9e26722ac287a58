// One supervisor per state dir: an exclusively created lock file holding its pid. A lock whose pid is dead, or
// belongs to a program that is not moor (pid reused), is stale and taken over.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { isMoorProcess } from "./process-check.js";

export type LockResult = { acquired: true; release(): void } | { acquired: false; holder: number };

export function acquireLock(path: string, pid = process.pid): LockResult {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx", 0o600);
      writeSync(fd, String(pid));
      closeSync(fd);
      return {
        acquired: true,
        release: () => {
          if (readHolder(path) === pid) rmSync(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = readHolder(path);
      if (holder !== undefined && holder !== pid && isMoorProcess(holder)) return { acquired: false, holder };
      rmSync(path, { force: true });
    }
  }
  return { acquired: false, holder: readHolder(path) ?? -1 };
}

export function readHolder(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
