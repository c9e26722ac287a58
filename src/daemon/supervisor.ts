// The supervisor: runs `moor serve` as its child and restarts it when it exits abnormally, with exponential
// backoff (1 s doubling to 30 s, reset after 60 s of health). A clean stop (SIGTERM to the supervisor) is not
// restarted. Five crashes within 60 s is a crash loop: it stops trying and records why in daemon.json.
import { type ChildProcess, spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { createInterface } from "node:readline";
import { type DaemonFiles, type DaemonInfo, readDaemonInfo, writeDaemonInfo } from "./files.js";
import { acquireLock } from "./lock.js";

export interface SupervisorOptions {
  files: DaemonFiles;
  /** How to run moor: [node, bin/moor.cjs]. */
  command: string[];
  /** The server's environment (default: the supervisor's). */
  env?: NodeJS.ProcessEnv;
  serveArgs: string[];
  version: string;
  backoffBaseMs: number;
  now?: () => number;
  log?: (message: string) => void;
}

export const MAX_BACKOFF_MS = 30_000;
export const HEALTHY_RESET_MS = 60_000;
export const CRASH_LOOP_COUNT = 5;
export const CRASH_LOOP_WINDOW_MS = 60_000;

/** Replaces (or adds) `--port N`, so a restart comes back at the URL the first run got. */
export function withPort(args: string[], port: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--port") i++;
    else if (args[i].startsWith("--port=")) continue;
    else out.push(args[i]);
  }
  return [...out, "--port", port];
}

export async function runSupervisor(options: SupervisorOptions): Promise<number> {
  const now = options.now ?? Date.now;
  const log =
    options.log ??
    ((message: string) => process.stdout.write(`${new Date(now()).toISOString()} supervisor: ${message}\n`));
  const lock = acquireLock(options.files.lock);
  if (!lock.acquired) {
    log(`another supervisor (pid ${lock.holder}) holds ${options.files.lock}; exiting`);
    return 0;
  }
  let args = options.serveArgs;
  let child: ChildProcess | undefined;
  let stopping = false;
  let restarts = 0;
  const crashes: number[] = [];
  let info: DaemonInfo | undefined;

  const update = (patch: Partial<DaemonInfo>) => {
    info = { ...(info ?? readDaemonInfo(options.files) ?? emptyInfo(options, now())), ...patch };
    writeDaemonInfo(options.files, info);
  };
  update({ supervisorPid: process.pid, state: "starting", serveArgs: options.serveArgs, restarts: 0, pid: 0, url: "" });

  let wake = () => {};
  const stop = () => {
    if (stopping) return;
    stopping = true;
    wake();
    update({ state: "stopping" });
    child?.kill("SIGTERM");
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);

  for (;;) {
    const started = now();
    child = spawn(options.command[0], [...options.command.slice(1), "serve", ...args], {
      stdio: ["ignore", "pipe", "inherit"],
      env: options.env ?? process.env,
    });
    const lines = createInterface({ input: child.stdout! });
    lines.on("line", (line) => {
      process.stdout.write(`${line}\n`);
      const match = /moor listening on (\S+)/.exec(line);
      if (!match) return;
      const url = match[1];
      const port = /:(\d+)$/.exec(url)?.[1];
      if (port) args = withPort(args, port);
      update({ pid: child!.pid!, url, state: "running", startedAt: now(), restarts });
      log(`server pid ${child!.pid} listening on ${url}`);
    });
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child!.on("exit", (code, signal) => resolve({ code, signal })),
    );
    if (stopping) {
      log(`server stopped (${exit.signal ?? exit.code})`);
      break;
    }
    if (exit.code === 0) {
      log("server exited cleanly; not restarting");
      break;
    }
    const at = now();
    crashes.push(at);
    while (crashes.length > 0 && at - crashes[0] > CRASH_LOOP_WINDOW_MS) crashes.shift();
    if (crashes.length >= CRASH_LOOP_COUNT) {
      const message = `crash loop: ${crashes.length} crashes within ${CRASH_LOOP_WINDOW_MS / 1000} s; gave up (see ${options.files.log})`;
      log(message);
      update({ state: "crash-loop", pid: 0, message });
      lock.release();
      return 1;
    }
    // Backoff restarts from the base after a long healthy run.
    if (at - started >= HEALTHY_RESET_MS) restarts = 0;
    const delay = Math.min(options.backoffBaseMs * 2 ** restarts, MAX_BACKOFF_MS);
    restarts++;
    log(`server exited abnormally (${exit.signal ?? `code ${exit.code}`}); restart ${restarts} in ${delay} ms`);
    update({ state: "restarting", restarts, pid: 0 });
    await new Promise<void>((resolve) => {
      wake = resolve;
      setTimeout(resolve, delay);
    });
    if (stopping) break;
  }
  rmSync(options.files.info, { force: true });
  lock.release();
  return 0;
}

function emptyInfo(options: SupervisorOptions, now: number): DaemonInfo {
  return {
    pid: 0,
    supervisorPid: process.pid,
    url: "",
    startedAt: now,
    version: options.version,
    restarts: 0,
    state: "starting",
    serveArgs: options.serveArgs,
  };
}
