// npm run soak [-- --minutes N] (or SOAK_MINUTES): a real `moor serve` (the built CLI) against the fake model,
// 50 sessions streaming replies concurrently in waves while 200 SSE clients watch /event, a quarter of them
// dropping their connection now and then and coming back with Last-Event-ID. At the end it prints the HTTP errors,
// each client's lost and duplicated events (sequence numbers must go up by one, across reconnects, with no
// repeat; a `server.resync` is counted on its own, since it tells the client to refetch), and the server's RSS at
// the start, the middle and the end. Exits 1 on any error, loss or duplicate.
// Other knobs: --sessions (50), --clients (200), --tokens per reply (20), --token-delay ms between tokens (5).
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Agent, request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { firstLine, startFakeModel } from "./fake-model.mjs";

const { values: flags } = parseArgs({
  options: {
    minutes: { type: "string" },
    sessions: { type: "string", default: "50" },
    clients: { type: "string", default: "200" },
    tokens: { type: "string", default: "20" },
    "token-delay": { type: "string", default: "5" },
  },
});
const minutes = Number(flags.minutes ?? process.env.SOAK_MINUTES ?? 2);
const sessionCount = Number(flags.sessions);
const clientCount = Number(flags.clients);
const tokens = Number(flags.tokens);
for (const [name, value] of Object.entries({ minutes, sessionCount, clientCount, tokens })) {
  if (!Number.isFinite(value) || value <= 0) {
    console.error(`soak: ${name} must be a positive number`);
    process.exit(2);
  }
}
/** A quarter of the clients drop their connection every few seconds and resume with Last-Event-ID. */
const flappyCount = Math.floor(clientCount / 4);

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = join(root, "bin/moor.cjs");
const work = mkdtempSync(join(tmpdir(), "moor-soak-"));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const children = [];
const cleanup = () => {
  for (const child of children) child.kill("SIGKILL");
  rmSync(work, { recursive: true, force: true });
};
/** Stops the server as a user would (SIGTERM) and waits for it, up to 10 s. */
function stopServer(child) {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), 10_000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    child.kill("SIGTERM");
  });
}
process.on("SIGINT", () => {
  cleanup();
  process.exit(130);
});

function rssMb(pid) {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;
  } catch {
    return Number.NaN;
  }
}

// The fake model (bench/fake-model.mjs); tokens come MOCK_DELAY_MS apart, so the 50
// replies of a wave stream at the same time.
const { child: llmProcess, url: llmUrl } = await startFakeModel({
  root,
  work,
  env: { MOCK_TOKENS: String(tokens), MOCK_DELAY_MS: flags["token-delay"] },
});
children.push(llmProcess);

const home = join(work, "moor");
const project = join(home, "project");
mkdirSync(join(home, "config"), { recursive: true });
mkdirSync(project, { recursive: true });
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
// SOAK_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") runs the server under `node <args>` to profile it.
const nodeArgs = process.env.SOAK_NODE_ARGS?.split(" ").filter(Boolean);
const [command, commandArgs] = nodeArgs
  ? [process.execPath, [...nodeArgs, bin, "serve", "--port", "0"]]
  : [bin, ["serve", "--port", "0"]];
const server = spawn(command, commandArgs, {
  env: {
    ...process.env,
    HOME: home,
    MOOR_CONFIG_DIR: join(home, "config"),
    MOOR_DATA_DIR: join(home, "data"),
    MOOR_STATE_DIR: join(home, "state"),
  },
  cwd: project,
  stdio: ["ignore", "pipe", "pipe"],
});
children.push(server);
let serverStderr = "";
server.stderr.on("data", (chunk) => {
  serverStderr = (serverStderr + chunk).slice(-4000);
});
const url = new URL(await firstLine(server, /moor listening on (\S+)/));

