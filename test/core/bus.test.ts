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

  it("bounds the ring by the bytes its events weigh, keeping exact replay of what still fits", () => {
    // Each event is ~1 KB of JSON; 10 KB of ring holds the last 9 or so, far fewer than ringSize.
    const bus = new EventBus({ epoch: "e1", ringSize: 1000, ringBytes: 10_000 });
    const big = "x".repeat(1000);
    for (let i = 0; i < 100; i++) {
      bus.publish(
        "session.error",
        { sessionID: "ses_1", error: { name: "Unknown", data: { message: big } } } as never,
        {
          directory: "/p",
        },
      );
    }
    const size = JSON.stringify(bus.since(99)?.[0]?.event).length;
    const kept = Math.floor(10_000 / size);
    expect(kept).toBeGreaterThan(5);
    expect(bus.since(100 - kept)?.map((e) => e.seq)).toEqual(Array.from({ length: kept }, (_, i) => 101 - kept + i));
    expect(bus.since(100 - kept - 1)).toBeUndefined();
    // Small events after the big ones: the ring holds as many of them as fit in the bytes, oldest out first.
    publishN(bus, 2000);
    let first = bus.lastSeq;
    while (bus.since(first - 1)) first--;
    const keptSmall = bus.since(first) ?? [];
    const weight = keptSmall.reduce((sum, e) => sum + JSON.stringify(e.event).length, 0);
    expect(weight).toBeLessThanOrEqual(10_000);
    expect(weight + JSON.stringify(keptSmall[0].event).length).toBeGreaterThan(10_000);
    expect(keptSmall.at(-1)?.seq).toBe(2100);
    // Bound by the bytes, not by ringSize's 1,000.
    expect(keptSmall.length).toBeLessThan(1000);
  });

  it("replays from the ring exactly the JSON that was published live, whatever its characters", () => {
    const bus = new EventBus({ epoch: "e1", ringBytes: 200_000 });
    const live: string[] = [];
    bus.subscribe((envelope) => live.push(JSON.stringify(envelope)));
    const texts = ["plain", "é ü 漢字 😀 \u2028", "lone \ud800 surrogate", "x".repeat(70_000), '"quoted"\n\\'];
    for (const [i, text] of texts.entries()) {
      const scope = { directory: i % 2 ? "/a" : "/b", sessionID: i === 2 ? undefined : `ses_${i}` };
      bus.publish(
        "session.error",
        { sessionID: scope.sessionID, error: { name: "X", data: { message: text } } } as never,
        scope,
      );
      bus.publish(
        "message.part.delta",
        {
          sessionID: "ses_1",
          messageID: "msg_1",
          partID: "prt_1",
          field: "text",
          delta: text,
          n: -0,
          none: undefined,
        } as never,
        scope,
      );
    }
    expect(bus.since(0)?.map((envelope) => JSON.stringify(envelope))).toEqual(live);
    expect(bus.since(3, { directory: "/a" })?.map((envelope) => JSON.stringify(envelope))).toEqual(
      live.filter((json) => JSON.parse(json).seq > 3 && JSON.parse(json).directory === "/a"),
    );
  });

  it("weighs events by the UTF-8 bytes of their JSON", () => {
    // "é" is one character and two bytes: 10 events of ~2 KB fit in 10 KB only as characters.
    const bus = new EventBus({ epoch: "e1", ringBytes: 10_000 });
    for (let i = 0; i < 10; i++) bus.publish("session.idle", { sessionID: "é".repeat(1000) }, { directory: "/p" });
    const kept = bus.since(bus.lastSeq - 4);
    expect(kept).toHaveLength(4);
    expect(bus.since(bus.lastSeq - 5)).toBeUndefined();
  });

  it("keeps the ring's events deflated outside the JS heap, in far less than their JSON weighs", () => {
    const ringBytes = 2 * 1024 * 1024;
    const before = process.memoryUsage().arrayBuffers;
    const bus = new EventBus({ epoch: "e1", ringBytes, ringSize: 1_000_000 });
    const delta = { sessionID: "ses_1", messageID: "msg_1", partID: "prt_1", field: "text" as const, delta: " token" };
    for (let i = 0; i < 40_000; i++) {
      bus.publish(
        "message.part.delta",
        { ...delta, delta: ` token${i % 997}` },
        { directory: "/p", sessionID: "ses_1" },
      );
    }
    const held = process.memoryUsage().arrayBuffers - before;
    // As raw UTF-8 the ring held more than it may weigh (its blocks and the index, beside the JSON itself).
    expect(held).toBeLessThan(ringBytes / 3);
    expect(bus.since(bus.lastSeq - 1)?.[0]?.event).toEqual({
      type: "message.part.delta",
      properties: { ...delta, delta: " token119" },
    });
    expect(bus.since(bus.lastSeq - 15_000)).toHaveLength(15_000);
  });

  it("keeps the newest event even when it alone weighs more than the ring may", () => {
    const bus = new EventBus({ epoch: "e1", ringBytes: 10 });
    publishN(bus, 3);
    expect(bus.since(2)?.map((e) => e.seq)).toEqual([3]);
    expect(bus.since(1)).toBeUndefined();
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

  it("matches an event only against its own directory's listeners, not every client of every project", () => {
    const bus = new EventBus({ epoch: "e1" });
    let checks = 0;
    // A filter that counts how often delivery looks at it.
    const filter = {
      get directory() {
        checks++;
        return "/a";
      },
    };
    const seen: number[] = [];
    bus.subscribe((e) => seen.push(e.seq), filter);
    const afterSubscribe = checks;
    publishN(bus, 100, "/b");
    expect(checks).toBe(afterSubscribe);
    publishN(bus, 1, "/a");
    expect(seen).toEqual([101]);
  });

  it("delivers in subscription order across directory and global listeners, skipping one removed meanwhile", () => {
    const bus = new EventBus({ epoch: "e1" });
    const order: string[] = [];
    bus.subscribe(() => order.push("all-1"));
    bus.subscribe(() => order.push("a-2"), { directory: "/a" });
    let removeA4 = () => {};
    bus.subscribe(() => {
      order.push("all-3");
      removeA4();
    });
    removeA4 = bus.subscribe(() => order.push("a-4"), { directory: "/a" });
    bus.subscribe(() => order.push("all-5"));
    bus.subscribe(() => order.push("b-6"), { directory: "/b" });
    publishN(bus, 1, "/a");
    expect(order).toEqual(["all-1", "a-2", "all-3", "all-5"]);
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

describe("the bus of a cluster node", () => {
  const scope = { directory: "/p", sessionID: "s" };
  const status = (n: number) => ({ sessionID: `s${n}`, status: { type: "busy" as const } });

  it("numbers events by their event-log ids (gaps allowed), skips an id it already delivered, replays after any id it saw", () => {
    const bus = new EventBus({ epoch: "c", idsFromLog: { startSeq: 10 } });
    const seen: number[] = [];
    bus.subscribe((envelope) => seen.push(envelope.seq));
    for (const id of [11, 14, 15, 15, 20]) bus.publishCommitted("session.status", status(id), scope, id);
    expect(seen).toEqual([11, 14, 15, 20]);
    expect(bus.lastSeq).toBe(20);
    expect(bus.since(11)?.map((envelope) => envelope.seq)).toEqual([14, 15, 20]);
    // An id in a gap (another directory's event, filtered out of that client's stream) replays from the next one.
    expect(bus.since(12)?.map((envelope) => envelope.seq)).toEqual([14, 15, 20]);
    expect(bus.since(20)).toEqual([]);
    // Before this node started following the log: not in its ring, the client must resync.
    expect(bus.since(9)).toBeUndefined();
    expect(bus.since(10)?.map((envelope) => envelope.seq)).toEqual([11, 14, 15, 20]);
  });

  it("says an id is too old once the ring dropped an event after it", () => {
    const bus = new EventBus({ epoch: "c", idsFromLog: { startSeq: 0 }, ringSize: 2 });
    for (const id of [3, 7, 9]) bus.publishCommitted("session.status", status(id), scope, id);
    // 3 was dropped: a client that saw 2 missed it; one that saw 3 missed nothing the ring lacks.
    expect(bus.since(2)).toBeUndefined();
    expect(bus.since(3)?.map((envelope) => envelope.seq)).toEqual([7, 9]);
    expect(bus.since(7)?.map((envelope) => envelope.seq)).toEqual([9]);
  });

  it("relays direct publishes instead of delivering them; they arrive when committed", () => {
    const relayed: string[] = [];
    const bus = new EventBus({ epoch: "c", relay: (type) => relayed.push(type) });
    const seen: string[] = [];
    bus.subscribe((envelope) => seen.push(envelope.event.type));
    expect(bus.publish("session.idle", { sessionID: "s" }, scope)).toBeUndefined();
    expect(relayed).toEqual(["session.idle"]);
    expect(seen).toEqual([]);
    bus.publishCommitted("session.idle", { sessionID: "s" }, scope, 1);
    expect(seen).toEqual(["session.idle"]);
  });
});
