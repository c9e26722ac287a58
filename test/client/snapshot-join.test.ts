// SnapshotJoin: which held events come after a snapshot, and overlapping joins.
import { describe, expect, it } from "vitest";
import { isAfterSnapshot, SnapshotJoin } from "../../src/client/index.js";
import type { MoorEvent } from "../../src/protocol/index.js";

const idle = (sessionID: string): MoorEvent => ({ type: "session.idle", properties: { sessionID } });

describe("isAfterSnapshot", () => {
  it("compares sequence numbers within one server run; keeps what it cannot place", () => {
    expect(isAfterSnapshot("e1-5", "e1-4")).toBe(true);
    expect(isAfterSnapshot("e1-4", "e1-4")).toBe(false);
    expect(isAfterSnapshot("e1-3", "e1-4")).toBe(false);
    expect(isAfterSnapshot("e0-9", "e1-4")).toBe(false);
    expect(isAfterSnapshot("e1-3", undefined)).toBe(true);
    expect(isAfterSnapshot(undefined, "e1-4")).toBe(true);
  });
});

describe("SnapshotJoin", () => {
  it("holds events until the latest join is released, then gives back those after its snapshot", () => {
    const join = new SnapshotJoin();
    expect(join.offer(idle("a"), "e1-1")).toBe(true);
    const first = join.hold();
    expect(join.offer(idle("b"), "e1-2")).toBe(false);
    const second = join.hold();
    expect(join.offer(idle("c"), "e1-3")).toBe(false);
    expect(join.offer(idle("d"), "e1-4")).toBe(false);
    expect(join.release(first, "e1-2")).toBeUndefined();
    expect(join.holding).toBe(true);
    expect(join.release(second, "e1-3")).toEqual([idle("d")]);
    expect(join.offer(idle("e"), "e1-5")).toBe(true);
  });
});

describe("events that arrive after their snapshot (the stream and the snapshot use two connections)", () => {
  it("SnapshotJoin drops a late event the applied snapshot already holds, and keeps later ones and a new run's", () => {
    const join = new SnapshotJoin();
    const ticket = join.hold();
    expect(join.offer(idle("held"), "e1-8")).toBe(false);
    expect(join.release(ticket, "e1-10")).toEqual([]);
    expect(join.offer(idle("late, in the snapshot"), "e1-9")).toBe(false);
    expect(join.offer(idle("late, the snapshot's own"), "e1-10")).toBe(false);
    expect(join.offer(idle("after"), "e1-11")).toBe(true);
    expect(join.offer(idle("after a restart"), "e2-1")).toBe(true);
    expect(join.offer(idle("no id"), undefined)).toBe(true);
  });
});
