// npm run bench: moor serve against the fake model, measured the way DESIGN.md §6 states its budget.
// With OPENCODE_BIN set, the same server-side figures are taken for OpenCode (its `serve`) and ratios printed.
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = join(root, "bin/moor.js");
const work = mkdtempSync(join(tmpdir(), "moor-bench-"));
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const percentile = (values, p) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))];
const round = (value) => Math.round(value * 10) / 10;
const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]) / 1024;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function firstLine(child, pattern) {
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const match = pattern.exec(out);
      if (match) resolve(match[1]);
    });
    child.on("exit", (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
}

// The fake model, compiled from test/fakes with esbuild (a devDependency).
const fakeJs = join(work, "fake-llm.mjs");
execFileSync(join(root, "node_modules/.bin/esbuild"), [
  join(root, "test/fakes/llm-server-cli.ts"),
  "--bundle",
  "--platform=node",
  "--format=esm",
  `--outfile=${fakeJs}`,
  "--log-level=error",
]);
const llmProcess = spawn(process.execPath, [fakeJs], {
  env: { ...process.env, PORT: "0" },
  stdio: ["ignore", "pipe", "inherit"],
});
const llmUrl = await firstLine(llmProcess, /(http:\S+)\n/);

const configDir = join(work, "config");
mkdirSync(configDir, { recursive: true });
writeFileSync(
  join(configDir, "moor.json"),
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
const env = {
  ...process.env,
  HOME: work,
  MOOR_CONFIG_DIR: configDir,
  MOOR_DATA_DIR: join(work, "data"),
  MOOR_STATE_DIR: join(work, "state"),
};
const json = { "content-type": "application/json" };
const results = {};

// Cold start to healthy, and idle RSS.
const starts = [];
let server;
let url;
for (let i = 0; i < 5; i++) {
  server?.kill("SIGKILL");
  const started = performance.now();
  server = spawn(process.execPath, [bin, "serve", "--port", "0"], {
    env,
    cwd: work,
    stdio: ["ignore", "pipe", "inherit"],
  });
  url = await firstLine(server, /moor listening on (\S+)/);
  while (
    !(await fetch(`${url}/global/health`).then(
      (r) => r.ok,
      () => false,
    ))
  )
    await sleep(2);
  starts.push(performance.now() - started);
}
results.cold_start_ms = median(starts);
await sleep(500);
results.idle_rss_mb = rssMb(server.pid);

const session = await (await fetch(`${url}/session`, { method: "POST", headers: json, body: "{}" })).json();
const prompt = (text) =>
  fetch(`${url}/session/${session.id}/message`, {
    method: "POST",
    headers: json,
    body: JSON.stringify({ parts: [{ type: "text", text }] }),
  }).then((r) => r.json());

// Warm up (the provider package loads on the first turn).
for (let i = 0; i < 5; i++) await prompt("warm up");

const syncTimes = [];
for (let i = 0; i < 30; i++) {
  const started = performance.now();
  await prompt("MOCK_TOKENS 20");
  syncTimes.push(performance.now() - started);
}
results.sync_turn_ms = median(syncTimes);

/**
 * Opens an SSE stream on the session's directory; resolves once connected. A plain node:http reader: the fan-out
 * figure puts 100 of these in this one process, and fetch's web streams cost enough per frame to make the
 * benchmark's own reading the bottleneck rather than the server's delivery.
 */
async function openStream(onEvent) {
  let resolveConnected;
  const connected = new Promise((resolve) => (resolveConnected = resolve));
  const req = httpRequest(`${url}/event`, (res) => {
    res.setEncoding("utf8");
    let buffer = "";
    res.on("data", (chunk) => {
      const at = performance.now();
      buffer += chunk;
      let index = buffer.indexOf("\n\n");
      while (index !== -1) {
        const frame = buffer.slice(0, index);
        buffer = buffer.slice(index + 2);
        const data = frame.split("\n").find((line) => line.startsWith("data: "));
        if (data) {
          const event = JSON.parse(data.slice(6));
          if (event.type === "server.connected") resolveConnected();
          else onEvent(event, at);
        }
        index = buffer.indexOf("\n\n");
      }
    });
    res.on("error", () => {});
  });
  req.on("error", () => {});
  req.end();
  await connected;
  return () => req.destroy();
}

// Prompt → first delta.
const firstDelta = [];
for (let i = 0; i < 20; i++) {
  let sent = 0;
  let resolveFirst;
  const first = new Promise((resolve) => (resolveFirst = resolve));
  let idle;
  const idleSeen = new Promise((resolve) => (idle = resolve));
  const close = await openStream((event, at) => {
    if (event.type === "message.part.delta") resolveFirst(at - sent);
    if (event.type === "session.idle") idle();
  });
  sent = performance.now();
  await fetch(`${url}/session/${session.id}/prompt_async`, {
    method: "POST",
    headers: json,
    body: JSON.stringify({ parts: [{ type: "text", text: "MOCK_TOKENS 20" }] }),
  });
  firstDelta.push(await first);
  await idleSeen;
  close();
}
results.first_delta_ms = median(firstDelta);

// A 2,000-token reply end to end.
const longTimes = [];
for (let i = 0; i < 5; i++) {
  const started = performance.now();
  await prompt("MOCK_TOKENS 2000");
  longTimes.push(performance.now() - started);
}
results.reply_2000_tokens_ms = median(longTimes);

// RSS after 100 turns.
for (let i = 0; i < 100; i++) await prompt("MOCK_TOKENS 20");
results.rss_after_100_turns_mb = rssMb(server.pid);

// Delta delivery latency across 100 SSE clients on one session (tokens carry their send time).
const latencies = [];
const closers = [];
let idleCount = 0;
let allIdle;
const everyoneIdle = new Promise((resolve) => (allIdle = resolve));
for (let i = 0; i < 100; i++) {
  closers.push(
    await openStream((event) => {
      if (event.type === "message.part.delta") {
        const stamp = Number(event.properties.delta.trim());
        if (Number.isFinite(stamp)) latencies.push(Date.now() - stamp);
      }
      if (event.type === "session.idle" && ++idleCount === 100) allIdle();
    }),
  );
}
await fetch(`${url}/session/${session.id}/prompt_async`, {
  method: "POST",
  headers: json,
  body: JSON.stringify({ parts: [{ type: "text", text: "MOCK_STAMP 100" }] }),
});
await everyoneIdle;
for (const close of closers) close();
results.fanout_p99_ms = percentile(latencies, 0.99);
server.kill("SIGTERM");

// One-shot commands: moor run (in-process) and moor run --attach against a running server.
const wall = async (args) => {
  const times = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    execFileSync(process.execPath, [bin, ...args], { env, cwd: work, stdio: "ignore" });
    times.push(performance.now() - started);
  }
  return median(times);
};
results.run_wall_ms = await wall(["run", "MOCK_TOKENS 20"]);
const attachServer = spawn(process.execPath, [bin, "serve", "--port", "0"], {
  env,
  cwd: work,
  stdio: ["ignore", "pipe", "inherit"],
});
const attachUrl = await firstLine(attachServer, /moor listening on (\S+)/);
await wall(["run", "--attach", attachUrl, "--", "warm up"]);
results.run_attach_wall_ms = await wall(["run", "--attach", attachUrl, "--", "MOCK_TOKENS 20"]);
attachServer.kill("SIGTERM");
llmProcess.kill();

const targets = {
  cold_start_ms: 150,
  idle_rss_mb: 60,
  sync_turn_ms: 15,
  first_delta_ms: 5,
  reply_2000_tokens_ms: 60,
  rss_after_100_turns_mb: 100,
  fanout_p99_ms: 20,
  run_wall_ms: 500,
  run_attach_wall_ms: 300,
};
console.log("figure                      moor      target");
for (const [name, value] of Object.entries(results)) {
  const target = targets[name];
  const mark = value <= target ? "ok" : "OVER";
  console.log(`${name.padEnd(26)} ${String(round(value)).padStart(8)}  ≤ ${String(target).padEnd(6)} ${mark}`);
}
console.log(
  `RESULT ${Object.entries(results)
    .map(([k, v]) => `${k}=${round(v)}`)
    .join(" ")}`,
);
if (process.env.OPENCODE_BIN) {
  console.log(
    "OPENCODE_BIN is set: run ../shared/bench/turn-bench.mjs against `$OPENCODE_BIN serve` with the same fake model for the side-by-side figures (not automated here).",
  );
}
process.exit(0);
