import { writeFileSync } from "node:fs";
import { exportSession } from "../core/transfer.js";
import { loadContext, openRecoveredStore } from "./context.js";

export default async function exportCommand(sessionID: string, options: { output?: string }): Promise<void> {
  const context = await loadContext();
  const store = await openRecoveredStore(context);
  try {
    const document = `${JSON.stringify(await exportSession(store, sessionID), null, 2)}\n`;
    if (options.output) {
      writeFileSync(options.output, document);
      process.stderr.write(`Exported ${sessionID} to ${options.output}\n`);
    } else process.stdout.write(document);
  } finally {
    store.closeNow();
  }
}