// --- HTTP: every non-2xx answer and every failed request is an error.
const errors = new Map();
let errorCount = 0;
const noteError = (what) => {
  errorCount++;
  errors.set(what, (errors.get(what) ?? 0) + 1);
};
const agent = new Agent({ keepAlive: true, maxSockets: sessionCount + 8 });
let keepAliveRetries = 0;
function send(method, path, payload, retried = false) {
  return new Promise((resolve) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, method, path, agent, headers: { "content-type": "application/json" } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk) => {
          text += chunk;
        });
        res.on("end", () => {
          if (res.statusCode >= 300) {
            noteError(`${method} ${path.replace(/ses_\w+/, ":id")} → ${res.statusCode} ${text.slice(0, 200)}`);
            resolve(undefined);
          } else resolve(text ? JSON.parse(text) : null);
        });
      },
    );
    req.on("error", (error) => {
      // A kept-alive connection the server closed for idleness just as this request went out on it: the request
      // never reached the server, and Node's documentation says to retry it (once) on a new connection.
      if (error.code === "ECONNRESET" && req.reusedSocket && !retried) {
        keepAliveRetries++;
        return resolve(send(method, path, payload, true));
      }
      noteError(`${method} ${path.replace(/ses_\w+/, ":id")}: ${error.message}`);
      resolve(undefined);
    });
    req.end(payload === undefined ? undefined : JSON.stringify(payload));
  });
}

// --- SSE clients: each checks that the sequence numbers of the bus events it receives go up by exactly one.
const seqOf = (id) => Number(id.slice(id.lastIndexOf("-") + 1));

class Watcher {
  constructor(index, flappy) {
    this.index = index;
    this.flappy = flappy;
    this.lastId = undefined;
    this.lastSeq = undefined;
    this.frames = 0;
    this.lost = 0;
    this.duplicated = 0;
    this.resyncs = 0;
    this.reconnects = 0;
    this.drops = 0;
    this.stopped = false;
    this.waiting = new Map();
  }

