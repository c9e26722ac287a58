// The SQLite store: the store contract, and what only an embedded store on a shared file does.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PAGE_CACHE_KIB, SqliteStore } from "../../src/storage/sqlite-store.js";
import { session, storeContract, text, user } from "./contract.js";

storeContract("sqlite", async () => {
  const dir = mkdtempSync(join(tmpdir(), "moor-contract-"));
  const store = new SqliteStore(join(dir, "moor.db"));
  return {
    store,
    dispose: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe("sqlite store on a shared file", () => {
  let dir: string;
  let file: string;
  let store: SqliteStore;
  const scope = { directory: "/tmp/project", sessionID: "ses_1" };
  const outline = async (from: SqliteStore) =>
    (await from.listMessages("ses_1")).map(
      ({ info, parts }) =>
        `${info.id}:${parts.map((part) => (part.type === "text" ? part.text : part.type)).join(",")}`,
    );

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "moor-store-"));
    file = join(dir, "moor.db");
    store = new SqliteStore(file);
    await store.commit(scope, (tx) => tx.putSession(session("ses_1")));
  });
  afterEach(() => {
    store.closeNow();
    rmSync(dir, { recursive: true, force: true });
  });

  it("sees what another process wrote to the same database, though its history was cached", async () => {
    await store.commit(scope, (tx) => tx.putMessage(user("msg_a")));
    expect(await outline(store)).toEqual(["msg_a:"]);
    const other = new SqliteStore(file);
    try {
      await other.commit(scope, (tx) => {
        tx.putPart(text("prt_1", "msg_a", "from elsewhere"));
        tx.putMessage(user("msg_b"));
      });
    } finally {
      other.closeNow();
    }
    expect(await outline(store)).toEqual(["msg_a:from elsewhere", "msg_b:"]);
  });

  it("announces another process's commits to nobody here (their events are that process's)", async () => {
    let announced = 0;
    store.onCommit(() => announced++);
    const other = new SqliteStore(file);
    try {
      await other.commit(scope, (tx) => tx.putMessage(user("msg_a")));
    } finally {
      other.closeNow();
    }
    expect(announced).toBe(0);
    expect(await outline(store)).toEqual(["msg_a:"]);
  });
});

describe("sqlite store page cache", () => {
  it("bounds its connection's page cache (better-sqlite3's default is 16 MB per connection)", () => {
    const store = new SqliteStore(":memory:");
    try {
      // A negative cache_size is in KiB.
      expect(store.db.pragma("cache_size", { simple: true })).toBe(-PAGE_CACHE_KIB);
      expect(PAGE_CACHE_KIB).toBeLessThanOrEqual(1024);
    } finally {
      store.closeNow();
    }
  });
});

describe("sqlite store session list", () => {
  it("reads a page by walking an index from the cursor, without sorting every session", () => {
    const store = new SqliteStore(":memory:");
    try {
      // The statement listSessions runs; its plan must search an index, never build a temporary sort.
      const plan = store.db
        .prepare(
          `EXPLAIN QUERY PLAN SELECT data FROM session
           WHERE (@directory IS NULL OR directory = @directory) AND (@roots = 0 OR parent_id IS NULL)
             AND instr(title_search, @w1) AND instr(title_search, @w2)
             AND (time_updated, id) < (@afterUpdated, @afterID)
           ORDER BY time_updated DESC, id DESC LIMIT @limit`,
        )
        .all({ directory: null, roots: 0, w1: "", w2: "", afterUpdated: 1, afterID: "", limit: 51 })
        .map((row) => (row as { detail: string }).detail)
        .join("; ");
      expect(plan).toMatch(/SEARCH session USING INDEX session_updated/);
      expect(plan).not.toMatch(/TEMP B-TREE/);
    } finally {
      store.closeNow();
    }
  });
});
