// The language servers a moor process started, on disk, so that the next moor reaps them when this one was killed
// before it could stop them (its children live in their own process groups and outlive it). Each record names its
// owner: a server whose moor still runs is that moor's, never another's to end.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { endProcessGroups, type ProcessGroupRecord, processGroupRecord } from "../tools/process-group.js";

interface ChildRecord extends ProcessGroupRecord {
  owner: ProcessGroupRecord;
}

export class LspChildRecord {
  private readonly self: ProcessGroupRecord;

  constructor(
    private readonly file: string,
    ownerPid: number,
  ) {
    this.self = processGroupRecord(ownerPid);
  }

  /** Ends the groups recorded by moor processes that are gone; answers their ids. */
  reapOrphans(): number[] {
    const records = this.read();
    const orphans = records.filter((record) => !ownerAlive(record.owner));
    if (orphans.length === 0) return [];
    const ended = endProcessGroups(orphans);
    this.write(records.filter((record) => !orphans.includes(record)));
    return ended;
  }

  add(pid: number): void {
    this.write([...this.read(), { ...processGroupRecord(pid), owner: this.self }]);
  }

  remove(pid: number): void {
    this.write(this.read().filter((record) => record.pgid !== pid || !sameOwner(record.owner, this.self)));
  }

  private read(): ChildRecord[] {
    try {
      const value = JSON.parse(readFileSync(this.file, "utf8")) as unknown;
      return Array.isArray(value)
        ? value.filter(
            (record): record is ChildRecord =>
              typeof record?.pgid === "number" && record.pgid > 1 && typeof record.owner?.pgid === "number",
          )
        : [];
    } catch {
      return [];
    }
  }

  private write(records: ChildRecord[]): void {
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      const temp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(temp, JSON.stringify(records));
      renameSync(temp, this.file);
    } catch {
      // Reaping is a safety net: a record that cannot be written leaves stop-on-close as the only guard.
    }
  }
}

function sameOwner(a: ProcessGroupRecord, b: ProcessGroupRecord): boolean {
  return a.pgid === b.pgid && a.pgidStart === b.pgidStart;
}

/** Whether the recorded moor still runs (the same process: its start time matches where /proc tells it). */
function ownerAlive(owner: ProcessGroupRecord): boolean {
  try {
    process.kill(owner.pgid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  const now = processGroupRecord(owner.pgid).pgidStart;
  return owner.pgidStart === undefined || now === undefined || now === owner.pgidStart;
}
