// The file routes' one rule for paths: a path named by a client is resolved inside the instance directory, every
// symlink followed (tools/paths.ts), and one that leads outside (`..`, an absolute path, a link) is refused before
// anything is read. Unlike a tool, a route has nobody to ask for `external_directory`.
import { stat } from "node:fs/promises";
import { relative, resolve } from "node:path";
import { CoreError } from "../errors.js";
import { isInside, realPathFollowingLinks } from "../tools/paths.js";

export interface ConfinedPath {
  /** The real (symlink-free) instance directory. */
  root: string;
  /** The real path asked for. */
  absolute: string;
  /** `absolute` relative to `root` ("" for the root itself), with `/` separators. */
  relative: string;
}

/** The instance directory, which must exist and be a directory. */
export async function confinedRoot(directory: string): Promise<string> {
  const root = await realPathFollowingLinks(resolve(directory));
  const info = await stat(root).catch(() => undefined);
  if (!info?.isDirectory()) throw new CoreError("not_found", `directory not found: ${directory}`);
  return root;
}

export async function confine(directory: string, path: string | undefined): Promise<ConfinedPath> {
  if (path?.includes("\0")) throw new CoreError("bad_request", "path contains a NUL byte");
  const root = await confinedRoot(directory);
  const absolute = await realPathFollowingLinks(resolve(root, path ?? ".")).catch((error: Error) => {
    // A link loop: a client's mistake (or a trap), not the server's.
    throw new CoreError("bad_request", error.message);
  });
  if (!isInside(root, absolute)) {
    throw new CoreError("forbidden", `path is outside the project directory: ${path}`);
  }
  return { root, absolute, relative: relative(root, absolute).split("\\").join("/") };
}
