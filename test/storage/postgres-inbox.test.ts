// The session inbox on a real PostgreSQL (cluster mode, issue 20 §2): an API node sends prompts, aborts and
// permission answers for a session; the worker holding its lease is woken by NOTIFY and takes each item once, in
// order; a worker that lost the lease takes nothing, and what was left goes to the next holder.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Session } from "../../src/protocol/index.js";
import { FencedError, type LeaseFence, StaleRowError } from "../../src/storage/port.js";
import type { InboxCommand } from "../../src/storage/postgres-inbox.js";
import { PostgresStore } from "../../src/storage/postgres-store.js";
import { type PostgresServer, startPostgres } from "../fakes/postgres-server.js";
import { session, text, user } from "./contract.js";
import { countQueries } from "./count-queries.js";

let server: PostgresServer;
let schemas = 0;

beforeAll(async () => {
  server = await startPostgres();
}, 30_000);
afterAll(() => server?.stop());

const DIRECTORY = session("ses_1").directory;

async function waitFor<T>(attempt: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await attempt();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const prompt = (text: string): InboxCommand => ({ kind: "prompt", prompt: { parts: [{ type: "text", text }] } });

describe("postgres session inbox", () => {
  let api: PostgresStore;
  let a: PostgresStore;
  let b: PostgresStore;
  let url: string;

  beforeEach(async () => {
    url = await server.createSchema(`inbox_${++schemas}`);
    [api, a, b] = await Promise.all([PostgresStore.open(url), PostgresStore.open(url), PostgresStore.open(url)]);
    await api.commit({ directory: DIRECTORY }, (tx) => {
      tx.putSession(session("ses_1"));
      tx.putSession(session("ses_2"));
    });
    await a.leases.register({ id: "wa", host: "a", pid: 1, directories: [DIRECTORY] });
    await b.leases.register({ id: "wb", host: "b", pid: 2, directories: [DIRECTORY] });
  });
  afterEach(async () => {
    await Promise.all([api.close(), a.close(), b.close()]);
  });

  it("wakes the owner by NOTIFY and delivers each item once, in order, with its typed command", async () => {
    const fence = (await a.leases.acquire("ses_1", "wa", 60_000)) as LeaseFence;
    const woken: string[] = [];
    const stop = await a.inbox.watch("wa", (sessionID) => woken.push(sessionID));
    // The other worker is woken only for the session nobody holds (notifications come in commit order: once it has
    // ses_2's, it would have had ses_1's before).
    const others: string[] = [];
    const stopOthers = await b.inbox.watch("wb", (sessionID) => others.push(sessionID));
    const sent: InboxCommand[] = [
      prompt("first"),
      { kind: "permission", requestID: "per_1", reply: "once" },
      { kind: "abort" },
      prompt("second"),
    ];
    for (const command of sent) await api.inbox.send("ses_1", command);
    await api.inbox.send("ses_2", prompt("for another session"));
    await waitFor(async () => (woken.length >= 5 && others.length >= 1 ? true : undefined));
    expect(woken).toEqual(["ses_1", "ses_1", "ses_1", "ses_1", "ses_2"]);
    expect(others).toEqual(["ses_2"]);
    stopOthers();
    expect(await a.inbox.pendingFor("wa")).toEqual(["ses_1"]);

    const taken = await a.inbox.take(fence, 3);
    expect(taken.map((item) => item.command)).toEqual(sent.slice(0, 3));
    expect(taken.every((item) => item.sessionID === "ses_1")).toBe(true);
    const rest = await a.inbox.take(fence);
    expect(rest.map((item) => item.command)).toEqual(sent.slice(3));
    expect([...taken, ...rest].map((item) => item.id)).toEqual(
      [...taken, ...rest].map((item) => item.id).sort((x, y) => x - y),
    );
    // Taken once: nothing is left, and the other session's item is not this session's.
    expect(await a.inbox.take(fence)).toEqual([]);
    expect(await a.inbox.pendingFor("wa")).toEqual([]);
    stop();
  });

  it("wakes every worker for a session whose lease was released, and only the new owner once it is taken", async () => {
    const fence = (await a.leases.acquire("ses_1", "wa", 60_000)) as LeaseFence;
    const woken = { wa: [] as string[], wb: [] as string[] };
    const stops = [
      await a.inbox.watch("wa", (sessionID) => woken.wa.push(sessionID)),
      await b.inbox.watch("wb", (sessionID) => woken.wb.push(sessionID)),
    ];
    await a.leases.release(fence);
    await api.inbox.send("ses_1", prompt("to whoever takes it"));
    await waitFor(async () => (woken.wa.length === 1 && woken.wb.length === 1 ? true : undefined));
    await b.leases.acquire("ses_1", "wb", 60_000);
    await api.inbox.send("ses_1", prompt("to b"));
    await api.inbox.send("ses_2", prompt("to both"));
    await waitFor(async () => (woken.wa.length === 2 && woken.wb.length === 3 ? true : undefined));
    expect(woken).toEqual({ wa: ["ses_1", "ses_2"], wb: ["ses_1", "ses_1", "ses_2"] });
    for (const stop of stops) stop();
  });

  it("two takes racing under the same fence split the items: none is delivered twice", async () => {
    const fence = (await a.leases.acquire("ses_1", "wa", 60_000)) as LeaseFence;
    // A second connection of the same worker (as a second process of it would have).
    const sameWorker = b;
    for (let n = 0; n < 20; n++) await api.inbox.send("ses_1", prompt(`p${n}`));
    const [one, two] = await Promise.all([a.inbox.take(fence, 20), sameWorker.inbox.take(fence, 20)]);
    const texts = [...one, ...two].map(
      (item) => (item.command as { prompt: { parts: { text: string }[] } }).prompt.parts[0].text,
    );
    expect(texts.sort()).toEqual(Array.from({ length: 20 }, (_, n) => `p${n}`).sort());
  });

  it("a worker that lost the lease takes nothing; the new holder gets what was left", async () => {
    const first = (await a.leases.acquire("ses_1", "wa", 200)) as LeaseFence;
    await api.inbox.send("ses_1", prompt("taken by a"));
    expect((await a.inbox.take(first)).map((item) => item.command)).toEqual([prompt("taken by a")]);
    await api.inbox.send("ses_1", { kind: "abort" });
    const second = await waitFor(() => b.leases.acquire("ses_1", "wb", 60_000));
    expect(second.epoch).toBe(2);
    await expect(a.inbox.take(first)).rejects.toBeInstanceOf(FencedError);
    expect(await a.inbox.pendingFor("wa")).toEqual([]);
    expect(await b.inbox.pendingFor("wb")).toEqual(["ses_1"]);
    expect((await b.inbox.take(second)).map((item) => item.command)).toEqual([{ kind: "abort" }]);
  });

  it("takes the items with the session's row and its pending questions, in one transaction", async () => {
    const fence = (await a.leases.acquire("ses_1", "wa", 60_000)) as LeaseFence;
    const question = (id: string, sessionID: string) => ({
      id,
      sessionID,
      permission: "bash",
      patterns: [],
      always: [],
    });
    await api.commit({ directory: DIRECTORY, sessionID: "ses_1" }, (tx) => {
      tx.insertPermission(question("per_1", "ses_1") as never);
      tx.insertPermission(question("per_2", "ses_2") as never);
      tx.insertPermission(question("per_3", "ses_1") as never);
      tx.setPermissionStatus("per_3", "once");
    });
    await api.inbox.send("ses_1", prompt("one"));
    const queries = countQueries(a);
    const taken = await a.inbox.takeWithSession(fence);
    expect(queries()).toBe(1);
    expect(taken.items.map((item) => item.command)).toEqual([prompt("one")]);
    expect(taken.session).toEqual(session("ses_1"));
    expect(taken.pending.map((request) => request.id)).toEqual(["per_1"]);
    await expect(b.inbox.takeWithSession({ ...fence, workerID: "wb" })).rejects.toBeInstanceOf(FencedError);
  });

  it("a commit given an inbox item queues it in its own transaction, or not at all when the commit is refused", async () => {
    const fence = (await a.leases.acquire("ses_1", "wa", 60_000)) as LeaseFence;
    const woken: string[] = [];
    const stop = await a.inbox.watch("wa", (sessionID) => woken.push(sessionID));
    const queries = countQueries(api);
    let itemID = 0;
    const turn = { kind: "turn" as const, userID: "msg_1" };
    await api.commit({ directory: DIRECTORY, sessionID: "ses_1" }, (tx) => tx.putMessage(user("msg_1")), {
      inbox: { sessionID: "ses_1", command: turn, queued: (id) => (itemID = id) },
    });
    expect(queries()).toBe(1);
    expect(itemID).toBeGreaterThan(0);
    await waitFor(async () => (woken.length === 1 ? true : undefined));
    expect(await a.inbox.take(fence)).toEqual([{ id: itemID, sessionID: "ses_1", command: turn }]);
    // msg_1 is ses_1's: written into ses_2 it is refused, and its item with it.
    await expect(
      api.commit({ directory: DIRECTORY, sessionID: "ses_2" }, (tx) => tx.putMessage(user("msg_1", "ses_2")), {
        inbox: { sessionID: "ses_2", command: { kind: "abort" }, queued: () => {} },
      }),
    ).rejects.toThrow(/belongs to another session/);
    expect(await a.inbox.pendingUnowned("wa")).toEqual([]);
    stop();
  });

  it("answers a finished item from its notification, with the owner's last event id, without reading the row", async () => {
    const fence = (await a.leases.acquire("ses_1", "wa", 60_000)) as LeaseFence;
    const first = await api.inbox.send("ses_1", prompt("first"));
    // The first wait starts listening (and looks once for a result that came before).
    const firstAnswer = api.inbox.finished(first);
    await a.inbox.take(fence);
    await a.inbox.finish(first, { ok: true, value: "one" }, fence);
    expect((await firstAnswer).result).toEqual({ ok: true, value: "one" });

    const second = await api.inbox.send("ses_1", prompt("second"));
    const answer = api.inbox.finished(second);
    await a.inbox.take(fence);
    await a.commit({ directory: DIRECTORY, sessionID: "ses_1" }, (tx) =>
      tx.emit("session.updated", { sessionID: "ses_1", info: session("ses_1", 2) }),
    );
    await a.inbox.finish(second, { ok: true, value: "two" }, fence);
    // Only the notification knows the owner's last event id: a result read from the row comes without one.
    expect(await answer).toEqual({ result: { ok: true, value: "two" }, eventsUpTo: a.lastEventId });
    expect(a.lastEventId).toBeGreaterThan(0);
  });

  it("a sweep deletes the items finished longer ago than it keeps, and nothing not taken or not finished", async () => {
    const fence = (await a.leases.acquire("ses_1", "wa", 60_000)) as LeaseFence;
    const old = await api.inbox.send("ses_1", prompt("old"));
    const recent = await api.inbox.send("ses_1", prompt("recent"));
    const unfinished = await api.inbox.send("ses_1", prompt("running"));
    await a.inbox.take(fence);
    await a.inbox.finish(old, { ok: true, value: "old" }, fence);
    await a.inbox.finish(recent, { ok: true, value: "recent" }, fence);
    const untaken = await api.inbox.send("ses_1", prompt("waiting"));
    const pg = (await import("pg")).default;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      // Finished two hours ago: swept with an hour's keep.
      await client.query("UPDATE session_inbox SET time_done = now() - interval '2 hours' WHERE id = $1", [old]);
      expect(await a.inbox.sweep(60 * 60_000)).toBe(1);
      const { rows } = await client.query<{ id: string }>("SELECT id FROM session_inbox ORDER BY id");
      expect(rows.map((row) => Number(row.id))).toEqual([recent, unfinished, untaken]);
    } finally {
      await client.end();
    }
    expect(await a.inbox.sweep(60 * 60_000)).toBe(0);
  });

  it("a result finished with its session's next commit shares its transaction and names its last event id", async () => {
    const fence = (await a.leases.acquire("ses_1", "wa", 60_000)) as LeaseFence;
    const item = await api.inbox.send("ses_1", prompt("turn"));
    const answer = api.inbox.finished(item);
    await a.inbox.take(fence);
    const queries = countQueries(a);
    // The end of a worker's turn: the result first (its caller settles as the touch is called), then the touch.
    // A result with `$1` in it: not taken for a placeholder.
    const recorded = a.finishWithCommit(item, { ok: true, value: "done $1" }, fence);
    // Another session's commit does not take it along: it waits for one of its own session's.
    await a.commit({ directory: DIRECTORY, sessionID: "ses_2" }, (tx) =>
      tx.emit("session.updated", { sessionID: "ses_2", info: session("ses_2", 2) }),
    );
    await a.commit({ directory: DIRECTORY, sessionID: "ses_1" }, (tx) => {
      tx.putSession(session("ses_1", 3));
      tx.emit("session.updated", { sessionID: "ses_1", info: session("ses_1", 3) });
    });
    expect(await recorded).toBe(true);
    expect(queries()).toBe(2);
    // The waiting node answers only once it has the commit's events: the result names their last id.
    expect(await answer).toEqual({ result: { ok: true, value: "done $1" }, eventsUpTo: a.lastEventId });
    // Recorded once: finishing it again records nothing.
    expect(await a.finishWithCommit(item, { ok: true, value: "again" }, fence)).toBe(false);
    expect(await api.inbox.result(item)).toEqual({ ok: true, value: "done $1" });
  });

  it("a result riding with its session's commits is not recorded when one of them fails", async () => {
    const fence = (await a.leases.acquire("ses_1", "wa", 60_000)) as LeaseFence;
    const item = await api.inbox.send("ses_1", prompt("turn"));
    await a.inbox.take(fence);
    await api.commit({ directory: DIRECTORY, sessionID: "ses_2" }, (tx) => tx.putMessage(user("msg_x", "ses_2")));
    // The turn's last write (refused: the message is another session's) and its result, queued in the same tick:
    // one transaction, which fails; each is then tried alone, and the result is not written without the write.
    const lastWrite = a.commit({ directory: DIRECTORY, sessionID: "ses_1" }, (tx) => {
      tx.putMessage(user("msg_x", "ses_1"));
      tx.emit("message.updated", { sessionID: "ses_1", info: user("msg_x", "ses_1") });
    });
    const recorded = a.finishWithCommit(item, { ok: true, value: "went well" }, fence);
    await expect(lastWrite).rejects.toThrow(/belongs to another session/);
    await expect(recorded).rejects.toThrow(/belongs to another session/);
    // Not recorded: finishing it now records it (once only, by finish's rules).
    expect(await a.inbox.finish(item, { ok: false, code: "conflict", message: "its write failed" }, fence)).toBe(true);
    // A commit of another session in the same group does not hold the result back.
    const other = await api.inbox.send("ses_1", prompt("turn 2"));
    await a.inbox.take(fence);
    await api.commit({ directory: DIRECTORY, sessionID: "ses_1" }, (tx) => tx.putMessage(user("msg_y", "ses_1")));
    const refused = a.commit({ directory: DIRECTORY, sessionID: "ses_2" }, (tx) =>
      tx.putMessage(user("msg_y", "ses_2")),
    );
    const own = a.commit({ directory: DIRECTORY, sessionID: "ses_1" }, (tx) =>
      tx.emit("session.updated", { sessionID: "ses_1", info: session("ses_1", 4) }),
    );
    const kept = a.finishWithCommit(other, { ok: true, value: "kept" }, fence);
    await Promise.allSettled([refused, own]);
    expect(await kept).toBe(true);
    // A commit of the session that fails while the result waits for the next one fails it too.
    const fourth = await api.inbox.send("ses_1", prompt("turn 4"));
    await a.inbox.take(fence);
    const failing = a.commit({ directory: DIRECTORY, sessionID: "ses_1" }, (tx) => {
      tx.putMessage(user("msg_x", "ses_1"));
      tx.emit("message.updated", { sessionID: "ses_1", info: user("msg_x", "ses_1") });
    });
    // The commit's transaction is on its way (sent in a microtask after the call); the result comes after it.
    await new Promise((resolve) => setImmediate(resolve));
    const waiting = a.finishWithCommit(fourth, { ok: true, value: "went well" }, fence);
    await expect(failing).rejects.toThrow(/belongs to another session/);
    await expect(waiting).rejects.toThrow(/belongs to another session/);
    expect(await a.inbox.finish(fourth, { ok: false, code: "conflict", message: "its write failed" }, fence)).toBe(
      true,
    );
    // An edit refused as stale (its caller redoes it on a fresh read): the result waits for the redo, and rides with it.
    const third = await api.inbox.send("ses_1", prompt("turn 3"));
    const answer = api.inbox.finished(third);
    await a.inbox.take(fence);
    const copy = (await a.getSession("ses_1")) as Session;
    await api.commit({ directory: DIRECTORY, sessionID: "ses_1" }, (tx) => tx.putSession(session("ses_1", 5)));
    const touch = (from: Session, updated: number) =>
      a.commit({ directory: DIRECTORY, sessionID: "ses_1" }, (tx) => {
        const touched = { ...from, time: { ...from.time, updated } };
        tx.putSession(touched, from);
        tx.emit("session.updated", { sessionID: "ses_1", info: touched });
      });
    const stale = touch(copy, 6);
    const riding = a.finishWithCommit(third, { ok: true, value: "after the redo" }, fence);
    await expect(stale).rejects.toBeInstanceOf(StaleRowError);
    const queries = countQueries(a);
    await touch((await a.getSession("ses_1")) as Session, 7);
    expect(await riding).toBe(true);
    // The read and one transaction: the redone touch and the result, which names the touch's event.
    expect(queries()).toBe(2);
    expect(await answer).toEqual({ result: { ok: true, value: "after the redo" }, eventsUpTo: a.lastEventId });
  });

  it("a result finished with the next commit goes alone when none comes within a second, and not once the session was taken over", async () => {
    const fence = (await a.leases.acquire("ses_1", "wa", 60_000)) as LeaseFence;
    const item = await api.inbox.send("ses_1", prompt("turn"));
    await a.inbox.take(fence);
    expect(await a.finishWithCommit(item, { ok: true, value: "alone" }, fence)).toBe(true);
    expect(await api.inbox.result(item)).toEqual({ ok: true, value: "alone" });
    const other = await api.inbox.send("ses_1", prompt("other"));
    await a.inbox.take(fence);
    await a.leases.release(fence);
    expect(await b.leases.acquire("ses_1", "wb", 60_000)).toBeTruthy();
    expect(await a.finishWithCommit(other, { ok: true, value: "late" }, fence)).toBe(false);
  });

  it("a take reads the history for the turn it starts: the next read needs no round trip, unless this node wrote", async () => {
    const fence = (await a.leases.acquire("ses_1", "wa", 60_000)) as LeaseFence;
    const scope = { directory: DIRECTORY, sessionID: "ses_1" };
    await api.commit(scope, (tx) => {
      tx.putMessage(user("msg_1"));
      tx.putPart(text("prt_1", "msg_1", "hello"));
    });
    await api.inbox.send("ses_1", prompt("turn"));
    const taken = await a.inbox.takeWithSession(fence);
    expect(taken.items).toHaveLength(1);
    const queries = countQueries(a);
    const history = await a.listMessages("ses_1");
    // The session row as taken is the one its end-of-turn edit starts from, also without a read.
    expect(await a.getSessionForEdit("ses_1")).toEqual(taken.session);
    expect(queries()).toBe(0);
    expect(history).toEqual(await api.listMessages("ses_1"));
    // Once: the next read asks the database.
    await api.commit(scope, (tx) => tx.putMessage(user("msg_2")));
    expect((await a.listMessages("ses_1")).map((message) => message.info.id)).toEqual(["msg_1", "msg_2"]);
    expect(queries()).toBe(1);
    // A write of this node after the take: the turn must read what it wrote.
    await a.inbox.takeWithSession(fence);
    await a.commit(scope, (tx) => tx.putMessage(user("msg_3")));
    const afterWrite = countQueries(a);
    expect((await a.listMessages("ses_1")).map((message) => message.info.id)).toEqual(["msg_1", "msg_2", "msg_3"]);
    expect(afterWrite()).toBe(1);
  });

  it("reads a result too large for a notification from its row", async () => {
    const fence = (await a.leases.acquire("ses_1", "wa", 60_000)) as LeaseFence;
    const item = await api.inbox.send("ses_1", prompt("large"));
    const answer = api.inbox.result(item);
    await a.inbox.take(fence);
    const large = { ok: true as const, value: "x".repeat(20_000) };
    await a.inbox.finish(item, large, fence);
    expect(await answer).toEqual(large);
  });
});
