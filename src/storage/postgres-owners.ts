// Who produces running messages, on PostgreSQL: the `owner` table instead of the SQLite store's lock files
// (owner-lock.ts). An owner registers before its first running message, holds a session-level advisory lock on its
// own connection (PostgreSQL releases it the moment that connection ends: a killed process, a lost host) and beats
// a heartbeat (a process that hangs with its connection open, e.g. SIGSTOPped, stops beating). Alive = lock held
// and heartbeat recent. Every query runs through the store's queue on its one connection (`run`).
import { randomBytes, randomInt } from "node:crypto";
import { hostname } from "node:os";
import type pg from "pg";
import { OWNER_LOCK_CLASS } from "./postgres-migrate.js";

export interface OwnerTimings {
  /** How often the heartbeat is written. */
  heartbeatMs: number;
  /** A heartbeat older than this says the owner is gone, even with its lock held. */
  staleMs: number;
}

export const DEFAULT_OWNER_TIMINGS: OwnerTimings = { heartbeatMs: 10_000, staleMs: 60_000 };

type Run = <T>(op: (client: pg.Client) => Promise<T>) => Promise<T>;

export class PostgresOwners {
  /** Known before registration: a commit's writes are collected synchronously and name it. */
  readonly token = `${process.pid}-${randomBytes(6).toString("hex")}`;
  /** Positive, so it reads the same as pg_locks.objid (an oid). */
  private readonly lockKey = randomInt(1, 2 ** 31 - 1);
  private registered = false;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    private readonly run: Run,
    private readonly timings: OwnerTimings = DEFAULT_OWNER_TIMINGS,
  ) {}

  /** Takes the lock and writes the row (once); called inside the queue, before a commit that marks a message running. */
  async register(client: pg.Client): Promise<void> {
    if (this.registered) return;
    await client.query("SELECT pg_advisory_lock($1, $2)", [OWNER_LOCK_CLASS, this.lockKey]);
    await client.query(
      `INSERT INTO owner (token, lock_key, pid, host) VALUES ($1, $2, $3, $4)
       ON CONFLICT (token) DO UPDATE SET heartbeat = now()`,
      [this.token, this.lockKey, process.pid, hostname()],
    );
    this.registered = true;
    this.heartbeat = setInterval(() => {
      void this.run((c) => c.query("UPDATE owner SET heartbeat = now() WHERE token = $1", [this.token])).catch(
        () => {},
      );
    }, this.timings.heartbeatMs);
    this.heartbeat.unref();
  }

  /** Registers now rather than on the first turn's path (serve does, right after start). */
  prepare(): Promise<void> {
    return this.run((client) => this.register(client));
  }

  async isAlive(token: string): Promise<boolean> {
    if (token === this.token) return this.registered;
    return this.run(async (client) => {
      const { rows } = await client.query<{ alive: boolean }>(
        `SELECT ${ALIVE} AS alive FROM owner o WHERE o.token = $1`,
        [token, OWNER_LOCK_CLASS, this.timings.staleMs],
      );
      return rows[0]?.alive === true;
    });
  }

  /** Forgets the owners that are gone (their running messages must have been recovered first). */
  async sweep(): Promise<void> {
    await this.run((client) =>
      client.query(`DELETE FROM owner o WHERE o.token <> $1 AND NOT ${ALIVE}`, [
        this.token,
        OWNER_LOCK_CLASS,
        this.timings.staleMs,
      ]),
    );
  }

  /** Removes our row (the lock goes with the connection); called inside the queue by close. */
  async release(client: pg.Client): Promise<void> {
    clearInterval(this.heartbeat);
    if (!this.registered) return;
    this.registered = false;
    await client.query("DELETE FROM owner WHERE token = $1", [this.token]);
    await client.query("SELECT pg_advisory_unlock($1, $2)", [OWNER_LOCK_CLASS, this.lockKey]);
  }

  /** Stops the heartbeat without touching the database (the connection is gone). */
  stop(): void {
    clearInterval(this.heartbeat);
  }
}

/** Whether owner row `o` is alive: its advisory lock is held in this database ($2 = lock class) and it beat within $3 ms. */
const ALIVE = `(o.heartbeat > now() - make_interval(secs => $3::double precision / 1000)
  AND EXISTS (SELECT 1 FROM pg_locks l
              WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
                AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                AND l.classid = $2::bigint::oid AND l.objid = o.lock_key::bigint::oid))`;
