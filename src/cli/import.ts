import { readFileSync } from "node:fs";
import { importSession } from "../core/transfer.js";
import { loadContext, openStore } from "./context.js";
import { UsageError } from "./output.js";

export default async function importCommand(file: string): Promise<void> {
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
  const store = openStore(context);
  try {
    const session = await importSession(store, document);
    process.stdout.write(`Imported session ${session.id} (${session.title})\n`);
  } finally {
    store.closeNow();
  }
}
