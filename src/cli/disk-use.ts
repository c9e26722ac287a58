// The bytes a folder takes on disk (its files' sizes, symlinks not followed), for `moor debug paths`.
import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";

/** 0 for a folder that does not exist. */
export async function diskUse(folder: string): Promise<number> {
  const info = await lstat(folder).catch(() => undefined);
  if (!info) return 0;
  if (!info.isDirectory()) return info.size;
  const entries = await readdir(folder).catch(() => []);
  let total = 0;
  for (const entry of entries) total += await diskUse(join(folder, entry));
  return total;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
