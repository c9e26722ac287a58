// After edit and write: the file's errors, as its language servers see them, are appended to the tool's result so
// the model fixes them in its next step (OpenCode's text). Waits a bounded time; no server, no errors, no change.
import { FILE_WRITING_TOOLS } from "../format/format-after-edit.js";
import type { AfterToolHook } from "../turn/hooks.js";
import { errorsReport } from "./diagnostic.js";
import type { LspService } from "./service.js";

export function diagnosticsAfterEdit(lsp: Pick<LspService, "diagnostics">): AfterToolHook {
  return async (call, result, { session }) => {
    const file = result.metadata.filepath;
    if (!FILE_WRITING_TOOLS.has(call.tool) || typeof file !== "string") return undefined;
    const diagnostics = await lsp.diagnostics(file, session.directory);
    const report = errorsReport(file, diagnostics);
    if (!report) return undefined;
    return {
      ...result,
      output: result.output + report,
      metadata: { ...result.metadata, diagnostics: { [file]: diagnostics } },
    };
  };
}
