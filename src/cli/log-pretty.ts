// The server's log (pino JSON lines) made readable for `moor daemon logs`: `15:04:05.123 INFO  server started
// url=http://… version=0.1.0`. Lines that are not JSON (the supervisor's, the server's banner) pass unchanged.
import { COLORS, PLAIN, type Style } from "./terminal-style.js";

const LEVELS: Record<number, string> = { 10: "TRACE", 20: "DEBUG", 30: "INFO", 40: "WARN", 50: "ERROR", 60: "FATAL" };
/** pino's own keys, said by the line's head instead of as key=value. */
const HEAD_KEYS = new Set(["level", "time", "msg", "pid", "hostname", "v"]);

/** When the line happened (epoch ms), for merging the supervisor's and the server's logs; undefined if unknown. */
export function lineTime(line: string): number | undefined {
  if (line.startsWith("{")) {
    try {
      const time = (JSON.parse(line) as { time?: unknown }).time;
      return typeof time === "number" ? time : undefined;
    } catch {
      return undefined;
    }
  }
  const stamp = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)\s/.exec(line)?.[1];
  return stamp ? Date.parse(stamp) : undefined;
}

export function prettyLogLine(line: string, options: { color?: boolean; utc?: boolean } = {}): string {
  const style = options.color ? COLORS : PLAIN;
  if (!line.startsWith("{")) return line;
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line);
  } catch {
    return line;
  }
  if (typeof entry !== "object" || entry === null) return line;
  const time = typeof entry.time === "number" ? clock(entry.time, options.utc ?? false) : "";
  const level = LEVELS[entry.level as number] ?? String(entry.level ?? "");
  const fields = Object.entries(entry)
    .filter(([key]) => !HEAD_KEYS.has(key))
    .map(([key, value]) => `${key}=${fieldText(value)}`);
  const head = [style.dim(time), colourLevel(level.padEnd(5), style), String(entry.msg ?? "")]
    .filter(Boolean)
    .join(" ");
  return fields.length > 0 ? `${head} ${style.dim(fields.join(" "))}` : head;
}

function colourLevel(level: string, style: Style): string {
  if (level.startsWith("ERROR") || level.startsWith("FATAL")) return style.red(level);
  if (level.startsWith("WARN")) return style.yellow(level);
  if (level.startsWith("DEBUG") || level.startsWith("TRACE")) return style.dim(level);
  return style.cyan(level);
}

/** An error logged as `err` shows its type and message (its stack stays in the raw file). */
function fieldText(value: unknown): string {
  if (typeof value === "string") return /[\s"=]/.test(value) ? JSON.stringify(value) : value;
  if (value && typeof value === "object" && "message" in value && "type" in value) {
    const error = value as { type: unknown; message: unknown };
    return JSON.stringify(`${error.type}: ${error.message}`);
  }
  return JSON.stringify(value);
}

function clock(ms: number, utc: boolean): string {
  const date = new Date(ms);
  const [h, m, s] = utc
    ? [date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds()]
    : [date.getHours(), date.getMinutes(), date.getSeconds()];
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(h)}:${two(m)}:${two(s)}.${String(date.getMilliseconds()).padStart(3, "0")}`;
}
