import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createCore } from "../../src/core/index.js";
import type { Part } from "../../src/protocol/index.js";
import { SqliteStore } from "../../src/storage/sqlite-store.js";
import { scriptedModel } from "./scripted-model.js";

describe("streamed text is written before it is announced", () => {
  let dir: string;
  let store: SqliteStore;
  /** A second connection on the same file: it sees only what was committed, as a restarted server would. */
  let reader: SqliteStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "moor-recorder-"));
    store = new SqliteStore(join(dir, "moor.db"));
    reader = new SqliteStore(join(dir, "moor.db"));
  });
  afterEach(() => {
    reader.closeNow();
    store.closeNow();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const delayMs of [undefined, 1]) {
    it(`every delta's text is committed when it is published (chunks ${delayMs ? "apart" : "together"})`, async () => {
      const reply = "one two three four five six seven eight nine ten ".repeat(5);
      const model = scriptedModel([{ reasoning: "thinking hard", text: reply, delayMs }]);
      const core = createCore({
        store,
        version: "test",
        settings: () => ({}),
        resolveModel: async () => ({ model, providerID: "mock", modelID: "m" }),
        tools: [],
      });
      const seen = new Map<string, string>();
      const problems: string[] = [];
      const order: string[] = [];
      core.bus.subscribe(({ event }) => {
        if (event.type === "message.part.delta") {
          const { messageID, partID, delta } = event.properties;
          const text = (seen.get(partID) ?? "") + delta;
          seen.set(partID, text);
          const stored = reader.listParts(messageID).find((part) => part.id === partID);
          const storedText = stored && "text" in stored ? stored.text : "";
          if (!storedText.startsWith(text)) problems.push(`${partID}: saw ${text.length}, stored ${storedText.length}`);
          order.push(`delta:${partID}`);
        }
        if (event.type === "message.part.updated") {
          const part = event.properties.part as Part;
          if (part.type === "text" || part.type === "reasoning") {
            // An update never overtakes text still waiting: it carries everything announced before it, no more.
            if (part.time?.end !== undefined) expect(part.text).toBe(seen.get(part.id) ?? "");
            order.push(`updated:${part.id}:${part.time?.end !== undefined ? "end" : "open"}`);
          }
        }
      });
      const session = core.sessions.create({ directory: dir });
      await core.sessions.prompt(session.id, { parts: [{ type: "text", text: "talk" }] });
      expect(problems).toEqual([]);
      expect([...seen.values()]).toEqual(["thinking hard", reply]);
      for (const id of seen.keys()) {
        const mine = order.filter((entry) => entry.includes(id));
        expect(mine[0]).toBe(`updated:${id}:open`);
        expect(mine.at(-1)).toBe(`updated:${id}:end`);
      }
      await core.shutdown();
    });
  }
});
