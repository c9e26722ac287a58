// Where hook commands are started: a worker thread, started on the first hook. Node's spawn() forks in the calling
// thread and blocks its event loop meanwhile (tens of ms on a loaded machine); in the worker, a session.idle hook's
// start no longer delays the next turn's first token. The worker runs each command as `/bin/sh -c` in a
// process group of its own, killed (SIGTERM, then SIGKILL) at the timeout or when asked.
import { Worker } from "node:worker_threads";

export interface HookCommand {
  command: string;
  cwd: string;
  env: Record<string, string | undefined>;
  input: string;
  timeoutMs: number;
  /** Ends the run as its timeout would (the turn was aborted, moor shuts down). */
  signal?: AbortSignal;
}

export interface HookRunResult {
  /** The exit code; null when it was killed or could not start. */
  exit: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  timedOut: boolean;
  /** Why it failed to start. */
  startError?: string;
  /** The process group it ran in (a test checks it is gone after a timeout). */
  pid?: number;
}

/** The worker's code, CommonJS evaluated as a string so it runs the same from src (tests) and dist. */
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const { spawn } = require("node:child_process");
const CAP = 64 * 1024;
const GRACE = 1000;
const runs = new Map();
function signal(pid, sig) { if (!pid) return; try { process.kill(-pid, sig); } catch {} }
parentPort.on("message", (message) => {
  if (message.kill !== undefined) { runs.get(message.kill)?.(); return; }
  const { id, command, cwd, env, input, timeoutMs } = message;
  const started = performance.now();
  let stdout = "", stderr = "", timedOut = false, stopped = false, settled = false, hardStop;
  let child;
  try {
    child = spawn("/bin/sh", ["-c", command], { cwd, detached: true, stdio: ["pipe", "pipe", "pipe"], env });
  } catch (error) {
    parentPort.postMessage({ id, exit: null, stdout, stderr, ms: 0, timedOut, startError: String(error && error.message) });
    return;
  }
  const finish = (exit, startError) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer); clearTimeout(hardStop); runs.delete(id);
    parentPort.postMessage({ id, exit, stdout, stderr, ms: performance.now() - started, timedOut, startError, pid: child.pid });
  };
  const stop = () => {
    if (stopped) return;
    stopped = true;
    signal(child.pid, "SIGTERM");
    hardStop = setTimeout(() => { signal(child.pid, "SIGKILL"); setTimeout(() => finish(null), GRACE).unref(); }, GRACE);
    hardStop.unref();
  };
  const timer = setTimeout(() => { timedOut = true; stop(); }, timeoutMs);
  runs.set(id, () => { clearTimeout(timer); stop(); });
  child.stdout.on("data", (chunk) => { if (stdout.length < CAP) stdout += chunk.toString("utf8").slice(0, CAP - stdout.length); });
  child.stderr.on("data", (chunk) => { if (stderr.length < CAP) stderr += chunk.toString("utf8").slice(0, CAP - stderr.length); });
  child.stdin.on("error", () => {});
  child.stdin.end(input);
  child.on("error", (error) => finish(null, error.message));
  child.on("close", (code) => finish(stopped ? null : code));
});
`;

export class HookSpawner {
  private worker: Worker | undefined;
  private next = 0;
  private readonly waiting = new Map<number, (result: HookRunResult) => void>();

  run(hook: HookCommand): Promise<HookRunResult> {
    const worker = this.start();
    const id = this.next++;
    return new Promise((resolve) => {
      const onAbort = () => worker.postMessage({ kill: id });
      this.waiting.set(id, (result) => {
        hook.signal?.removeEventListener("abort", onAbort);
        resolve(result);
      });
      if (this.waiting.size === 1) worker.ref();
      const env = Object.fromEntries(
        Object.entries({ ...hook.env, CDPATH: undefined }).filter(([, v]) => v !== undefined),
      );
      worker.postMessage({
        id,
        command: hook.command,
        cwd: hook.cwd,
        env,
        input: hook.input,
        timeoutMs: hook.timeoutMs,
      });
      if (hook.signal?.aborted) onAbort();
      else hook.signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Ends the worker (moor shuts down); runs still waiting end as failed. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
    for (const [id, resolve] of this.waiting) {
      this.waiting.delete(id);
      resolve({ exit: null, stdout: "", stderr: "", ms: 0, timedOut: false, startError: "moor shut down" });
    }
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.on("message", (result: HookRunResult & { id: number }) => {
      const resolve = this.waiting.get(result.id);
      this.waiting.delete(result.id);
      // An idle worker does not keep the process alive.
      if (this.waiting.size === 0) worker.unref();
      const { id: _, ...rest } = result;
      resolve?.(rest);
    });
    worker.on("error", () => {
      // The worker died: what waited for it failed; the next hook starts a new one.
      if (this.worker === worker) this.worker = undefined;
      for (const [id, resolve] of this.waiting) {
        this.waiting.delete(id);
        resolve({ exit: null, stdout: "", stderr: "", ms: 0, timedOut: false, startError: "the hook runner failed" });
      }
    });
    worker.unref();
    this.worker = worker;
    return worker;
  }
}
