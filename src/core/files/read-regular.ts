// Reading a file a project holds, where the project may be anyone's clone: a name can be a link to /dev/zero, a
// named pipe or a huge file. Only a regular file no larger than asked is read; anything else is undefined.
import { closeSync, constants, fstatSync, openSync, readFileSync } from "node:fs";
import { open } from "node:fs/promises";

/**
 * The bytes of `path` when it is a regular file of at most `maxBytes`. It is opened without waiting for a writer
 * (a pipe would block a thread for good) and its size is judged before the read; `followLinks: false` also refuses
 * a link.
 */
export async function readRegularFile(
  path: string,
  maxBytes: number,
  options: { followLinks: boolean },
): Promise<Buffer | undefined> {
  const noFollow = options.followLinks ? 0 : (constants.O_NOFOLLOW ?? 0);
  const handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | noFollow).catch(() => undefined);
  if (!handle) return undefined;
  try {
    const info = await handle.stat();
    if (!info.isFile() || info.size > maxBytes) return undefined;
    const bytes = await handle.readFile();
    // A file that grew after the size was judged.
    return bytes.length > maxBytes ? undefined : bytes;
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}

/** readRegularFile for a synchronous caller (links followed): a file's detection on an edit's path. */
export function readRegularFileSync(path: string, maxBytes: number): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch {
    return undefined;
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile() || info.size > maxBytes) return undefined;
    const bytes = readFileSync(fd);
    return bytes.length > maxBytes ? undefined : bytes;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}
