import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SqliteStore } from "../../src/storage/sqlite-store.js";
import { COMMITS_PER_CHECKPOINT, INLINE_AFTER_FRAMES, WalCheckpoints } from "../../src/storage/wal-checkpoints.js";

describe("WAL checkpoints off the commit path", () => {
  let dir: string;
  let file: string;
  let db: Database.Database;
  const insert = (size = 10) => db.prepare("INSERT INTO t (v) VALUES (?)").run("x".repeat(size));
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "moor-wal-"));
    file = join(dir, "moor.db");
    db = new Database(file);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
  });
  afterEach(() => {
    if (db.open) db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("checkpoints every COMMITS_PER_CHECKPOINT commits: WAL fsynced, frames copied, DB fsynced, writers never blocked", async () => {
    const synced: string[] = [];
    let releaseWalSync!: () => void;
    let walSyncStarted!: () => void;
    const started = new Promise<void>((resolve) => (walSyncStarted = resolve));
    const checkpoints = new WalCheckpoints(db, {
      file,
      fsync: async (path: string) => {
        synced.push(path);
        if (path.endsWith("-wal")) {
          walSyncStarted();
          await new Promise<void>((resolve) => (releaseWalSync = resolve));
        }
      },
    });
    expect(db.pragma("wal_autocheckpoint", { simple: true })).toBe(0);
    for (let i = 0; i < COMMITS_PER_CHECKPOINT; i++) {
      insert();
      checkpoints.committed();
    }
    await started;
    // The reader's snapshot is held while the WAL is fsynced: the store's connection still commits meanwhile.
    for (let i = 0; i < 20; i++) insert();
    expect(checkpoints.completed).toBe(0);
    releaseWalSync();
    await checkpoints.settled();
    expect(synced).toEqual([`${file}-wal`, file]);
    expect(checkpoints.completed).toBe(1);
    expect(db.pragma("synchronous", { simple: true })).toBe(1);
    // The frames up to the snapshot were copied: the 20 commits after it are what remains to checkpoint.
    const [remaining] = db.pragma("wal_checkpoint(PASSIVE)") as { log: number; checkpointed: number }[];
    expect(remaining.checkpointed).toBe(remaining.log);
    await checkpoints.close();
    db.close();
    const reopened = new Database(file);
    expect(reopened.prepare("SELECT count(*) AS n FROM t").get()).toEqual({ n: COMMITS_PER_CHECKPOINT + 20 });
    reopened.close();
  });

  it("runs one checkpoint in line once the WAL could not start over for INLINE_AFTER_FRAMES frames", async () => {
    const synced: string[] = [];
    let releaseWalSync: (() => void) | undefined;
    const checkpoints = new WalCheckpoints(db, {
      file,
      fsync: async (path) => {
        synced.push(path);
        if (synced.length === 1) await new Promise<void>((resolve) => (releaseWalSync = resolve));
      },
    });
    for (let i = 0; i < COMMITS_PER_CHECKPOINT; i++) {
      insert();
      checkpoints.committed();
    }
    while (!releaseWalSync) await new Promise((resolve) => setImmediate(resolve));
    // Large rows while the first checkpoint holds its snapshot: the WAL grows past the bound.
    const rowBytes = Math.ceil(((INLINE_AFTER_FRAMES + 500) * 4096) / COMMITS_PER_CHECKPOINT);
    for (let i = 0; i < COMMITS_PER_CHECKPOINT; i++) {
      insert(rowBytes);
      checkpoints.committed();
    }
    releaseWalSync();
    await checkpoints.settled();
    expect(checkpoints.completed).toBe(1);
    const fsyncsBefore = synced.length;
    insert();
    checkpoints.committed();
    // In line: done when committed() returns, with SQLite's own fsyncs (none through the pool).
    expect(checkpoints.completed).toBe(2);
    expect(synced.length).toBe(fsyncsBefore);
    await checkpoints.close();
  });

  it("gives SQLite its autocheckpoint back when a checkpoint fails", async () => {
    const errors: unknown[] = [];
    const checkpoints = new WalCheckpoints(db, {
      file,
      fsync: async () => {
        throw new Error("EIO");
      },
      onError: (error) => errors.push(error),
    });
    for (let i = 0; i < COMMITS_PER_CHECKPOINT; i++) {
      insert();
      checkpoints.committed();
    }
    await checkpoints.settled();
    expect((errors[0] as Error).message).toBe("EIO");
    expect(db.pragma("wal_autocheckpoint", { simple: true })).toBe(1000);
    await checkpoints.close();
  });

  it("a file store checkpoints this way, and everything it committed is there after it closes", async () => {
    const store = new SqliteStore(file);
    expect(store.checkpoints).toBeDefined();
    expect(store.db.pragma("wal_autocheckpoint", { simple: true })).toBe(0);
    const base = { slug: "s", projectID: "p", directory: dir, version: "v", path: "" };
    for (let i = 0; i < COMMITS_PER_CHECKPOINT * 2 + 5; i++) {
      const id = `ses_${String(i).padStart(4, "0")}`;
      await store.commit({ directory: dir, sessionID: id }, (tx) =>
        tx.putSession({ ...base, id, title: `t${i}`, time: { created: i, updated: i } }),
      );
    }
    await store.checkpoints?.settled();
    expect(store.checkpoints?.completed).toBeGreaterThanOrEqual(1);
    await store.close();
    const reopened = new SqliteStore(file);
    expect((await reopened.listSessions({ limit: 1000 })).sessions.length).toBe(COMMITS_PER_CHECKPOINT * 2 + 5);
    expect(await reopened.integrityCheck()).toBe("ok");
    await reopened.close();
    expect(new SqliteStore(":memory:").checkpoints).toBeUndefined();
  });
});
