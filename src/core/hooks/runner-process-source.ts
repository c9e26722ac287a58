// The code of the Node hook runner, the spawner moor falls back to where there is no perl on PATH (the Perl one,
// perl-spawner-source.ts, is ~7 MB resident where this one is ~50).
// Either way hooks are not started from the server itself, whose fork (100+ MB of heap) stalled the turns beside it.
// It speaks the Perl spawner's protocol (runner-protocol.ts; that file's header says what each frame does), with the
// same semantics: runs of a batch in order and answered together, direct execution of plain commands with
// `/bin/sh -c` as the fallback, a process group each, SIGTERM then SIGKILL at the timeout, everything killed when
// its stdin closes, and its argument as the niceness of it and of its hooks.
//
// CommonJS in a string, run with `node -e`: it runs the same from src (tests) and from the bundle.
export const RUNNER_PROCESS_SOURCE = `
"use strict";
const { spawn } = require("node:child_process");
const { writeFileSync, writeSync } = require("node:fs");
const { setPriority } = require("node:os");
const NICE = Number(process.argv[1]) || 0;
if (NICE) { try { setPriority(0, NICE); } catch {} }
const CAP = 64 * 1024;
const GRACE = 1000;
const running = new Map();
const waiting = new Set();
const cancelled = new Set();
let env = {};
// Every string it encodes is latin1, one character a byte, so a length is a byte count.
function encode(fields) { let out = ""; for (const f of fields) out += f.length + ":" + f; return out; }
function decode(payload) {
  const fields = [];
  for (let at = 0; at < payload.length;) {
    const colon = payload.indexOf(58, at);
    const size = Number(payload.toString("latin1", at, colon));
    fields.push(payload.subarray(colon + 1, colon + 1 + size));
    at = colon + 1 + size;
  }
  return fields;
}
function answer(fields) {
  const payload = Buffer.from(encode(fields), "latin1");
  try { writeSync(1, Buffer.concat([Buffer.from(payload.length + "\\n"), payload])); } catch { endAll(); }
}
function signal(pid, sig) { if (!pid) return; try { process.kill(-pid, sig); } catch {} }
function start(run, runEnv) {
  const options = { cwd: run.cwd, env: runEnv, detached: true, stdio: ["pipe", "pipe", "pipe"] };
  if (run.file) {
    let child;
    try { child = spawn(run.file, run.args, options); } catch {}
    if (child && child.pid !== undefined) return child;
    if (child) child.on("error", () => {});
  }
  return spawn("/bin/sh", ["-c", run.command], options);
}
// Results are latin1 strings holding the bytes as read, so that encode() counts bytes.
function result(id, exit, ms, timedOut, pid, startError, stdout, stderr) {
  return encode([id, exit === null ? "" : String(exit), ms.toFixed(3), timedOut ? "1" : "0", pid ? String(pid) : "",
    Buffer.from(startError || "").toString("latin1"), stdout, stderr]);
}
function runOne(spec, runEnv) {
  return new Promise((done) => {
    const [id, timeoutMs, cwd, command, input, file, ...args] = decode(spec).map((f) => f.toString());
    const run = { cwd, command, file, args };
    waiting.delete(id);
    if (cancelled.delete(id)) { done(result(id, null, 0, false, 0, "ended before it started", "", "")); return; }
    const started = performance.now();
    let stdout = "", stderr = "", timedOut = false, stopped = false, settled = false, hardStop, timer, child;
    try { child = start(run, runEnv); } catch (error) {
      done(result(id, null, 0, false, 0, String(error && error.message), "", ""));
      return;
    }
    if (NICE && child.pid !== undefined) { try { writeFileSync("/proc/" + child.pid + "/autogroup", String(NICE)); } catch {} }
    const finish = (exit, startError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer); clearTimeout(hardStop); running.delete(id);
      done(result(id, exit, performance.now() - started, timedOut, child.pid, startError, stdout, stderr));
    };
    const stop = (now) => {
      if (now) { signal(child.pid, "SIGKILL"); return; }
      if (stopped) return;
      stopped = true;
      signal(child.pid, "SIGTERM");
      hardStop = setTimeout(() => { signal(child.pid, "SIGKILL"); setTimeout(() => finish(null), GRACE).unref(); }, GRACE);
      hardStop.unref();
    };
    timer = setTimeout(() => { timedOut = true; stop(); }, Number(timeoutMs));
    running.set(id, stop);
    child.stdout.on("data", (chunk) => { if (stdout.length < CAP) stdout += chunk.toString("latin1").slice(0, CAP - stdout.length); });
    child.stderr.on("data", (chunk) => { if (stderr.length < CAP) stderr += chunk.toString("latin1").slice(0, CAP - stderr.length); });
    child.stdin.on("error", () => {});
    child.stdin.end(input);
    child.on("error", (error) => finish(null, error.message));
    child.on("close", (code) => finish(stopped ? null : code));
  });
}
async function runBatch(specs, runEnv) {
  const results = [];
  for (const spec of specs) results.push(await runOne(spec, runEnv));
  answer(["done", ...results]);
}
function onFrame(payload) {
  const [type, ...fields] = decode(payload);
  switch (type.toString()) {
    case "env":
      env = {};
      for (const field of fields) { const text = field.toString(); const at = text.indexOf("="); env[text.slice(0, at)] = text.slice(at + 1); }
      return;
    case "runs":
      for (const spec of fields) waiting.add(decode(spec)[0].toString());
      runBatch(fields, env);
      return;
    case "kill": {
      const id = fields[0].toString();
      const stop = running.get(id);
      if (stop) stop(false);
      else if (waiting.has(id)) cancelled.add(id);
      return;
    }
  }
}
function endAll() {
  for (const stop of running.values()) stop(true);
  process.exit(0);
}
let inbox = Buffer.alloc(0);
process.stdin.on("data", (chunk) => {
  inbox = inbox.length ? Buffer.concat([inbox, chunk]) : chunk;
  for (;;) {
    const newline = inbox.indexOf(10);
    if (newline === -1) break;
    const size = Number(inbox.toString("latin1", 0, newline));
    if (inbox.length < newline + 1 + size) break;
    const frame = inbox.subarray(newline + 1, newline + 1 + size);
    inbox = inbox.subarray(newline + 1 + size);
    onFrame(frame);
  }
});
process.stdin.on("end", endAll);
process.stdin.on("error", endAll);
`;
