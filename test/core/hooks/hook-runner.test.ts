// The hook runner: a small process of moor's own that starts hook commands, so a hook's start never forks moor's
// server. What a hook gets (stdin, environment, directory, timeout, its own process group) is the same whether it
// runs directly or through /bin/sh; a runner that died is replaced; a batch runs in order.
import { execFileSync, spawn } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type HookCommand, HookRunner } from "../../../src/core/hooks/hook-runner.js";
import { plainCommand } from "../../../src/core/hooks/plain-command.js";

let dir: string;
let runner: HookRunner;
let spawner: "perl" | "node";

beforeEach(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), "moor-hook-runner-")));
  runner = new HookRunner({ spawner });
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

// Both spawners (the Perl one moor prefers, and the Node one where there is no perl) keep the same promises.
describe.each(["perl", "node"] as const)("the hook runner (%s)", (kind) => {
  beforeAll(() => {
    spawner = kind;
  });

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
    const low = new HookRunner({ nice: 10, spawner });
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
  it("runs as the spawner asked for", async () => {
    await runner.run(hook("true"));
    expect(runner.runnerKind).toBe(kind);
    expect(readlinkSync(`/proc/${runner.runnerPid}/exe`)).toMatch(kind === "perl" ? /perl/ : /node/);
  });

  it("a hang is killed at its timeout with its grandchildren; exit 2 and stderr come back as they were", async () => {
    const pidFile = join(dir, "grandchild.pid");
    const [hang, deny] = await Promise.all([
      runner.run(hook(`sleep 30 & echo $! > ${pidFile}; wait`, { timeoutMs: 300 })),
      runner.run(hook("cat >&2; exit 2", { input: '{"tool":"bash"}' })),
    ]);
    expect(hang).toMatchObject({ exit: null, timedOut: true });
    expect(hang.ms).toBeGreaterThanOrEqual(290);
    await until(() => !running(Number(readFileSync(pidFile, "utf8"))), "the grandchild to be killed");
    expect(deny).toMatchObject({ exit: 2, stderr: '{"tool":"bash"}', timedOut: false });
  });

  it("an abort ends a running hook as its timeout would, but not as a timeout", async () => {
    const aborted = new AbortController();
    const pending = runner.run(hook("exec sleep 30", { signal: aborted.signal }));
    setTimeout(() => aborted.abort(), 200);
    expect(await pending).toMatchObject({ exit: null, timedOut: false });
  });

  it("large input and output: stdin read whole or not at all, output capped at 64 KiB, bytes kept", async () => {
    const input = `{"output":"${"é".repeat(300_000)}"}`;
    const [counted, ignored, loud] = await Promise.all([
      runner.run(hook("wc -c", { input })),
      runner.run(hook("echo ignored-stdin", { input })),
      runner.run(hook("yes ünïcödé | head -c 200000; printf 'done' >&2")),
    ]);
    expect(Number(counted.stdout.trim())).toBe(Buffer.byteLength(input));
    expect(ignored).toMatchObject({ exit: 0, stdout: "ignored-stdin\n" });
    expect(loud).toMatchObject({ exit: 0, stderr: "done" });
    expect(loud.stdout.startsWith("ünïcödé\nünïcödé\n")).toBe(true);
    expect(Buffer.byteLength(loud.stdout)).toBeLessThanOrEqual(64 * 1024 + 3);
    expect(Buffer.byteLength(loud.stdout)).toBeGreaterThan(64 * 1024 - 3);
  });

  it("a batch gets the environment it was sent with, also when the next one's differs", async () => {
    const first = runner.run(hook('sleep 0.2; printf %s "$V"', { env: { PATH: process.env.PATH, V: "one" } }));
    const second = runner.run(hook('printf %s "$V"', { env: { PATH: process.env.PATH, V: "two" } }));
    const third = runner.run(hook('printf %s "$V"', { env: { PATH: process.env.PATH, V: "two" } }));
    expect((await first).stdout).toBe("one");
    expect((await second).stdout).toBe("two");
    expect((await third).stdout).toBe("two");
  });

  it("a directory that is not there is a start error, not a hook's exit", async () => {
    const result = await runner.run(hook("true", { cwd: join(dir, "gone") }));
    expect(result.exit).toBeNull();
    expect(result.startError).toBeTruthy();
  });

  it("off the turn's path at nice 19; a runner at 0 starts its hooks at normal priority", async () => {
    const low = new HookRunner({ nice: 19, spawner });
    try {
      expect((await low.run(hook("nice"))).stdout).toBe("19\n");
      expect((await runner.run(hook("nice"))).stdout).toBe("0\n");
    } finally {
      await low.close();
    }
  });

  it("close() of an idle spawner finishes even where nothing else keeps moor's process alive", async () => {
    const script = join(dir, "close.mts");
    writeFileSync(
      script,
      `import { HookRunner } from ${JSON.stringify(join(process.cwd(), "src/core/hooks/hook-runner.ts"))};
const runner = new HookRunner({ spawner: ${JSON.stringify(kind)} });
await runner.run({ command: "true", cwd: ${JSON.stringify(dir)}, env: { PATH: process.env.PATH }, input: "", timeoutMs: 60000 });
await runner.close();
console.log("closed");
`,
    );
    // An unsettled top-level await would end node with exit 13 and print nothing.
    const out = execFileSync(process.execPath, ["--import", "tsx", script]).toString();
    expect(out).toBe("closed\n");
  });

  it("moor killed outright: its spawner sees its stdin close, kills the hooks' groups and exits", async () => {
    const pidFile = join(dir, "pids");
    const script = join(dir, "server.mts");
    writeFileSync(
      script,
      `import { HookRunner } from ${JSON.stringify(join(process.cwd(), "src/core/hooks/hook-runner.ts"))};
const runner = new HookRunner({ spawner: ${JSON.stringify(kind)} });
runner.run({ command: "sleep 30 & echo $! > ${pidFile}; wait", cwd: ${JSON.stringify(dir)}, env: { PATH: process.env.PATH }, input: "", timeoutMs: 60000 });
setInterval(() => console.log(runner.runnerPid), 50);
`,
    );
    // Node itself with tsx's loader (the tsx command would run it in a child that outlives its kill).
    const server = spawn(process.execPath, ["--import", "tsx", script], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    server.stdout.on("data", (chunk) => {
      out += chunk;
    });
    await until(
      () => existsSync(pidFile) && readFileSync(pidFile, "utf8").endsWith("\n") && /\d+\n/.test(out),
      "the hook to start",
    );
    const spawnerPid = Number(/(\d+)\n/.exec(out)?.[1]);
    const sleeping = Number(readFileSync(pidFile, "utf8"));
    expect(running(spawnerPid) && running(sleeping)).toBe(true);
    server.kill("SIGKILL");
    await until(() => !running(sleeping) && !running(spawnerPid), "the spawner and its hook to end");
  });
});

describe("without perl", () => {
  it("the Node runner starts the hooks; with perl on PATH, the Perl spawner does", async () => {
    const bin = join(dir, "bin");
    mkdirSync(bin);
    // A PATH with what the hook needs and no perl.
    for (const tool of ["cat", "sh"])
      symlinkSync(
        execFileSync("/bin/sh", ["-c", `command -v ${tool}`])
          .toString()
          .trim(),
        join(bin, tool),
      );
    const plain = new HookRunner();
    const withPerl = new HookRunner();
    try {
      const result = await plain.run(hook("cat", { input: "in", env: { PATH: bin } }));
      expect(result).toMatchObject({ exit: 0, stdout: "in" });
      expect(plain.runnerKind).toBe("node");
      await withPerl.run(hook("true"));
      expect(withPerl.runnerKind).toBe("perl");
    } finally {
      await Promise.all([plain.close(), withPerl.close()]);
    }
  });
});
