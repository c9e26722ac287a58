import { spawn } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { endProcessGroups, processGroupRecord, readProcessGroupRecord } from "../../../src/core/tools/process-group.js";

const started: number[] = [];
afterEach(() => {
  for (const pgid of started.splice(0)) {
    try {
      process.kill(-pgid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
});

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A command (with a child) in a group of its own, as the bash tool runs it. */
async function startGroup(): Promise<{ pgid: number; exited: Promise<void> }> {
  const child = spawn("/bin/sh", ["-c", "sleep 30 & sleep 30; wait"], { detached: true, stdio: "ignore" });
  const pgid = child.pid!;
  started.push(pgid);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return { pgid, exited };
}

describe("process groups left by a bash call", () => {
  it("a recorded group that still runs is ended, children included", async () => {
    const { pgid, exited } = await startGroup();
    const record = readProcessGroupRecord({ ...processGroupRecord(pgid), output: "" })!;
    expect(record.pgid).toBe(pgid);
    expect(record.pgidStart).toMatch(/^\d+$/);
    expect(endProcessGroups([record])).toEqual([pgid]);
    await exited;
    // The leader is reaped by us; its children are reaped by init: wait for the group to empty.
    for (let i = 0; i < 100 && groupAlive(pgid); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(groupAlive(pgid)).toBe(false);
  });

  it("a live leader whose start time differs is another process that reused the pid, and is left alone", async () => {
    const { pgid } = await startGroup();
    const record = { pgid, pgidStart: "1" };
    expect(endProcessGroups([record])).toEqual([]);
    expect(groupAlive(pgid)).toBe(true);
  });

  it("ignores metadata without a usable group id", () => {
    expect(readProcessGroupRecord(undefined)).toBeUndefined();
    expect(readProcessGroupRecord({ pgid: "12" })).toBeUndefined();
    expect(readProcessGroupRecord({ pgid: 1 })).toBeUndefined();
    expect(readProcessGroupRecord({ pgid: -5 })).toBeUndefined();
  });
});
