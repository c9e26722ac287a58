import { afterEach, describe, expect, it } from "vitest";
import { StartQueue } from "../../src/core/start-queue.js";
import { type CoreFixture, openCoreFixture } from "../fakes/core-fixture.js";

/** Counts event-loop turns: a setImmediate chain runs once per loop turn, until stopped. */
function loopTurns(): { now(): number; stop(): void } {
  let count = 0;
  let stopped = false;
  const tick = () => {
    count++;
    if (!stopped) setImmediate(tick);
  };
  setImmediate(tick);
  return { now: () => count, stop: () => (stopped = true) };
}

const opened: CoreFixture[] = [];
afterEach(async () => {
  for (const fixture of opened.splice(0)) await fixture.close();
});

describe("StartQueue", () => {
  it("releases one start per loop turn: turns first, then prompts, then titles", async () => {
    const queue = new StartQueue();
    const turns = loopTurns();
    const released: { name: string; turn: number }[] = [];
    const start = (kind: "turn" | "prompt" | "title", name: string) =>
      queue.next(kind).then(() => released.push({ name, turn: turns.now() }));
    await Promise.all([
      start("title", "t1"),
      start("prompt", "p1"),
      start("prompt", "p2"),
      start("turn", "r1"),
      start("title", "t2"),
      start("turn", "r2"),
    ]);
    turns.stop();
    expect(released.map((each) => each.name)).toEqual(["r1", "r2", "p1", "p2", "t1", "t2"]);
    const loopTurnsSeen = new Set(released.map((each) => each.turn));
    expect(loopTurnsSeen.size).toBe(released.length);
    expect(queue.pending).toBe(0);
  });

  it("spreads a burst of prompts to many sessions over as many loop turns (intake and turn start each get one)", async () => {
    const fixture = await openCoreFixture({
      prefix: "starts",
      steps: Array.from({ length: 12 }, () => ({ text: "ok" })),
    });
    opened.push(fixture);
    const { core, dir } = fixture;
    const sessions = await Promise.all(Array.from({ length: 12 }, () => core.sessions.create({ directory: dir })));
    const turns = loopTurns();
    const takenIn: number[] = [];
    const turnsStarted: number[] = [];
    core.bus.subscribe(({ event }) => {
      if (event.type === "message.updated" && event.properties.info.role === "assistant") {
        turnsStarted.push(turns.now());
      }
    });
    const submitted = await Promise.all(
      sessions.map((session) =>
        core.sessions.submit(session.id, { parts: [{ type: "text", text: "go" }] }).then((answer) => {
          takenIn.push(turns.now());
          return answer;
        }),
      ),
    );
    await Promise.all(submitted.map((each) => each.done));
    turns.stop();
    // Without the queue every intake runs back to back in the same loop turn or two.
    expect(new Set(takenIn).size).toBe(sessions.length);
    expect(new Set(turnsStarted).size).toBeGreaterThanOrEqual(sessions.length);
  });
});
