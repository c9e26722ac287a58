import { describe, expect, it } from "vitest";
import { BLOCK_BYTES, EventRing } from "../../src/core/event-ring.js";

/** Events like a turn's: part deltas with varying text, and now and then a larger update. */
function eventJson(i: number): string {
  const delta = {
    type: "message.part.delta",
    properties: { sessionID: "ses_1", partID: `prt_${i >> 6}`, delta: ` w${(i * 7919) % 10007}` },
  };
  return JSON.stringify(i % 50 === 0 ? { ...delta, text: "é漢😀 ".repeat(i % 300) } : delta);
}

describe("event ring", () => {
  it("replays across deflated blocks exactly the events kept, in order, from any seq", () => {
    const ring = new EventRing(1_000_000, 10 * 1024 * 1024);
    const pushed: string[] = [];
    for (let i = 1; i <= 20_000; i++) {
      pushed.push(eventJson(i));
      ring.push(i, { directory: "/p", sessionID: i % 3 ? "ses_1" : undefined }, eventJson(i));
    }
    expect(ring.blockCount).toBeGreaterThan(5);
    // Every full block is deflated: the ring holds far less than the JSON it keeps.
    expect(ring.heldBytes).toBeLessThan(ring.weight / 4);
    expect(ring.since(0)?.map((e) => e.json)).toEqual(pushed);
    expect(ring.since(12_345)?.map((e) => e.seq)).toEqual(Array.from({ length: 7655 }, (_, i) => 12_346 + i));
    expect(ring.since(12_345)?.[0]?.json).toBe(pushed[12_345]);
    const noSession = ring.since(9_000, { sessionID: "ses_1" }) ?? [];
    expect(noSession.map((e) => e.json)).toEqual(pushed.filter((_, i) => i + 1 > 9_000 && (i + 1) % 3 !== 0));
  });

  it("frees a block once its last event has left, and drops the oldest events first", () => {
    const maxBytes = 256 * 1024;
    const ring = new EventRing(1_000_000, maxBytes);
    let seq = 0;
    let total = 0;
    while (total < 20 * maxBytes) {
      const json = eventJson(++seq);
      total += json.length;
      ring.push(seq, { directory: "/p" }, json);
    }
    expect(ring.weight).toBeLessThanOrEqual(maxBytes);
    // The blocks the kept bytes span, and the one being filled.
    expect(ring.blockCount).toBeLessThanOrEqual(maxBytes / BLOCK_BYTES + 2);
    const kept = ring.since(ring.floor) ?? [];
    expect(kept[0].seq).toBe(ring.floor + 1);
    expect(kept.at(-1)?.seq).toBe(seq);
    expect(kept.map((e) => e.json)).toEqual(kept.map((e) => eventJson(e.seq)));
    expect(ring.since(ring.floor - 1)).toBeUndefined();
  });

  it("keeps an event larger than a block in a block of its own, between small ones", () => {
    const ring = new EventRing(100, 10 * BLOCK_BYTES);
    const big = JSON.stringify({ type: "x", text: "ü".repeat(3 * BLOCK_BYTES) });
    ring.push(1, { directory: "/p" }, eventJson(1));
    ring.push(2, { directory: "/p" }, big);
    ring.push(3, { directory: "/p" }, eventJson(3));
    expect(ring.blockCount).toBe(3);
    expect(ring.since(0)?.map((e) => e.json)).toEqual([eventJson(1), big, eventJson(3)]);
    // Too heavy for the ring with the next one: the big event leaves, and its block with it.
    const small = new EventRing(100, BLOCK_BYTES);
    small.push(1, { directory: "/p" }, big);
    expect(small.since(0)?.map((e) => e.json)).toEqual([big]);
    small.push(2, { directory: "/p" }, eventJson(2));
    expect(small.since(1)?.map((e) => e.json)).toEqual([eventJson(2)]);
    expect(small.since(0)).toBeUndefined();
    expect(small.blockCount).toBe(1);
  });

  it("stays exact when its index wraps around and grows", () => {
    const ring = new EventRing(300, 10 * 1024 * 1024, 1000);
    const pushed: number[] = [];
    for (let seq = 1001; seq <= 1900; seq += 3) {
      pushed.push(seq);
      ring.push(seq, { directory: `/p${seq % 7}`, sessionID: `ses_${seq % 5}` }, eventJson(seq));
    }
    expect(ring.length).toBe(300);
    expect(ring.floor).toBe(1000);
    for (let seq = 1951; seq <= 2500; seq += 3) {
      pushed.push(seq);
      ring.push(seq, { directory: `/p${seq % 7}`, sessionID: `ses_${seq % 5}` }, eventJson(seq));
    }
    const kept = ring.since(ring.floor) ?? [];
    expect(kept).toHaveLength(300);
    expect(kept.map((e) => e.seq)).toEqual(pushed.slice(-300));
    expect(kept.map((e) => e.json)).toEqual(kept.map((e) => eventJson(e.seq)));
    // A seq between two kept ones (event-log ids have gaps) replays from the next one.
    expect(ring.since(2400)?.[0]?.seq).toBe(2401);
    const p3 = ring.since(ring.floor, { directory: "/p3", sessionID: "ses_1" }) ?? [];
    expect(p3.length).toBeGreaterThan(0);
    expect(p3.map((e) => e.seq)).toEqual(pushed.slice(-300).filter((seq) => seq % 7 === 3 && seq % 5 === 1));
    expect(p3.every((e) => e.scope.directory === "/p3" && e.scope.sessionID === "ses_1")).toBe(true);
    // Scopes no kept event has any more match nothing.
    expect(ring.since(ring.floor, { directory: "/gone" })).toEqual([]);
  });
});
