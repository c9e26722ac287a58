// Server logs: JSON lines (pino) in <data>/log/<start-time>.log, the newest 10 files kept; --print-logs copies
// them to stderr. Nothing secret is passed to the logger (auth headers are never logged by the server).
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import pino from "pino";

export type LogLevel = "DEBUG" | "INFO" | "WARN" | "ERROR";
const KEEP_LOG_FILES = 10;

export function createFileLogger(options: { logDir: string; level: LogLevel; printLogs: boolean; now: Date }) {
  mkdirSync(options.logDir, { recursive: true });
  const file = join(options.logDir, `${options.now.toISOString().replace(/[:.]/g, "-")}.log`);
  // Each stream of a multistream has its own level (info unless told): without it, DEBUG would never be written.
  const level = options.level.toLowerCase() as pino.Level;
  const streams: pino.StreamEntry[] = [{ level, stream: pino.destination({ dest: file, sync: true, mkdir: true }) }];
  if (options.printLogs) streams.push({ level, stream: process.stderr });
  pruneOldLogs(options.logDir);
  const logger = pino(
    { level, redact: ["password", "authorization", "*.password", "*.apiKey"] },
    pino.multistream(streams),
  );
  return { logger, file };
}

function pruneOldLogs(dir: string): void {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith(".log"))
    .sort();
  for (const name of files.slice(0, Math.max(0, files.length - KEEP_LOG_FILES))) {
    rmSync(join(dir, name), { force: true });
  }
}
