// How the CLI tells the user what an untrusted project's config was not allowed to set.
import { relative } from "node:path";
import type { HeldBack } from "../config/load.js";

export function describeHeldBack(context: { directory: string; trusted: boolean; heldBack: HeldBack[] }): string[] {
  if (context.trusted || context.heldBack.length === 0) return [];
  return [
    `${context.directory} is not trusted; held back from its config (\`moor trust ${context.directory}\` applies them):`,
    ...context.heldBack.map((item) => `  ${item.key} (${relative(context.directory, item.file)}): ${item.reason}`),
  ];
}

/** One line for places that have room for one (moor run on a non-TTY, the server log). */
export function heldBackSummary(context: { directory: string; heldBack: HeldBack[] }): string {
  const keys = [...new Set(context.heldBack.map((item) => item.key))];
  return `${context.directory} is not trusted: its config's ${keys.join(", ")} held back (run \`moor trust\` to apply)`;
}
