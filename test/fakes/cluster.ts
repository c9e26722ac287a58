// A real moor cluster for end-to-end tests (issue 20 §2): a PostgreSQL in a temp directory, the fake model, API nodes
// (`moor serve --role api`) and workers (`moor serve --role worker`) as child processes sharing one temp project
// directory, plus what the tests read: the cluster's tables, and event streams kept open with their SSE ids.
//
// Cleanup is the point of this file as much as start-up: every child is tracked, `stop()` wakes stopped ones
// (SIGCONT) and kills all with SIGKILL, and an exit hook kills whatever a crashed test run left, so no worker, API
// node or PostgreSQL outlives the test file.
import type { ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { makeTempHome, type TempHome } from "./config.js";
import { type FakeLlm, startFakeLlm } from "./llm-server.js";
import { spawnMoor, waitForOutput } from "./moor-process.js";
import { type PostgresServer, startPostgres } from "./postgres-server.js";
import { type ServeHandle, type SseItem, startServe } from "./serve.js";

/** Every child a harness started and has not seen exit: killed at the latest when the test process exits. */
const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) {
    try {
      child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
  }
});

function track<T extends ChildProcess>(child: T): T {
  live.add(child);
  child.once("exit", () => live.delete(child));
  return child;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/** Kills a child for good (a stopped one too: SIGKILL ends it, SIGCONT first so nothing waits on it) and waits. */
async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = exited(child);
  child.kill("SIGCONT");
  child.kill("SIGKILL");
  await gone;
}

export interface WorkerProcess {
  id: string;
  pid: number;
  child: ReturnType<typeof spawnMoor>;
  /** Its stdout and stderr so far (workers run with --print-logs: their log lines are on stderr). */
  output(): { stdout: string; stderr: string };
  /** Sends a signal (SIGKILL resolves once it has exited). */
  signal(signal: NodeJS.Signals): Promise<void>;
}

export interface LeaseRow {
  workerId: string;
  pid: number;
  epoch: number;
  live: boolean;
}

export interface Cluster {
  pg: PostgresServer;
  llm: FakeLlm;
  home: TempHome;
  /** The project directory every worker serves. */
  project: string;
  storeUrl: string;
  leaseMs: number;
  env: Record<string, string>;
  apis: ServeHandle[];
  workers: WorkerProcess[];
  /** Starts one more worker (serving the project unless told otherwise); it is stopped with the cluster. */
  startWorker(id: string, directories?: string[]): Promise<WorkerProcess>;
  sql<T extends pg.QueryResultRow>(text: string, params?: unknown[]): Promise<T[]>;
  /** The session's lease row, with the pid of the worker named in it (live: not expired). */
  lease(sessionID: string): Promise<LeaseRow | undefined>;
  /** What to look at when a cluster is stuck: the database's sessions (who waits on a lock), leases, worker logs. */
  diagnose(): Promise<string>;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  apiNodes?: number;
  workers?: number;
  leaseMs?: number;
}

