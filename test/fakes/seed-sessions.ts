// Many sessions written straight into a moor database in one commit, as years of use would leave them: for tests
// (and the bench) of what a long session list costs. Session i was updated at `start + i` minutes, so the highest
// number is the newest; its title is `title(i)`.
import { join } from "node:path";
import type { Session } from "../../src/protocol/index.js";
import { SqliteStore } from "../../src/storage/sqlite-store.js";

export interface SeedOptions {
  count: number;
  directory: string;
  title?: (i: number) => string;
  /** When session 0 was updated (ms); the default puts the newest a minute ago. */
  start?: number;
}

export function seededTitle(i: number): string {
  return `Seeded session ${String(i).padStart(5, "0")}`;
}

/** Writes the sessions into `<dataDir>/moor.db` (created when missing) and closes it; returns their ids, oldest first. */
export async function seedSessions(dataDir: string, options: SeedOptions): Promise<string[]> {
  const store = new SqliteStore(join(dataDir, "moor.db"));
  const title = options.title ?? seededTitle;
  const start = options.start ?? Date.now() - (options.count + 1) * 60_000;
  const ids: string[] = [];
  try {
    await store.commit({ directory: options.directory }, (tx) => {
      for (let i = 0; i < options.count; i++) {
        const time = start + i * 60_000;
        const id = `ses_seed${String(i).padStart(6, "0")}`;
        const session: Session = {
          id,
          slug: `seed-${i}`,
          projectID: "global",
          directory: options.directory,
          title: title(i),
          version: "seed",
          time: { created: time, updated: time },
        };
        tx.putSession(session);
        ids.push(id);
      }
    });
  } finally {
    await store.close();
  }
  return ids;
}
