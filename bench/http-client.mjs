// The bench's side of the HTTP API, shared by bench/run.mjs and the parts runnable alone (hooks, cluster, snapshots): kept
// small, so the benchmark's own work does not become what it measures.
import { Agent, request as httpRequest } from "node:http";

const json = { "content-type": "application/json" };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitHealthy(url) {
  for (;;) {
    // A server may accept connections before it answers them (OpenCode does on its first start): poll, with a cap.
    const ok = await fetch(`${url}/global/health`, { signal: AbortSignal.timeout(1000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await sleep(2);
  }
}

/**
 * Opens an SSE stream (`path`, the server's default directory's /event unless given); resolves once connected, with
 * its closer; `onEvent(event, at)` for each event but server.connected. A plain node:http reader: the
 * fan-out figure puts 100 of these in this one process, and fetch's web streams cost enough per frame to make
 * the benchmark's own reading the bottleneck rather than the server's delivery.
 */
export async function openStream(url, onEvent, path = "/event") {
  let resolveConnected;
  const connected = new Promise((resolve) => (resolveConnected = resolve));
  const req = httpRequest(`${url}${path}`, (res) => {
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

/**
 * A JSON request over a kept-alive node:http connection (null for an empty reply). Like the SSE reader, it keeps
 * the benchmark's own work small: fetch's processing of the prompt's reply competed with the delta it was timing.
 */
const agent = new Agent({ keepAlive: true });
export function send(url, method, path, payload) {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}${path}`, { method, agent, headers: json }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => {
        text += chunk;
      });
      res.on("end", () => {
        if (res.statusCode >= 400) reject(new Error(`${method} ${path}: ${res.statusCode} ${text}`));
        else resolve(text ? JSON.parse(text) : null);
      });
    });
    req.on("error", reject);
    req.end(JSON.stringify(payload));
  });
}

/** Ends the kept-alive connections (a part run alone then lets its process exit). */
export function closeConnections() {
  agent.destroy();
}

export const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** The median wall time of `runs` sequential runs of `work`. */
export async function medianMs(runs, work) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await work();
    times.push(performance.now() - started);
  }
  return median(times);
}
