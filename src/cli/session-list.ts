// `moor session list`: the sessions of this directory (or --dir, or --all of them), newest first, with their status.
import { resolve } from "node:path";
import { loadContext } from "./context.js";
import { sessionStates } from "./session-status.js";
import { openChosenRecoveredStore } from "./store-choice.js";

export interface SessionListOptions {
  dir?: string;
  all?: boolean;
  format: "table" | "json";
}

export default async function sessionList(options: SessionListOptions): Promise<void> {
  const context = await loadContext();
  const opened = await openChosenRecoveredStore(context);
  const store = opened.store;
  try {
    const directory = options.all ? undefined : resolve(options.dir ?? context.directory);
    const { sessions } = await store.listSessions({ directory });
    const states = await sessionStates(
      store,
      sessions.map((session) => session.id),
    );
    if (options.format === "json") {
      const listed = sessions.map((session) => ({ ...session, status: states.get(session.id) ?? "idle" }));
      process.stdout.write(`${JSON.stringify(listed, null, 2)}\n`);
      return;
    }
    if (sessions.length === 0) {
      const where = directory ? ` in ${directory} (--all lists every directory's)` : "";
      process.stdout.write(`No sessions yet${where}. Start one with: moor run "hello"\n`);
      return;
    }
    const rows = sessions.map((session) => [
      session.id,
      states.get(session.id) ?? "idle",
      truncate(session.title, 40),
      session.directory,
      new Date(session.time.updated).toISOString().replace("T", " ").slice(0, 19),
    ]);
    process.stdout.write(formatTable(["ID", "STATUS", "TITLE", "DIRECTORY", "UPDATED"], rows));
  } finally {
    await opened.close();
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
