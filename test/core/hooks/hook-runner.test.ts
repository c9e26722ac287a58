// The hook runner: a small process of moor's own that starts hook commands, so a hook's start never forks moor's
// server. What a hook gets (stdin, environment, directory, timeout, its own process group) is the same whether it
// runs directly or through /bin/sh; a runner that died is replaced; a batch runs in order.
import { chmodSync, existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type HookCommand, HookRunner } from "../../../src/core/hooks/hook-runner.js";
import { plainCommand } from "../../../src/core/hooks/plain-command.js";

let dir: string;
let runner: HookRunner;

beforeEach(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), "moor-hook-runner-")));
  runner = new HookRunner();
});
afterEach(async () => {
  await runner.close();
  rmSync(dir, { recursive: true, force: true });
});

const hook = (command: string, more: Partial<HookCommand> = {}): HookCommand => ({
  command,
  cwd: dir,
  env: { PATH: process.env.PATH },
  input: "{}",
  timeoutMs: 10_000,
  ...more,
});

/** Whether a process runs (a zombie waiting for this container's init to reap it does not). */
function running(pid: number): boolean {
  const file = `/proc/${pid}/stat`;
  if (!existsSync(file)) return false;
  const stat = readFileSync(file, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
}

async function until(done: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 250; i++) {
    if (done()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("the hook runner", () => {
  it("starts hooks from its own process, not from moor's (whose fork stalled the turns)", async () => {
    const result = await runner.run(hook("echo $PPID"));
    expect(result.exit).toBe(0);
    const parent = Number(result.stdout.trim());
    expect(parent).toBe(runner.runnerPid);
    expect(parent).not.toBe(process.pid);
  });

  it("a command without shell syntax runs directly and still gets stdin, env and cwd", async () => {
    const script = join(dir, "hook.sh");
    writeFileSync(script, '#!/bin/sh\ncat > stdin.txt\npwd > cwd.txt\necho "$HOOK_VAR" > env.txt\necho "$1" >&2\n');
    chmodSync(script, 0o755);
    const command = "./hook.sh 'two words'";
    expect(plainCommand(command)).toEqual(["./hook.sh", "two words"]);
    const result = await runner.run(hook(command, { input: '{"event":"x"}', env: { HOOK_VAR: "v1", PATH: "/bin" } }));
    expect(result).toMatchObject({ exit: 0, stderr: "two words\n", timedOut: false });
    expect(readFileSync(join(dir, "stdin.txt"), "utf8")).toBe('{"event":"x"}');
    expect(readFileSync(join(dir, "cwd.txt"), "utf8")).toBe(`${dir}\n`);
    expect(readFileSync(join(dir, "env.txt"), "utf8")).toBe("v1\n");
  });

  it("a command without shell syntax is killed at its timeout, its whole process group", async () => {
    expect(plainCommand("sleep 30")).toBeDefined();
    const result = await runner.run(hook("sleep 30", { timeoutMs: 300 }));
    expect(result).toMatchObject({ exit: null, timedOut: true });
    expect(result.pid).toBeGreaterThan(0);
    expect(running(result.pid as number)).toBe(false);
  });

  it("a program that is not there, or a script without #!, gets what /bin/sh would have made of it", async () => {
    const missing = await runner.run(hook("no-such-program-here --flag"));
    expect(missing.exit).toBe(127);
    expect(missing.stderr).toMatch(/not found/);
    writeFileSync(join(dir, "plain.sh"), "echo from-a-script-without-shebang\n");
    chmodSync(join(dir, "plain.sh"), 0o755);
    const script = await runner.run(hook("./plain.sh"));
    expect(script).toMatchObject({ exit: 0, stdout: "from-a-script-without-shebang\n" });
  });

  it("runs a batch one after the other, in order; a run aborted before its start never starts", async () => {
    const log = join(dir, "log");
    const aborted = new AbortController();
    aborted.abort();
    const results = runner.runInOrder([
      hook(`sleep 0.2; echo one >> ${log}`),
      hook(`echo two >> ${log}`),
      hook(`echo never >> ${log}`, { signal: aborted.signal }),
      hook(`echo three >> ${log}`),
    ]);
    const [one, two, never, three] = await Promise.all(results);
    expect([one.exit, two.exit, three.exit]).toEqual([0, 0, 0]);
    expect(never).toMatchObject({ exit: null, startError: "ended before it started" });
    expect(readFileSync(log, "utf8")).toBe("one\ntwo\nthree\n");
  });

  it("the user's NODE_OPTIONS reach the hooks but not the runner (moor's own process)", async () => {
    const env = { PATH: process.env.PATH, NODE_OPTIONS: `--require ${join(dir, "no-such-module.js")}` };
    const result = await runner.run(hook('printf %s "$NODE_OPTIONS"', { env }));
    expect(result).toMatchObject({ exit: 0, stdout: env.NODE_OPTIONS });
  });

  it("a runner that died is replaced: what ran in it fails, the next hook runs", async () => {
    const pidFile = join(dir, "sleep.pid");
    const pending = runner.run(hook(`echo $$ > ${pidFile}; exec sleep 30`));
    await until(() => existsSync(pidFile) && readFileSync(pidFile, "utf8").endsWith("\n"), "the hook to start");
    const first = runner.runnerPid as number;
    process.kill(first, "SIGKILL");
    expect(await pending).toMatchObject({ exit: null, startError: "the hook runner ended" });
    const next = await runner.run(hook("echo again"));
    expect(next).toMatchObject({ exit: 0, stdout: "again\n" });
    expect(runner.runnerPid).not.toBe(first);
    process.kill(Number(readFileSync(pidFile, "utf8")), "SIGKILL");
  });

  it("close() ends the runner and kills the hooks still running", async () => {
    const pidFile = join(dir, "sleep.pid");
    const pending = runner.run(hook(`echo $$ > ${pidFile}; exec sleep 30`));
    await until(() => existsSync(pidFile) && readFileSync(pidFile, "utf8").endsWith("\n"), "the hook to start");
    const runnerPid = runner.runnerPid as number;
    await runner.close();
    expect(await pending).toMatchObject({ exit: null });
    const sleeping = Number(readFileSync(pidFile, "utf8"));
    await until(() => !running(sleeping) && !running(runnerPid), "the hook and the runner to end");
  });

  it("a runner given a niceness runs its hooks at it (off the turn's path: they yield the CPU to turns)", async () => {
    const low = new HookRunner({ nice: 10 });
    try {
      const result = await low.run(hook("nice"));
      expect(result).toMatchObject({ exit: 0, stdout: "10\n" });
      if (existsSync("/proc/self/autogroup")) {
        // The hook's own session is its own autogroup, which the scheduler weighs apart: it gets the niceness too,
        // once started (the runner sets it when the start returns).
        const group = await low.run(hook("sleep 0.3; cat /proc/self/autogroup"));
        expect(group.stdout).toMatch(/nice 10/);
      }
    } finally {
      await low.close();
    }
  });
});
