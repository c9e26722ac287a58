// WAL checkpoints off the commit path. SQLite's autocheckpoint runs inside the commit that takes the WAL past 1,000
// pages, and with synchronous=NORMAL it fsyncs the WAL and then the database file right there: a 20-90 ms stall of
// the server's only thread every ~300 commits here, which every streaming turn's deltas waited behind (the fan-out's
// p99). Here the autocheckpoint is off and every COMMITS_PER_CHECKPOINT commits a checkpoint runs in steps, its two
// fsyncs on libuv's thread pool:
//   1. a second connection begins a read: its snapshot marks the frames to copy, and while it reads, no writer can
//      start the WAL over (it would overwrite frames whose pages the database file does not hold durably yet);
//   2. the WAL is fsynced (the frames to copy are durable before the database file changes);
//   3. a PASSIVE checkpoint copies the frames up to that snapshot, with synchronous=OFF for that call only, so that
//      SQLite does not fsync itself;
//   4. the database file is fsynced (the copied pages are durable);
//   5. the read ends: a later writer may start the WAL over.
// These are the guarantees of SQLite's own NORMAL checkpoint, in the same order. Under writes that never pause the
// WAL cannot start over (each checkpoint ends behind the latest commit), so once it holds more than
// INLINE_AFTER_FRAMES frames, one checkpoint runs in line, SQLite's way, and catches up. Any failure puts SQLite's
// autocheckpoint back and stops this.
import { open } from "node:fs/promises";
import Database from "better-sqlite3";

/** About the commits between SQLite's autocheckpoints under a streaming turn's writes (1,000 pages). */
export const COMMITS_PER_CHECKPOINT = 300;
/** A WAL this long (4,096 pages of 4 KiB: 16 MiB) is checkpointed in line, to let it start over. */
export const INLINE_AFTER_FRAMES = 4096;
const SQLITE_AUTOCHECKPOINT_PAGES = 1000;

interface CheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
}

export interface WalCheckpointsOptions {
  /** The database file (its WAL is `<file>-wal`). */
  file: string;
  /** Where the store's own connection came from: the reader uses the same native addon. */
  nativeBinding?: string;
  /** fsyncs a file off the thread (tests count the calls, or make one fail). */
  fsync?: (path: string) => Promise<void>;
  /** A checkpoint failed and SQLite's autocheckpoint is back (the log). */
  onError?: (error: unknown) => void;
}

async function fsyncFile(path: string): Promise<void> {
  const handle = await open(path, "r+");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export class WalCheckpoints {
  private readonly reader: Database.Database;
  /** The read that pins the reader's snapshot. */
  private readonly pin: Database.Statement;
  private commits = 0;
  private running: Promise<void> | undefined;
  private stopped = false;
  /** The WAL's length in frames after the last checkpoint. */
  private walFrames = 0;
  /** Checkpoints completed (tests). */
  completed = 0;

  constructor(
    private readonly db: Database.Database,
    private readonly options: WalCheckpointsOptions,
  ) {
    this.reader = new Database(options.file, { nativeBinding: options.nativeBinding });
    // It reads one page per checkpoint: no page cache worth keeping.
    this.reader.pragma("cache_size = 8");
    this.pin = this.reader.prepare("SELECT 1 FROM sqlite_master LIMIT 1");
    this.db.pragma("wal_autocheckpoint = 0");
  }

  /** Called after each commit of the store's connection. */
  committed(): void {
    if (this.stopped || ++this.commits < COMMITS_PER_CHECKPOINT || this.running) return;
    this.commits = 0;
    if (this.walFrames > INLINE_AFTER_FRAMES) {
      this.guard(() => this.record(this.checkpoint()));
      return;
    }
    this.running = this.inSteps()
      .catch((error: unknown) => this.fail(error))
      .finally(() => (this.running = undefined));
  }

  /** Resolves once a checkpoint in progress has ended. */
  async settled(): Promise<void> {
    await this.running;
  }

  /** Ends the reader; the store's connection stays as it is. Waits for a checkpoint in progress. */
  async close(): Promise<void> {
    this.stopped = true;
    await this.running;
    this.closeNow();
  }

  /** For exit paths that cannot wait: a checkpoint in progress is given up (the WAL keeps its frames). */
  closeNow(): void {
    this.stopped = true;
    if (this.reader.open) this.reader.close();
  }

  private async inSteps(): Promise<void> {
    const fsync = this.options.fsync ?? fsyncFile;
    this.reader.exec("BEGIN");
    try {
      this.pin.get();
      await fsync(`${this.options.file}-wal`);
      if (this.stopped || !this.db.open) return;
      this.db.pragma("synchronous = OFF");
      try {
        this.record(this.checkpoint());
      } finally {
        this.db.pragma("synchronous = NORMAL");
      }
      await fsync(this.options.file);
    } finally {
      if (this.reader.open) this.reader.exec("COMMIT");
    }
  }

  private checkpoint(): CheckpointResult {
    return (this.db.pragma("wal_checkpoint(PASSIVE)") as CheckpointResult[])[0];
  }

  private record(result: CheckpointResult): void {
    this.walFrames = result.log;
    this.completed++;
  }

  private guard(run: () => void): void {
    try {
      run();
    } catch (error) {
      this.fail(error);
    }
  }

  private fail(error: unknown): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT_PAGES}`);
    this.options.onError?.(error);
  }
}
