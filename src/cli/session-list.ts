import { resolve } from "node:path";
import { loadContext, openRecoveredStore } from "./context.js";

export default async function sessionList(options: { dir?: string; format: "table" | "json" }): Promise<void> {
  const context = await loadContext();
  const store = await openRecoveredStore(context);
  try {
    const { sessions } = await store.listSessions({ directory: options.dir ? resolve(options.dir) : undefined });
    if (options.format === "json") {
      process.stdout.write(`${JSON.stringify(sessions, null, 2)}\n`);
      return;
    }
    if (sessions.length === 0) {
      process.stdout.write('No sessions yet. Start one with: moor run "hello"\n');
      return;
    }
    const rows = sessions.map((session) => [
      session.id,
      truncate(session.title, 40),
      session.directory,
      new Date(session.time.updated).toISOString().replace("T", " ").slice(0, 19),
    ]);
    process.stdout.write(formatTable(["ID", "TITLE", "DIRECTORY", "UPDATED"], rows));
  } finally {
    store.closeNow();
  }
}

function truncate(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}

export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column])))
      .join("  ")
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join("\n")}\n`;
}
