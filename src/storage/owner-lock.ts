// Which process owns a running turn, decided by a lock the owner holds rather than by its pid: a pid outlives its
// process as an unreaped zombie, and can be reused. Each owner holds an exclusive SQLite lock (an fcntl lock, which
// the kernel releases when the process exits, zombie or not) on `owners/<token>.lock` beside the database; a
// running message records the token. An owner is alive exactly while its lock cannot be taken.
import { randomBytes } from "node:crypto";
import { closeSync, mkdirSync, openSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";

const LOCK_SUFFIX = ".lock";

export class OwnerLocks {
  private held: { token: string; db: Database.Database; file: string } | undefined;
  private unavailable = false;

  /** `dir` is where the lock files live; undefined (an in-memory database) means no locks and no tokens. */
  constructor(
    private readonly dir: string | undefined,
    private readonly nativeBinding: string | undefined,
  ) {}

  /**
   * This process's token, taking its lock on first use (a process that never runs a turn holds none). Null when no
   * lock can be had (an in-memory database, a folder we cannot write): then the pid is all recovery goes by.
   */
  token(): string | null {
    if (!this.dir || this.unavailable) return null;
    if (!this.held) {
      try {
        this.held = this.acquire(this.dir);
      } catch {
        this.unavailable = true;
        return null;
      }
    }
    return this.held.token;
  }

  /** Whether the owner of `token` still runs. Our own token is alive while we hold it. */
  isAlive(token: string): boolean {
    if (!this.dir || !/^[\w-]+$/.test(token)) return false;
    if (this.held?.token === token) return true;
    // The owner never removes its file while it runs: no file, no owner.
    return this.probe(join(this.dir, `${token}${LOCK_SUFFIX}`)) === "held";
  }

  /** Removes the lock files of owners that are gone (their turns must have been recovered first). */
  sweep(): void {
    if (!this.dir) return;
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (!name.endsWith(LOCK_SUFFIX)) continue;
      const token = name.slice(0, -LOCK_SUFFIX.length);
      if (this.held?.token === token) continue;
      const file = join(this.dir, name);
      try {
        this.probe(file, () => rmSync(file, { force: true }));
      } catch {
        // Left for a later sweep.
      }
    }
  }

  release(): void {
    if (!this.held) return;
    const { db, file } = this.held;
    this.held = undefined;
    // Removed while still locked, so that nobody can mistake a new file at this path for ours.
    rmSync(file, { force: true });
    db.close();
  }

  private acquire(dir: string): { token: string; db: Database.Database; file: string } {
    mkdirSync(dir, { recursive: true });
    for (let attempt = 1; ; attempt++) {
      const token = `${process.pid}-${randomBytes(6).toString("hex")}`;
      const file = join(dir, `${token}${LOCK_SUFFIX}`);
      const fd = openSync(file, "wx", 0o600);
      closeSync(fd);
      const inode = statSync(file).ino;
      const db = new Database(file, { timeout: 5000, nativeBinding: this.nativeBinding });
      try {
        // The journal kept in memory: a transaction held for the life of the process leaves no file beside.
        db.pragma("journal_mode = MEMORY");
        db.exec("BEGIN EXCLUSIVE");
        // A sweep may have taken the fresh, not yet locked file and removed it; then we locked a file nobody can
        // find, and start over. Once locked, no sweep can take it.
        if (statSync(file, { throwIfNoEntry: false })?.ino === inode) return { token, db, file };
      } catch (error) {
        // Taken by a sweep in between: try another token (a file system without locks fails every time).
        if (attempt >= 3) {
          db.close();
          throw error;
        }
      }
      db.close();
    }
  }

  /**
   * Whether a lock file is held by its owner, free, or gone. `whileFree` runs while we hold the free lock ourselves
   * (a sweep removes the file then, so no owner can take it in between).
   */
  private probe(file: string, whileFree?: () => void): "held" | "free" | "gone" {
    let db: Database.Database;
    try {
      db = new Database(file, { fileMustExist: true, timeout: 0, nativeBinding: this.nativeBinding });
    } catch {
      return "gone";
    }
    try {
      db.exec("BEGIN EXCLUSIVE");
    } catch {
      db.close();
      return "held";
    }
    try {
      whileFree?.();
      return "free";
    } finally {
      db.exec("ROLLBACK");
      db.close();
    }
  }
}
