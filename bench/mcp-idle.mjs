// npm run bench:mcp: what two idle MCP servers cost `moor serve` (issue 15's budget: cold start and idle RSS
// within 10% of the figures without). Both variants start the same way; cold start is the median of 5 starts to
// a healthy server; idle RSS is moor's own process once both servers are connected (the servers are processes
// of their own, printed beside it).
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = join(root, "bin/moor.cjs");
const server = join(root, "test/fakes/mcp-stdio-server.mjs");
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const round = (value) => Math.round(value * 10) / 10;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

function rssMb(pid) {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

function childrenOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(" ").filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function firstLine(child, pattern) {
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const match = pattern.exec(out);
      if (match) resolve(match[1]);
    });
    child.once("exit", (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
}

async function healthy(url) {
  for (;;) {
    const ok = await fetch(`${url}/global/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await sleep(2);
  }
}

async function variant(name, mcp) {
  const home = mkdtempSync(join(tmpdir(), `moor-bench-mcp-${name}-`));
  mkdirSync(join(home, "config"), { recursive: true });
  writeFileSync(join(home, "config", "moor.json"), JSON.stringify({ model: "none/none", ...(mcp ? { mcp } : {}) }));
  const env = {
    ...process.env,
    HOME: home,
    MOOR_CONFIG_DIR: join(home, "config"),
    MOOR_DATA_DIR: join(home, "data"),
    MOOR_STATE_DIR: join(home, "state"),
  };
  const starts = [];
  let last;
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    const child = spawn(bin, ["serve", "--port", "0"], { env, cwd: home, stdio: ["ignore", "pipe", "inherit"] });
    const url = await firstLine(child, /moor listening on (\S+)/);
    await healthy(url);
    starts.push(performance.now() - started);
    if (i < RUNS - 1) {
      await new Promise((resolve) => {
        child.once("exit", resolve);
        child.kill("SIGTERM");
      });
    } else last = { child, url };
  }
  if (mcp) {
    for (;;) {
      const status = await (await fetch(`${last.url}/mcp`)).json();
      if (Object.values(status).every((entry) => entry.status === "connected")) break;
      await sleep(50);
    }
  }
  await sleep(1000);
  const own = rssMb(last.child.pid);
  const servers = childrenOf(last.child.pid).reduce((sum, pid) => sum + rssMb(pid), 0);
  await new Promise((resolve) => {
    last.child.once("exit", resolve);
    last.child.kill("SIGTERM");
  });
  rmSync(home, { recursive: true, force: true });
  return { cold_start_ms: median(starts), idle_rss_mb: own, mcp_servers_rss_mb: servers };
}

const local = (label) => ({ type: "local", command: [process.execPath, server, label] });
const without = await variant("without", undefined);
const withMcp = await variant("with", { one: local("one"), two: local("two") });
console.log("figure              without   with 2 idle MCP   ratio   budget");
for (const key of ["cold_start_ms", "idle_rss_mb"]) {
  const ratio = withMcp[key] / without[key];
  console.log(
    `${key.padEnd(18)} ${String(round(without[key])).padStart(8)} ${String(round(withMcp[key])).padStart(17)} ${ratio.toFixed(2).padStart(7)}   ≤ 1.10 ${ratio <= 1.1 ? "ok" : "OVER"}`,
  );
}
console.log(`(the two MCP servers' own processes: ${round(withMcp.mcp_servers_rss_mb)} MB)`);
process.exit(0);
