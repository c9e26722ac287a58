// Where hook commands are started: a spawner process of moor's own, started on the first hook, started again on the
// next hook when it died, and ended with moor (it also ends by itself when moor's end closes its stdin). The server
// only writes it frames and reads its answers: a hook's start never forks the server, which stalled the turns running
// beside it. The spawner is a small Perl process where perl is on the hooks' PATH (perl-spawner-source.ts: ~7 MB
// resident against the Node runner's ~50) and the Node runner otherwise (runner-process-source.ts); both speak
// runner-protocol.ts. A command without shell syntax is executed directly (plain-command.ts); any other
// runs as `/bin/sh -c`. Either way in the session's directory, with the environment given (moor's secrets already
// held back), in a process group of its own, killed at its timeout.
import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { PERL_SPAWNER_SOURCE } from "./perl-spawner-source.js";
import { plainCommand } from "./plain-command.js";
import { RUNNER_PROCESS_SOURCE } from "./runner-process-source.js";
import { decodeFields, encodeFields, encodeFrame, FrameReader } from "./runner-protocol.js";

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
   * The CPU niceness of the spawner and every hook it starts (0, normal, by default; 19 is the lowest priority): the
   * spawner of hooks off the turn's path yields the CPU to the turns, even those its hooks' starts would compete with.
   */
  nice?: number;
  /** Which spawner: Perl where the hooks' PATH has a perl (the default), else Node. Tests choose. */
  spawner?: "perl" | "node";
}

interface Spawner {
  child: ChildProcess;
  kind: "perl" | "node";
  /** The last `env` frame written: the next batch sends one only when its environment differs. */
  env?: string;
}

export class HookRunner {
  private runner: Spawner | undefined;
  private next = 0;
  private readonly waiting = new Map<string, (result: HookRunResult) => void>();

  constructor(private readonly options: HookRunnerOptions = {}) {}

  /** The spawner process's id while it runs (tests end it to see it replaced). */
  get runnerPid(): number | undefined {
    return this.runner?.child.pid;
  }

  /** Which spawner runs: "perl" or "node" (undefined before the first hook). */
  get runnerKind(): "perl" | "node" | undefined {
    return this.runner?.kind;
  }

  run(hook: HookCommand): Promise<HookRunResult> {
    return this.runInOrder([hook])[0];
  }

