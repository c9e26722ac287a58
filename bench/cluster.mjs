// npm run bench:cluster: cluster mode's costs (issue 20 §2, Bench). On a PostgreSQL in a temp directory, one
// `moor serve --role api` and two `--role worker` against the fake model:
// * the sync turn through the API node (which passes it to the owning worker through the database and answers when
//   the worker is done) against the same turn on a single `moor serve` on SQLite, measured interleaved: the ratio,
//   target ≤ 2×;
// * failover: the owning worker is killed with -9 in the middle of a slow stream; the time from the kill until the
//   other worker's resumed step streams its first delta (target ≤ lease + 1 s), and until the sync prompt that was
//   waiting on the API node is answered.
// Run alone (this file) or from run.mjs (measureCluster), which skips it when no PostgreSQL is installed.
// Settings: MOOR_LEASE_MS (default here 3000), BENCH_CLUSTER_TURNS (30), BENCH_FAILOVER_RUNS (3).
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import pg from "pg";
import { firstLine, startFakeModel } from "./fake-model.mjs";
import { closeConnections, median, openStream, send } from "./http-client.mjs";
import { cpuMs } from "./process-cpu.mjs";

const round = (value) => Math.round(value * 10) / 10;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether PostgreSQL's server binaries are here (Debian's postgresql package), for run.mjs to decide. */
export function postgresInstalled() {
  const root = "/usr/lib/postgresql";
  return existsSync(root) && readdirSync(root).some((version) => existsSync(join(root, version, "bin", "postgres")));
}

/** test/fakes/postgres-server.ts compiled with esbuild, as fake-model.mjs does for the model: one way to start it. */
async function startPostgres(root, work) {
  // CommonJS: pg requires Node's modules, which an ESM bundle cannot.
  const out = join(work, "postgres-server.cjs");
  execFileSync(join(root, "node_modules/.bin/esbuild"), [
    join(root, "test/fakes/postgres-server.ts"),
    "--bundle",
    "--platform=node",
    "--format=cjs",
    "--external:pg-native",
    `--outfile=${out}`,
    "--log-level=error",
  ]);
  return createRequire(import.meta.url)(out).startPostgres();
}

/**
 * Measures the cluster against a single server. `llmUrl`: a running fake model (run.mjs's); without one, this starts
 * its own. Returns the figures (ms, and the ratio) and prints nothing but progress on stderr.
 */
