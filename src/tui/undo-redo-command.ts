// `/undo` and `/redo` in `moor attach` (client/undo-redo.ts does the work): answers the notice to show, or undefined
// when the line is not one of them. A refusal (a turn running, files changed by hand) is shown, never thrown.
import type { MoorClient } from "../client/index.js";
import { redo, undo } from "../client/undo-redo.js";
import type { ViewState } from "../client/view-model.js";

export async function undoRedoCommand(line: string, client: MoorClient, view: ViewState): Promise<string | undefined> {
  if (line !== "/undo" && line !== "/redo") return undefined;
  if (!view.session) return "no session open";
  try {
    return await (line === "/undo" ? undo : redo)(client, view.session, view.messages);
  } catch (error) {
    return `${line.slice(1)} refused: ${(error as Error).message}`;
  }
}
