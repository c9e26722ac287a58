// The round trips a PostgreSQL store makes: tests that a path needs none (or one) count the queries it sends.
import type { PostgresStore } from "../../src/storage/postgres-store.js";

/** Counts the queries `store` sends on its connection from now on. */
export function countQueries(store: PostgresStore): () => number {
  const client = (store as unknown as { client: { query: (...args: unknown[]) => unknown } }).client;
  const query = client.query.bind(client);
  let count = 0;
  client.query = (...args: unknown[]) => {
    count++;
    return query(...args);
  };
  return () => count;
}
