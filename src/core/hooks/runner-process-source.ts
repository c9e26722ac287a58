// The code of the hook runner: a small Node process of its own (hook-runner.ts starts it on the first hook) that
// starts every hook command. Starting a process from the server itself forks the whole server (100+ MB of heap):
// even from a worker thread, each fork stalls the server's own thread on its memory (the page tables copied, then
// a copy-on-write fault on every page it writes next) for tens of ms. Forked from this small process instead, a
// hook costs the server one message each way.
//
// Protocol (Node's IPC channel, JSON): the server sends `{runs: [...]}` (run one after the other, in order, each
// result sent as it ends) or `{kill: id}` (end that run as its timeout would). Each run is `{id, command, file?,
// args?, cwd, env, input, timeoutMs}`: with `file`, the program is executed directly (the command has no
// shell syntax, plain-command.ts), and if that cannot start, `/bin/sh -c command` runs instead, so the shell's own
// answer (exit 127, "not found") is what the hook gets. Each run is in a process group of its own, killed (SIGTERM,
// then SIGKILL) at its timeout. When the channel closes (the server ended, even killed), every running hook's group
// is killed and this process exits. Started with a niceness (its argument), it runs at it, and so does every hook it
// starts: the runner of the hooks off the turn's path yields the CPU to the turns.
//
// CommonJS in a string, run with `node -e`: it runs the same from src (tests) and from the bundle.
export const RUNNER_PROCESS_SOURCE = `
"use strict";
const { spawn } = require("node:child_process");
const { writeFileSync } = require("node:fs");
const { setPriority } = require("node:os");
// The niceness this runner and every hook it starts run at (its one argument; 0 is normal priority).
const NICE = Number(process.argv[1]) || 0;
if (NICE) { try { setPriority(0, NICE); } catch {} }
const CAP = 64 * 1024;
const GRACE = 1000;
const running = new Map();
// Runs of a batch not started yet; a kill for one of them means it never starts.
const waiting = new Set();
const cancelled = new Set();
function signal(pid, sig) { if (!pid) return; try { process.kill(-pid, sig); } catch {} }
// A result for a server already gone is dropped (the callback takes the error an unheard send would throw).
function send(message) { try { process.send(message, () => {}); } catch {} }
function start(run) {
  const options = { cwd: run.cwd, env: run.env, detached: true, stdio: ["pipe", "pipe", "pipe"] };
  if (run.file) {
    let child;
    try { child = spawn(run.file, run.args, options); } catch {}
    if (child && child.pid !== undefined) return child;
    if (child) child.on("error", () => {});
  }
  return spawn("/bin/sh", ["-c", run.command], options);
}
function runOne(run) {
  return new Promise((done) => {
    const { id } = run;
    waiting.delete(id);
    if (cancelled.delete(id)) {
      send({ id, exit: null, stdout: "", stderr: "", ms: 0, timedOut: false, startError: "ended before it started" });
      done();
      return;
    }
    const started = performance.now();
    let stdout = "", stderr = "", timedOut = false, stopped = false, settled = false, hardStop, timer;
    let child;
    try {
      child = start(run);
    } catch (error) {
      send({ id, exit: null, stdout, stderr, ms: 0, timedOut, startError: String(error && error.message) });
      done();
      return;
    }
    // The hook inherited the runner's niceness, but its new session (its own process group) put it in an
    // autogroup of its own on Linux, which the scheduler weighs as any other: that group gets the niceness too.
    if (NICE && child.pid !== undefined) { try { writeFileSync("/proc/" + child.pid + "/autogroup", String(NICE)); } catch {} }
    const finish = (exit, startError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer); clearTimeout(hardStop); running.delete(id);
      send({ id, exit, stdout, stderr, ms: performance.now() - started, timedOut, startError, pid: child.pid });
      done();
    };
    const stop = (now) => {
      if (now) { signal(child.pid, "SIGKILL"); return; }
      if (stopped) return;
      stopped = true;
      signal(child.pid, "SIGTERM");
      hardStop = setTimeout(() => { signal(child.pid, "SIGKILL"); setTimeout(() => finish(null), GRACE).unref(); }, GRACE);
      hardStop.unref();
    };
    timer = setTimeout(() => { timedOut = true; stop(); }, run.timeoutMs);
    running.set(id, (now) => { clearTimeout(timer); stop(now); });
    child.stdout.on("data", (chunk) => { if (stdout.length < CAP) stdout += chunk.toString("utf8").slice(0, CAP - stdout.length); });
    child.stderr.on("data", (chunk) => { if (stderr.length < CAP) stderr += chunk.toString("utf8").slice(0, CAP - stderr.length); });
    child.stdin.on("error", () => {});
    child.stdin.end(run.input);
    child.on("error", (error) => finish(null, error.message));
    child.on("close", (code) => finish(stopped ? null : code));
  });
}
process.on("message", async (message) => {
  if (message.kill !== undefined) {
    const stop = running.get(message.kill);
    if (stop) stop(false);
    else if (waiting.has(message.kill)) cancelled.add(message.kill);
    return;
  }
  for (const run of message.runs) waiting.add(run.id);
  for (const run of message.runs) await runOne(run);
});
process.on("disconnect", () => {
  for (const stop of running.values()) stop(true);
  process.exit(0);
});
`;
