// What one turn reads back from the store. Free on SQLite, a network round trip each on PostgreSQL (cluster mode's
// workers and a `--store postgres://` server), so reads whose answer the core already holds are not made.
import { afterEach, describe, expect, it } from "vitest";
import { type CoreFixture, openCoreFixture } from "../fakes/core-fixture.js";

describe("a turn's reads", () => {
  let fixture: CoreFixture | undefined;
  afterEach(async () => {
    await fixture?.close();
    fixture = undefined;
  });

  /** Counts the calls of the store's `method` from now on. */
  function count(method: "getSession" | "listParts"): () => number {
    const store = (fixture as CoreFixture).store as unknown as Record<string, (...args: unknown[]) => unknown>;
    const original = store[method].bind(store);
    let calls = 0;
    store[method] = (...args: unknown[]) => {
      calls++;
      return original(...args);
    };
    return () => calls;
  }

  it("a step's result carries its parts as stored, without reading them back", async () => {
    fixture = await openCoreFixture({ prefix: "turn-reads", steps: [{ reasoning: "hmm", text: "the reply" }] });
    const { core, dir, store } = fixture;
    const session = await core.sessions.create({ directory: dir });
    const partReads = count("listParts");
    const result = await core.sessions.prompt(session.id, { parts: [{ type: "text", text: "talk" }] });
    expect(partReads()).toBe(0);
    const last = result.last;
    expect(last).toBeDefined();
    expect(last?.parts.map((part) => part.type)).toEqual(["step-start", "reasoning", "text", "step-finish"]);
    expect(last?.parts).toEqual(await store.listParts(last?.info.id as string));
  });

  it("a later prompt's turn reads the session row twice: to check it (the turn starts from that read), to touch it", async () => {
    fixture = await openCoreFixture({ prefix: "turn-reads", steps: [{ text: "first" }, { text: "second" }] });
    const { core, dir } = fixture;
    const session = await core.sessions.create({ directory: dir });
    await core.sessions.prompt(session.id, { parts: [{ type: "text", text: "one" }] });
    const sessionReads = count("getSession");
    await core.sessions.prompt(session.id, { parts: [{ type: "text", text: "two" }] });
    expect(sessionReads()).toBe(2);
    const [updated] = (await core.sessions.page({})).sessions;
    expect(updated.time.updated).toBeGreaterThanOrEqual(session.time.updated);
  });

  it("a first prompt's turn starts from the row with its title, read again after the title was written", async () => {
    fixture = await openCoreFixture({ prefix: "turn-reads", steps: [{ text: "first" }] });
    const { core, dir } = fixture;
    const session = await core.sessions.create({ directory: dir });
    const sessionReads = count("getSession");
    await core.sessions.prompt(session.id, { parts: [{ type: "text", text: "name me" }] });
    // Checked, edited (the title), read again for the turn, touched.
    expect(sessionReads()).toBe(4);
    expect((await core.sessions.get(session.id)).title).toBe("name me");
  });
});
