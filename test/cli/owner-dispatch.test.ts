// An API node's check that a live worker serves a session's directory (cluster/owner-dispatch.ts): one read per
// prompt would be a round trip on every turn, so a yes is reused for a fraction of a lease; a no never is.
import { describe, expect, it } from "vitest";
import { ownerDispatch } from "../../src/cli/cluster/owner-dispatch.js";
import type { Session } from "../../src/protocol/index.js";
import type { PostgresStore } from "../../src/storage/postgres-store.js";

function fakeStore(workers: () => string[]) {
  const asked: string[] = [];
  const store = {
    leases: {
      eligibleWorkers: async (directory: string) => {
        asked.push(directory);
        return workers();
      },
    },
  } as unknown as PostgresStore;
  return { store, asked };
}

const session = (directory: string) => ({ id: "ses_1", directory }) as Session;

describe("an API node's check for a live worker", () => {
  it("reuses a yes for a third of the lease (at most a second), per directory, and asks again after", async () => {
    let clock = 1000;
    const { store, asked } = fakeStore(() => ["w1"]);
    const dispatch = ownerDispatch(store, 3000, () => clock);
    await dispatch.ready(session("/a"));
    await dispatch.ready(session("/a"));
    clock += 999;
    await dispatch.ready(session("/a"));
    expect(asked).toEqual(["/a"]);
    await dispatch.ready(session("/b"));
    expect(asked).toEqual(["/a", "/b"]);
    clock += 1;
    await dispatch.ready(session("/a"));
    expect(asked).toEqual(["/a", "/b", "/a"]);
  });

  it("never reuses a no: a worker that starts is counted at once, one that is gone is not counted past the reuse", async () => {
    let clock = 0;
    let live: string[] = [];
    const { store, asked } = fakeStore(() => live);
    const dispatch = ownerDispatch(store, 3000, () => clock);
    await expect(dispatch.ready(session("/a"))).rejects.toMatchObject({ code: "no_worker" });
    live = ["w1"];
    await dispatch.ready(session("/a"));
    live = [];
    clock += 1000;
    await expect(dispatch.ready(session("/a"))).rejects.toMatchObject({ code: "no_worker" });
    expect(asked).toHaveLength(3);
  });
});
