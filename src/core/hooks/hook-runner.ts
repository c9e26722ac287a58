// Where hook commands are started: the hook runner, a small Node process of moor's own (runner-process-source.ts
// says why and how), started on the first hook, started again on the next hook when it died, and ended with moor
// (it also ends by itself when moor's end closes its channel). The server only sends it messages: a hook's start no
// longer forks the server, which stalled the turns running beside it. A command without shell syntax is executed
// directly (plain-command.ts); any other runs as `/bin/sh -c`. Either way in the session's directory, with the
// environment given (moor's secrets already held back), in a process group of its own, killed at its timeout.
import { type ChildProcess, spawn } from "node:child_process";
import { plainCommand } from "./plain-command.js";
import { RUNNER_PROCESS_SOURCE } from "./runner-process-source.js";

export interface HookCommand {
  command: string;
  cwd: string;
  env: Record<string, string | undefined>;
  input: string;
  timeoutMs: number;
  /** Ends the run as its timeout would (the turn was aborted, moor shuts down). */
  signal?: AbortSignal;
}

export interface HookRunResult {
  /** The exit code; null when it was killed or could not start. */
  exit: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  timedOut: boolean;
  /** Why it failed to start. */
  startError?: string;
  /** The process group it ran in (a test checks it is gone after a timeout). */
  pid?: number;
}

const failed = (startError: string): HookRunResult => ({
  exit: null,
  stdout: "",
  stderr: "",
  ms: 0,
  timedOut: false,
  startError,
});

export interface HookRunnerOptions {
  /**
   * The CPU niceness of the runner and every hook it starts (0, normal, by default; 19 is the lowest priority): the
   * runner of hooks off the turn's path yields the CPU to the turns, even those its hooks' starts would compete with.
   */
  nice?: number;
}

export class HookRunner {
  private runner: ChildProcess | undefined;
  private next = 0;
  private readonly waiting = new Map<number, (result: HookRunResult) => void>();

  constructor(private readonly options: HookRunnerOptions = {}) {}

  /** The runner process's id while it runs (tests end it to see it replaced). */
  get runnerPid(): number | undefined {
    return this.runner?.pid;
  }

  run(hook: HookCommand): Promise<HookRunResult> {
    return this.runInOrder([hook])[0];
  }

  /**
   * Runs the hooks one after the other, in the order given, in one message to the runner (the hooks of one event
   * for one session: one round trip for all). Each promise resolves when its hook has ended.
   */
  runInOrder(hooks: HookCommand[]): Promise<HookRunResult>[] {
    const runner = this.start(hooks[0]?.env ?? {});
    const runs = [];
    const results: Promise<HookRunResult>[] = [];
    for (const hook of hooks) {
      const id = this.next++;
      const plain = plainCommand(hook.command);
      runs.push({
        id,
        command: hook.command,
        ...(plain ? { file: plain[0], args: plain.slice(1) } : {}),
        cwd: hook.cwd,
        env: definedEnv(hook.env),
        input: hook.input,
        timeoutMs: hook.timeoutMs,
      });
      results.push(
        new Promise((resolve) => {
          const onAbort = () => this.send(runner, { kill: id });
          this.waiting.set(id, (result) => {
            hook.signal?.removeEventListener("abort", onAbort);
            resolve(result);
          });
          if (hook.signal?.aborted) queueMicrotask(onAbort);
          else hook.signal?.addEventListener("abort", onAbort, { once: true });
        }),
      );
    }
    this.hold(runner);
    this.send(runner, { runs });
    return results;
  }

  /** Ends the runner (moor shuts down): the hooks still running are killed; what waited for them fails. */
  async close(): Promise<void> {
    const runner = this.runner;
    this.runner = undefined;
    if (runner && runner.exitCode === null && runner.signalCode === null) {
      const exited = new Promise((resolve) => runner.once("exit", resolve));
      // Closing the channel is the runner's signal to kill its hooks' groups and exit.
      if (runner.connected) runner.disconnect();
      else runner.kill("SIGKILL");
      await exited;
    }
    this.failWaiting("moor shut down");
  }

  private start(env: Record<string, string | undefined>): ChildProcess {
    if (this.runner) return this.runner;
    // Its own environment is a hook's (moor's secrets held back; each run brings its own anyway), without the user's
    // NODE_OPTIONS: the runner is moor's, not a program of the user's (an --inspect there would open a port).
    const runner = spawn(
      process.execPath,
      ["--max-semi-space-size=1", "-e", RUNNER_PROCESS_SOURCE, String(this.options.nice ?? 0)],
      {
        stdio: ["ignore", "ignore", "ignore", "ipc"],
        env: definedEnv({ ...env, NODE_OPTIONS: undefined }),
        serialization: "json",
      },
    );
    runner.on("message", (message: HookRunResult & { id: number }) => {
      const { id, ...result } = message;
      const resolve = this.waiting.get(id);
      this.waiting.delete(id);
      if (this.waiting.size === 0) this.release(runner);
      resolve?.(result);
    });
    runner.on("error", () => {
      // A failed start or send: the exit handler (or the next hook) deals with what waits.
      if (runner.pid === undefined) this.lost(runner, "the hook runner could not start");
    });
    runner.on("exit", () => this.lost(runner, "the hook runner ended"));
    this.runner = runner;
    this.release(runner);
    return runner;
  }

  /** The runner died: what waited for it failed; the next hook starts a new one. */
  private lost(runner: ChildProcess, why: string): void {
    if (this.runner !== runner) return;
    this.runner = undefined;
    this.failWaiting(why);
  }

  private failWaiting(why: string): void {
    for (const [id, resolve] of this.waiting) {
      this.waiting.delete(id);
      resolve(failed(why));
    }
  }

  private send(runner: ChildProcess, message: object): void {
    if (!runner.connected) return;
    runner.send(message, (error) => {
      if (error) this.lost(runner, "the hook runner could not be reached");
    });
  }

  /** While hooks run, the runner keeps moor's process alive (shutdown waits for them); idle, it does not. */
  private hold(runner: ChildProcess): void {
    runner.ref();
    runner.channel?.ref();
  }

  private release(runner: ChildProcess): void {
    runner.unref();
    runner.channel?.unref();
  }
}

/** The variables that have a value (CDPATH dropped: it makes a hook's `cd` print). */
function definedEnv(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined && name !== "CDPATH") out[name] = value;
  return out;
}
