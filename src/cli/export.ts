import { writeFileSync } from "node:fs";
import { exportSession } from "../core/transfer.js";
import { loadContext } from "./context.js";
import { openChosenRecoveredStore } from "./store-choice.js";

export default async function exportCommand(
  sessionID: string,
  options: { output?: string; store?: string },
): Promise<void> {
  const context = await loadContext();
  const opened = await openChosenRecoveredStore(context, options.store);
  const store = opened.store;
  try {
    const document = `${JSON.stringify(await exportSession(store, sessionID), null, 2)}\n`;
    if (options.output) {
      writeFileSync(options.output, document);
      process.stderr.write(`Exported ${sessionID} to ${options.output}\n`);
    } else process.stdout.write(document);
  } finally {
    await opened.close();
  }
}
