// Config text a project holds, where the project may be anyone's clone: `opencode.json` or a command file can be a
// link to /dev/zero or a named pipe. These reads are synchronous (config loads on a request's path), so reading
// such a file whole would stall the server for every client.
import { closeSync, constants, fstatSync, openSync, readFileSync } from "node:fs";

/** Far over any real config, command or agent file. */
const MAX_CONFIG_TEXT_BYTES = 4 * 1024 * 1024;

/**
 * The UTF-8 text of a regular file of at most 4 MB. It throws as readFileSync does (ENOENT, EISDIR, with their
 * codes), and for anything else a file name can stand for: a pipe, a device, a file over the limit.
 */
export function readConfigText(file: string): string {
  // Without O_NONBLOCK, opening a pipe nobody writes to would wait for good.
  const fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const info = fstatSync(fd);
    if (info.isDirectory()) throw Object.assign(new Error(`${file} is a directory`), { code: "EISDIR" });
    if (!info.isFile()) throw new Error(`${file} is not a regular file`);
    if (info.size > MAX_CONFIG_TEXT_BYTES) throw new Error(`${file} is over ${MAX_CONFIG_TEXT_BYTES / 1024 / 1024} MB`);
    return readFileSync(fd, "utf8");
  } finally {
    closeSync(fd);
  }
}
