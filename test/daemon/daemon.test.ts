import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { launchdPlist, systemdUnit } from "../../src/daemon/units.js";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { runMoor } from "../fakes/moor-process.js";

let llm: FakeLlm;
let home: TempHome;

beforeAll(async () => {
  llm = await startFakeLlm();
});
afterAll(() => llm.close());
beforeEach(() => {
  home = makeTempHome(llm.url);
});
afterEach(async () => {
  await runMoor(["daemon", "stop", "--timeout", "3"], { env: home.env });
});

const moor = (args: string[], env: Record<string, string> = {}) =>
  runMoor(args, { env: { ...home.env, ...env }, cwd: home.project });
const daemonJson = () => JSON.parse(readFileSync(join(home.env.MOOR_STATE_DIR, "daemon.json"), "utf8"));
const lockFile = () => join(home.env.MOOR_STATE_DIR, "daemon.lock");
const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
};

/** Live processes started with this test's state dir: a supervisor, a server. */
const processesOfThisHome = () =>
  readdirSync("/proc").filter((name) => {
    if (!/^\d+$/.test(name) || !alive(Number(name))) return false;
    try {
      return readFileSync(`/proc/${name}/environ`, "utf8")
        .split("\0")
        .includes(`MOOR_STATE_DIR=${home.env.MOOR_STATE_DIR}`);
    } catch {
      return false;
    }
  });

async function waitUntil(predicate: () => boolean | Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await predicate()) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

describe("moor daemon (real processes)", () => {
  it("start → status → second start → stop → status, with the PID file and lock", async () => {
    const started = await moor(["daemon", "start", "--port", "0"]);
    expect(started.code, started.stderr).toBe(0);
    const url = /running at (\S+)/.exec(started.stdout)![1];
    expect((await fetch(`${url}/global/health`)).ok).toBe(true);
    const info = daemonJson();
    expect(info).toMatchObject({ url, state: "running" });
    expect(alive(info.pid)).toBe(true);
    expect(Number(readFileSync(lockFile(), "utf8"))).toBe(info.supervisorPid);
    // One malloc arena, as bin/moor.cjs's shell line gives a server run as a command (the supervisor starts Node
    // past that line). /proc's environ is the environment the server started with.
    expect(readFileSync(`/proc/${info.pid}/environ`, "utf8").split("\0")).toContain("MALLOC_ARENA_MAX=1");

    const status = await moor(["daemon", "status", "--format", "json"]);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ running: true, url, pid: info.pid, sessions: { busy: 0 } });
    expect(JSON.parse(status.stdout).rssBytes).toBeGreaterThan(0);

    const again = await moor(["daemon", "start", "--port", "0"]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`already running at ${url}`);

    const stopped = await moor(["daemon", "stop"]);
    expect(stopped.code).toBe(0);
    expect(alive(info.pid)).toBe(false);
    expect(existsSync(join(home.env.MOOR_STATE_DIR, "daemon.json"))).toBe(false);
    expect(existsSync(lockFile())).toBe(false);
    const after = await moor(["daemon", "status"]);
    expect(after.code).toBe(3);
    expect(after.stdout).toContain("not running");
  });

  it("replaces a stale PID file and a lock whose pid now belongs to another program", async () => {
    mkdirSync(home.env.MOOR_STATE_DIR, { recursive: true });
    const other = spawn("sleep", ["30"]);
    writeFileSync(lockFile(), String(other.pid));
    writeFileSync(
      join(home.env.MOOR_STATE_DIR, "daemon.json"),
      JSON.stringify({
        pid: 999_999,
        supervisorPid: other.pid,
        url: "http://127.0.0.1:1",
        state: "running",
        startedAt: 0,
      }),
    );
    try {
      const started = await moor(["daemon", "start", "--port", "0"]);
      expect(started.code, started.stderr).toBe(0);
      expect(started.stdout).toContain("moor daemon running at");
      expect(daemonJson().supervisorPid).not.toBe(other.pid);
      expect(alive(other.pid!)).toBe(true);
    } finally {
      other.kill();
    }
  });

  it("restarts a server killed with -9 at the same URL within 2 s, and clients reconnect", async () => {
    const started = await moor(["daemon", "start", "--port", "0"], { MOOR_DAEMON_BACKOFF_MS: "100" });
    expect(started.code, started.stderr).toBe(0);
    const { url, pid } = daemonJson();
    process.kill(pid, "SIGKILL");
    const elapsed = await waitUntil(async () => {
      try {
        return (await fetch(`${url}/global/health`)).ok && daemonJson().pid !== pid;
      } catch {
        return false;
      }
    }, 5000);
    expect(elapsed).toBeLessThan(2000);
    expect(daemonJson()).toMatchObject({ url, restarts: 1, state: "running" });
    const log = await moor(["daemon", "logs", "-n", "20"]);
    expect(log.stdout).toMatch(/exited abnormally \(SIGKILL\); restart 1/);
    llm.script({ text: "after the restart" });
    const run = await moor(["run", "--attach", "--", "are you back?"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe("after the restart\n");
  });

  it("gives up on a server that cannot listen in one line, stops the supervisor it started, and starts next time", async () => {
    const other = spawn(process.execPath, [
      "-e",
      `require("node:net").createServer().listen(0, "127.0.0.1", function () { console.log(this.address().port) })`,
    ]);
    const [portLine] = await once(other.stdout!, "data");
    const port = String(portLine).trim();
    try {
      // A long backoff: the supervisor waits between restarts when start gives up at its 15 s limit, long before its
      // crash loop would end it.
      const started = await moor(["daemon", "start", "--port", port], { MOOR_DAEMON_BACKOFF_MS: "5000" });
      expect(started.code).not.toBe(0);
      expect(started.stderr).toMatch(
        new RegExp(
          `^moor: the server did not start: 127\\.0\\.0\\.1:${port} is already in use \\(.*log: .*daemon\\.log\\)\n$`,
        ),
      );
      expect(processesOfThisHome()).toEqual([]);
      const status = await moor(["daemon", "status"]);
      expect(status.code).toBe(3);
      expect(status.stdout).toContain("not running");
    } finally {
      other.kill();
    }
    await once(other, "exit");
    const again = await moor(["daemon", "start", "--port", port]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`running at http://127.0.0.1:${port}`);
    // Start's own 15 s wait is most of it.
  }, 45_000);

  it("gives up after a crash loop and says so in status", async () => {
    writeFileSync(join(home.env.MOOR_CONFIG_DIR, "moor.json"), "{ broken json");
    const started = await moor(["daemon", "start", "--port", "0"], { MOOR_DAEMON_BACKOFF_MS: "20" });
    expect(started.code).not.toBe(0);
    expect(started.stderr).toMatch(
      /^moor: the server did not start: .*moor\.json.*invalid JSON.* \(failed 5 times; log: .*daemon\.log\)\n$/,
    );
    const status = await moor(["daemon", "status"]);
    expect(status.code).toBe(3);
    expect(status.stdout).toMatch(/crash loop: 5 crashes/);
  });
});

