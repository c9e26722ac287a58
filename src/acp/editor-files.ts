// What the ACP agent checks of an editor's paths, and how it reads files through the editor.
import { readFile, stat } from "node:fs/promises";
import { isAbsolute } from "node:path";
import { RequestError } from "@agentclientprotocol/sdk";

/**
 * ACP requires `cwd` (session/new, load, resume) to be an absolute path; a relative one would be resolved against
 * wherever `moor acp` happened to start, which is not what the editor meant. An absent or empty one keeps the
 * default (the process's directory), as before.
 */
export function requireAbsoluteCwd(cwd: unknown): void {
  if (cwd === undefined || cwd === null || cwd === "") return;
  if (typeof cwd !== "string" || !isAbsolute(cwd)) {
    throw RequestError.invalidParams({ cwd }, `cwd must be an absolute path, got ${JSON.stringify(cwd)}`);
  }
}

/**
 * A new session's `cwd` must be a directory that exists: a session made in a missing one (a typo, a project deleted
 * since the editor opened it) would be created and then fail at every tool, far from the mistake.
 */
export async function requireExistingCwd(cwd: string | undefined | null): Promise<void> {
  if (!cwd) return;
  const info = await stat(cwd).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw RequestError.invalidParams({ cwd }, `cwd ${info ? "is not a directory" : "does not exist"}: ${cwd}`);
  }
}

/**
 * Reads a file through the editor (its unsaved buffer wins), or from disk when the editor refuses: some editors
 * confine fs/read_text_file more tightly than moor does (acpx answers "Path is outside allowed cwd subtree" for a
 * read moor's rules allow). By the time a tool calls this, moor's own rules have been applied to the path (the
 * tools resolve it with path confinement, ask `external_directory` outside the project and `read` for it), so the
 * disk read is under moor's permission. When the disk read fails too, the error says what the editor said: an
 * editor's refusal arrives as JSON-RPC "Internal error" with the reason in its data.
 */
export async function readThroughEditor(path: string, viaEditor: () => Promise<string>): Promise<string> {
  try {
    return await viaEditor();
  } catch (editorError) {
    try {
      return await readFile(path, "utf8");
    } catch (diskError) {
      const reason = (diskError as NodeJS.ErrnoException).code ?? (diskError as Error).message;
      throw new Error(`the editor could not read ${path}: ${editorMessage(editorError)} (from disk: ${reason})`);
    }
  }
}

/** The most specific message in an editor's error: `data.details` or `data.message` before the generic one. */
export function editorMessage(error: unknown): string {
  const data = (error as { data?: unknown }).data;
  if (typeof data === "string" && data) return data;
  if (data && typeof data === "object") {
    const { details, message } = data as { details?: unknown; message?: unknown };
    if (typeof details === "string" && details) return details;
    if (typeof message === "string" && message) return message;
  }
  return error instanceof Error ? error.message : String(error);
}