  /**
   * Runs the hooks one after the other, in the order given, in one frame to the spawner, which answers once they
   * have all ended (the hooks of one event for one session: one round trip for all). They share the first hook's
   * environment. Each promise resolves when the answer comes.
   */
  runInOrder(hooks: HookCommand[]): Promise<HookRunResult>[] {
    const env = hooks[0]?.env ?? {};
    const runner = this.start(env);
    const envFrame = encodeFrame([
      "env",
      ...Object.entries(definedEnv(env)).map(([name, value]) => `${name}=${value}`),
    ]);
    let frames = "";
    if (envFrame !== runner.env) {
      frames += envFrame;
      runner.env = envFrame;
    }
    const runs: string[] = [];
    const results: Promise<HookRunResult>[] = [];
    for (const hook of hooks) {
      const id = String(this.next++);
      runs.push(
        encodeFields([
          id,
          String(hook.timeoutMs),
          hook.cwd,
          hook.command,
          hook.input,
          ...(plainCommand(hook.command) ?? []),
        ]),
      );
      results.push(
        new Promise((resolve) => {
          const onAbort = () => this.write(runner, encodeFrame(["kill", id]));
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
    this.write(runner, frames + encodeFrame(["runs", ...runs]));
    return results;
  }

  /** Ends the spawner (moor shuts down): the hooks still running are killed; what waited for them fails. */
  async close(): Promise<void> {
    const runner = this.runner;
    this.runner = undefined;
    const { child } = runner ?? {};
    if (runner && child && child.exitCode === null && child.signalCode === null) {
      // Held until it has exited: an idle spawner is unreferenced, and the wait alone would not keep moor alive.
      this.hold(runner);
      const exited = new Promise((resolve) => child.once("exit", resolve));
      // Its stdin closing is the spawner's signal to kill its hooks' groups and exit.
      if (child.stdin && !child.stdin.destroyed) child.stdin.end();
      else child.kill("SIGKILL");
      await exited;
    }
    this.failWaiting("moor shut down");
  }

  private start(env: Record<string, string | undefined>): Spawner {
    if (this.runner) return this.runner;
    const nice = String(this.options.nice ?? 0);
    const perl = this.options.spawner === "node" ? undefined : findProgram("perl", env.PATH);
    // Its own environment is empty: each batch brings the hooks' own. Neither PERL5OPT nor NODE_OPTIONS of the
    // user's reach moor's spawner (an --inspect would open a port; NODE_EXTRA_CA_CERTS alone cost ~45 ms a start).
    const child = perl
      ? spawn(perl, ["-e", PERL_SPAWNER_SOURCE, nice], { stdio: ["pipe", "pipe", "ignore"], env: {} })
      : spawn(process.execPath, ["--max-semi-space-size=1", "-e", RUNNER_PROCESS_SOURCE, nice], {
          stdio: ["pipe", "pipe", "ignore"],
          env: {},
        });
    const runner: Spawner = { child, kind: perl ? "perl" : "node" };
    const reader = new FrameReader();
    child.stdout?.on("data", (chunk: Buffer) => {
      for (const frame of reader.push(chunk)) this.onAnswer(runner, frame);
    });
    child.stdin?.on("error", () => {
      // The spawner is gone: its exit fails what waits for it.
    });
    child.on("error", () => {
      // A failed start: the exit handler (or the next hook) deals with what waits.
      if (child.pid === undefined) this.lost(runner, "the hook runner could not start");
    });
    child.on("exit", () => this.lost(runner, "the hook runner ended"));
    this.runner = runner;
    this.release(runner);
    return runner;
  }

  /** A `done` frame: the results of one batch, in its order. */
  private onAnswer(runner: Spawner, frame: Buffer): void {
    const [, ...results] = decodeFields(frame);
    for (const encoded of results) {
      const [id, exit, ms, timedOut, pid, startError, stdout, stderr] = decodeFields(encoded);
      const resolve = this.waiting.get(id.toString());
      this.waiting.delete(id.toString());
      resolve?.({
        exit: exit.length > 0 ? Number(exit.toString()) : null,
        stdout: stdout.toString("utf8"),
        stderr: stderr.toString("utf8"),
        ms: Number(ms.toString()),
        timedOut: timedOut.toString() === "1",
        ...(startError.length > 0 ? { startError: startError.toString("utf8") } : {}),
        ...(pid.length > 0 ? { pid: Number(pid.toString()) } : {}),
      });
    }
    if (this.waiting.size === 0 && this.runner === runner) this.release(runner);
  }

  /** The spawner died: what waited for it failed; the next hook starts a new one. */
  private lost(runner: Spawner, why: string): void {
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

  private write(runner: Spawner, frames: string): void {
    const { stdin } = runner.child;
    if (stdin && !stdin.destroyed && stdin.writable) stdin.write(frames);
  }

  /** While hooks run, the spawner keeps moor's process alive (shutdown waits for them); idle, it does not. */
  private hold({ child }: Spawner): void {
    child.ref();
    (child.stdout as unknown as { ref?(): void } | null)?.ref?.();
    (child.stdin as unknown as { ref?(): void } | null)?.ref?.();
  }

  private release({ child }: Spawner): void {
    child.unref();
    (child.stdout as unknown as { unref?(): void } | null)?.unref?.();
    (child.stdin as unknown as { unref?(): void } | null)?.unref?.();
  }
}

/** The executable `name` in the directories of `path`, or undefined. */
function findProgram(name: string, path: string | undefined): string | undefined {
  for (const dir of (path ?? "").split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

/** The variables that have a value (CDPATH dropped: it makes a hook's `cd` print). */
function definedEnv(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined && name !== "CDPATH") out[name] = value;
  return out;
}
