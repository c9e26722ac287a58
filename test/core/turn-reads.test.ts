// What one turn reads back from the store. Free on SQLite, a network round trip each on PostgreSQL (cluster mode's
// workers and a `--store postgres://` server), so reads whose answer the core already holds are not made.
import { afterEach, describe, expect, it } from "vitest";
import type { OwnerDispatch, OwnerRecord } from "../../src/core/remote-owner.js";
import type { MessageWithParts, OwnerCommand, OwnerResult, Session, UserMessage } from "../../src/protocol/index.js";
import { StaleRowError } from "../../src/storage/port.js";
import { type CoreFixture, openCoreFixture } from "../fakes/core-fixture.js";

describe("a turn's reads", () => {
  let fixture: CoreFixture | undefined;
  afterEach(async () => {
    await fixture?.close();
    fixture = undefined;
  });

  /** Counts the calls of the store's `method` from now on. */
  function count(
    method: "getSession" | "listParts" | "getMessage" | "listPendingPermissions" | "commit",
  ): () => number {
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

  it("a worker's turn of a stored prompt reads neither the session, the message nor the questions it was given", async () => {
    fixture = await openCoreFixture({ prefix: "turn-reads", steps: [{ text: "first" }, { text: "second" }] });
    const { core, dir } = fixture;
    const session = await core.sessions.create({ directory: dir });
    await core.sessions.prompt(session.id, { parts: [{ type: "text", text: "one" }] });
    // What an API node stores: the user message alone.
    const { user } = await core.sessions.submit(session.id, { parts: [{ type: "text", text: "two" }], noReply: true });
    const current = await core.sessions.get(session.id);
    const sessionReads = count("getSession");
    const messageReads = count("getMessage");
    const questionReads = count("listPendingPermissions");
    const { done } = await core.sessions.submitStored(session.id, user.id, { session: current, user, pending: [] });
    const result = await done;
    expect(result.last?.parts.some((part) => part.type === "text" && part.text === "second")).toBe(true);
    // Only the end-of-turn touch reads the row (editSession, in order with other edits).
    expect([sessionReads(), messageReads(), questionReads()]).toEqual([1, 0, 0]);
  });

  it("an API node stores a prompt with its owner's item in one commit, and answers with the message the owner carried", async () => {
    const sent: { command: OwnerCommand; record?: OwnerRecord }[] = [];
    let carried: MessageWithParts | undefined;
    const owners: OwnerDispatch = {
      ready: async () => {},
      send: async (_session, command, record) => {
        // As the PostgreSQL dispatch does: the record's writes and the item in one transaction.
        if (record) await fixture?.store.commit(record.scope, record.write);
        sent.push({ command, record });
        return sent.length;
      },
      result: async (): Promise<OwnerResult> => {
        const user = (sent[sent.length - 1].command as { user: UserMessage }).user;
        carried = {
          info: { ...user, id: "msg_zz_reply", role: "assistant" } as unknown as MessageWithParts["info"],
          parts: [],
        };
        return { ok: true, value: { finish: "stop", userID: user.id, lastID: carried.info.id, last: carried } };
      },
    };
    fixture = await openCoreFixture({ prefix: "turn-reads", core: { cluster: { owners, skipRecovery: true } } });
    const { core, dir } = fixture;
    const session = await core.sessions.create({ directory: dir });
    // Named: a first prompt's title is written before its item is sent (the owner may touch the row at once).
    await core.sessions.update(session.id, { title: "named" });
    const commits = count("commit");
    const messageReads = count("getMessage");
    const result = await core.sessions.prompt(session.id, { parts: [{ type: "text", text: "hello" }] });
    expect(commits()).toBe(1);
    // The carried message is the answer: nothing read back.
    expect(messageReads()).toBe(0);
    expect(result.last).toBe(carried);
    expect(sent).toHaveLength(1);
    expect(sent[0].record).toBeDefined();
    const command = sent[0].command as { kind: string; userID: string; user: UserMessage };
    expect(command.kind).toBe("turn");
    expect(command.user).toEqual(result.user);
    expect((await fixture.store.getMessage(session.id, command.userID))?.info).toEqual(result.user);
  });

  it("an API node starts a next prompt from the row as announced (no read); a row changed since is read, once", async () => {
    const sent: Session[] = [];
    const outdated = new WeakSet<Session>();
    let announcedCopy: Session | undefined;
    const owners: OwnerDispatch = {
      ready: async () => {},
      send: async (session, _command, record) => {
        // As the PostgreSQL dispatch does: a record based on an announced copy behind the row writes nothing.
        if (outdated.has(session)) throw new StaleRowError(session.id);
        if (record) await fixture?.store.commit(record.scope, record.write);
        sent.push(session);
        return sent.length;
      },
      result: async (): Promise<OwnerResult> => ({ ok: true, value: { finish: "stop", userID: "msg_x" } }),
      announced: () => announcedCopy && { ...announcedCopy },
    };
    fixture = await openCoreFixture({ prefix: "turn-reads", core: { cluster: { owners, skipRecovery: true } } });
    const { core, dir } = fixture;
    const session = await core.sessions.create({ directory: dir });
    const named = await core.sessions.update(session.id, { title: "named" });
    announcedCopy = named;
    const sessionReads = count("getSession");
    await core.sessions.submit(session.id, { parts: [{ type: "text", text: "one" }] });
    expect(sessionReads()).toBe(0);
    expect(sent.at(-1)).toEqual(named);
    // Renamed on another node, not announced here yet: the copy is refused, the prompt starts again from a read.
    await core.sessions.update(session.id, { title: "renamed" });
    const stale = { ...named };
    outdated.add(stale);
    owners.announced = () => stale;
    const readsAgain = count("getSession");
    const { user } = await core.sessions.submit(session.id, { parts: [{ type: "text", text: "two" }] });
    expect(readsAgain()).toBe(1);
    expect(sent.at(-1)?.title).toBe("renamed");
    // Stored once, by the second try.
    const texts = (await fixture.store.listMessages(session.id)).flatMap((message) =>
      message.parts.flatMap((part) => (part.type === "text" ? [part.text] : [])),
    );
    expect(texts).toEqual(["one", "two"]);
    expect(user.id).toBeDefined();
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
