// Bad input typed at the command line: one line on stderr and a non-zero exit, found before anything starts, runs or
// is written; never a half-written file.
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { collectOutput, MOOR_BIN, type MoorResult, runMoor } from "../fakes/moor-process.js";
import { startServe } from "../fakes/serve.js";

let llm: FakeLlm;
let home: TempHome;

beforeAll(async () => {
  llm = await startFakeLlm();
});
afterAll(() => llm.close());
beforeEach(() => {
  home = makeTempHome(llm.url);
});

const moor = (args: string[]) => runMoor(args, { env: home.env, cwd: home.project });

function expectOneLineError(result: MoorResult, message: string | RegExp): void {
  expect(result.code, result.stdout).toBe(1);
  expect(result.stderr.trim().split("\n")).toHaveLength(1);
  if (typeof message === "string") expect(result.stderr).toBe(`${message}\n`);
  else expect(result.stderr).toMatch(message);
}

async function sessionCount(): Promise<number> {
  const listed = await moor(["session", "list", "--all", "--format", "json"]);
  expect(listed.code, listed.stderr).toBe(0);
  return JSON.parse(listed.stdout).length;
}

describe("ports and hostnames", () => {
  it("refuses an empty or non-decimal --port (not read as 0, a random port, or as hex) and an empty --hostname", async () => {
    expectOneLineError(await moor(["serve", "--port", ""]), 'moor: invalid --port: ""');
    expectOneLineError(await moor(["serve", "--port", "0x50"]), "moor: invalid --port: 0x50");
    const web = await moor(["web", "--attach", "http://127.0.0.1:1", "--port", ""]);
    expectOneLineError(web, 'moor: invalid --port: ""');
    const hostname = await moor(["serve", "--port", "0", "--hostname", ""]);
    expectOneLineError(hostname, "moor: --hostname needs an address (e.g. 127.0.0.1 or 0.0.0.0)");
  });
});

