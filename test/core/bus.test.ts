import { describe, expect, it } from "vitest";
import { EventBus } from "../../src/core/bus.js";

function publishN(bus: EventBus, n: number, directory = "/p") {
  for (let i = 0; i < n; i++)
    bus.publish("session.idle", { sessionID: `ses_${i}` }, { directory, sessionID: `ses_${i}` });
}

describe("event bus", () => {
  it("numbers events and replays exactly the missed ones", () => {
    const bus = new EventBus({ epoch: "e1", ringSize: 100 });
    publishN(bus, 10);
    expect(bus.lastSeq).toBe(10);
    expect(bus.since(7)?.map((e) => e.seq)).toEqual([8, 9, 10]);
    expect(bus.since(10)).toEqual([]);
  });

  it("says it cannot replay when the ring has moved past the id, or the id is from the future", () => {
    const bus = new EventBus({ epoch: "e1", ringSize: 5 });
    publishN(bus, 12);
    expect(bus.since(6)).toBeUndefined();
    expect(bus.since(7)?.map((e) => e.seq)).toEqual([8, 9, 10, 11, 12]);
    expect(bus.since(99)).toBeUndefined();
  });

  it("filters by directory and session, for live listeners and replay", () => {
    const bus = new EventBus({ epoch: "e1" });
    const seen: number[] = [];
    bus.subscribe((e) => seen.push(e.seq), { directory: "/a" });
    publishN(bus, 2, "/a");
    publishN(bus, 2, "/b");
    expect(seen).toEqual([1, 2]);
    expect(bus.since(0, { directory: "/b" })?.map((e) => e.seq)).toEqual([3, 4]);
    expect(bus.since(0, { sessionID: "ses_1" })?.map((e) => e.seq)).toEqual([2, 4]);
  });

  it("keeps delivering when one listener throws", () => {
    const bus = new EventBus({ epoch: "e1" });
    const seen: number[] = [];
    bus.subscribe(() => {
      throw new Error("boom");
    });
    bus.subscribe((e) => seen.push(e.seq));
    publishN(bus, 3);
    expect(seen).toEqual([1, 2, 3]);
  });

  it("reports a throwing listener's error with the envelope, and the other listeners still run", () => {
    const reported: { error: unknown; seq: number; type: string }[] = [];
    const bus = new EventBus({
      epoch: "e1",
      onListenerError: (error, envelope) => reported.push({ error, seq: envelope.seq, type: envelope.event.type }),
    });
    const before: number[] = [];
    const after: number[] = [];
    bus.subscribe((e) => before.push(e.seq));
    bus.subscribe((e) => {
      if (e.seq === 2) throw new Error("boom");
    });
    bus.subscribe((e) => after.push(e.seq));
    publishN(bus, 3);
    expect(before).toEqual([1, 2, 3]);
    expect(after).toEqual([1, 2, 3]);
    expect(reported).toHaveLength(1);
    expect(reported[0]).toMatchObject({ seq: 2, type: "session.idle" });
    expect((reported[0].error as Error).message).toBe("boom");
  });

  it("keeps publishing when the error reporter itself throws", () => {
    const bus = new EventBus({
      epoch: "e1",
      onListenerError: () => {
        throw new Error("reporter down");
      },
    });
    const seen: number[] = [];
    bus.subscribe(() => {
      throw new Error("boom");
    });
    bus.subscribe((e) => seen.push(e.seq));
    expect(() => publishN(bus, 2)).not.toThrow();
    expect(seen).toEqual([1, 2]);
  });
});
