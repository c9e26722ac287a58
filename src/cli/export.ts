import { realpathSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { exportSession } from "../core/transfer.js";
import { loadContext } from "./context.js";
import { UsageError } from "./output.js";
import { openChosenRecoveredStore } from "./store-choice.js";

export default async function exportCommand(
  sessionID: string,
  options: { output?: string; store?: string },
): Promise<void> {
  if (options.output === "") throw new UsageError("--output needs a file name");
  const context = await loadContext();
  const opened = await openChosenRecoveredStore(context, options.store);
  const store = opened.store;
  try {
    const document = `${JSON.stringify(await exportSession(store, sessionID), null, 2)}\n`;
    if (options.output) {
      writeWhole(options.output, document);
      process.stderr.write(`Exported ${sessionID} to ${options.output}\n`);
    } else process.stdout.write(document);
  } finally {
    await opened.close();
  }
}

/**
 * Writes `text` beside the file and renames it over, so a write that fails half-way (a full disk, a size limit)
 * leaves the file as it was, not half an export. What is no regular file (/dev/stdout, a pipe) is written as is:
 * renaming over it would replace it.
 */
function writeWhole(file: string, text: string): void {
  const existing = statSync(file, { throwIfNoEntry: false });
  if (existing?.isDirectory()) throw new UsageError(`cannot write ${file}: it is a directory`);
  try {
    if (existing && !existing.isFile()) {
      writeFileSync(file, text);
      return;
    }
    // Through a symlink to the file it names, which stays a symlink.
    const target = existing ? realpathSync(file) : file;
    const temporary = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
    try {
      writeFileSync(temporary, text, existing ? { mode: existing.mode & 0o777 } : {});
      renameSync(temporary, target);
    } finally {
      rmSync(temporary, { force: true });
    }
  } catch (error) {
    throw new UsageError(`cannot write ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}
