// Which store a command runs on: `--store URL`, else MOOR_STORE_URL, else the config's `store`, else the SQLite file
// in the data directory. A postgres:// URL opens the PostgreSQL store (cluster mode; `pg` loads only then); anything
// else is refused in one line. The PostgreSQL module is imported only when asked for, so the embedded path never
// loads it.
import { markInterruptedTurns } from "../core/recovery.js";
import type { Store } from "../storage/port.js";
import type { PostgresStore } from "../storage/postgres-store.js";
import { SqliteStore } from "../storage/sqlite-store.js";
import type { CliContext } from "./context.js";
import { UsageError } from "./output.js";

export interface OpenedStore {
  store: Store;
  /** Where it is, for messages: the file, or the URL without its password. */
  where: string;
  close(): Promise<void>;
  /** For exit paths that cannot wait: SQLite closes; a network store's connection ends with the process. */
  closeNow(): void;
  /** Takes what the turns of this process will record as their owner now, off the first prompt's path. */
  prepareOwner(): void;
}

/** The store URL a command was given, or undefined for the SQLite file. */
export function storeUrlOf(context: CliContext, flag?: string): string | undefined {
  const url = flag ?? (context.env.MOOR_STORE_URL || undefined) ?? context.config.store;
  return url === undefined || url === "" ? undefined : url;
}

/** How a PostgreSQL store is opened (cluster roles tighten it). */
export interface PostgresChoices {
  idleInTransactionMs?: number;
  onError?: (error: Error) => void;
  /** Cluster roles: commits' notifications carry their events (PostgresStoreOptions.notifyEvents). */
  notifyEvents?: boolean;
}

export async function openChosenStore(
  context: CliContext,
  flag?: string,
  choices: PostgresChoices = {},
): Promise<OpenedStore> {
  const url = storeUrlOf(context, flag);
  if (url === undefined) {
    const store = openSqliteFile(context.paths.db);
    return {
      store,
      where: context.paths.db,
      close: () => store.close(),
      closeNow: () => store.closeNow(),
      prepareOwner: () => void store.owners.token(),
    };
  }
  if (!/^postgres(ql)?:\/\//i.test(url)) {
    throw new UsageError(`unsupported store ${redact(url)}: give a postgres:// URL (or none, for the SQLite file)`);
  }
  const postgres = await import("../storage/postgres-store.js");
  let store: PostgresStore;
  try {
    store = await postgres.PostgresStore.open(url, {
      onError:
        choices.onError ??
        ((error) => process.stderr.write(`moor: the PostgreSQL connection failed: ${error.message}\n`)),
      idleInTransactionMs: choices.idleInTransactionMs,
      notifyEvents: choices.notifyEvents,
    });
  } catch (error) {
    throw new UsageError(`cannot open the store ${redact(url)}: ${(error as Error).message}`);
  }
  return {
    store,
    where: redact(url),
    close: () => store.close(),
    closeNow: () => {},
    prepareOwner: () => void store.owners.prepare().catch(() => {}),
  };
}

/**
 * The SQLite file, or a one-line UsageError that names it: SQLite's own words ("file is not a database", "unable to
 * open database file") do not say which file, and the data directory may be set by MOOR_DATA_DIR.
 */
export function openSqliteFile(file: string): SqliteStore {
  try {
    return new SqliteStore(file);
  } catch (error) {
    throw new UsageError(`cannot open the database ${file}: ${(error as Error).message}`);
  }
}

/** Opens the chosen store with turns a gone process left running marked interrupted (export, session list). */
export async function openChosenRecoveredStore(context: CliContext, flag?: string): Promise<OpenedStore> {
  const opened = await openChosenStore(context, flag);
  try {
    await markInterruptedTurns(opened.store, undefined, Date.now);
  } catch (error) {
    await opened.close();
    throw error;
  }
  return opened;
}

/** A URL as it may be printed: without its password. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ":***@");
  }
}
