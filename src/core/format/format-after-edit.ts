// After edit and write: the file is run through the project's formatters before anyone reads it back (the LSP
// check after this hook sees the formatted text). A formatter that fails leaves the file as the tool wrote it.
import type { AfterToolHook } from "../turn/hooks.js";
import type { Formatters } from "./formatters.js";

/** The tools whose result's `filepath` is a file they just wrote. */
export const FILE_WRITING_TOOLS = new Set(["edit", "write"]);

export function formatAfterEdit(
  formatters: Pick<Formatters, "format">,
  onError?: (message: string) => void,
): AfterToolHook {
  return async (call, result, { session }) => {
    const file = result.metadata.filepath;
    if (!FILE_WRITING_TOOLS.has(call.tool) || typeof file !== "string") return undefined;
    const outcomes = await formatters.format(file, session.directory);
    for (const { name, result: run } of outcomes) {
      if (!run.ok) onError?.(`formatter ${name} failed on ${file}: ${run.error}`);
    }
    return undefined;
  };
}
