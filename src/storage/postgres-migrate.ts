// The PostgreSQL store's plain SQL migrations (postgres-migrations/NNN_name.sql, as storage/migrations/ for SQLite):
// each applied once, in order, in a transaction, recorded in `schema_migration`. Two nodes starting at once on an
// empty database must not both apply 001: the whole run holds a session-level advisory lock, so the second waits and
// then finds the versions recorded.
import type pg from "pg";
import type { Migration } from "./migrate.js";

/** The advisory lock key space of moor (two int4 keys: this class id, then a key per purpose). */
export const MOOR_LOCK_CLASS = 0x6d6f6f72; // "moor"
export const LOCK_KEYS = { migrate: 0, eventIds: 1 } as const;
/** Owner locks (postgres-owners.ts) use a class of their own, keyed by each owner's random key. */
export const OWNER_LOCK_CLASS = 0x6d6f6f6f; // "mooo"

/** Applies the migrations the database has not recorded; returns the versions applied. */
export async function migratePostgres(client: pg.Client, migrations: Migration[]): Promise<number[]> {
  await client.query("SELECT pg_advisory_lock($1, $2)", [MOOR_LOCK_CLASS, LOCK_KEYS.migrate]);
  try {
    await client.query(
      `CREATE TABLE IF NOT EXISTS schema_migration (
         version INTEGER PRIMARY KEY,
         name TEXT NOT NULL,
         time_applied TIMESTAMPTZ NOT NULL DEFAULT now()
       )`,
    );
    const { rows } = await client.query<{ version: number }>("SELECT version FROM schema_migration");
    const done = new Set(rows.map((row) => row.version));
    const applied: number[] = [];
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      await client.query("BEGIN");
      try {
        await client.query(migration.sql);
        await client.query("INSERT INTO schema_migration (version, name) VALUES ($1, $2)", [
          migration.version,
          migration.name,
        ]);
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {});
        throw error;
      }
      applied.push(migration.version);
    }
    return applied;
  } finally {
    await client.query("SELECT pg_advisory_unlock($1, $2)", [MOOR_LOCK_CLASS, LOCK_KEYS.migrate]).catch(() => {});
  }
}
