// start / stop / status / logs: what the `moor daemon` commands do, with every path passed in.
import { spawn } from "node:child_process";
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, rmSync } from "node:fs";
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
  const { files } = options.paths;
  mkdirSync(options.paths.stateDir, { recursive: true });
  rmSync(files.info, { force: true });
  const logFd = openSync(files.log, "a", 0o600);
  // The log is appended to across runs: only what this start adds explains a failure.
  const logStart = fstatSync(logFd).size;
  const supervisor = spawn(
    options.command[0],
    [...options.command.slice(1), "daemon", "supervise", "--", ...options.serveArgs],
    {
      detached: true,
      stdio: ["ignore", logFd, logFd],
      env: options.env as NodeJS.ProcessEnv,
    },
  );
  closeSync(logFd);
  supervisor.unref();
  const supervisorPid = supervisor.pid ?? 0;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const deadline = Date.now() + timeoutMs;
  let info: DaemonInfo | undefined;
  while (Date.now() < deadline) {
    info = readDaemonInfo(files);
    if (info?.state === "running" && info.url && info.supervisorPid === supervisorPid) {
      if (await waitForHealth(info.url, Math.max(0, deadline - Date.now()), options.password))
        return { started: true, info };
    }
    if (info?.state === "crash-loop" || !isAlive(supervisorPid)) break;
    await sleep(50);
  }
  const ours = info?.supervisorPid === supervisorPid ? info : undefined;
  // A supervisor left behind would go on restarting a server that cannot start, long after this command said it
  // failed, and hold the lock the next start needs.
  if (isAlive(supervisorPid)) await endSupervisor(files, supervisorPid, ours?.pid, STOP_AFTER_FAILED_START_MS);
  throw new Error(startFailure(readLogFrom(files.log, logStart), ours, timeoutMs, files.log));
}

/** How long a supervisor given up on at start has to stop its server before it is killed (as `stop`'s default). */
const STOP_AFTER_FAILED_START_MS = 10_000;

/**
 * One line on why the server did not start: its own words (the error `moor serve` prints, e.g. "127.0.0.1:4096 is
 * already in use") where it said any, how many times it was tried, and where the whole log is.
 */
function startFailure(log: string, info: DaemonInfo | undefined, timeoutMs: number, logFile: string): string {
  const lines = log.split("\n").map((line) => line.trim());
  const supervisorLines = lines.flatMap((line) => /^\S+ supervisor: (.*)$/.exec(line)?.[1] ?? []);
  // The server's error line; its warnings and notices say nothing about why it stopped.
  const serverReason = lines.flatMap((line) => /^moor: (?!warning:|notice:)(.*)$/.exec(line)?.[1] ?? []).at(-1);
  const reason =
    serverReason ??
    (info?.state === "running" && info.url
      ? `it listens on ${info.url} but did not answer within ${timeoutMs / 1000} s`
      : (supervisorLines.at(-1) ?? `it did not start within ${timeoutMs / 1000} s`));
  const failures = supervisorLines.filter((line) => /^(server exited abnormally|crash loop)/.test(line)).length;
  const tries = failures > 1 ? `failed ${failures} times; ` : "";
  return `the server did not start: ${reason} (${tries}log: ${logFile})`;
}

function readLogFrom(file: string, start: number): string {
  try {
    return readFileSync(file).subarray(start).toString("utf8");
  } catch {
    return "";
  }
}

/**
 * Asks a supervisor to stop (it stops its server and removes its files); one that does not within the time is killed
 * with its whole process group, and the files that name it are removed.
 */
async function endSupervisor(
  files: DaemonFiles,
  supervisorPid: number,
  serverPid: number | undefined,
  timeoutMs: number,
): Promise<void> {
  try {
    process.kill(supervisorPid, "SIGTERM");
  } catch {
    return; // Already gone.
  }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && isAlive(supervisorPid)) await sleep(50);
  if (!isAlive(supervisorPid)) return;
  // The supervisor leads its own process group (it was started detached): kill the server with it.
  for (const pid of [-supervisorPid, serverPid]) {
    if (!pid) continue;
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  if (readDaemonInfo(files)?.supervisorPid === supervisorPid) rmSync(files.info, { force: true });
  if (readHolder(files.lock) === supervisorPid) rmSync(files.lock, { force: true });
}

export async function stopDaemon(paths: DaemonPaths, timeoutMs: number): Promise<DaemonInfo | undefined> {
  const running = findRunning(paths);
  if (!running) return undefined;
  await endSupervisor(paths.files, running.info.supervisorPid, running.info.pid, timeoutMs);
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

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