  connect() {
    if (this.stopped) return;
    const headers = this.lastId ? { "last-event-id": this.lastId } : {};
    this.connectedAt = Date.now();
    this.respondedAt = undefined;
    const req = httpRequest({ host: url.hostname, port: url.port, path: "/event", headers, agent: false }, (res) => {
      this.respondedAt = Date.now();
      if (res.statusCode !== 200) {
        noteError(`GET /event → ${res.statusCode}`);
        res.resume();
        return this.retry();
      }
      res.setEncoding("utf8");
      let buffer = "";
      res.on("data", (chunk) => {
        buffer += chunk;
        for (let end = buffer.indexOf("\n\n"); end !== -1; end = buffer.indexOf("\n\n")) {
          this.frame(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      });
      res.on("end", () => {
        if (this.req !== req) return;
        // The server ended the stream (a slow-client cut announces itself with server.resync first).
        this.drops++;
        this.retry();
      });
      res.on("error", () => {});
    });
    req.on("error", (error) => {
      if (this.req !== req) return;
      noteError(`GET /event: ${error.message}`);
      this.retry();
    });
    req.end();
    this.req = req;
  }

  retry() {
    this.req = undefined;
    if (!this.stopped) setTimeout(() => this.connect(), 100);
  }

  /** Drops the connection as a flaky network would, and comes back with Last-Event-ID after a moment. */
  flap() {
    // Only an established stream: under load a new connection can wait seconds for its answer, and cutting it
    // again before then would starve the client of events without telling anything about delivery.
    if (!this.req || this.respondedAt === undefined || this.stopped) return;
    const req = this.req;
    this.req = undefined;
    req.destroy();
    this.reconnects++;
    setTimeout(() => this.connect(), Math.random() * 300);
  }

  frame(text) {
    const idLine = text.startsWith("id: ") ? text.slice(4, text.indexOf("\n")) : undefined;
    if (!idLine) return;
    this.frames++;
    this.lastFrameAt = Date.now();
    const seq = seqOf(idLine);
    const dataAt = text.indexOf("data: ");
    const data = dataAt === -1 ? "" : text.slice(dataAt + 6);
    // The stream's own frames (connected, heartbeat, resync, disposed) carry the current position, not an event.
    if (data.startsWith('{"type":"server.')) {
      if (data.startsWith('{"type":"server.resync"')) {
        this.resyncs++;
        this.lastSeq = seq;
        this.lastId = idLine;
      } else if (this.lastSeq === undefined && data.startsWith('{"type":"server.connected"')) {
        this.lastSeq = seq;
        this.lastId = idLine;
      }
      return;
    }
    if (this.lastSeq !== undefined) {
      if (seq <= this.lastSeq) this.duplicated++;
      else if (seq > this.lastSeq + 1) this.lost += seq - this.lastSeq - 1;
    }
    if (this.lastSeq === undefined || seq > this.lastSeq) {
      this.lastSeq = seq;
      this.lastId = idLine;
    }
    for (const [marker, resolve] of this.waiting) {
      if (data.includes(marker)) {
        this.waiting.delete(marker);
        resolve(seq);
      }
    }
  }

  /** Resolves with the sequence number of the first event whose data contains `marker`. */
  seen(marker, timeoutMs) {
    return new Promise((resolve) => {
      this.waiting.set(marker, resolve);
      setTimeout(() => {
        if (this.waiting.delete(marker)) resolve(undefined);
      }, timeoutMs);
    });
  }

  stop() {
    this.stopped = true;
    this.req?.destroy();
    this.req = undefined;
  }
}

const log = (message) => process.stderr.write(`soak: ${message}\n`);
log(`moor ${url.origin} (pid ${server.pid}), fake model ${llmUrl}; ${minutes} min`);

const watchers = Array.from({ length: clientCount }, (_, i) => new Watcher(i, i < flappyCount));
for (const watcher of watchers) watcher.connect();
const created = await Promise.all(
  Array.from({ length: sessionCount }, (_, i) => send("POST", "/session", { title: `soak ${i}` })),
);
const sessions = created.filter(Boolean).map((session) => session.id);
if (sessions.length === 0) {
  console.error(`soak: no session could be created: ${[...errors.keys()].join("; ")}\n${serverStderr}`);
  cleanup();
  process.exit(1);
}

let turns = 0;
async function wave() {
  await Promise.all(
    sessions.map(async (id) => {
      const reply = await send("POST", `/session/${id}/message`, {
        parts: [{ type: "text", text: `MOCK_TOKENS ${tokens}` }],
      });
      if (reply) turns++;
    }),
  );
}

// Warm-up wave (the provider loads on the first turn), then the start figure.
await wave();
await sleep(500);
const rss = { start: rssMb(server.pid), middle: Number.NaN, end: Number.NaN, max: 0 };
const started = Date.now();
const deadline = started + minutes * 60_000;
let middleTaken = false;
const sampler = setInterval(() => {
  rss.max = Math.max(rss.max, rssMb(server.pid));
  if (!middleTaken && Date.now() >= started + (deadline - started) / 2) {
    middleTaken = true;
    rss.middle = rssMb(server.pid);
  }
}, 1000);
// How long a new client waits under load: time to the answer's headers of /global/health and of a new /event.
const probes = { health: [], event: [] };
function probe(path, into) {
  const sent = performance.now();
  const req = httpRequest({ host: url.hostname, port: url.port, path, agent: false }, () => {
    into.push(performance.now() - sent);
    req.destroy();
  });
  req.on("error", () => {});
  req.end();
}
const prober = setInterval(() => {
  probe("/global/health", probes.health);
  probe("/event", probes.event);
}, 2000);
const flapper = setInterval(() => {
  for (const watcher of watchers) if (watcher.flappy && Math.random() < 0.15) watcher.flap();
}, 1000);
let waves = 1;
let lastReport = Date.now();
while (Date.now() < deadline) {
  await wave();
  waves++;
  if (Date.now() - lastReport > 15_000) {
    lastReport = Date.now();
    const elapsed = Math.round((Date.now() - started) / 1000);
    log(`${elapsed}s: ${waves} waves, ${turns} turns, ${errorCount} errors, RSS ${Math.round(rssMb(server.pid))} MB`);
  }
}
clearInterval(flapper);
clearInterval(prober);
if (!middleTaken) rss.middle = rssMb(server.pid);

// Every client must reach the last event: a rename published after all the turns, seen by everyone, in sequence.
await sleep(1000);
const marker = `soak-end-${Date.now()}`;
// A saturated server (the probes above say how saturated) may take tens of seconds to drain what it queued.
const reached = Promise.all(watchers.map((watcher) => watcher.seen(marker, 90_000)));
await send("PATCH", `/session/${sessions[0]}`, { title: marker });
const markerSeqs = await reached;
const stalled = markerSeqs.filter((seq) => seq === undefined).length;
const stalledDetails = watchers
  .filter((_, i) => markerSeqs[i] === undefined)
  .map((w) => {
    const ago = (at) => (at ? `${Math.round((Date.now() - at) / 1000)} s ago` : "never");
    return `client ${w.index}${w.flappy ? " (reconnecting)" : ""}: last event ${w.lastId}, last frame ${ago(w.lastFrameAt)}, connection opened ${ago(w.connectedAt)}, answered ${ago(w.respondedAt)}`;
  });
await sleep(500);
rss.end = rssMb(server.pid);
clearInterval(sampler);
rss.max = Math.max(rss.max, rss.end);
for (const watcher of watchers) watcher.stop();
agent.destroy();
const serverAlive = server.exitCode === null;
const exitCode = await stopServer(server);

const sum = (key) => watchers.reduce((total, watcher) => total + watcher[key], 0);
const lost = sum("lost");
const duplicated = sum("duplicated");
const withLoss = watchers.filter((watcher) => watcher.lost > 0).length;
const withDup = watchers.filter((watcher) => watcher.duplicated > 0).length;
const lastSeq = Math.max(...markerSeqs.filter((seq) => seq !== undefined), 0);
const round = (value) => Math.round(value * 10) / 10;
const elapsedMin = (Date.now() - started) / 60_000;

console.log(
  `soak: ${round(elapsedMin)} min, ${sessions.length} sessions, ${clientCount} SSE clients (${flappyCount} reconnecting)`,
);
console.log(`turns: ${turns} in ${waves} waves; events published: ${lastSeq}; frames received: ${sum("frames")}`);
console.log(
  `HTTP errors: ${errorCount} (requests retried after a kept-alive connection closed under them: ${keepAliveRetries})`,
);
for (const [what, count] of [...errors].slice(0, 10)) console.log(`  ${count}× ${what}`);
const spread = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p) => round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN);
  return `median ${at(0.5)} ms, max ${at(1)} ms (${sorted.length} probes)`;
};
console.log(`time to headers under load: /global/health ${spread(probes.health)}; new /event ${spread(probes.event)}`);
console.log(
  `SSE: reconnects with Last-Event-ID ${sum("reconnects")}, server resyncs ${sum("resyncs")}, streams ended by the server ${sum("drops")}`,
);
console.log(
  `lost events: ${lost} (clients ${withLoss}); duplicated: ${duplicated} (clients ${withDup}); clients that never saw the last event: ${stalled}`,
);
console.log(
  `RSS MB: start ${round(rss.start)}, middle ${round(rss.middle)}, end ${round(rss.end)}, max ${round(rss.max)}; growth ${round(rss.end - rss.start)} MB (${round(((rss.end - rss.start) / rss.start) * 100)}%)`,
);
for (const line of stalledDetails.slice(0, 8)) console.log(`  ${line}`);
if (!serverAlive) console.log(`the server exited during the run: ${serverStderr}`);
else if (exitCode !== 0) console.log(`the server did not exit 0 within 10 s of SIGTERM (${exitCode}): ${serverStderr}`);
console.log(
  `RESULT minutes=${round(elapsedMin)} turns=${turns} events=${lastSeq} http_errors=${errorCount} lost=${lost} duplicated=${duplicated} stalled=${stalled} resyncs=${sum("resyncs")} reconnects=${sum("reconnects")} rss_start_mb=${round(rss.start)} rss_middle_mb=${round(rss.middle)} rss_end_mb=${round(rss.end)} rss_growth_mb=${round(rss.end - rss.start)}`,
);
cleanup();
process.exit(errorCount + lost + duplicated + stalled > 0 || !serverAlive || exitCode !== 0 ? 1 : 0);
