// `moor run` in an untrusted directory whose config was held back: on a terminal it asks once whether to trust
// the directory (and reloads the config if so); without one it says so in one line and goes on untrusted.
import { type CliContext, trustAndReload } from "./context.js";
import { describeHeldBack, heldBackSummary } from "./held-back.js";

export async function offerTrust(
  context: CliContext,
  io: { stdin: NodeJS.ReadStream; stderr: NodeJS.WriteStream },
): Promise<void> {
  if (context.trusted || context.heldBack.length === 0) return;
  if (!io.stdin.isTTY || !io.stderr.isTTY) {
    io.stderr.write(`moor: ${heldBackSummary(context)}\n`);
    return;
  }
  for (const line of describeHeldBack(context)) io.stderr.write(`${line}\n`);
  const { createInterface } = await import("node:readline/promises");
  const rl = createInterface({ input: io.stdin, output: io.stderr });
  let answer: string;
  try {
    answer = await rl.question(`Trust ${context.directory}? [y/N] `);
  } finally {
    rl.close();
  }
  if (!/^y(es)?$/i.test(answer.trim())) {
    io.stderr.write("moor: going on without the held-back keys\n");
    return;
  }
  await trustAndReload(context);
  io.stderr.write(`moor: trusted ${context.directory}\n`);
}
