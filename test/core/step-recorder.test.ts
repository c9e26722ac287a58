import { afterEach, describe, expect, it } from "vitest";
import type { Part } from "../../src/protocol/index.js";
import { SqliteStore } from "../../src/storage/sqlite-store.js";
import { type CoreFixture, openCoreFixture } from "../fakes/core-fixture.js";

describe("streamed text is written before it is announced", () => {
  let fixture: CoreFixture | undefined;
  /** A second connection on the same file: it sees only what was committed, as a restarted server would. */
  let reader: SqliteStore | undefined;
  afterEach(async () => {
    reader?.closeNow();
    await fixture?.close();
    reader = undefined;
    fixture = undefined;
  });

  for (const delayMs of [undefined, 1]) {
    it(`every delta's text is committed when it is published (chunks ${delayMs ? "apart" : "together"})`, async () => {
      const reply = "one two three four five six seven eight nine ten ".repeat(5);
      fixture = await openCoreFixture({
        prefix: "recorder",
        steps: [{ reasoning: "thinking hard", text: reply, delayMs }],
      });
      const { core, dir, file } = fixture;
      const store = new SqliteStore(file);
      reader = store;
      const seen = new Map<string, string>();
      // The reader is asked when each delta is published (the embedded store reads when called); the answers are
      // compared once the turn is over.
      const checks: Promise<string | undefined>[] = [];
      /** Each finished text part's update: its text and everything announced for it before. */
      const finished: { text: string; announced: string }[] = [];
      const order: string[] = [];
      core.bus.subscribe(({ event }) => {
        if (event.type === "message.part.delta") {
          const { messageID, partID, delta } = event.properties;
          const text = (seen.get(partID) ?? "") + delta;
          seen.set(partID, text);
          checks.push(
            store.listParts(messageID).then((parts) => {
              const stored = parts.find((part) => part.id === partID);
              const storedText = stored && "text" in stored ? stored.text : "";
              return storedText.startsWith(text)
                ? undefined
                : `${partID}: saw ${text.length}, stored ${storedText.length}`;
            }),
          );
          order.push(`delta:${partID}`);
        }
        if (event.type === "message.part.updated") {
          const part = event.properties.part as Part;
          if (part.type === "text" || part.type === "reasoning") {
            // An update never overtakes text still waiting: it carries everything announced before it, no more.
            if (part.time?.end !== undefined) finished.push({ text: part.text, announced: seen.get(part.id) ?? "" });
            order.push(`updated:${part.id}:${part.time?.end !== undefined ? "end" : "open"}`);
          }
        }
      });
      const session = await core.sessions.create({ directory: dir });
      await core.sessions.prompt(session.id, { parts: [{ type: "text", text: "talk" }] });
      const problems = (await Promise.all(checks)).filter((problem) => problem !== undefined);
      expect(checks.length).toBeGreaterThan(0);
      expect(problems).toEqual([]);
      expect(finished.length).toBeGreaterThanOrEqual(seen.size);
      for (const { text, announced } of finished) expect(text).toBe(announced);
      expect([...seen.values()]).toEqual(["thinking hard", reply]);
      for (const id of seen.keys()) {
        const mine = order.filter((entry) => entry.includes(id));
        expect(mine[0]).toBe(`updated:${id}:open`);
        expect(mine.at(-1)).toBe(`updated:${id}:end`);
      }
    });
  }
});
