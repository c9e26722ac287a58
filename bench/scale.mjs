// Issue 20 §1, flat costs on one machine: a session list of 10,000; 100 sessions running turns at once while 1,000
// SSE clients watch; resident memory after 1,000 turns against after 100. Called from run.mjs (moor only), which
// passes its helpers; each part runs its own `moor serve` on a data directory of its own.
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { firstLine } from "./fake-model.mjs";
import { cpuMs } from "./process-cpu.mjs";

const SESSIONS = 10_000;
const CONCURRENT_SESSIONS = 100;
const SSE_CLIENTS = 1_000;
/** Clients that parse every frame to time deltas; the others only count turn ends, so the bench's own parsing
 * does not become the delay it measures. */
const TIMING_EVERY = 20;
/** Processes the SSE clients are spread over, none of them the server's or the bench's own. */
const CLIENT_PROCESSES = 2;

export async function measureScale({ root, bin, work, env, send, waitHealthy, treeRssMb, median, percentile, parts }) {
  // `parts` (list, fanout, rss) picks some of the three, for a run of one alone (bench/scale-alone.mjs).
  const wanted = (part) => !parts || parts.includes(part);
  const results = {};
  const note = (what) => process.stderr.write(`moor: ${what}\n`);
  const start = async (name) => {
    const home = join(work, `scale-${name}`);
    const data = join(home, "data");
    mkdirSync(data, { recursive: true });
    const childEnv = { ...env, MOOR_DATA_DIR: data, MOOR_STATE_DIR: join(home, "state") };
    return { data, childEnv, home };
  };
  const serve = async ({ childEnv }) => {
    const child = spawn(bin, ["serve", "--port", "0"], {
      env: childEnv,
      cwd: env.HOME,
      stdio: ["ignore", "pipe", "inherit"],
    });
    const url = await firstLine(child, /moor listening on (\S+)/);
    await waitHealthy(url);
    return { child, url };
  };

  if (wanted("list")) {
    note("10,000 sessions");
    const place = await start("list");
    await seed(root, place.data, env.HOME);
    const { child, url } = await serve(place);
    await send(url, "GET", "/session?limit=50");
    const times = [];
    for (let i = 0; i < 20; i++) {
      const started = performance.now();
      await send(url, "GET", "/session?limit=50");
      times.push(performance.now() - started);
    }
    results.session_list_10k_first_page_ms = median(times);
    // A search that matches one of the oldest sessions: the walk goes through all 10,000 titles.
    const searches = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      await send(url, "GET", `/session?limit=50&search=bench%2000${String(i).padStart(3, "0")}`);
      searches.push(performance.now() - started);
    }
    results.session_search_10k_ms = median(searches);
    child.kill("SIGKILL");
  }

  if (wanted("fanout")) {
    note(`${CONCURRENT_SESSIONS} sessions at once, ${SSE_CLIENTS} SSE clients`);
    const place = await start("fanout");
    const { child, url } = await serve(place);
    // Each session in a project of its own, watched by its share of the clients (as each person's screens watch
    // their project's /event), so every client gets one session's events, not all hundred's.
    const directories = Array.from({ length: CONCURRENT_SESSIONS }, (_, i) => join(place.home, `project-${i}`));
    for (const directory of directories) mkdirSync(directory, { recursive: true });
    const sessions = [];
    for (const directory of directories) {
      sessions.push(await send(url, "POST", `/session?directory=${encodeURIComponent(directory)}`, {}));
    }
    // Warm up: the provider loads on the first turn.
    await send(url, "POST", `/session/${sessions[0].id}/message`, { parts: [{ type: "text", text: "warm up" }] });
    // The clients run in processes of their own (CLIENT_PROCESSES), so what is timed is moor's fan-out, not a
    // thousand readers parsing frames in the process that also timestamps them; their CPU is reported beside it.
    const urls = Array.from(
      { length: SSE_CLIENTS },
      (_, i) => `${url}/event?directory=${encodeURIComponent(directories[i % CONCURRENT_SESSIONS])}`,
    );
    const urlsOf = (p) => urls.filter((_, i) => i % CLIENT_PROCESSES === p);
    const clients = [];
    // What 1,000 connections cost the server (a password-less server reads the kernel's socket table to tell
    // each one's user: src/server/peer-uid.ts), apart from the fan-out below.
    const connectCpuBefore = cpuMs(child.pid);
    for (let p = 0; p < CLIENT_PROCESSES; p++) {
      const share = urlsOf(p);
      const config = { urls: share, timingEvery: TIMING_EVERY, timeoutMs: 120_000 };
      const proc = spawn(process.execPath, [join(root, "bench/sse-clients.mjs"), JSON.stringify(config)], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      const lines = [];
      let out = "";
      const report = new Promise((resolve, reject) => {
        proc.stdout.on("data", (chunk) => {
          out += chunk;
          let index = out.indexOf("\n");
          while (index !== -1) {
            lines.push(out.slice(0, index));
            out = out.slice(index + 1);
            index = out.indexOf("\n");
            if (lines.length === 2) resolve(JSON.parse(lines[1]));
          }
        });
        proc.on("exit", (code) => (lines.length < 2 ? reject(new Error(`sse-clients exited ${code}`)) : undefined));
      });
      await new Promise((resolve) => {
        const check = () => (lines.length > 0 ? resolve() : setTimeout(check, 20));
        check();
      });
      clients.push(report);
    }
    let errors = 0;
    const serverCpuBefore = cpuMs(child.pid);
    results.concurrent_connect_server_cpu_ms = serverCpuBefore - connectCpuBefore;
    const body = { parts: [{ type: "text", text: "MOCK_STAMP 10" }] };
    const sent = await Promise.allSettled(
      sessions.map((session) => send(url, "POST", `/session/${session.id}/prompt_async`, body)),
    );
    errors += sent.filter((result) => result.status === "rejected").length;
    const reports = await Promise.all(clients);
    const latencies = reports.flatMap((r) => r.latencies);
    // A client that never saw its turn end is an error too (dropped or disconnected).
    for (const [p, r] of reports.entries()) {
      errors += r.errors + (r.timedOut ? urlsOf(p).length - r.finished : 0);
    }
    results.concurrent_errors = errors;
    results.concurrent_server_cpu_ms = cpuMs(child.pid) - serverCpuBefore;
    results.concurrent_clients_cpu_ms = reports.reduce((sum, r) => sum + r.cpuMs, 0);
    // From the model sending a delta to a client reading it: the server's intake under 100 turns starting at once
    // is in it, not only its fan-out. The median beside the p99 tells a slow tail from a slow whole.
    results.concurrent_fanout_p50_ms = percentile(latencies, 0.5);
    results.concurrent_fanout_p99_ms = percentile(latencies, 0.99);
    child.kill("SIGKILL");
  }

  if (wanted("rss")) {
    note("RSS over 1,000 turns");
    const place = await start("rss");
    const { child, url } = await serve(place);
    const body = { parts: [{ type: "text", text: "MOCK_TOKENS 20" }] };
    let session;
    // A new session every 10 turns: per-session state (caches, maps, rings) must not pile up either.
    const turn = async (n) => {
      if (n % 10 === 0) session = await send(url, "POST", "/session", {});
      await send(url, "POST", `/session/${session.id}/message`, body);
    };
    let n = 0;
    for (; n < 100; n++) await turn(n);
    results.rss_after_100_turns_scale_mb = treeRssMb(child.pid);
    for (; n < 1000; n++) await turn(n);
    results.rss_after_1000_turns_mb = treeRssMb(child.pid);
    child.kill("SIGKILL");
  }
  return results;
}

/** 10,000 sessions written through the store in one commit (dist/storage, so `npm run build` first). */
async function seed(root, dataDir, directory) {
  const { SqliteStore } = await import(pathToFileURL(join(root, "dist/storage/sqlite-store.js")).href);
  const store = new SqliteStore(join(dataDir, "moor.db"));
  const base = Date.now() - SESSIONS * 60_000;
  await store.commit({ directory }, (tx) => {
    for (let i = 0; i < SESSIONS; i++) {
      const time = base + i * 60_000;
      tx.putSession({
        id: `ses_bench${String(i).padStart(6, "0")}`,
        slug: `bench-${i}`,
        projectID: "global",
        directory,
        title: `bench ${String(i).padStart(5, "0")}`,
        version: "bench",
        time: { created: time, updated: time },
      });
    }
  });
  await store.close();
}
