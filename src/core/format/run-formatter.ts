// Runs one formatter command on one file: never through a shell (the file name is one argument, whatever it holds),
// bounded in time and in what it may print.
import { spawn } from "node:child_process";

export interface FormatRun {
  ok: boolean;
  /** Why it failed (exit code and the start of stderr, or the timeout), one line. */
  error?: string;
}

const STDERR_LIMIT = 4096;

export function runFormatter(
  command: readonly string[],
  options: { cwd: string; env: Record<string, string | undefined>; timeoutMs: number },
): Promise<FormatRun> {
  return new Promise((resolve) => {
    let stderr = "";
    let timedOut = false;
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(command[0], command.slice(1), {
        cwd: options.cwd,
        env: options.env,
        shell: false,
        stdio: ["ignore", "ignore", "pipe"],
      });
    } catch (error) {
      resolve({ ok: false, error: (error as Error).message });
      return;
    }
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, options.timeoutMs);
    child.stderr?.on("data", (chunk: Buffer) => {
      if (stderr.length < STDERR_LIMIT) stderr += chunk.toString("utf8");
    });
    child.on("error", (error) => {
      clearTimeout(timer);
      resolve({ ok: false, error: error.message });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      if (timedOut) resolve({ ok: false, error: `timed out after ${options.timeoutMs} ms` });
      else if (code === 0) resolve({ ok: true });
      else {
        const line = stderr.trim().split("\n")[0]?.slice(0, 200) ?? "";
        resolve({ ok: false, error: `exit code ${code}${line ? `: ${line}` : ""}` });
      }
    });
  });
}
