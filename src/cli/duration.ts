// Durations as people type them on the command line: `90s`, `30m`, `12h`, `7d`, `2w` (a bare number is days).
import { UsageError } from "./output.js";

const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

export function parseDuration(text: string, flag: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$/i.exec(text);
  if (!match) throw new UsageError(`invalid ${flag}: ${text} (expected e.g. 30m, 12h, 7d, 2w)`);
  return Number(match[1]) * UNIT_MS[(match[2] || "d").toLowerCase()];
}
