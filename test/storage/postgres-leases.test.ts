// Session leases with fencing on a real PostgreSQL (cluster mode, issue 20 §2): two workers (two stores, two
// connections, as two processes would have) contend for a session; the winner renews; once it stops renewing, the
// other takes over with epoch + 1; a commit fenced with the old epoch is refused and writes nothing.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { keepLease } from "../../src/storage/lease-keeper.js";
import type { CommittedEvent, LeaseFence } from "../../src/storage/port.js";
import { FencedError } from "../../src/storage/port.js";
import { fencedStore } from "../../src/storage/postgres-fenced-store.js";
import { checkFence } from "../../src/storage/postgres-leases.js";
import { PostgresStore } from "../../src/storage/postgres-store.js";
import { type PostgresServer, startPostgres } from "../fakes/postgres-server.js";
import { session, user } from "./contract.js";

let server: PostgresServer;
let schemas = 0;

beforeAll(async () => {
  server = await startPostgres();
}, 30_000);
afterAll(() => server?.stop());

const DIRECTORY = session("ses_1").directory;
const scope = { directory: DIRECTORY, sessionID: "ses_1" };
/** Short, so a lapse takes a fraction of a second; renewals in the tests come right after acquiring. */
const LEASE_MS = 300;

async function waitFor<T>(attempt: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await attempt();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe("postgres session leases", () => {
  let a: PostgresStore;
  let b: PostgresStore;
  /** A third node, as an API node would read: what was written, seen from outside the workers. */
  let observer: PostgresStore;
  let url: string;

  beforeEach(async () => {
    url = await server.createSchema(`leases_${++schemas}`);
    [a, b, observer] = await Promise.all([PostgresStore.open(url), PostgresStore.open(url), PostgresStore.open(url)]);
    await observer.commit(scope, (tx) => tx.putSession(session("ses_1")));
    await a.leases.register({ id: "wa", host: "host-a", pid: 1, directories: [DIRECTORY] });
    await b.leases.register({ id: "wb", host: "host-b", pid: 2, directories: [`${DIRECTORY}/`] });
  });
  afterEach(async () => {
    await Promise.all([a.close(), b.close(), observer.close()]);
  });

  it("of two workers racing for a session exactly one wins, at epoch 1, and the loser sees it held", async () => {
    const [byA, byB] = await Promise.all([
      a.leases.acquire("ses_1", "wa", LEASE_MS * 100),
      b.leases.acquire("ses_1", "wb", LEASE_MS * 100),
    ]);
    const winners = [byA, byB].filter((fence) => fence !== undefined);
    expect(winners).toHaveLength(1);
    expect(winners[0]?.epoch).toBe(1);
    const holder = winners[0]?.workerID;
    expect(await observer.leases.lease("ses_1")).toEqual({
      sessionID: "ses_1",
      workerID: holder,
      epoch: 1,
      live: true,
    });
    // The winner renews; the loser still cannot take it, nor renew a fence it never had.
    const winner = holder === "wa" ? a : b;
    const loser = holder === "wa" ? b : a;
    const loserID = holder === "wa" ? "wb" : "wa";
    expect(await winner.leases.renew(winners[0] as LeaseFence, LEASE_MS * 100)).toBe(true);
    expect(await loser.leases.acquire("ses_1", loserID, LEASE_MS)).toBeUndefined();
    expect(await loser.leases.renew({ sessionID: "ses_1", workerID: loserID, epoch: 1 }, LEASE_MS)).toBe(false);
  });

  it("after the holder stops renewing, the other takes over at epoch + 1; the old epoch can neither renew nor write", async () => {
    const first = (await a.leases.acquire("ses_1", "wa", LEASE_MS)) as LeaseFence;
    expect(first).toEqual({ sessionID: "ses_1", workerID: "wa", epoch: 1, takeover: false });
    expect(await a.leases.renew(first, LEASE_MS)).toBe(true);
    // A writes under its fence while it holds the lease.
    await a.commit(
      scope,
      (tx) => {
        tx.putMessage(user("msg_1"));
        tx.emit("message.updated", { sessionID: "ses_1", info: user("msg_1") });
      },
      { fence: first },
    );
    // A stops renewing (paused); B polls until the lease lapses and takes it.
    const second = await waitFor(() => b.leases.acquire("ses_1", "wb", LEASE_MS * 100));
    // It follows an owner that lost the lease: the new owner must look for a cut-off turn.
    expect(second).toEqual({ sessionID: "ses_1", workerID: "wb", epoch: 2, takeover: true });
    expect(await observer.leases.lapsed("wb")).toEqual([]);

    // A wakes up: its renewal fails and its fenced commit is refused, writing no row and no event.
    expect(await a.leases.renew(first, LEASE_MS)).toBe(false);
    const seen: CommittedEvent[] = [];
    observer.onCommit((_, events) => seen.push(...events));
    await observer.follow({ pollMs: 50 });
    const refused = a.commit(
      scope,
      (tx) => {
        tx.putMessage(user("msg_2"));
        tx.emit("message.updated", { sessionID: "ses_1", info: user("msg_2") });
      },
      { fence: first },
    );
    await expect(refused).rejects.toBeInstanceOf(FencedError);
    await expect(refused).rejects.toMatchObject({ code: "fenced", fence: first });
    // B's commit under the new epoch goes through and is the only thing the observer sees.
    await b.commit(
      scope,
      (tx) => {
        tx.putMessage(user("msg_3"));
        tx.emit("message.updated", { sessionID: "ses_1", info: user("msg_3") });
      },
      { fence: second },
    );
    // Everything announced on the log, in order: A's message before the takeover, B's after, nothing of msg_2.
    const announced = () => seen.map((event) => (event.properties as { info: { id: string } }).info.id);
    await waitFor(async () => (announced().includes("msg_3") ? true : undefined));
    expect(announced()).toEqual(["msg_1", "msg_3"]);
    expect((await observer.listMessages("ses_1")).map((message) => message.info.id)).toEqual(["msg_1", "msg_3"]);
    expect(await observer.messageOwner("msg_2")).toBeUndefined();
  });

  it("a takeover waits for a fenced transaction in flight (the fence check locks the lease row until it ends)", async () => {
    const first = (await a.leases.acquire("ses_1", "wa", LEASE_MS)) as LeaseFence;
    await waitFor(async () => ((await observer.leases.lease("ses_1"))?.live ? undefined : true));
    // The lease lapsed but nobody took it over: the holder's epoch is still the newest, so it may still write.
    await a.commit(scope, (tx) => tx.putMessage(user("msg_1")), { fence: first });
    // The old holder's transaction, stopped right after its fence check (as a SIGSTOP mid-commit would).
    const pg = (await import("pg")).default;
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    // The lock wait is watched from a connection of its own: PostgreSQL keeps a transaction's first view of
    // pg_stat_activity until the transaction ends, so the holder's own polls would never see the takeover arrive
    // when the first one ran before it (under load, the whole wait timed out that way).
    const watcher = new pg.Client({ connectionString: url });
    await watcher.connect();
    try {
      await holder.query("BEGIN");
      await checkFence(holder, first);
      const takeover = b.leases.acquire("ses_1", "wb", LEASE_MS * 100);
      // The takeover blocks on the row lock (seen in pg_stat_activity), instead of landing under the paused writer.
      await waitFor(async () => {
        const { rows } = await watcher.query(
          "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%INSERT INTO session_lease%'",
        );
        return rows.length > 0 ? true : undefined;
      }, 20_000);
      await holder.query("INSERT INTO message (id, session_id, role, data) VALUES ('msg_2', 'ses_1', 'user', $1)", [
        JSON.stringify(user("msg_2")),
      ]);
      await holder.query("COMMIT");
      expect(await takeover).toEqual({ sessionID: "ses_1", workerID: "wb", epoch: 2, takeover: true });
    } finally {
      await holder.end();
      await watcher.end();
    }
    // The write that started before the takeover landed whole; nothing of the old epoch lands after it.
    await expect(a.commit(scope, (tx) => tx.putMessage(user("msg_3")), { fence: first })).rejects.toBeInstanceOf(
      FencedError,
    );
    expect((await observer.listMessages("ses_1")).map((message) => message.info.id)).toEqual(["msg_1", "msg_2"]);
  });

  it("a release lets another worker take the session at once, with a new epoch (epochs never repeat)", async () => {
    const first = (await a.leases.acquire("ses_1", "wa", LEASE_MS * 100)) as LeaseFence;
    expect(await a.leases.release(first)).toBe(true);
    expect(await a.leases.release(first)).toBe(false);
    expect(await observer.leases.lapsed("wb")).toEqual([]);
    expect(await b.leases.acquire("ses_1", "wb", LEASE_MS * 100)).toMatchObject({ epoch: 2 });
    await expect(a.commit(scope, (tx) => tx.putMessage(user("msg_1")), { fence: first })).rejects.toBeInstanceOf(
      FencedError,
    );
  });

  it("only a worker registered for the session's directory gets its lease; live eligible workers are listed", async () => {
    await observer.commit({ directory: "/elsewhere" }, (tx) =>
      tx.putSession({ ...session("ses_2"), directory: "/elsewhere" }),
    );
    expect(await a.leases.acquire("ses_2", "wa", LEASE_MS)).toBeUndefined();
    expect(await a.leases.acquire("ses_missing", "wa", LEASE_MS)).toBeUndefined();
    expect(await a.leases.acquire("ses_1", "w_unregistered", LEASE_MS)).toBeUndefined();
    expect(await observer.leases.eligibleWorkers(`${DIRECTORY}/src`, 60_000)).toEqual(["wa", "wb"]);
    expect(await observer.leases.eligibleWorkers(`${DIRECTORY}-other`, 60_000)).toEqual([]);
    expect(await observer.leases.eligibleWorkers("/elsewhere", 60_000)).toEqual([]);
    // A clean stop releases the worker's leases and removes it.
    const fence = (await a.leases.acquire("ses_1", "wa", LEASE_MS * 100)) as LeaseFence;
    await a.leases.unregister("wa");
    expect(await a.leases.heartbeat("wa")).toBe(false);
    expect(await b.leases.heartbeat("wb")).toBe(true);
    // Released, not lost: nothing of A's can be cut off.
    expect(await b.leases.acquire("ses_1", "wb", LEASE_MS)).toEqual({
      ...fence,
      workerID: "wb",
      epoch: 2,
      takeover: false,
    });
  });

  it("a kept lease outlives its lease time; when it is taken over anyway, the keeper reports it lost once", async () => {
    const leaseMs = 600;
    const fence = (await a.leases.acquire("ses_1", "wa", leaseMs)) as LeaseFence;
    const lost: LeaseFence[] = [];
    const keeper = keepLease(a.leases, fence, leaseMs, (which) => lost.push(which));
    try {
      // Three lease times later the lease is still A's: the keeper renewed it.
      await new Promise((resolve) => setTimeout(resolve, leaseMs * 3));
      expect(await b.leases.acquire("ses_1", "wb", leaseMs)).toBeUndefined();
      expect(await observer.leases.lease("ses_1")).toMatchObject({ workerID: "wa", epoch: 1, live: true });
      // It is taken over anyway (an operator, or a clock gone wrong): the keeper's next renewal is refused. Done in
      // one statement: expiring it and letting B acquire it in two raced the keeper's renewal in between.
      const pg = (await import("pg")).default;
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      await admin
        .query("UPDATE session_lease SET worker_id = 'wb', epoch = epoch + 1, expires_at = now() + interval '1 hour'")
        .finally(() => admin.end());
      await waitFor(async () => (lost.length > 0 ? true : undefined));
      expect(lost).toEqual([fence]);
      expect(keeper.held).toBe(false);
    } finally {
      await keeper.release();
    }
    expect(await observer.leases.lease("ses_1")).toMatchObject({ workerID: "wb", epoch: 2, live: true });
  });

  it("a keeper's release gives the lease up at once", async () => {
    const fence = (await a.leases.acquire("ses_1", "wa", LEASE_MS * 100)) as LeaseFence;
    const keeper = keepLease(a.leases, fence, LEASE_MS * 100, () => {});
    await keeper.release();
    expect(await b.leases.acquire("ses_1", "wb", LEASE_MS)).toMatchObject({ epoch: 2 });
  });

  it("the fenced store view (what a worker gives the core) fences every commit and reads the store", async () => {
    const first = (await a.leases.acquire("ses_1", "wa", LEASE_MS)) as LeaseFence;
    const view = fencedStore(a, first);
    await view.commit(scope, (tx) => tx.putMessage(user("msg_1")));
    expect((await view.listMessages("ses_1")).map((message) => message.info.id)).toEqual(["msg_1"]);
    await waitFor(() => b.leases.acquire("ses_1", "wb", LEASE_MS * 100));
    await expect(view.commit(scope, (tx) => tx.putMessage(user("msg_2")))).rejects.toBeInstanceOf(FencedError);
    // A commit for another session through the view is fenced by the same lease.
    await expect(
      view.commit({ directory: DIRECTORY, sessionID: "ses_child" }, (tx) => tx.putSession(session("ses_child"))),
    ).rejects.toBeInstanceOf(FencedError);
    await view.close();
    expect(await a.getSession("ses_child")).toBeUndefined();
    expect((await observer.listMessages("ses_1")).map((message) => message.info.id)).toEqual(["msg_1"]);
  });
});
