// Runs the real `moor` binary (bin/moor.cjs → dist/, built by `npm install`) as a child process.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const MOOR_BIN = fileURLToPath(new URL("../../bin/moor.cjs", import.meta.url));

export interface MoorResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface MoorSpawnOptions {
  env: Record<string, string>;
  cwd?: string;
  input?: string;
  /** Runs the file as a command, as a user's shell does (its first lines start Node), instead of `node <file>`. */
  asCommand?: boolean;
}

export function spawnMoor(args: string[], options: MoorSpawnOptions): ChildProcess & { output: () => MoorResult } {
  const [command, commandArgs] = options.asCommand ? [MOOR_BIN, args] : [process.execPath, [MOOR_BIN, ...args]];
  const child = spawn(command, commandArgs, {
    cwd: options.cwd,
    env: options.env,
    stdio: ["pipe", "pipe", "pipe"],
  });
  const output = captured(child);
  if (options.input !== undefined) child.stdin?.end(options.input);
  else child.stdin?.end();
  return Object.assign(child, { output });
}

/** Gathers what the child prints from now on; the answer is what it printed so far, and how it ended if it has. */
function captured(child: ChildProcess): () => MoorResult {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  return () => ({ code: child.exitCode, signal: child.signalCode, stdout, stderr });
}

/** What a child process printed, and how it ended, once it has closed (for children spawned some other way). */
export function collectOutput(child: ChildProcess): Promise<MoorResult> {
  const output = captured(child);
  return new Promise((resolve) => child.on("close", () => resolve(output())));
}

export function runMoor(args: string[], options: MoorSpawnOptions): Promise<MoorResult> {
  const child = spawnMoor(args, options);
  return new Promise((resolve) => child.on("close", () => resolve(child.output())));
}

/** Resolves when `predicate` holds for the process's stdout so far (or rejects at the deadline). */
export async function waitForOutput(
  child: { output: () => MoorResult },
  predicate: (stdout: string, stderr: string) => boolean,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { stdout, stderr } = child.output();
    if (predicate(stdout, stderr)) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const { stdout, stderr } = child.output();
  throw new Error(`timed out waiting for output; stdout=${stdout.slice(-500)} stderr=${stderr.slice(-500)}`);
}

/** stderr less `moor run`'s closing line (`── ses_… · model · duration · tokens`), for tests about everything else. */
export function withoutClosingLine(stderr: string): string {
  return stderr.replace(/^── ses_\w+ · .*\n/m, "");
}
