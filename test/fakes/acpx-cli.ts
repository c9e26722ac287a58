// Runs acpx (npm, a real headless ACP client) against `moor acp` as a user would from a shell: one process per
// command, its state under the temp home's ~/.acpx. acpx keeps a "queue owner" process (and its agent child) alive
// between commands of a persistent session; `closeAcpx` ends them, so no test leaves processes behind.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TempHome } from "./config.js";
import { MOOR_BIN } from "./moor-process.js";

const ACPX_BIN = fileURLToPath(new URL("../../node_modules/acpx/dist/cli.js", import.meta.url));

export interface AcpxResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The raw agent command acpx starts: `moor acp`, or `moor acp --attach URL` when a server is given. */
export function moorAgentCommand(attachUrl?: string): string {
  return [process.execPath, MOOR_BIN, "acp", ...(attachUrl ? ["--attach", attachUrl] : [])].join(" ");
}

export function runAcpx(home: TempHome, agent: string, args: string[], timeoutMs = 60_000): Promise<AcpxResult> {
  // A queue owner outlives the command by --ttl seconds: long enough that the next command of a test reuses it
  // (no race with its shutdown), ended by closeAcpx.
  const child = spawn(process.execPath, [ACPX_BIN, "--ttl", "30", "--agent", agent, "--cwd", home.project, ...args], {
    cwd: home.project,
    env: home.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Each JSON line of a `--format json` run (acpx prints the JSON-RPC traffic and its own records). */
export function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Closes the cwd's session (which ends acpx's queue owner and its moor child), then ends any owner left. */
export async function closeAcpx(home: TempHome, agent: string): Promise<void> {
  await runAcpx(home, agent, ["sessions", "close"], 10_000);
  await endQueueOwners(home);
}

/** Ends acpx's queue owners of the temp home (and with them their agent), keeping the sessions. */
export async function endQueueOwners(home: TempHome): Promise<void> {
  const queues = join(home.root, ".acpx", "queues");
  if (!existsSync(queues)) return;
  for (const name of readdirSync(queues)) {
    let pid: number | undefined;
    try {
      pid = (JSON.parse(readFileSync(join(queues, name), "utf8")) as { pid?: number }).pid;
    } catch {
      continue; // Not a lock file (or half written): nothing to end.
    }
    if (pid) await endProcess(pid);
  }
}

async function endProcess(pid: number): Promise<void> {
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  process.kill(pid, "SIGTERM");
  for (let waited = 0; waited < 3000 && alive(); waited += 50) await new Promise((r) => setTimeout(r, 50));
  if (alive()) process.kill(pid, "SIGKILL");
}
