// The PostgreSQL store: the store contract on a real PostgreSQL, and what only a store shared by several nodes does
// (the event log read back in commit order by another node, owners that die with their connection).
import { readdirSync } from "node:fs";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Session } from "../../src/protocol/index.js";
import { type CommittedEvent, type EventScope, StaleRowError } from "../../src/storage/port.js";
import { PostgresStore } from "../../src/storage/postgres-store.js";
import { type PostgresServer, startPostgres } from "../fakes/postgres-server.js";
import { assistant, session, storeContract, text, user } from "./contract.js";
import { countQueries } from "./count-queries.js";

let server: PostgresServer;
let databases = 0;
const freshDatabase = () => server.createSchema(`moor_${++databases}`);

beforeAll(async () => {
  server = await startPostgres();
}, 30_000);
afterAll(() => server?.stop());

storeContract("postgres", async () => {
  const store = await PostgresStore.open(await freshDatabase());
  return { store, dispose: () => store.close() };
});

describe("postgres store migrations", () => {
  it("two nodes starting at once on an empty database apply each migration once, and a restart applies none", async () => {
    const url = await freshDatabase();
    const stores = await Promise.all([PostgresStore.open(url), PostgresStore.open(url), PostgresStore.open(url)]);
    await Promise.all(stores.map((store) => store.close()));
    const again = await PostgresStore.open(url);
    await again.close();
    const pg = (await import("pg")).default;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ version: number }>("SELECT version FROM schema_migration ORDER BY version");
      const files = readdirSync(new URL("../../src/storage/postgres-migrations", import.meta.url)).filter((name) =>
        name.endsWith(".sql"),
      );
      expect(rows.map((row) => row.version)).toEqual(files.map((_, index) => index + 1));
      expect((await client.query("SELECT id FROM cluster")).rows).toHaveLength(1);
    } finally {
      await client.end();
    }
  });
});