export async function measureCluster({ root, work, llmUrl }) {
  const bin = join(root, "bin/moor.cjs");
  const note = (what) => process.stderr.write(`cluster: ${what}\n`);
  const leaseMs = Number(process.env.MOOR_LEASE_MS || 3000);
  const turns = Number(process.env.BENCH_CLUSTER_TURNS || 30);
  const failoverRuns = Number(process.env.BENCH_FAILOVER_RUNS || 3);
  const home = join(work, "cluster");
  const project = join(home, "project");
  mkdirSync(join(home, "config"), { recursive: true });
  mkdirSync(project, { recursive: true });
  const children = [];
  let postgres;
  let model;
  try {
    if (!llmUrl) {
      model = await startFakeModel({ root, work });
      llmUrl = model.url;
    }
    writeFileSync(
      join(home, "config", "moor.json"),
      JSON.stringify({
        model: "mock/echo",
        provider: {
          mock: {
            npm: "@ai-sdk/openai-compatible",
            options: { baseURL: llmUrl, apiKey: "x" },
            models: { echo: { name: "echo", tool_call: true } },
          },
        },
        permission: { edit: "allow", bash: "allow" },
      }),
    );
    note("PostgreSQL");
    postgres = await startPostgres(root, work);
    const storeUrl = await postgres.createDatabase("moor_bench_cluster");
    const baseEnv = {
      ...process.env,
      HOME: home,
      MOOR_CONFIG_DIR: join(home, "config"),
      MOOR_DATA_DIR: join(home, "data"),
      MOOR_STATE_DIR: join(home, "state"),
      MOOR_LEASE_MS: String(leaseMs),
    };
    delete baseEnv.MOOR_STORE_URL;
    const clusterEnv = { ...baseEnv, MOOR_STORE_URL: storeUrl };
    const spawnMoor = (args, env) => {
      const child = spawn(bin, args, { env, cwd: project, stdio: ["ignore", "pipe", "inherit"] });
      children.push(child);
      return child;
    };
    let workerCount = 0;
    const startWorker = async () => {
      const child = spawnMoor(
        ["serve", "--role", "worker", "--dir", project, "--worker-id", `bench-${++workerCount}`],
        clusterEnv,
      );
      await firstLine(child, /(moor worker \S+ serving)/);
      return child;
    };

    note("nodes");
    const single = spawnMoor(["serve", "--port", "0"], baseEnv);
    const singleUrl = await firstLine(single, /moor listening on (\S+)/);
    // The single server on PostgreSQL too: what the database costs, apart from the hop through an API node.
    const singlePgEnv = { ...baseEnv, MOOR_STORE_URL: await postgres.createDatabase("moor_bench_single") };
    const singlePg = spawnMoor(["serve", "--port", "0"], singlePgEnv);
    const singlePgUrl = await firstLine(singlePg, /moor listening on (\S+)/);
    const workers = [await startWorker(), await startWorker()];
    const api = spawnMoor(["serve", "--role", "api", "--port", "0"], clusterEnv);
    const apiUrl = await firstLine(api, /moor listening on (\S+)/);

    note(`sync turns (${turns} each, interleaved)`);
    const body = (text) => ({ parts: [{ type: "text", text }] });
    const sides = { single: { url: singleUrl }, singlePg: { url: singlePgUrl }, api: { url: apiUrl } };
    for (const side of Object.values(sides)) {
      side.session = await send(side.url, "POST", "/session", {});
      side.times = [];
    }
    const turn = (side) => send(side.url, "POST", `/session/${side.session.id}/message`, body("MOCK_TOKENS 20"));
    for (let i = 0; i < 5; i++) for (const side of Object.values(sides)) await turn(side);
    const names = Object.keys(sides);
    // CPU per turn of each process (the figure least moved by other load): the moor processes, and the PostgreSQL
    // backends serving each database (the bench's own connection is not one of them).
    const admin = new pg.Client({ connectionString: storeUrl });
    await admin.connect();
    const backends = async (database) =>
      (
        await admin.query(
          "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND backend_type = 'client backend'",
          [database],
        )
      ).rows.map((row) => row.pid);
    const processes = {
      single: [single.pid],
      singlePg: [singlePg.pid],
      singlePgDb: await backends("moor_bench_single"),
      api: [api.pid],
      workers: workers.map((child) => child.pid),
      clusterDb: await backends("moor_bench_cluster"),
    };
    await admin.end();
    const cpuOf = (pids) => pids.reduce((sum, pid) => sum + (cpuMs(pid) ?? 0), 0);
    const cpuBefore = Object.fromEntries(Object.entries(processes).map(([name, pids]) => [name, cpuOf(pids)]));
    for (let i = 0; i < turns; i++) {
      // A different order each round, so no side always runs right after another's load.
      const order = names.map((_, k) => names[(i + k) % names.length]);
      for (const name of order) {
        const started = performance.now();
        await turn(sides[name]);
        sides[name].times.push(performance.now() - started);
      }
    }
    const cpuPerTurn = (name) => (cpuOf(processes[name]) - cpuBefore[name]) / turns;
    const results = {
      cpu_per_turn_single_ms: cpuPerTurn("single"),
      cpu_per_turn_single_pg_ms: cpuPerTurn("singlePg"),
      cpu_per_turn_single_pg_db_ms: cpuPerTurn("singlePgDb"),
      cpu_per_turn_api_ms: cpuPerTurn("api"),
      cpu_per_turn_workers_ms: cpuPerTurn("workers"),
      cpu_per_turn_cluster_db_ms: cpuPerTurn("clusterDb"),
      cluster_sync_turn_single_ms: median(sides.single.times),
      cluster_sync_turn_single_pg_ms: median(sides.singlePg.times),
      cluster_sync_turn_api_ms: median(sides.api.times),
    };
    results.cluster_sync_turn_ratio = results.cluster_sync_turn_api_ms / results.cluster_sync_turn_single_ms;
    // The hop alone: against the single server on the same database.
    results.cluster_sync_turn_ratio_vs_pg = results.cluster_sync_turn_api_ms / results.cluster_sync_turn_single_pg_ms;
    single.kill("SIGTERM");
    singlePg.kill("SIGTERM");

    note(`failover (${failoverRuns} runs, lease ${leaseMs} ms)`);
    const db = new pg.Client({ connectionString: storeUrl });
    await db.connect();
    const ownerPid = async (sessionID) => {
      const { rows } = await db.query(
        "SELECT w.pid FROM session_lease l JOIN worker w ON w.id = l.worker_id WHERE l.session_id = $1 AND l.expires_at > now()",
        [sessionID],
      );
      return rows[0]?.pid === undefined ? undefined : Number(rows[0].pid);
    };
    const toResumedDelta = [];
    const toAnswer = [];
    const resumedStream = [];
    try {
      for (let run = 0; run < failoverRuns; run++) {
        const session = await send(apiUrl, "POST", "/session", {});
        const partsBefore = new Set();
        let killedAt = 0;
        let resumedAt = 0;
        let firstDelta;
        const firstSeen = new Promise((resolve) => (firstDelta = resolve));
        let resumedDelta;
        const resumed = new Promise((resolve) => (resumedDelta = resolve));
        let idleAt = 0;
        const close = await openStream(
          apiUrl,
          (event, at) => {
            if (event.type === "session.idle" && event.properties.sessionID === session.id && killedAt) idleAt = at;
            if (event.type !== "message.part.delta" || event.properties.sessionID !== session.id) return;
            const part = event.properties.partID;
            if (!killedAt) {
              partsBefore.add(part);
              firstDelta();
            } else if (!partsBefore.has(part) && !resumedAt) {
              // A part the killed worker never wrote: the resumed step's.
              resumedAt = at;
              resumedDelta();
            }
          },
          `/event?directory=${encodeURIComponent(project)}`,
        );
        // A slow stream: 400 tokens, 5 ms apart (the fake model's pace for stamped tokens), about 2 s.
        const answered = send(apiUrl, "POST", `/session/${session.id}/message`, body("MOCK_STAMP 400")).then(() =>
          performance.now(),
        );
        await firstSeen;
        await sleep(300);
        const pid = await ownerPid(session.id);
        const owner = workers.find((child) => child.pid === pid);
        if (!owner) throw new Error(`no live lease on ${session.id} held by a bench worker (pid ${pid})`);
        owner.kill("SIGKILL");
        killedAt = performance.now();
        await Promise.race([
          resumed,
          sleep(leaseMs * 4 + 10_000).then(() => {
            throw new Error("the turn was not resumed");
          }),
        ]);
        const answeredAt = await answered;
        close();
        toResumedDelta.push(resumedAt - killedAt);
        toAnswer.push(answeredAt - killedAt);
        resumedStream.push(idleAt - resumedAt);
        note(
          `run ${run + 1}: resumed delta ${round(resumedAt - killedAt)} ms, idle ${round(idleAt - killedAt)} ms, answer ${round(answeredAt - killedAt)} ms`,
        );
        // Back to two workers for the next run.
        workers[workers.indexOf(owner)] = await startWorker();
      }
    } finally {
      await db.end();
    }
    results.cluster_lease_ms = leaseMs;
    // BENCH_FAILOVER_RUNS=0 (the turn figures alone): no failover figures, rather than NaN.
    if (failoverRuns > 0) {
      results.failover_to_resumed_delta_ms = median(toResumedDelta);
      results.failover_to_answer_ms = median(toAnswer);
      results.failover_resumed_stream_ms = median(resumedStream);
    }
    return results;
  } finally {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    closeConnections();
    model?.child.kill();
    await postgres?.stop();
  }
}

