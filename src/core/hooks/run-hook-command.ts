// Runs one hook command: `/bin/sh -c` in the session's directory, the event's JSON on stdin, in a process group of
// its own so that at its timeout the whole group (the shell and whatever it started) is ended: SIGTERM, then
// SIGKILL if it lingers. Never rejects: a command that cannot start, fails or times out is a result that says so.
import { spawn } from "node:child_process";

/** What is kept of each of stdout and stderr (a decision is a short JSON line; the rest is for the log and clients). */
const OUTPUT_CAP = 64 * 1024;
const KILL_GRACE_MS = 1000;

export interface HookCommand {
  command: string;
  cwd: string;
  env: Record<string, string | undefined>;
  input: string;
  timeoutMs: number;
  now: () => number;
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

export function runHookCommand(hook: HookCommand): Promise<HookRunResult> {
  const started = hook.now();
  return new Promise((resolve) => {
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    let settled = false;
    const child = spawn("/bin/sh", ["-c", hook.command], {
      cwd: hook.cwd,
      detached: true,
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...hook.env, CDPATH: undefined },
    });
    const finish = (exit: number | null, startError?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(hardStop);
      hook.signal?.removeEventListener("abort", onAbort);
      resolve({ exit, stdout, stderr, ms: hook.now() - started, timedOut, startError, pid: child.pid });
    };
    let hardStop: NodeJS.Timeout | undefined;
    const stop = () => {
      signalGroup(child.pid, "SIGTERM");
      hardStop = setTimeout(() => {
        signalGroup(child.pid, "SIGKILL");
        // Something outside the group may hold its pipes open: the run is over all the same.
        setTimeout(() => finish(null), KILL_GRACE_MS).unref();
      }, KILL_GRACE_MS);
      hardStop.unref();
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, hook.timeoutMs);
    timer.unref();
    const onAbort = () => {
      clearTimeout(timer);
      stop();
    };
    if (hook.signal?.aborted) onAbort();
    else hook.signal?.addEventListener("abort", onAbort, { once: true });
    child.stdout.on("data", (chunk: Buffer) => {
      if (stdout.length < OUTPUT_CAP) stdout += chunk.toString("utf8").slice(0, OUTPUT_CAP - stdout.length);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      if (stderr.length < OUTPUT_CAP) stderr += chunk.toString("utf8").slice(0, OUTPUT_CAP - stderr.length);
    });
    // A hook that does not read its input closes stdin early: that is not its failure.
    child.stdin.on("error", () => {});
    child.stdin.end(hook.input);
    child.on("error", (error) => finish(null, error.message));
    child.on("close", (code) => finish(timedOut || hook.signal?.aborted ? null : code));
  });
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}