describe("service units", () => {
  const options = {
    node: process.execPath,
    bin: join(process.cwd(), "bin/moor.cjs"),
    serveArgs: ["--port", "4096", "--hostname", "0.0.0.0"],
    environmentFile: "/home/u/.config/moor/moor.env",
    logFile: "/home/u/.local/state/moor/daemon.log",
  };

  it("writes a systemd unit that systemd-analyze accepts, with the password only in the 0600 environment file", async () => {
    const env = {
      MOOR_SERVER_PASSWORD: "hunter2-secret",
      HOME: home.root,
      XDG_CONFIG_HOME: join(home.root, ".config"),
    };
    const result = await moor(["daemon", "install", "--port", "4096"], env);
    expect(result.code, result.stderr).toBe(0);
    const unitFile = join(home.root, ".config/systemd/user/moor.service");
    const unit = readFileSync(unitFile, "utf8");
    expect(unit).toMatch(/^ExecStart=.*bin\/moor\.cjs serve --port 4096$/m);
    // The young-generation cap that bin/moor.cjs gives a server run as a command.
    expect(unit).toMatch(/^ExecStart=\S+ --max-semi-space-size=1 \S+bin\/moor\.cjs /m);
    // And its one malloc arena (the launcher then takes the variable away from the commands moor runs).
    expect(unit).toContain("\nEnvironment=MALLOC_ARENA_MAX=1\nEnvironment=MOOR_LAUNCHER_ARENA=1\n");
    expect(unit).toContain("Restart=on-failure");
    expect(unit).toMatch(/^EnvironmentFile=-.*moor\.env$/m);
    expect(unit).not.toContain("hunter2");
    const envFile = /^EnvironmentFile=-(.*)$/m.exec(unit)![1];
    expect(readFileSync(envFile, "utf8")).toBe("MOOR_SERVER_PASSWORD=hunter2-secret\n");
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    expect(result.stdout).toContain("systemctl --user daemon-reload && systemctl --user enable --now moor");
    if (existsSync("/usr/bin/systemd-analyze"))
      execFileSync("systemd-analyze", ["verify", unitFile], { stdio: "pipe" });
    const printed = await moor(["daemon", "install", "--print", "--port", "4096"], env);
    expect(printed.stdout).toBe(unit);
    const removed = await moor(["daemon", "uninstall"], env);
    expect(removed.stdout).toContain("Removed");
    expect(existsSync(unitFile)).toBe(false);
    expect(systemdUnit(options)).toContain("WantedBy=default.target");
  });

  it("generates a well-formed launchd plist with RunAtLoad and KeepAlive and no secret", () => {
    const plist = launchdPlist({ ...options, serveArgs: ["--cors", "http://a&b"] });
    expect(plist).toContain("<key>Label</key>\n  <string>dev.moor.server</string>");
    expect(plist).toMatch(/<key>RunAtLoad<\/key>\s*<true\/>/);
    expect(plist).toMatch(/<key>KeepAlive<\/key>\s*<true\/>/);
    expect(plist).toContain("<string>http://a&amp;b</string>");
    expect(plist).not.toMatch(/PASSWORD/i);
    expect(launchdPlist({ ...options, serverEnvironment: { MALLOC_ARENA_MAX: "1" } })).toContain(
      "<key>MALLOC_ARENA_MAX</key>\n    <string>1</string>",
    );
    // Well-formed: every opened element is closed in order.
    const stack: string[] = [];
    for (const [, closing, name, selfClosing] of plist.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
      if (selfClosing) continue;
      if (closing) expect(stack.pop()).toBe(name);
      else stack.push(name);
    }
    expect(stack).toEqual([]);
  });
});
