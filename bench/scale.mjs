// Issue 20 §1, flat costs on one machine: a session list of 10,000; 100 sessions running turns at once while 1,000
// SSE clients watch; resident memory after 1,000 turns against after 100. Called from run.mjs (moor only), which
// passes its helpers; each part runs its own `moor serve` on a data directory of its own.
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { Agent, request as httpRequest } from "node:http";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { firstLine } from "./fake-model.mjs";

const SESSIONS = 10_000;
const CONCURRENT_SESSIONS = 100;
const SSE_CLIENTS = 1_000;
/** Clients that parse every frame to time deltas; the others only count turn ends, so the bench's own parsing
 * does not become the delay it measures. */
const TIMING_EVERY = 20;

export async function measureScale({ root, bin, work, env, send, waitHealthy, treeRssMb, median, percentile }) {
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

  note("10,000 sessions");
  {
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

  note(`${CONCURRENT_SESSIONS} sessions at once, ${SSE_CLIENTS} SSE clients`);
  {
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
    const latencies = [];
    let errors = 0;
    let finished = 0;
    let allDone;
    const done = new Promise((resolve) => (allDone = resolve));
    const streams = [];
    const agent = new Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
    for (let i = 0; i < SSE_CLIENTS; i++) {
      const timing = i % TIMING_EVERY === 0;
      streams.push(
        await openCountingStream(
          `${url}/event?directory=${encodeURIComponent(directories[i % CONCURRENT_SESSIONS])}`,
          agent,
          timing,
          {
            onDelta: (stamps, at) => {
              for (const stamp of stamps) latencies.push(at - stamp);
            },
            onIdle: (count) => {
              if (count === 1 && ++finished === SSE_CLIENTS) allDone();
            },
            onError: () => errors++,
          },
        ),
      );
    }
    const body = { parts: [{ type: "text", text: "MOCK_STAMP 10" }] };
    const sent = await Promise.allSettled(
      sessions.map((session) => send(url, "POST", `/session/${session.id}/prompt_async`, body)),
    );
    errors += sent.filter((result) => result.status === "rejected").length;
    const timedOut = await Promise.race([
      done.then(() => false),
      new Promise((r) => setTimeout(() => r(true), 120_000)),
    ]);
    // A client that never saw every turn end is an error too (dropped or disconnected).
    if (timedOut) errors += SSE_CLIENTS - finished;
    for (const stream of streams) stream.close();
    results.concurrent_errors = errors;
    results.concurrent_fanout_p99_ms = percentile(latencies, 0.99);
    child.kill("SIGKILL");
  }

  note("RSS over 1,000 turns");
  {
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

/**
 * An SSE client on an /event URL, watching one session's turn. A timing client parses every frame; the others only look for `session.idle` in the
 * text (cheap), so a thousand of them fit in this process beside the server.
 */
function openCountingStream(url, agent, timing, { onDelta, onIdle, onError }) {
  return new Promise((resolve) => {
    let idles = 0;
    let buffer = "";
    let connected = false;
    const req = httpRequest(url, { agent }, (res) => {
      res.setEncoding("utf8");
      res.on("data", (chunk) => {
        const at = Date.now();
        buffer += chunk;
        let index = buffer.indexOf("\n\n");
        while (index !== -1) {
          const frame = buffer.slice(0, index);
          buffer = buffer.slice(index + 2);
          index = buffer.indexOf("\n\n");
          if (!connected && frame.includes('"server.connected"')) {
            connected = true;
            resolve({ close: () => req.destroy() });
          }
          if (frame.includes('"session.idle"')) onIdle(++idles);
          if (timing && frame.includes('"message.part.delta"')) {
            const data = frame.split("\n").find((line) => line.startsWith("data: "));
            const delta = data ? JSON.parse(data.slice(6)).properties.delta : "";
            const stamps = delta.split(/\s+/).filter(Boolean).map(Number).filter(Number.isFinite);
            onDelta(stamps, at);
          }
        }
      });
      res.on("error", () => onError());
      res.on("close", () => {
        if (idles < 1 && connected && !res.destroyed) onError();
      });
    });
    req.on("error", () => {
      onError();
      if (!connected) resolve({ close: () => {} });
    });
    req.end();
  });
}
