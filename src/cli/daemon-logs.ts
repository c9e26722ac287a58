// `moor daemon logs [-n N] [-f] [--raw]`: the supervisor's log (restarts, the server's banner and stderr) and the
// server's own log (pino JSON lines in <data>/log/, newest file), merged in time order and pretty-printed. `-f`
// keeps printing new lines of both, and moves to the new server log file when the server restarts.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { lineTime, prettyLogLine } from "./log-pretty.js";
import { UsageError } from "./output.js";

export interface LogSources {
  /** The supervisor's log (daemon.log in the state directory). */
  daemonLog: string;
  /** The directory of the server's own log files. */
  serverLogDir: string;
}

export interface LogOptions {
  lines: number;
  follow: boolean;
  raw: boolean;
  color: boolean;
  write(text: string): void;
  signal?: AbortSignal;
}

/** The newest server log file (files are named by start time, so the last name is the newest). */
export function newestServerLog(dir: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  const names = readdirSync(dir)
    .filter((name) => name.endsWith(".log"))
    .sort();
  return names.length > 0 ? join(dir, names[names.length - 1]) : undefined;
}

interface Timed {
  time: number;
  order: number;
  line: string;
}

/** Lines of one file with a time each (a line without one takes the time of the line before it). */
function timedLines(text: string, order: number): Timed[] {
  let last = 0;
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line, index) => {
      last = lineTime(line) ?? last;
      return { time: last, order: order * 1e9 + index, line };
    });
}

export function mergeLogs(texts: string[]): string[] {
  return texts
    .flatMap((text, order) => timedLines(text, order))
    .sort((a, b) => a.time - b.time || a.order - b.order)
    .map((entry) => entry.line);
}

export async function showDaemonLogs(sources: LogSources, options: LogOptions): Promise<void> {
  const serverLog = newestServerLog(sources.serverLogDir);
  if (!existsSync(sources.daemonLog) && !serverLog) {
    throw new UsageError(`no daemon log yet (${sources.daemonLog}); start the daemon with: moor daemon start`);
  }
  // Where each file was read up to: following goes on from there, not from the size after the print (a line
  // written in between, while this process waited for the CPU, was shown by neither).
  const positions = new Map<string, number>();
  const read = (file: string | undefined) => {
    if (!file || !existsSync(file)) return "";
    const bytes = readFileSync(file);
    positions.set(file, bytes.length);
    return bytes.toString("utf8");
  };
  const show = (line: string) => (options.raw ? line : prettyLogLine(line, { color: options.color }));
  const merged = mergeLogs([read(sources.daemonLog), read(serverLog)]).slice(-options.lines);
  if (merged.length > 0) options.write(`${merged.map(show).join("\n")}\n`);
  if (!options.follow) return;
  await follow(sources, positions, (line) => options.write(`${show(line)}\n`), options.signal);
}

/** Prints whole new lines of both logs as they are written, until the signal aborts. */
async function follow(
  sources: LogSources,
  positions: Map<string, number>,
  print: (line: string) => void,
  signal: AbortSignal | undefined,
): Promise<void> {
  const size = (file: string | undefined) => (file && existsSync(file) ? statSync(file).size : 0);
  // A daemon log that did not exist yet is read from its start once it does.
  if (!positions.has(sources.daemonLog)) positions.set(sources.daemonLog, 0);
  const partial = new Map<string, string>();
  const readNew = () => {
    const newest = newestServerLog(sources.serverLogDir);
    // A restarted server writes a new file: read it from its start.
    if (newest && !positions.has(newest)) positions.set(newest, 0);
    for (const [file, position] of positions) {
      const now = size(file);
      if (now < position) positions.set(file, 0);
      if (now <= position) continue;
      const text = (partial.get(file) ?? "") + readFileSync(file).subarray(position, now).toString("utf8");
      positions.set(file, now);
      const lines = text.split("\n");
      partial.set(file, lines.pop() ?? "");
      for (const line of lines) if (line.trim() !== "") print(line);
    }
  };
  const poll = setInterval(readNew, 250);
  await new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    signal?.addEventListener("abort", () => resolve(), { once: true });
  });
  clearInterval(poll);
}
