// Plain numbered SQL migrations (DESIGN.md §5.6): `NNN_name.sql`, each applied once, in order, in a transaction,
// tracked by `PRAGMA user_version`.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type Database from "better-sqlite3";

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function readMigrations(dir: string): Migration[] {
  return readdirSync(dir)
    .filter((file) => /^\d{3}_[\w-]+\.sql$/.test(file))
    .sort()
    .map((file) => ({
      version: Number(file.slice(0, 3)),
      name: file.slice(4, -4),
      sql: readFileSync(join(dir, file), "utf8"),
    }));
}

/** Applies the migrations newer than the database; returns the versions applied. */
export function migrate(db: Database.Database, migrations: Migration[]): number[] {
  const current = db.pragma("user_version", { simple: true }) as number;
  const applied: number[] = [];
  for (const migration of migrations) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    })();
    applied.push(migration.version);
  }
  return applied;
}
