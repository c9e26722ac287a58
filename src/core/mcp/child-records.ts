// The pids of the local MCP servers this process started, in a file of its own in the data folder: when moor is
// killed outright its servers may live on (an MCP server need not exit when its stdin closes), so the next start
// ends those whose owner is gone. A pid is only signalled while its start time is the recorded one (pids are reused).
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

interface ChildRecord {
  pid: number;
  /** /proc/<pid>/stat field 22, where /proc exists. */
  start?: string;
  server: string;
}

interface OwnerFile {
  owner: number;
  ownerStart?: string;
  children: ChildRecord[];
}

export class ChildRecords {
  private readonly children = new Map<number, ChildRecord>();
  private readonly file: string;

  constructor(private readonly dir: string) {
    this.file = join(dir, `${process.pid}.json`);
  }

  add(pid: number, server: string): void {
    this.children.set(pid, { pid, start: startTime(pid), server });
    // Whatever way this process exits (a shutdown deadline, process.exit elsewhere), its servers end with it.
    if (this.children.size === 1) process.on("exit", this.killAll);
    this.write();
  }

  remove(pid: number): void {
    if (!this.children.delete(pid)) return;
    if (this.children.size === 0) process.off("exit", this.killAll);
    this.write();
  }

  /** This process ended its children itself: nothing is left for a next start to end. */
  clear(): void {
    this.children.clear();
    process.off("exit", this.killAll);
    rmSync(this.file, { force: true });
  }

  private readonly killAll = () => {
    for (const child of this.children.values()) {
      try {
        process.kill(child.pid, "SIGKILL");
      } catch {
        // Gone already.
      }
    }
    rmSync(this.file, { force: true });
  };

  /**
   * Ends the children recorded by processes that are gone (SIGKILL: they have no one to talk to) and removes their
   * files; returns the pids signalled. Files of live moor processes are left alone.
   */
  reapLeftovers(): number[] {
    let names: string[];
    try {
      names = readdirSync(this.dir).filter((name) => name.endsWith(".json"));
    } catch {
      return [];
    }
    const killed: number[] = [];
    for (const name of names) {
      const path = join(this.dir, name);
      let recorded: OwnerFile;
      try {
        recorded = JSON.parse(readFileSync(path, "utf8")) as OwnerFile;
      } catch {
        rmSync(path, { force: true });
        continue;
      }
      if (recorded.owner === process.pid || isRunning(recorded.owner, recorded.ownerStart)) continue;
      for (const child of recorded.children ?? []) {
        if (!isRunning(child.pid, child.start)) continue;
        try {
          process.kill(child.pid, "SIGKILL");
          killed.push(child.pid);
        } catch {
          // Gone meanwhile.
        }
      }
      rmSync(path, { force: true });
    }
    return killed;
  }

  private write(): void {
    if (this.children.size === 0) {
      rmSync(this.file, { force: true });
      return;
    }
    const content: OwnerFile = {
      owner: process.pid,
      ownerStart: startTime(process.pid),
      children: [...this.children.values()],
    };
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      writeFileSync(this.file, JSON.stringify(content), { mode: 0o600 });
    } catch {
      // Without the record only a crash's leftovers go unreaped; the servers themselves still work.
    }
  }
}

function isRunning(pid: number, start: string | undefined): boolean {
  if (!Number.isInteger(pid) || pid <= 1) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  if (start === undefined) return true;
  const now = startTime(pid);
  return now === undefined || now === start;
}

/** The process's start time in clock ticks since boot, or undefined without /proc. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: fields are counted after its closing one.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}
