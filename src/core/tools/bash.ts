import { spawn } from "node:child_process";
import { resolve } from "node:path";
import * as z from "zod";
import { OPAQUE_MARK } from "../permission-rules.js";
import { resolveInside } from "./paths.js";
import { processGroupRecord } from "./process-group.js";
import { analyzeCommand } from "./shell/analyze.js";
import type { ToolContext, ToolDefinition } from "./tool.js";

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

/**
 * Asks before a command runs, about each part on its own (shell/analyze.ts): every file a redirection writes is an
 * edit of that file (outside the directory, or somewhere not known before the command runs, also an
 * `external_directory`); then one `bash` question whose patterns are the simple commands, each judged by itself
 * against rules and grants, and whose `always` is exactly the rules an "always" answer stores (always-rule.ts).
 * A line the parser cannot read is asked as a whole, marked opaque: no grant covers it (and, when it may redirect,
 * as an opaque edit too).
 */
async function askFor(command: string, description: string | undefined, ctx: ToolContext): Promise<void> {
  const analysis = await analyzeCommand(command);
  const metadata = { command, description };
  if (analysis.understood) {
    for (const write of analysis.writes) {
      if (write.path === undefined) {
        // Where it lands is only known when the command runs: possibly outside the directory.
        await ctx.ask({ permission: "external_directory", patterns: [write.raw], always: [], metadata });
        await ctx.ask({ permission: "edit", patterns: [write.raw], always: [], metadata });
        continue;
      }
      const path = await resolveInside(ctx, resolve(ctx.directory, write.path));
      await ctx.ask({ permission: "edit", patterns: [path], metadata: { ...metadata, filepath: path } });
    }
  } else if (/>|\btee\b/.test(command)) {
    // It may write files nobody can name: an opaque edit, which the plan agent refuses.
    await ctx.ask({ permission: "edit", patterns: [OPAQUE_MARK + command.trim()], always: [], metadata });
  }
  const commands = analysis.understood ? analysis.commands : [];
  // A command run by its path is judged as written and by its name (SubCommand.byName): any deny denies, and it
  // runs unasked only when both are allowed; "always" stores both rules.
  const patterns = unique(
    commands.flatMap((part) =>
      part.opaque ? [OPAQUE_MARK + part.text] : [part.text, ...(part.byName ? [part.byName.text] : [])],
    ),
  );
  if (patterns.length === 0) patterns.push(OPAQUE_MARK + command.trim());
  const always = unique(
    commands.flatMap((part) => [part.rule, part.byName?.rule].filter((rule): rule is string => rule !== undefined)),
  );
  await ctx.ask({ permission: "bash", patterns, always, metadata });
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

export interface BashToolOptions {
  /**
   * The environment commands run with: given by cli, which leaves out moor's own secrets (core reads no env).
   * Asked at each command, so a config reloaded after a directory is trusted holds back its own `{env:}` keys too.
   */
  env: () => Record<string, string | undefined>;
}

export function createBashTool(options: BashToolOptions): ToolDefinition<z.infer<typeof Input>> {
  return {
    name: "bash",
    description:
      "Run a shell command in the project directory. Output (stdout and stderr) is capped; long-running commands time out (default 2 minutes).",
    parameters: Input,
    async execute(input, ctx) {
      await askFor(input.command, input.description, ctx);
      const timeoutMs = input.timeout ?? DEFAULT_TIMEOUT_MS;
      const child = spawn("/bin/sh", ["-c", input.command], {
        cwd: ctx.directory,
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
        // Without CDPATH a relative `cd` goes where it says, as the analysis of redirections assumes.
        env: { ...options.env(), CDPATH: undefined, TERM: "dumb", PAGER: "cat", GIT_PAGER: "cat" },
      });
      // Recorded at once, so a restart after a crash can end this command before the call runs again.
      if (child.pid) ctx.progress({ metadata: { ...processGroupRecord(child.pid) } });
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
