import { spawn } from "node:child_process";
import * as z from "zod";
import type { ToolDefinition } from "./tool.js";

const DEFAULT_TIMEOUT_MS = 120_000;
const MAX_TIMEOUT_MS = 600_000;
const OUTPUT_CAP = 30_000;
const KILL_GRACE_MS = 2000;
const PROGRESS_EVERY_MS = 100;

const Input = z.object({
  command: z.string().min(1).describe("The shell command to run, in the project directory"),
  timeout: z.number().int().positive().max(MAX_TIMEOUT_MS).optional().describe("Timeout in ms (default 120000)"),
  description: z.string().optional().describe("What the command does, in a few words"),
});

/** Head and tail of long output, so both the start and the final error lines survive. */
export function capOutput(output: string, cap = OUTPUT_CAP): { text: string; truncated: boolean } {
  if (output.length <= cap) return { text: output, truncated: false };
  const half = Math.floor(cap / 2);
  const omitted = output.length - cap;
  return {
    text: `${output.slice(0, half)}\n\n... (${omitted} characters omitted) ...\n\n${output.slice(-half)}`,
    truncated: true,
  };
}

/** Kills the command's whole process group (its children too): SIGTERM, then SIGKILL if it lingers. */
function killGroup(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, "SIGTERM");
  } catch {
    return;
  }
  setTimeout(() => {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }, KILL_GRACE_MS).unref();
}

export interface BashToolOptions {
  /** The environment commands run with: given by cli, which leaves out moor's own secrets (core reads no env). */
  env: Record<string, string | undefined>;
}

export function createBashTool(options: BashToolOptions): ToolDefinition<z.infer<typeof Input>> {
  return {
    name: "bash",
    description:
      "Run a shell command in the project directory. Output (stdout and stderr) is capped; long-running commands time out (default 2 minutes).",
    parameters: Input,
    async execute(input, ctx) {
      const firstWord = input.command.trim().split(/\s+/)[0];
      await ctx.ask({
        permission: "bash",
        patterns: [input.command],
        always: [`${firstWord} *`],
        metadata: { command: input.command, description: input.description },
      });
      const timeoutMs = input.timeout ?? DEFAULT_TIMEOUT_MS;
      const child = spawn("/bin/sh", ["-c", input.command], {
        cwd: ctx.directory,
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...options.env, TERM: "dumb", PAGER: "cat", GIT_PAGER: "cat" },
      });
      let output = "";
      let lastProgress = 0;
      const onData = (chunk: Buffer) => {
        // Keep memory bounded even for endless output: beyond twice the cap only the tail matters.
        output += chunk.toString("utf8");
        if (output.length > OUTPUT_CAP * 4) output = output.slice(0, OUTPUT_CAP) + output.slice(-OUTPUT_CAP * 2);
        const now = ctx.now();
        if (now - lastProgress >= PROGRESS_EVERY_MS) {
          lastProgress = now;
          ctx.progress({ metadata: { output: capOutput(output).text, description: input.description } });
        }
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", onData);
      let reason: "timeout" | "aborted" | undefined;
      const timer = setTimeout(() => {
        reason = "timeout";
        killGroup(child.pid);
      }, timeoutMs);
      const onAbort = () => {
        reason ??= "aborted";
        killGroup(child.pid);
      };
      ctx.abort.addEventListener("abort", onAbort, { once: true });
      const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
        child.on("error", reject);
        child.on("close", (code, signal) => resolve({ code, signal }));
      }).finally(() => {
        clearTimeout(timer);
        ctx.abort.removeEventListener("abort", onAbort);
      });
      if (reason === "aborted") throw new Error("Command aborted");
      const { text, truncated } = capOutput(output);
      const notes: string[] = [];
      if (reason === "timeout") notes.push(`Command timed out after ${timeoutMs} ms and was killed.`);
      else if (exit.code !== 0) notes.push(`Exit code: ${exit.code ?? exit.signal}`);
      return {
        title: input.description ?? input.command,
        output: [text, ...notes].filter(Boolean).join("\n") || "(no output)",
        metadata: {
          exit: exit.code,
          output: text,
          description: input.description,
          truncated,
          timedOut: reason === "timeout",
        },
      };
    },
  };
}