describe("moor serve", () => {
  it("refuses a default model not written provider/model, which every prompt would fail on", async () => {
    expectOneLineError(
      await moor(["serve", "--port", "0", "-m", "bad"]),
      'moor: model must be written provider/model, got "bad"',
    );
  });

  it("never deletes a file or directory given as --socket, and names a missing directory", async () => {
    const file = join(home.root, "notes.txt");
    writeFileSync(file, "keep me\n");
    expectOneLineError(
      await moor(["serve", "--socket", file]),
      `moor: --socket ${file}: a file is there (give a new path)`,
    );
    expect(readFileSync(file, "utf8")).toBe("keep me\n");
    expectOneLineError(await moor(["serve", "--socket", home.project]), /^moor: --socket \S+: a directory is there/);
    const missing = join(home.root, "nodir", "moor.sock");
    expectOneLineError(
      await moor(["serve", "--socket", missing]),
      `moor: --socket ${missing}: no directory ${join(home.root, "nodir")}`,
    );
  });

  it("refuses a --cors value no browser sends as its Origin, which would let no page in", async () => {
    const noScheme = await moor(["serve", "--port", "0", "--cors", "localhost:3000"]);
    expectOneLineError(noScheme, /^moor: --cors localhost:3000 is no origin as browsers send it \(e\.g\. http:/);
    const withPath = await moor(["serve", "--port", "0", "--cors", "http://localhost:3000/"]);
    expectOneLineError(
      withPath,
      "moor: --cors http://localhost:3000/ is no origin as browsers send it: did you mean http://localhost:3000?",
    );
  });

  it("names the TLS flag whose file is missing or no PEM", async () => {
    const junk = join(home.root, "junk.pem");
    writeFileSync(junk, "junk\n");
    const missing = join(home.root, "missing.pem");
    const unreadable = await moor(["serve", "--port", "0", "--tls-cert", missing, "--tls-key", junk]);
    expectOneLineError(unreadable, `moor: cannot read --tls-cert ${missing}: ENOENT`);
    const notPem = await moor(["serve", "--port", "0", "--tls-cert", junk, "--tls-key", junk]);
    expectOneLineError(notPem, /^moor: --tls-cert \S+ and --tls-key \S+ are no PEM certificate and its key: /);
  });
});

describe("moor acp", () => {
  /** With stdin left open, as an editor leaves it: the command must end by itself. */
  async function acpWithEditor(args: string[]): Promise<MoorResult> {
    const child = spawn(process.execPath, [MOOR_BIN, "acp", ...args], { env: home.env, cwd: home.project });
    const killer = setTimeout(() => child.kill("SIGKILL"), 5000);
    const result = await collectOutput(child);
    clearTimeout(killer);
    return result;
  }

  it("exits at once on a bad --port, --attach or --cwd, not serving an agent whose every request fails", async () => {
    expectOneLineError(await acpWithEditor(["--port", "abc"]), "moor: invalid --port: abc");
    expectOneLineError(await acpWithEditor(["--attach", "notaurl"]), /^moor: not a URL: notaurl /);
    expectOneLineError(await acpWithEditor(["--attach", "ftp://x"]), /^moor: not an http\(s\) URL: ftp:\/\/x /);
    const missing = join(home.root, "no-such-project");
    expectOneLineError(await acpWithEditor(["--cwd", missing]), `moor: --cwd ${missing} is not a directory`);
  });
});

describe("server addresses", () => {
  it("says an ftp: or unix: address is no http(s) URL, rather than that no server answers there", async () => {
    for (const args of [
      ["run", "--attach", "ftp://x", "--", "hi"],
      ["run", "--attach", "unix:/tmp/moor.sock", "--", "hi"],
      ["attach", "ftp://x"],
      ["debug", "mcp", "--attach", "ftp://x"],
    ]) {
      expectOneLineError(await moor(args), /^moor: not an http\(s\) URL: \S+ \(expected e\.g\. http:/);
    }
  });

  it("moor attach takes host:port as moor run --attach does", async () => {
    expectOneLineError(await moor(["attach", "localhost:1"]), /^moor: cannot reach http:\/\/localhost:1: /);
  });

  it("a daemon record left by a crash loop (no url) is no address to try", async () => {
    mkdirSync(home.env.MOOR_STATE_DIR, { recursive: true });
    writeFileSync(
      join(home.env.MOOR_STATE_DIR, "daemon.json"),
      JSON.stringify({ pid: 0, supervisorPid: 0, url: "", state: "crash-loop", message: "gave up" }),
    );
    const result = await moor(["run", "--attach", "--", "hi"]);
    expect(result.stderr).not.toMatch(/not a URL/);
    expect(result.stderr).toContain("http://127.0.0.1:4096");
  });
});

describe("moor run", () => {
  it("refuses an empty --session, --follow without a server, and a --dir that is no directory; makes no session", async () => {
    expectOneLineError(await moor(["run", "-s", "", "hi"]), /^moor: --session needs a session id/);
    expectOneLineError(await moor(["run", "--follow", "hi"]), /^moor: --follow needs --attach URL and --session ID/);
    expectOneLineError(await moor(["run", "--dir", join(home.root, "nope"), "hi"]), /^moor: not a directory: /);
    const file = join(home.root, "file.txt");
    writeFileSync(file, "x");
    expectOneLineError(await moor(["run", "--dir", file, "hi"]), `moor: not a directory: ${file}`);
    expect(await sessionCount()).toBe(0);
    expect(llm.requests).toHaveLength(0);
  });
});

describe("moor run --attach", () => {
  it("a run that cannot start says why before it makes a session in the server", async () => {
    const server = await startServe(home.env, [], home.project);
    try {
      const attach = (args: string[]) => moor(["run", "--attach", server.url, ...args]);
      expectOneLineError(await attach([]), /^moor: nothing to send: /);
      expectOneLineError(await attach(["--detach"]), "moor: --detach needs a message to send");
      expectOneLineError(await attach(["--detach", "-m", "bad", "--", "hi"]), /^moor: model must be provider\/model/);
      expectOneLineError(
        await attach(["--resume"]),
        "moor: --resume needs --session ID (the session whose turn to continue)",
      );
      expect(await sessionCount()).toBe(0);
    } finally {
      await server.stop("SIGKILL");
    }
  }, 30_000);
});

describe("moor daemon", () => {
  it("checks the serve flags before it starts a supervisor or writes a unit", async () => {
    expectOneLineError(await moor(["daemon", "start", "--port", "abc"]), "moor: invalid --port: abc");
    expectOneLineError(await moor(["daemon", "start", "--bogus"]), "moor: unknown option '--bogus'");
    expectOneLineError(await moor(["daemon", "restart", "--log-level", "LOUD"]), /^moor: option '--log-level/);
    // Nothing was started: no supervisor record, so status finds no daemon and another start is not "already running".
    expect(existsSync(join(home.env.MOOR_STATE_DIR, "daemon.json"))).toBe(false);
    expectOneLineError(await moor(["daemon", "install", "--port", "99999"]), "moor: invalid --port: 99999");
    expect(existsSync(join(home.root, ".config", "systemd"))).toBe(false);
  }, 20_000);

  it("a supervisor between restarts of a failing server is not called running", async () => {
    // Stands in for the supervisor: alive, and "moor" on its command line, as the daemon files expect.
    const supervisor = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60_000)", "moor-supervisor-stand-in"]);
    try {
      mkdirSync(home.env.MOOR_STATE_DIR, { recursive: true });
      const info = { pid: 0, supervisorPid: supervisor.pid, url: "", startedAt: Date.now(), version: "0.1.0" };
      writeFileSync(
        join(home.env.MOOR_STATE_DIR, "daemon.json"),
        JSON.stringify({ ...info, restarts: 3, state: "restarting", serveArgs: [] }),
      );
      expectOneLineError(
        await moor(["daemon", "start"]),
        `moor: moor daemon is restarting, its server not up (supervisor pid ${supervisor.pid}, 3 restarts); see moor daemon logs, or moor daemon stop`,
      );
      const status = await moor(["daemon", "status"]);
      expect(status.stdout.split("\n")[0]).toBe("moor daemon restarting, its server not up yet");
      const stop = await moor(["daemon", "stop"]);
      expect(stop.stdout).toBe(`moor daemon stopped (supervisor pid ${supervisor.pid}; its server was not up)\n`);
    } finally {
      supervisor.kill("SIGKILL");
    }
  });

  it("refuses a --lines or --format it cannot use instead of ignoring it", async () => {
    expectOneLineError(await moor(["daemon", "logs", "-n", "abc"]), /^moor: invalid --lines: abc /);
    expectOneLineError(await moor(["daemon", "logs", "-n", "0"]), /^moor: invalid --lines: 0 /);
    expectOneLineError(
      await moor(["daemon", "status", "--format", "xml"]),
      "moor: invalid --format: xml (text or json)",
    );
  });
});

describe("the database", () => {
  it("a file that is no SQLite database is named in the one line, and left as it was", async () => {
    const db = join(home.env.MOOR_DATA_DIR, "moor.db");
    mkdirSync(home.env.MOOR_DATA_DIR, { recursive: true });
    writeFileSync(db, "not a database\n");
    for (const args of [
      ["session", "list"],
      ["export", "ses_x"],
      ["run", "hi"],
      ["serve", "--port", "0"],
    ]) {
      expectOneLineError(await moor(args), `moor: cannot open the database ${db}: file is not a database`);
    }
    expect(readFileSync(db, "utf8")).toBe("not a database\n");
  }, 20_000);
});

describe("moor export -o", () => {
  async function seedSession(): Promise<string> {
    // A reply long enough that its export passes the file size limit below.
    llm.script({ text: "word ".repeat(60_000) });
    const result = await moor(["run", "--format", "json", "long"]);
    expect(result.code, result.stderr).toBe(0);
    return /"sessionID":"(ses_[^"]+)"/.exec(result.stdout)![1];
  }

  it("a write cut short (here by a file size limit) leaves the file as it was, and no temporary beside it", async () => {
    const id = await seedSession();
    const output = join(home.root, "out", "session.json");
    mkdirSync(join(home.root, "out"));
    writeFileSync(output, "previous export\n");
    // 160 blocks (80 KB for sh's 512-byte blocks, 160 KB for 1 KB ones): less than the export, more than what
    // the database needs to be read.
    const result = await collectOutput(
      spawn("sh", ["-c", `ulimit -f 160; exec "$0" "$@"`, process.execPath, MOOR_BIN, "export", id, "-o", output], {
        env: home.env,
        cwd: home.project,
      }),
    );
    expectOneLineError(result, `moor: cannot write ${output}: EFBIG`);
    expect(readFileSync(output, "utf8")).toBe("previous export\n");
    expect(readdirSync(join(home.root, "out"))).toEqual(["session.json"]);
    // Without the limit it is written whole.
    const written = await moor(["export", id, "-o", output]);
    expect(written.code, written.stderr).toBe(0);
    expect(JSON.parse(readFileSync(output, "utf8")).info.id).toBe(id);
  }, 30_000);

  it.skipIf(!existsSync("/dev/full"))(
    "stdout that cannot be written (a full disk) is an error, not exit 0",
    async () => {
      const id = await seedSession();
      for (const args of [
        ["export", id],
        ["session", "list"],
      ]) {
        const full = openSync("/dev/full", "w");
        const result = await collectOutput(
          spawn(process.execPath, [MOOR_BIN, ...args], {
            env: home.env,
            cwd: home.project,
            stdio: ["ignore", full, "pipe"],
          }),
        );
        closeSync(full);
        expectOneLineError(result, "moor: cannot write the output: ENOSPC");
      }
    },
    30_000,
  );

  it("says what is wrong with the file in one line", async () => {
    const id = await seedSession();
    expectOneLineError(
      await moor(["export", id, "-o", home.root]),
      `moor: cannot write ${home.root}: it is a directory`,
    );
    const missing = join(home.root, "no", "such", "dir.json");
    expectOneLineError(await moor(["export", id, "-o", missing]), `moor: cannot write ${missing}: ENOENT`);
    expectOneLineError(await moor(["export", id, "-o", ""]), "moor: --output needs a file name");
  }, 30_000);
});
