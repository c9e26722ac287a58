// SSE clients for bench/scale.mjs, in a process of their own: a thousand readers parsing frames beside the server
// (or beside the bench's own bookkeeping) would time their own CPU, not moor's fan-out. Started with a JSON config
// as argv[2] ({urls, timingEvery, timeoutMs}); prints `ready` once every stream is connected, then one JSON line
// ({latencies, errors, finished, cpuMs}) once every client saw its turn end (or the timeout passed), and exits.
import { Agent, request as httpRequest } from "node:http";

const { urls, timingEvery, timeoutMs } = JSON.parse(process.argv[2]);
const cpuAtStart = process.cpuUsage();
const latencies = [];
let errors = 0;
let finished = 0;
let allDone;
const done = new Promise((resolve) => (allDone = resolve));
const agent = new Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
const streams = [];
for (let i = 0; i < urls.length; i++) {
  streams.push(
    await openCountingStream(urls[i], i % timingEvery === 0, {
      onDelta: (stamps, at) => {
        for (const stamp of stamps) latencies.push(at - stamp);
      },
      onIdle: (count) => {
        if (count === 1 && ++finished === urls.length) allDone();
      },
      onError: () => errors++,
    }),
  );
}
process.stdout.write("ready\n");
const timedOut = await Promise.race([
  done.then(() => false),
  new Promise((resolve) => setTimeout(() => resolve(true), timeoutMs)),
]);
for (const stream of streams) stream.close();
const cpu = process.cpuUsage(cpuAtStart);
process.stdout.write(
  `${JSON.stringify({ latencies, errors, finished, timedOut, cpuMs: (cpu.user + cpu.system) / 1000 })}\n`,
);
process.exit(0);

/**
 * An SSE client on an /event URL, watching one session's turn. A timing client parses every delta frame; the
 * others only look for `session.idle` in the text (cheap).
 */
function openCountingStream(url, timing, { onDelta, onIdle, onError }) {
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
