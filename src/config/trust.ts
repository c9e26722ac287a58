// The list of directories the user trusts (<config dir>/trusted.json). A project's own config is applied in full
// only inside a trusted directory: one that is listed, or has a listed ancestor. Entries are real paths (symlinks
// resolved), so a link into a trusted tree is judged by where it points.
import { mkdirSync, readFileSync, realpathSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve, sep } from "node:path";
import { ConfigError } from "./errors.js";
import type { MoorPaths } from "./paths.js";

export function trustFile(paths: MoorPaths): string {
  return join(paths.config, "trusted.json");
}

/** The listed directories, in the order they were trusted; none when the file does not exist. */
export function listTrusted(paths: MoorPaths): string[] {
  const file = trustFile(paths);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new ConfigError(`cannot read ${file}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ConfigError(`${file}: invalid JSON (expected {"trusted": ["/path", ...]})`);
  }
  const list = (parsed as { trusted?: unknown } | null)?.trusted;
  if (!Array.isArray(list) || !list.every((entry) => typeof entry === "string")) {
    throw new ConfigError(`${file}: expected {"trusted": ["/path", ...]}`);
  }
  return list;
}

/** The real path of a directory, or its absolute path when it does not exist (so a gone entry can be revoked). */
export function realDirectory(directory: string): string {
  const absolute = resolve(directory);
  try {
    return realpathSync(absolute);
  } catch {
    return absolute;
  }
}

/** The listed entry that makes `directory` trusted (itself or an ancestor), if any. */
export function trustedBy(paths: MoorPaths, directory: string): string | undefined {
  const real = realDirectory(directory);
  return listTrusted(paths).find(
    (entry) => real === entry || real.startsWith(entry.endsWith(sep) ? entry : entry + sep),
  );
}

export function isTrusted(paths: MoorPaths, directory: string): boolean {
  return trustedBy(paths, directory) !== undefined;
}

/** Adds the directory (its real path) to the list; returns that path. Trusting twice is not an error. */
export function trustDirectory(paths: MoorPaths, directory: string): string {
  const real = realDirectory(directory);
  let isDirectory = false;
  try {
    isDirectory = statSync(real).isDirectory();
  } catch {
    throw new ConfigError(`no such directory: ${real}`);
  }
  if (!isDirectory) throw new ConfigError(`not a directory: ${real}`);
  const list = listTrusted(paths);
  if (!list.includes(real)) writeList(paths, [...list, real]);
  return real;
}

/**
 * Removes the directory from the list. A directory trusted only through a listed ancestor cannot be revoked on
 * its own: the error names the ancestor to revoke instead.
 */
export function revokeTrust(paths: MoorPaths, directory: string): string {
  const real = realDirectory(directory);
  const list = listTrusted(paths);
  if (!list.includes(real)) {
    const via = trustedBy(paths, real);
    throw new ConfigError(
      via ? `${real} is trusted through ${via}; revoke that instead` : `${real} is not in the trust list`,
    );
  }
  writeList(
    paths,
    list.filter((entry) => entry !== real),
  );
  return real;
}

/**
 * Written to a temporary file and renamed over the list, so a crash never leaves half a list. The temporary name
 * needs only to differ between processes (a process writes it and renames it in one synchronous go): the pid, not a
 * random id, as node:crypto would load on every start that reads the list (`moor acp`'s initialize included).
 */
function writeList(paths: MoorPaths, list: string[]): void {
  const file = trustFile(paths);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify({ trusted: list }, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, file);
}
