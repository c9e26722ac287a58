import { readFileSync } from "node:fs";
import { importSession } from "../core/transfer.js";
import { loadContext } from "./context.js";
import { UsageError } from "./output.js";
import { openChosenStore } from "./store-choice.js";

export default async function importCommand(file: string, options: { store?: string } = {}): Promise<void> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
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
    const session = await importSession(store, document);
    process.stdout.write(`Imported session ${session.id} (${session.title})\n`);
  } finally {
    await opened.close();
  }
}
