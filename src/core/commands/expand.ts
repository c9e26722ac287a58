// A command's template → the parts of its prompt, as OpenCode builds them: `` !`cmd` `` is replaced by the command's
// output (run by the bash tool, under the bash permission), then each `@path` naming a file is attached: the file
// part, and its content as the read tool gives it, in synthetic text parts the model reads.
import { existsSync, statSync } from "node:fs";
import { basename, isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { PartInput } from "../../protocol/index.js";
import { type CommandToolScope, runCommandTool } from "./tool-runner.js";

const SHELL = /!`([^`]+)`/g;
/** `@path`, not in an e-mail address or a code span; a trailing sentence period or comma is not part of the path. */
const FILE_REFERENCE = /(?<![\w`])@(\.?[^\s`,.]*(?:\.[^\s`,.]+)*)/g;

export async function runShellSubstitutions(template: string, scope: CommandToolScope): Promise<string> {
  const commands = [...template.matchAll(SHELL)].map((match) => match[1]);
  if (commands.length === 0) return template;
  // One at a time: each may ask the user, and questions are clearer in the order they are written.
  const outputs: string[] = [];
  for (const command of commands) {
    const run = await runCommandTool(scope, "bash", { command, description: "command template" });
    outputs.push(run.ok ? run.output : `[not run: ${run.error}]`);
  }
  let index = 0;
  return template.replace(SHELL, () => outputs[index++]);
}

/** The files `@path` references in the text name (relative to the directory, or absolute, or `~/`), once each. */
export function fileReferences(text: string, directory: string, home?: string): { raw: string; path: string }[] {
  const seen = new Set<string>();
  const out: { raw: string; path: string }[] = [];
  for (const match of text.matchAll(FILE_REFERENCE)) {
    const raw = match[1];
    if (!raw) continue;
    const expanded = raw.startsWith("~/") && home ? resolve(home, raw.slice(2)) : raw;
    const path = isAbsolute(expanded) ? expanded : resolve(directory, expanded);
    if (seen.has(path) || !existsSync(path)) continue;
    seen.add(path);
    out.push({ raw, path });
  }
  return out;
}

/** The parts that attach each referenced file: a directory as a listing, a file as the read tool's output. */
export async function filePartsFor(text: string, scope: CommandToolScope, home?: string): Promise<PartInput[]> {
  const parts: PartInput[] = [];
  for (const { raw, path } of fileReferences(text, scope.directory, home)) {
    const directory = statSync(path).isDirectory();
    const tool = directory ? "ls" : "read";
    const input = directory ? { path } : { filePath: path };
    const run = await runCommandTool(scope, tool, input);
    parts.push({
      type: "text",
      synthetic: true,
      text: `Called the ${tool} tool with the following input: ${JSON.stringify(input)}`,
    });
    parts.push({ type: "text", synthetic: true, text: run.ok ? run.output : `[${raw} not attached: ${run.error}]` });
    if (run.ok) {
      parts.push({
        type: "file",
        mime: directory ? "application/x-directory" : "text/plain",
        filename: basename(path) || raw,
        url: pathToFileURL(path).href,
      });
    }
  }
  return parts;
}
