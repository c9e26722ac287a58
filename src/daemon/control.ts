// start / stop / status / logs: what the `moor daemon` commands do, with every path passed in.
import { spawn } from "node:child_process";
import { mkdirSync, openSync, readFileSync, rmSync, statSync, watch } from "node:fs";
import { type DaemonFiles, type DaemonInfo, readDaemonInfo } from "./files.js";
import { readHolder } from "./lock.js";
import { isAlive, isMoorProcess, residentBytes } from "./process-check.js";

export interface DaemonPaths {
  stateDir: string;
  files: DaemonFiles;
}

export interface RunningDaemon {
  info: DaemonInfo;
}

/** The daemon recorded in the state dir, if its supervisor is really alive (stale files are removed). */
export function findRunning(paths: DaemonPaths): RunningDaemon | undefined {
  const info = readDaemonInfo(paths.files);
  if (info && isMoorProcess(info.supervisorPid)) return { info };
  // A dead supervisor, or its pid reused by another program: what it left behind is stale.
  if (info && info.state !== "crash-loop") rmSync(paths.files.info, { force: true });
  const holder = readHolder(paths.files.lock);
  if (holder !== undefined && !isMoorProcess(holder)) rmSync(paths.files.lock, { force: true });
  return undefined;
}

export async function waitForHealth(url: string, timeoutMs: number, password?: string): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const headers: Record<string, string> = password
    ? { authorization: `Basic ${Buffer.from(`moor:${password}`).toString("base64")}` }
    : {};
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${url}/global/health`, { headers, signal: AbortSignal.timeout(1000) });
      if (response.ok) return true;
    } catch {
      // Not up yet.
    }
    await sleep(50);
  }
  return false;
}

export interface StartOptions {
  paths: DaemonPaths;
  command: string[];
  serveArgs: string[];
  env: Record<string, string | undefined>;
  timeoutMs?: number;
  password?: string;
}

export type StartResult = { started: true; info: DaemonInfo } | { started: false; already: DaemonInfo };

export async function startDaemon(options: StartOptions): Promise<StartResult> {
  const running = findRunning(options.paths);
  if (running && running.info.state !== "crash-loop") return { started: false, already: running.info };
  mkdirSync(options.paths.stateDir, { recursive: true });
  rmSync(options.paths.files.info, { force: true });
  const logFd = openSync(options.paths.files.log, "a", 0o600);
  const supervisor = spawn(
    options.command[0],
    [...options.command.slice(1), "daemon", "supervise", "--", ...options.serveArgs],
    {
      detached: true,
      stdio: ["ignore", logFd, logFd],
      env: options.env as NodeJS.ProcessEnv,
    },
  );
  supervisor.unref();
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  while (Date.now() < deadline) {
    const info = readDaemonInfo(options.paths.files);
    if (info?.state === "running" && info.url && info.supervisorPid === supervisor.pid) {
      if (await waitForHealth(info.url, Math.max(0, deadline - Date.now()), options.password))
        return { started: true, info };
    }
    if (info?.state === "crash-loop" || !isAlive(supervisor.pid!)) break;
    await sleep(50);
  }
  throw new Error(
    `the server did not start; last lines of ${options.paths.files.log}:\n${tail(options.paths.files.log, 10)}`,
  );
}

export async function stopDaemon(paths: DaemonPaths, timeoutMs: number): Promise<DaemonInfo | undefined> {
  const running = findRunning(paths);
  if (!running) return undefined;
  const { supervisorPid } = running.info;
  process.kill(supervisorPid, "SIGTERM");
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && isAlive(supervisorPid)) await sleep(50);
  if (isAlive(supervisorPid)) {
    // The supervisor leads its own process group (it was started detached): kill the server with it.
    for (const pid of [-supervisorPid, running.info.pid]) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    rmSync(paths.files.info, { force: true });
    rmSync(paths.files.lock, { force: true });
  }
  return running.info;
}

export interface DaemonStatus {
  running: boolean;
  state?: string;
  pid?: number;
  supervisorPid?: number;
  url?: string;
  uptimeSeconds?: number;
  version?: string;
  restarts?: number;
  rssBytes?: number;
  sessions?: { busy: number; idle: number };
  message?: string;
}

export async function daemonStatus(paths: DaemonPaths, now: number, password?: string): Promise<DaemonStatus> {
  const running = findRunning(paths);
  if (!running) {
    const left = readDaemonInfo(paths.files);
    if (left?.state === "crash-loop") return { running: false, state: "crash-loop", message: left.message };
    return { running: false };
  }
  const { info } = running;
  const status: DaemonStatus = {
    running: true,
    state: info.state,
    pid: info.pid,
    supervisorPid: info.supervisorPid,
    url: info.url,
    uptimeSeconds: Math.round((now - info.startedAt) / 1000),
    version: info.version,
    restarts: info.restarts,
    rssBytes: info.pid ? residentBytes(info.pid) : undefined,
  };
  try {
    const headers: Record<string, string> = password
      ? { authorization: `Basic ${Buffer.from(`moor:${password}`).toString("base64")}` }
      : {};
    const [sessions, busy] = await Promise.all(
      ["/session", "/session/status"].map((path) =>
        fetch(`${info.url}${path}`, { headers, signal: AbortSignal.timeout(2000) }).then((r) => r.json()),
      ),
    );
    const busyCount = Object.keys(busy as Record<string, unknown>).length;
    status.sessions = { busy: busyCount, idle: (sessions as unknown[]).length - busyCount };
    const health = (await fetch(`${info.url}/global/health`, { headers }).then((r) => r.json())) as { version: string };
    status.version = health.version;
  } catch {
    // The server is restarting or unreachable: status still reports what the files say.
  }
  return status;
}

export function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log yet)";
  }
}

/** Prints new lines as the log grows, until the signal aborts. */
export async function followLog(file: string, write: (text: string) => void, signal: AbortSignal): Promise<void> {
  let position = statSync(file).size;
  const readNew = () => {
    const size = statSync(file).size;
    if (size < position) position = 0;
    if (size === position) return;
    const buffer = readFileSync(file).subarray(position, size);
    position = size;
    write(buffer.toString("utf8"));
  };
  const watcher = watch(file, readNew);
  const poll = setInterval(readNew, 500);
  await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
  watcher.close();
  clearInterval(poll);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