export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const leaseMs = options.leaseMs ?? 1500;
  const started: { pg?: PostgresServer; llm?: FakeLlm; pool?: pg.Pool } = {};
  const apis: ServeHandle[] = [];
  const workers: WorkerProcess[] = [];
  const stop = async () => {
    await Promise.all([...apis.map((api) => kill(api.child)), ...workers.map((worker) => kill(worker.child))]);
    await started.pool?.end().catch(() => {});
    await started.llm?.close();
    await started.pg?.stop();
  };
  try {
    started.pg = await startPostgres();
    started.llm = await startFakeLlm();
    const home = makeTempHome(started.llm.url);
    const storeUrl = await started.pg.createDatabase("moor_cluster");
    started.pool = new pg.Pool({ connectionString: storeUrl, max: 2 });
    started.pool.on("error", () => {});
    const env = { ...home.env, MOOR_STORE_URL: storeUrl, MOOR_LEASE_MS: String(leaseMs) };
    const pool = started.pool;

    const startWorker = async (id: string, directories = [home.project]): Promise<WorkerProcess> => {
      const dirs = directories.flatMap((dir) => ["--dir", dir]);
      const child = track(
        spawnMoor(["serve", "--role", "worker", "--worker-id", id, "--print-logs", ...dirs], {
          env,
          cwd: home.project,
        }),
      );
      const worker: WorkerProcess = {
        id,
        pid: child.pid as number,
        child,
        output: () => child.output(),
        signal: async (signal) => {
          if (signal === "SIGKILL") return kill(child);
          child.kill(signal);
        },
      };
      workers.push(worker);
      await waitForOutput(
        child,
        (stdout) => stdout.includes(`moor worker ${id} serving`) || child.exitCode !== null,
        20_000,
      );
      if (!child.output().stdout.includes(`moor worker ${id} serving`)) {
        throw new Error(`worker ${id} did not start: ${child.output().stderr.slice(-2000)}`);
      }
      return worker;
    };

    // All at once: concurrent starts on an empty database apply each migration once (the store's own test).
    const rest = Array.from({ length: options.workers ?? 2 }, (_, n) => startWorker(`w${n + 1}`));
    const nodes = Array.from({ length: options.apiNodes ?? 2 }, async () => {
      const api = await startServe(env, ["--role", "api"], home.project);
      track(api.child);
      apis.push(api);
    });
    await Promise.all([...rest, ...nodes]);

    const sql = async <T extends pg.QueryResultRow>(text: string, params: unknown[] = []) =>
      (await pool.query<T>(text, params)).rows;
    return {
      pg: started.pg,
      llm: started.llm,
      home,
      project: home.project,
      storeUrl,
      leaseMs,
      env,
      apis,
      workers,
      startWorker,
      sql,
      lease: async (sessionID) => {
        const [row] = await sql<{ worker_id: string; pid: number | null; epoch: string; live: boolean }>(
          `SELECT l.worker_id, w.pid, l.epoch, l.expires_at > now() AS live
             FROM session_lease l LEFT JOIN worker w ON w.id = l.worker_id WHERE l.session_id = $1`,
          [sessionID],
        );
        return row && { workerId: row.worker_id, pid: row.pid ?? 0, epoch: Number(row.epoch), live: row.live };
      },
      diagnose: async () => {
        const activity = await sql(
          `SELECT pid, state, wait_event_type, wait_event, now() - xact_start AS in_transaction, left(query, 160) AS query
             FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
        );
        const leases = await sql(
          "SELECT l.*, w.pid, w.heartbeat, now() AS now FROM session_lease l JOIN worker w ON w.id = l.worker_id",
        );
        const logs = workers.map(
          (worker) => `${worker.id} (pid ${worker.pid}):\n${worker.output().stderr.slice(-1500)}`,
        );
        return [JSON.stringify(activity, null, 1), JSON.stringify(leases, null, 1), ...logs].join("\n");
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A directory beside the project (in the same temp home) that no worker serves unless told to. */
export function otherDirectory(cluster: Cluster, name: string): string {
  const dir = join(cluster.home.root, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The event log id in an SSE id (`<cluster id>-<event id>`). */
export function logId(item: SseItem): number {
  const id = item.id ?? "";
  return Number(id.slice(id.lastIndexOf("-") + 1));
}

/** The events of the bus (not the stream's own server.* frames: connected, heartbeats). */
export function busEvents(items: SseItem[]): SseItem[] {
  return items.filter((item) => !item.event.type.startsWith("server."));
}

export interface EventStream {
  /** Every frame so far, in arrival order, with its SSE id. */
  items: SseItem[];
  /** Resolves with the frames so far once `predicate` holds for them; rejects at the deadline with what arrived. */
  waitFor(predicate: (items: SseItem[]) => boolean, what: string, timeoutMs?: number): Promise<SseItem[]>;
  close(): void;
}

/**
 * Opens an SSE stream and keeps reading it in the background; resolves once its first frame arrived (the client is
 * subscribed from then on). The stream ends with close() (or the server closing it).
 */
export async function openEventStream(url: string, headers: Record<string, string> = {}): Promise<EventStream> {
  const controller = new AbortController();
  const items: SseItem[] = [];
  const waiters = new Set<() => void>();
  let ended: Error | undefined;
  const notify = () => {
    for (const waiter of [...waiters]) waiter();
  };
  const response = await fetch(url, { headers, signal: controller.signal });
  if (!response.ok || !response.body) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
  const body = response.body;
  let first!: () => void;
  const connected = new Promise<void>((resolve) => {
    first = resolve;
  });
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = "";
    let id: string | undefined;
    try {
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let newline = buffer.indexOf("\n");
        while (newline !== -1) {
          const line = buffer.slice(0, newline);
          buffer = buffer.slice(newline + 1);
          if (line === "") id = undefined;
          if (line.startsWith("id: ")) id = line.slice(4);
          if (line.startsWith("data: ")) {
            items.push({ id, event: JSON.parse(line.slice(6)) });
            first();
          }
          newline = buffer.indexOf("\n");
        }
        notify();
      }
      ended = new Error("the server ended the stream");
    } catch (error) {
      ended = controller.signal.aborted ? new Error("closed") : (error as Error);
    }
    first();
    notify();
  })();
  await connected;
  if (items.length === 0) throw ended ?? new Error(`GET ${url}: no first frame`);
  return {
    items,
    waitFor: (predicate, what, timeoutMs = 20_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (predicate(items)) {
            done();
            resolve(items.slice());
          } else if (ended) {
            done();
            reject(new Error(`waiting for ${what}: ${ended.message} after ${items.length} frames`));
          }
        };
        const timer = setTimeout(() => {
          done();
          const tail = items.slice(-5).map((item) => `${item.id} ${item.event.type}`);
          reject(new Error(`timed out waiting for ${what} after ${items.length} frames (last: ${tail.join(", ")})`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      }),
    close: () => controller.abort(),
  };
}
