// `moor daemon logs`: the supervisor's and the server's own log, merged in time order and readable; `-f` follows.
// `moor daemon start --help` lists the serve flags it passes on.
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mergeLogs, showDaemonLogs } from "../../src/cli/daemon-logs.js";
import { prettyLogLine } from "../../src/cli/log-pretty.js";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { runMoor, spawnMoor, waitForOutput } from "../fakes/moor-process.js";

let home: TempHome;
let follower: ReturnType<typeof spawnMoor> | undefined;

beforeEach(() => {
  home = makeTempHome("http://127.0.0.1:9/v1");
});
afterEach(() => {
  follower?.kill("SIGKILL");
  follower = undefined;
});

const T0 = Date.parse("2026-01-02T03:04:05.000Z");
const json = (entry: Record<string, unknown>) => JSON.stringify({ pid: 1, hostname: "h", ...entry });

describe("prettyLogLine", () => {
  it("turns a pino line into time, level, message and fields; leaves other lines alone", () => {
    const line = json({ level: 40, time: T0 + 6, msg: "turns interrupted", sessions: ["ses_a"], url: "http://x" });
    expect(prettyLogLine(line, { utc: true })).toBe(
      '03:04:05.006 WARN  turns interrupted sessions=["ses_a"] url=http://x',
    );
    const error = json({
      level: 50,
      time: T0,
      msg: "listener failed",
      err: { type: "TypeError", message: "boom", stack: "at x" },
    });
    expect(prettyLogLine(error, { utc: true })).toBe('03:04:05.000 ERROR listener failed err="TypeError: boom"');
    expect(prettyLogLine("2026-01-02T03:04:05.000Z supervisor: restart 1")).toBe(
      "2026-01-02T03:04:05.000Z supervisor: restart 1",
    );
    expect(prettyLogLine("{not json")).toBe("{not json");
  });

  it("merges the two logs in time order", () => {
    const supervisor = "2026-01-02T03:04:05.000Z supervisor: server pid 2 listening\nmoor listening on http://x\n";
    const server = `${json({ level: 30, time: T0 - 1000, msg: "early" })}\n${json({ level: 30, time: T0 + 1, msg: "late" })}\n`;
    expect(mergeLogs([supervisor, server])).toEqual([
      server.split("\n")[0],
      "2026-01-02T03:04:05.000Z supervisor: server pid 2 listening",
      "moor listening on http://x",
      server.split("\n")[1],
    ]);
  });
});

describe("moor daemon logs", () => {
  function writeLogs() {
    mkdirSync(home.env.MOOR_STATE_DIR, { recursive: true });
    writeFileSync(
      join(home.env.MOOR_STATE_DIR, "daemon.log"),
      "2026-01-02T03:04:05.000Z supervisor: server pid 2 listening on http://127.0.0.1:5\n",
    );
    const logDir = join(home.env.MOOR_DATA_DIR, "log");
    mkdirSync(logDir, { recursive: true });
    writeFileSync(
      join(logDir, "2026-01-01T00-00-00-000Z.log"),
      `${json({ level: 30, time: T0, msg: "older file" })}\n`,
    );
    const current = join(logDir, "2026-01-02T03-04-04-000Z.log");
    writeFileSync(current, `${json({ level: 30, time: T0 + 10, msg: "server started", version: "0.1.0" })}\n`);
    return current;
  }

  it("prints the newest server log pretty-printed after the supervisor's lines; --raw as written", async () => {
    writeLogs();
    const result = await runMoor(["daemon", "logs"], { env: { ...home.env, TZ: "UTC" } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(
      "2026-01-02T03:04:05.000Z supervisor: server pid 2 listening on http://127.0.0.1:5\n" +
        "03:04:05.010 INFO  server started version=0.1.0\n",
    );
    const raw = await runMoor(["daemon", "logs", "--raw", "-n", "1"], { env: home.env });
    expect(raw.stdout).toBe(`${json({ level: 30, time: T0 + 10, msg: "server started", version: "0.1.0" })}\n`);
  });

  it("-f prints new lines as the server writes them, pretty", async () => {
    const current = writeLogs();
    follower = spawnMoor(["daemon", "logs", "-f"], { env: { ...home.env, TZ: "UTC" } });
    await waitForOutput(follower, (stdout) => stdout.includes("server started"));
    appendFileSync(current, `${json({ level: 50, time: T0 + 20, msg: "something broke", code: 7 })}\n`);
    await waitForOutput(follower, (stdout) => stdout.includes("03:04:05.020 ERROR something broke code=7"));
  });

  it("-f shows a line written between the first print and the follow's start (it goes on from what it read)", async () => {
    const current = writeLogs();
    const controller = new AbortController();
    let out = "";
    const shown = showDaemonLogs(
      { daemonLog: join(home.env.MOOR_STATE_DIR, "daemon.log"), serverLogDir: join(home.env.MOOR_DATA_DIR, "log") },
      {
        lines: 10,
        follow: true,
        raw: true,
        color: false,
        signal: controller.signal,
        write: (text) => {
          // The server writes a line right as the first lines are printed (as under load, before -f looks).
          if (out === "") appendFileSync(current, `${json({ level: 50, time: T0 + 20, msg: "in between" })}\n`);
          out += text;
          if (text.includes("in between")) controller.abort();
        },
      },
    );
    // Without the fix the line never comes: the follow gives up after a while instead of the test timing out.
    const giveUp = setTimeout(() => controller.abort(), 10_000);
    await shown;
    clearTimeout(giveUp);
    expect(out.split("\n").filter((line) => line.includes("in between"))).toHaveLength(1);
  });

  it("says how to start the daemon when there is no log at all", async () => {
    const result = await runMoor(["daemon", "logs"], { env: home.env });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^moor: no daemon log yet .*moor daemon start\n$/);
  });
});

describe("moor daemon start --help", () => {
  it("lists the serve flags it accepts", async () => {
    const result = await runMoor(["daemon", "start", "--help"], { env: home.env });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Serve flags (passed on to moor serve)");
    for (const flag of [
      "--port <port>",
      "--hostname <host>",
      "--cors <origin>",
      "--tls-cert <file>",
      "--socket <path>",
    ])
      expect(result.stdout).toContain(flag);
  });
});