describe("postgres store shared by two nodes", () => {
  let a: PostgresStore;
  let b: PostgresStore;
  const scope: EventScope = { directory: "/tmp/project", sessionID: "ses_1" };

  let urlOfA: string;

  beforeEach(async () => {
    urlOfA = await freshDatabase();
    a = await PostgresStore.open(urlOfA);
    b = await PostgresStore.open(urlOfA);
    await a.commit(scope, (tx) => tx.putSession(session("ses_1")));
  });
  afterEach(async () => {
    await a.close();
    await b.close();
  });

  it("hands a commit on A to B's listeners once, in order, with its scope and the same event ids", async () => {
    const onA: { scope: EventScope; events: readonly CommittedEvent[] }[] = [];
    const onB: { scope: EventScope; events: readonly CommittedEvent[] }[] = [];
    a.onCommit((where, events) => onA.push({ scope: where, events }));
    b.onCommit((where, events) => onB.push({ scope: where, events }));
    await b.follow({ pollMs: 60_000 });
    for (let n = 1; n <= 5; n++) {
      await a.commit(scope, (tx) => {
        tx.putMessage(user(`msg_${n}`));
        tx.emit("message.updated", { sessionID: "ses_1", info: user(`msg_${n}`) });
        tx.emit("session.updated", { sessionID: "ses_1", info: session("ses_1", n) });
      });
    }
    // A commit without events is announced on A (with none) and is nothing to B.
    await a.commit(scope, (tx) => tx.putMessage(user("msg_6")));
    await waitFor(() => onB.length === 5);
    const ids = (list: typeof onA) => list.map((commit) => commit.events.map((event) => event.id));
    expect(ids(onB)).toEqual(ids(onA.slice(0, 5)));
    const flat = ids(onB).flat() as number[];
    expect(flat).toEqual([...flat].sort((x, y) => x - y));
    expect(new Set(flat).size).toBe(10);
    expect(onB.every((commit) => commit.scope.sessionID === "ses_1" && commit.scope.directory === "/tmp/project")).toBe(
      true,
    );
    expect(onB.map((commit) => commit.events.map((event) => event.type))[0]).toEqual([
      "message.updated",
      "session.updated",
    ]);
    // B reads what A committed.
    expect((await b.listMessages("ses_1")).map((m) => m.info.id)).toEqual([
      "msg_1",
      "msg_2",
      "msg_3",
      "msg_4",
      "msg_5",
      "msg_6",
    ]);
  });

  it("a follower's own commits and another node's interleave in id order, each once", async () => {
    const seen: number[] = [];
    b.onCommit((_, events) => seen.push(...events.map((event) => event.id as number)));
    // A long poll: only NOTIFY or B's own commits bring A's events.
    await b.follow({ pollMs: 60_000 });
    for (let n = 1; n <= 4; n++) {
      const from = n % 2 === 0 ? a : b;
      await from.commit(scope, (tx) => {
        tx.putMessage(user(`msg_${n}`));
        tx.emit("message.updated", { sessionID: "ses_1", info: user(`msg_${n}`) });
      });
    }
    await waitFor(() => seen.length === 4);
    expect(seen).toEqual([...seen].sort((x, y) => x - y));
    expect(new Set(seen).size).toBe(4);
  });

  it("reads nothing back for the notification of its own commit (it names the commit's last event id)", async () => {
    const seen: number[] = [];
    b.onCommit((_, events) => seen.push(...events.map((event) => event.id as number)));
    await b.follow({ pollMs: 60_000 });
    // The catch-up that follow queues has run.
    await b.syncEvents();
    const reads = countEventReads(b);
    await b.commit(scope, (tx) => tx.emit("session.updated", { sessionID: "ses_1", info: session("ses_1", 2) }));
    // Time for the notification to arrive and its catch-up to run, if one were queued.
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(reads()).toBe(0);
    // Another node's commit is still read.
    await a.commit(scope, (tx) => tx.emit("session.updated", { sessionID: "ses_1", info: session("ses_1", 3) }));
    await waitFor(() => seen.length === 2);
    expect(reads()).toBeGreaterThan(0);
  });

  it("announces another node's commit from its notifications when they carry the events (no read), else reads it", async () => {
    const carrier = await PostgresStore.open(urlOfA, { notifyEvents: true });
    try {
      const seen: { scope: EventScope; events: readonly CommittedEvent[] }[] = [];
      b.onCommit((where, events) => seen.push({ scope: where, events }));
      await b.follow({ pollMs: 60_000 });
      await b.syncEvents();
      const reads = countEventReads(b);
      const other: EventScope = { directory: "/tmp/other" };
      // One group of two scopes: announced as two commits, as a read would.
      await Promise.all([
        carrier.commit(scope, (tx) => {
          tx.putMessage(user("msg_1"));
          tx.emit("message.updated", { sessionID: "ses_1", info: user("msg_1") });
          tx.emit("session.updated", { sessionID: "ses_1", info: session("ses_1", 2) });
        }),
        carrier.commit(other, (tx) => tx.emit("server.connected", {})),
      ]);
      await waitFor(() => seen.length === 2);
      expect(reads()).toBe(0);
      expect(seen.map(({ scope: where, events }) => [where, events.map((event) => [event.id, event.type])])).toEqual([
        [
          scope,
          [
            [b.lastEventId - 2, "message.updated"],
            [b.lastEventId - 1, "session.updated"],
          ],
        ],
        [other, [[b.lastEventId, "server.connected"]]],
      ]);
      expect(seen[0].events[0].properties).toEqual({ sessionID: "ses_1", info: user("msg_1") });
      // Too large to carry: read back, the same events.
      const big = { ...session("ses_1", 3), title: "x".repeat(9000) };
      await carrier.commit(scope, (tx) => tx.emit("session.updated", { sessionID: "ses_1", info: big }));
      await waitFor(() => seen.length === 3);
      expect(reads()).toBe(1);
      expect(seen[2].events[0].properties).toEqual({ sessionID: "ses_1", info: big });
      // A node that does not carry them (a single server's setting): read back.
      await a.commit(scope, (tx) => tx.emit("session.updated", { sessionID: "ses_1", info: session("ses_1", 4) }));
      await waitFor(() => seen.length === 4);
      expect(reads()).toBe(2);
      // A commit of many events (a streamed step's deltas and its end, ~30 kB) goes out in several notifications, in
      // order, announced without a read; so do the small ones of a commit with one too large among them, which alone
      // is read back.
      const delta = (n: number) => ({
        sessionID: "ses_1",
        messageID: "msg_1",
        partID: "prt_1",
        field: "text" as const,
        delta: `${n} ${"y".repeat(300)}`,
      });
      const start = b.lastEventId;
      await carrier.commit(scope, (tx) => {
        for (let n = 0; n < 100; n++) tx.emit("message.part.delta", delta(n));
      });
      await waitFor(() => b.lastEventId === start + 100);
      expect(reads()).toBe(2);
      const deltas = seen.slice(4).flatMap(({ events }) => events);
      expect(deltas.map((event) => (event.properties as { delta: string }).delta.split(" ")[0])).toEqual(
        Array.from({ length: 100 }, (_, n) => String(n)),
      );
      expect(deltas.map((event) => event.id)).toEqual(Array.from({ length: 100 }, (_, n) => b.lastEventId - 99 + n));
      const before = b.lastEventId;
      await carrier.commit(scope, (tx) => {
        tx.emit("message.part.delta", delta(1000));
        tx.emit("session.updated", { sessionID: "ses_1", info: big });
        tx.emit("message.part.delta", delta(1001));
      });
      await waitFor(() => b.lastEventId === before + 3);
      expect(reads()).toBe(3);
      const mixed = seen.flatMap(({ events }) => events).filter((event) => (event.id ?? 0) > before);
      expect(mixed.map((event) => event.type)).toEqual(["message.part.delta", "session.updated", "message.part.delta"]);
      expect(mixed[1].properties).toEqual({ sessionID: "ses_1", info: big });
    } finally {
      await carrier.close();
    }
  });

  it("a deferred commit shares the next commit's transaction, in its place; alone, it goes out soon; reads pass it", async () => {
    const seen: string[] = [];
    a.onCommit((_, events) => seen.push(...events.map((event) => event.type)));
    const client = (a as unknown as { client: { query: (...args: unknown[]) => unknown } }).client;
    const query = client.query.bind(client);
    const sent: string[] = [];
    client.query = (...args: unknown[]) => {
      const text = typeof args[0] === "string" ? args[0] : (args[0] as { text: string }).text;
      sent.push(/^BEGIN/.test(text) ? "commit" : "read");
      return query(...args);
    };
    const busy = { sessionID: "ses_1", status: { type: "busy" as const } };
    const deferred = a.commit(scope, (tx) => tx.emit("session.status", busy), { defer: true });
    // A read called after it is answered first: the commit waits.
    expect(await a.getSession("ses_1")).toEqual(session("ses_1"));
    expect(seen).toEqual([]);
    await Promise.all([
      deferred,
      a.commit(scope, (tx) => tx.emit("session.updated", { sessionID: "ses_1", info: session("ses_1", 2) })),
    ]);
    expect(sent).toEqual(["read", "commit"]);
    expect(seen).toEqual(["session.status", "session.updated"]);
    // Alone: committed within the deferral, without another commit.
    const started = performance.now();
    await a.commit(scope, (tx) => tx.emit("session.status", busy), { defer: true });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(seen).toEqual(["session.status", "session.updated", "session.status"]);
  });

  it("follows by polling when no notification comes", async () => {
    const seen: string[] = [];
    b.onCommit((_, events) => seen.push(...events.map((event) => event.type)));
    await b.follow({ pollMs: 50 });
    // Stop listening, as if the notification was lost: the poll still brings it.
    await (
      b as unknown as { enqueue(op: (c: { query(q: string): Promise<unknown> }) => Promise<unknown>): Promise<unknown> }
    ).enqueue((client) => client.query("UNLISTEN moor_event"));
    await a.commit(scope, (tx) => tx.emit("session.updated", { sessionID: "ses_1", info: session("ses_1", 2) }));
    await waitFor(() => seen.length === 1);
    expect(seen).toEqual(["session.updated"]);
  });

  it("commits from two nodes at once all land, and a third node reads their events once each, in id order", async () => {
    const c = await PostgresStore.open(urlOfA);
    const seen: number[] = [];
    c.onCommit((_, events) => seen.push(...events.map((event) => event.id as number)));
    await c.follow({ pollMs: 50 });
    try {
      await Promise.all(
        Array.from({ length: 20 }, (_, n) =>
          (n % 2 === 0 ? a : b).commit(scope, (tx) => {
            tx.putMessage(user(`msg_${String(n).padStart(2, "0")}`));
            tx.emit("message.updated", { sessionID: "ses_1", info: user(`msg_${n}`) });
          }),
        ),
      );
      expect(await c.listMessages("ses_1")).toHaveLength(20);
      await waitFor(() => seen.length >= 20);
      expect(seen).toEqual(Array.from({ length: 20 }, (_, n) => n + 1));
    } finally {
      await c.close();
    }
  });

  it("an owner is alive while its node runs, and gone the moment its connection ends", async () => {
    await a.commit(scope, (tx) => {
      tx.putMessage(user("msg_1"));
      tx.putMessage(assistant("msg_2", "msg_1"), true);
    });
    const [running] = await b.listRunningMessages();
    expect(running.ownerToken).toBe(a.owners.token);
    expect(await b.isOwnerAlive(running.ownerToken as string)).toBe(true);
    expect(await a.isOwnerAlive(running.ownerToken as string)).toBe(true);
    // Ended without a goodbye (as a killed process's connection ends): the lock goes, the row stays until a sweep.
    await (a as unknown as { client: { end(): Promise<void> } }).client.end();
    await waitFor(async () => !(await b.isOwnerAlive(running.ownerToken as string)));
    await b.sweepOwners();
    expect(await b.isOwnerAlive(running.ownerToken as string)).toBe(false);
    expect(await b.isOwnerAlive("not-a-token")).toBe(false);
    (a as unknown as { closed: boolean }).closed = true;
  });

  it("keeps what B wrote when A's commit of the same ids is refused", async () => {
    await b.commit(scope, (tx) => {
      tx.putSession(session("ses_2"));
      tx.putMessage(user("msg_x", "ses_2"));
      tx.putPart(text("prt_x", "msg_x", "B's", "ses_2"));
    });
    await expect(a.commit(scope, (tx) => tx.putPart(text("prt_x", "msg_x", "A's")))).rejects.toThrow(
      /belongs elsewhere/,
    );
    expect((await a.getMessage("ses_2", "msg_x"))?.parts).toEqual([text("prt_x", "msg_x", "B's", "ses_2")]);
  });

  it("reads again only the messages whose rows changed since it last read them, whoever wrote them", async () => {
    await a.commit(scope, (tx) => {
      for (const n of [1, 2, 3]) {
        tx.putMessage(user(`msg_${n}`));
        tx.putPart(text(`prt_${n}`, `msg_${n}`, `one ${n}`));
      }
    });
    const first = await b.listMessages("ses_1");
    const parsed = countParsed();
    try {
      const again = await b.listMessages("ses_1");
      expect(parsed()).toBe(0);
      expect(again.map((message) => message.info.id)).toEqual(["msg_1", "msg_2", "msg_3"]);
      // Another node changes a part of msg_2, deletes msg_3's part and adds msg_4; B writes msg_1's info.
      await a.commit(scope, (tx) => {
        tx.putPart(text("prt_2", "msg_2", "two 2"));
        tx.deletePart("prt_3");
        tx.putMessage(user("msg_4"));
      });
      await b.commit(scope, (tx) => tx.putMessage({ ...user("msg_1"), agent: "plan" } as ReturnType<typeof user>));
      const after = await b.listMessages("ses_1");
      // msg_1, msg_2, msg_3 and msg_4: four messages parsed, each with its parts; none of the unchanged.
      expect(parsed()).toBe(4 * 2);
      expect(after).toEqual(await freshRead("ses_1"));
      expect(after.map((message) => message.parts.map((part) => (part as { text: string }).text))).toEqual([
        ["one 1"],
        ["two 2"],
        [],
        [],
      ]);
      // Nothing changed since: the same objects (shared, as the SQLite store's are), nothing parsed.
      const before = parsed();
      const unchanged = await b.listMessages("ses_1");
      expect(unchanged[1]).toBe(after[1]);
      expect(parsed()).toBe(before);
      // A message deleted by another node is gone from the next read.
      await a.commit(scope, (tx) => tx.deleteMessage("msg_3"));
      expect((await b.listMessages("ses_1")).map((message) => message.info.id)).toEqual(["msg_1", "msg_2", "msg_4"]);
      expect(first[0]).not.toBe(after[0]);
    } finally {
      parsed.restore();
    }
  });

  it("a follower hands out a session as last announced; an inbox item based on it is queued only if the row is still that", async () => {
    await b.follow({ pollMs: 60_000 });
    await b.syncEvents();
    const renamed = session("ses_1", 2, { title: "renamed" });
    await a.commit(scope, (tx) => {
      tx.putSession(renamed);
      tx.emit("session.updated", { sessionID: "ses_1", info: renamed });
    });
    await waitFor(() => b.announcedSession("ses_1") !== undefined);
    const queries = countQueries(b);
    const copy = b.announcedSession("ses_1") as Session;
    expect(queries()).toBe(0);
    expect(copy).toEqual(renamed);
    expect(b.announcedSession("ses_2")).toBeUndefined();
    const turn = (id: string) => ({ kind: "turn" as const, userID: id });
    const send = (based: Session, id: string) =>
      b.commit(scope, (tx) => tx.putMessage(user(id)), {
        inbox: { sessionID: "ses_1", command: turn(id), queued: () => {}, basedOn: based },
      });
    await send(copy, "msg_1");
    expect(await b.getMessage("ses_1", "msg_1")).toBeDefined();
    // Changed by a commit B has not announced (here: one with no event): refused, nothing written.
    await a.commit(scope, (tx) => tx.putSession(session("ses_1", 3, { title: "again" })));
    const behind = b.announcedSession("ses_1") as Session;
    await expect(send(behind, "msg_2")).rejects.toBeInstanceOf(StaleRowError);
    // Nor its item: they are one transaction.
    expect(await b.getMessage("ses_1", "msg_2")).toBeUndefined();
    // Not offered again until the row is announced anew.
    expect(b.announcedSession("ses_1")).toBeUndefined();
    // A session read (not announced) is not checked.
    await send((await b.getSession("ses_1")) as Session, "msg_3");
    expect(await b.getMessage("ses_1", "msg_3")).toBeDefined();
  });

  it("edits a session row from the copy it last read without reading it again, refused if another node changed it", async () => {
    await a.commit(scope, (tx) => tx.putSession(session("ses_e", 1)));
    const read = (await b.getSession("ses_e")) as Session;
    const queries = countQueries(b);
    const forEdit = (await b.getSessionForEdit("ses_e")) as Session;
    expect(queries()).toBe(0);
    expect(forEdit).toEqual(read);
    // Its own copy: changing it changes nothing kept.
    forEdit.title = "changed in place";
    expect((await b.getSessionForEdit("ses_e"))?.title).toBe("ses_e");
    // Another node renames it: B's write from its older copy is refused, and writes nothing.
    await a.commit(scope, (tx) => tx.putSession(session("ses_e", 2, { title: "renamed" })));
    const stale = (await b.getSessionForEdit("ses_e")) as Session;
    await expect(
      b.commit(scope, (tx) => tx.putSession({ ...stale, time: { ...stale.time, updated: 3 } }, stale)),
    ).rejects.toBeInstanceOf(StaleRowError);
    expect(await a.getSession("ses_e")).toEqual(session("ses_e", 2, { title: "renamed" }));
    // From a fresh read it is written; having written the row, B reads it again for the next edit.
    const fresh = (await b.getSession("ses_e")) as Session;
    await b.commit(scope, (tx) => tx.putSession({ ...fresh, time: { ...fresh.time, updated: 4 } }, fresh));
    expect(await a.getSession("ses_e")).toEqual(session("ses_e", 4, { title: "renamed" }));
    const again = countQueries(b);
    expect(await b.getSessionForEdit("ses_e")).toEqual(session("ses_e", 4, { title: "renamed" }));
    expect(again()).toBe(1);
    // A write based on a row that is gone is refused too.
    const gone = (await b.getSessionForEdit("ses_e")) as Session;
    await a.commit(scope, (tx) => tx.deleteSession("ses_e"));
    await expect(b.commit(scope, (tx) => tx.putSession(gone, gone))).rejects.toBeInstanceOf(StaleRowError);
    expect(await a.getSession("ses_e")).toBeUndefined();
  });

  it("a notification is claimed by one node only, per event and target; old claims are swept", async () => {
    expect(await a.claimNotification(7, "http://hook")).toBe(true);
    expect(await b.claimNotification(7, "http://hook")).toBe(false);
    expect(await a.claimNotification(7, "http://hook")).toBe(false);
    expect(await b.claimNotification(7, "http://other")).toBe(true);
    expect(await b.claimNotification(8, "http://hook")).toBe(true);
    // Claims younger than what is kept stay (claimed again: refused); with nothing kept, all go.
    expect(await a.sweepNotifyClaims(60_000)).toBe(0);
    expect(await a.claimNotification(8, "http://hook")).toBe(false);
    expect(await a.sweepNotifyClaims(0)).toBe(3);
    expect(await a.claimNotification(8, "http://hook")).toBe(true);
  });

  /** The session's messages as a node with no cache reads them. */
  async function freshRead(sessionID: string) {
    const c = await PostgresStore.open(urlOfA);
    try {
      return await c.listMessages(sessionID);
    } finally {
      await c.close();
    }
  }
});

/** Counts JSON.parse calls from now on (a message's info and its parts are one each); restore() puts it back. */
function countParsed(): (() => number) & { restore(): void } {
  const parse = JSON.parse;
  let calls = 0;
  JSON.parse = ((...args: Parameters<typeof JSON.parse>) => {
    calls++;
    return parse(...args);
  }) as typeof JSON.parse;
  return Object.assign(() => calls, { restore: () => (JSON.parse = parse) });
}

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Counts the event-log reads a store sends from now on (catch-ups: what a notification or a poll costs). */
function countEventReads(store: PostgresStore): () => number {
  const client = (store as unknown as { client: { query: (...args: unknown[]) => unknown } }).client;
  const query = client.query.bind(client);
  let reads = 0;
  client.query = (...args: unknown[]) => {
    if (typeof args[0] === "string" && /FROM event\s/.test(args[0])) reads++;
    return query(...args);
  };
  return () => reads;
}
