import { constants, type Stats } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { importSession } from "../core/transfer.js";
import { loadContext } from "./context.js";
import { UsageError } from "./output.js";
import { openChosenStore } from "./store-choice.js";

/**
 * The most an import reads. Far above any real export (a long session's is a few MB), low enough that the whole
 * file, its text and the parsed document fit in memory: the import holds all three at once.
 */
const MOST_BYTES = 256 * 1024 * 1024;
const MOST_BYTES_SAID = "256 MB";

/** How much of the title `Imported session …` shows: a title is stored whole, and may be megabytes long. */
const TITLE_SHOWN = 80;

export default async function importCommand(file: string, options: { store?: string } = {}): Promise<void> {
  const text = await readDocumentText(file);
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  const context = await loadContext();
  const opened = await openChosenStore(context, options.store);
  const store = opened.store;
  try {
    const { session, warnings } = await importSession(store, document);
    for (const warning of warnings) process.stderr.write(`moor: warning: ${forTerminal(warning, 1000)}\n`);
    process.stdout.write(
      `Imported session ${forTerminal(session.id, TITLE_SHOWN)} (${forTerminal(session.title, TITLE_SHOWN)})\n`,
    );
  } finally {
    await opened.close();
  }
}

/**
 * The file's text, refused before reading when it is no regular file (a device such as /dev/zero or a pipe never
 * ends, or may not) or is larger than MOST_BYTES. `-` reads stdin, up to the same limit.
 */
async function readDocumentText(file: string): Promise<string> {
  if (file === "-") return decode(await readAtMost(process.stdin, "stdin"));
  let handle: FileHandle;
  try {
    // Non-blocking: opening a named pipe would otherwise wait for a writer before the checks below could refuse it.
    // Checked on the opened file, not by name, so what is read is what was checked.
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) {
      throw new UsageError(`cannot import ${file}: it is ${kindOf(stats)}, not a regular file (use - to read stdin)`);
    }
    if (stats.size > MOST_BYTES) {
      throw new UsageError(
        `cannot import ${file}: it is ${megabytes(stats.size)}, more than the ${MOST_BYTES_SAID} an import reads`,
      );
    }
    // Still bounded: the file may grow after the size was read.
    return decode(await readAtMost(handle.createReadStream({ autoClose: false }), file));
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  } finally {
    await handle.close();
  }
}

async function readAtMost(chunks: AsyncIterable<Buffer>, name: string): Promise<Buffer[]> {
  const read: Buffer[] = [];
  let total = 0;
  for await (const chunk of chunks) {
    total += chunk.length;
    if (total > MOST_BYTES)
      throw new UsageError(`cannot import ${name}: more than the ${MOST_BYTES_SAID} an import reads`);
    read.push(chunk);
  }
  return read;
}

function decode(chunks: Buffer[]): string {
  return Buffer.concat(chunks).toString("utf8");
}

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return "a directory";
  if (stats.isFIFO()) return "a pipe";
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return "a device";
  if (stats.isSocket()) return "a socket";
  return "not a file";
}

function megabytes(bytes: number): string {
  return `${Math.ceil(bytes / (1024 * 1024))} MB`;
}

/**
 * At most `most` characters of text from the document, on one line, with no control characters: a title is
 * whatever the file says, and an escape sequence in it would be run by the terminal.
 */
function forTerminal(text: string, most: number): string {
  // Only the head is split into characters (code points, so an emoji is not cut in half): 2 UTF-16 units per
  // character at most, so this head holds more than `most` characters whenever the text does.
  const characters = Array.from(text.slice(0, 2 * most + 2)).map((character) =>
    /\p{Cc}/u.test(character) ? " " : character,
  );
  return characters.length > most ? `${characters.slice(0, most).join("")}…` : characters.join("");
}
