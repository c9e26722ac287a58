// `moor debug instructions [dir]`: what a session in `dir` would send the model after the system prompt, in order,
// with sizes (the texts themselves stay out: `cat` shows a file, and the list stays readable).
import { statSync } from "node:fs";
import { resolve } from "node:path";
import { loadContext } from "./context.js";
import { projectInstructionsFor } from "./instructions.js";
import { UsageError } from "./output.js";

export default async function debugInstructions(dir: string | undefined): Promise<void> {
  const directory = resolve(dir ?? process.cwd());
  if (!statSync(directory, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`not a directory: ${dir}`);
  const context = await loadContext({ directory });
  const sources = await projectInstructionsFor(context).load(directory);
  if (sources.length === 0) {
    process.stdout.write(`no instructions for ${directory}\n`);
    return;
  }
  const width = Math.max(...sources.map((source) => String(source.size).length));
  for (const source of sources) {
    process.stdout.write(`${source.kind.padEnd(7)}  ${String(source.size).padStart(width)} B  ${source.origin}\n`);
  }
}