/** The lines the figures print as, with their targets. */
export function clusterReport(results) {
  const ratio = results.cluster_sync_turn_ratio;
  const failover = results.failover_to_resumed_delta_ms;
  const bound = results.cluster_lease_ms + 1000;
  const lines = [
    `sync turn through an API node: ${round(results.cluster_sync_turn_api_ms)} ms, single server ${round(results.cluster_sync_turn_single_ms)} ms (on PostgreSQL ${round(results.cluster_sync_turn_single_pg_ms)} ms): ${round(ratio)}× (≤ 2 ${ratio <= 2 ? "ok" : "OVER"}; ${round(results.cluster_sync_turn_ratio_vs_pg)}× the single server on PostgreSQL)`,
    `CPU per turn: single ${round(results.cpu_per_turn_single_ms)} ms; single on PostgreSQL ${round(results.cpu_per_turn_single_pg_ms)} ms + PostgreSQL ${round(results.cpu_per_turn_single_pg_db_ms)} ms; cluster: API node ${round(results.cpu_per_turn_api_ms)} ms, workers ${round(results.cpu_per_turn_workers_ms)} ms, PostgreSQL ${round(results.cpu_per_turn_cluster_db_ms)} ms`,
  ];
  if (failover === undefined) return [...lines, "failover: not measured (BENCH_FAILOVER_RUNS=0)"];
  return [
    ...lines,
    `failover after kill -9 of the owner: resumed step's first delta ${round(failover)} ms (≤ lease ${results.cluster_lease_ms} + 1000 ${failover <= bound ? "ok" : "OVER"}); the sync prompt answered after ${round(results.failover_to_answer_ms)} ms (the resumed step itself streamed ${round(results.failover_resumed_stream_ms)} ms)`,
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const root = fileURLToPath(new URL("..", import.meta.url));
  if (!postgresInstalled()) {
    console.error("bench:cluster needs PostgreSQL's server binaries under /usr/lib/postgresql (Debian's postgresql)");
    process.exit(2);
  }
  const work = mkdtempSync(join(tmpdir(), "moor-bench-cluster-"));
  try {
    const results = await measureCluster({ root, work });
    for (const line of clusterReport(results)) console.log(line);
    console.log(
      `RESULT ${Object.entries(results)
        .map(([k, v]) => `${k}=${round(v)}`)
        .join(" ")}`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  process.exit(0);
}
