// A real PostgreSQL for tests, in a temp directory: initdb, then postgres on a Unix socket only (no TCP), fsync off.
// PostgreSQL refuses to run as root, so as root the directory belongs to the `postgres` user and the server runs as
// that user (Node sets the child's uid, so the child is the server itself and a signal reaches it). Missing binaries
// fail the test with what to install: the store contract must run on PostgreSQL, not be skipped (.ci/run installs
// postgresql).
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

export interface PostgresServer {
  /** The server's socket directory and port, as a connection URL for `database`. */
  url(database?: string): string;
  /** Creates an empty database; returns its URL. */
  createDatabase(name: string): Promise<string>;
  /**
   * Creates an empty schema in the `postgres` database; returns a URL whose connections use it (search_path): a
   * fresh store in a few milliseconds, where a database takes hundreds.
   */
  createSchema(name: string): Promise<string>;
  stop(): Promise<void>;
}

function findBin(name: string): string {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const version of versions) {
    const file = join(root, version, "bin", name);
    if (existsSync(file)) return file;
  }
  throw new Error(
    `PostgreSQL's ${name} was not found under ${root}/*/bin: install Debian's postgresql package (.ci/run does) to run the PostgreSQL store tests`,
  );
}

function postgresUser(): { uid: number; gid: number } {
  const line = execFileSync("getent", ["passwd", "postgres"], { encoding: "utf8" }).trim();
  const [, , uid, gid] = line.split(":");
  return { uid: Number(uid), gid: Number(gid) };
}

/**
 * Runs as the postgres user when we are root (the server refuses root). Node switches the child's uid itself, so
 * the child is postgres and not a wrapper (runuser does not pass every signal on: a stopped wrapper left the server
 * running).
 */
function serverUser(): { uid?: number; gid?: number } {
  return process.getuid?.() === 0 ? postgresUser() : {};
}

export async function startPostgres(): Promise<PostgresServer> {
  const initdb = findBin("initdb");
  const postgres = findBin("postgres");
  const dir = mkdtempSync(join(tmpdir(), "moor-pg-"));
  const user = serverUser();
  if (user.uid !== undefined && user.gid !== undefined) chownSync(dir, user.uid, user.gid);
  const data = join(dir, "data");
  try {
    execFileSync(initdb, ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"], {
      stdio: "pipe",
      cwd: dir,
      ...user,
    });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${(error as { stderr?: Buffer }).stderr?.toString() ?? error}`);
  }
  // The port only names the socket file (.s.PGSQL.<port>); with no TCP listener any free-looking number does.
  const port = 20_000 + Math.floor(Math.random() * 40_000);
  const args = [
    "-D",
    data,
    "-k",
    dir,
    "-p",
    String(port),
    "-c",
    "listen_addresses=",
    "-c",
    "fsync=off",
    "-c",
    "synchronous_commit=off",
    "-c",
    "full_page_writes=off",
    "-c",
    "max_connections=50",
  ];
  const child: ChildProcess = spawn(postgres, args, { stdio: ["ignore", "ignore", "pipe"], ...user, cwd: dir });
  let log = "";
  child.stderr?.on("data", (chunk) => {
    log += chunk;
  });
  const url = (database = "postgres") =>
    `postgres://postgres@/${database}?host=${encodeURIComponent(dir)}&port=${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      // SIGQUIT: immediate shutdown (what pg_ctl stop -m immediate sends); the data is thrown away anyway.
      child.kill("SIGQUIT");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`postgres exited at start: ${log}`);
    }
    const client = new pg.Client({ connectionString: url() });
    client.on("error", () => {});
    try {
      await client.connect();
      await client.end();
      break;
    } catch (error) {
      await client.end().catch(() => {});
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`postgres did not accept connections: ${(error as Error).message}\n${log}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return {
    url,
    createDatabase: async (name) => {
      const client = new pg.Client({ connectionString: url() });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name}"`);
      } finally {
        await client.end();
      }
      return url(name);
    },
    createSchema: async (name) => {
      const client = new pg.Client({ connectionString: url() });
      await client.connect();
      try {
        await client.query(`CREATE SCHEMA "${name}"`);
      } finally {
        await client.end();
      }
      return `${url()}&options=${encodeURIComponent(`-c search_path=${name}`)}`;
    },
    stop,
  };
}
