// Bad input the HTTP API met in adversarial testing: each answer is a 4xx with `{error:{code,message}}`, promptly,
// whatever the request or the project on disk holds (a cloned project may hold a named pipe where a file is
// expected, or a tree far larger than any project). No request may hang, stall the server or answer a 500.
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  closeSync,
  constants,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMoorApp } from "../../src/server/app.js";
import { type RunningServer, startServer } from "../../src/server/listen.js";
import { makeTempHome } from "../fakes/config.js";
import { type CoreFixture, openCoreFixture } from "../fakes/core-fixture.js";
import { startServe } from "../fakes/serve.js";

// A fake ripgrep ahead of the real one (findRipgrep looks it up once, on first use): its file list is longer than
// find-files.ts's cap of 100 000, and it then hangs, as ripgrep listing `/` or a home directory seems to.
const fakeBin = mkdtempSync(join(tmpdir(), "moor-hostile-bin-"));
writeFileSync(
  join(fakeBin, "rg"),
  `#!/bin/sh\necho $$ > "${join(fakeBin, "rg.pid")}"\nseq -f 'f%.0f.txt' 1 100005\nexec sleep 30\n`,
);
chmodSync(join(fakeBin, "rg"), 0o755);
process.env.PATH = `${fakeBin}:${process.env.PATH}`;

let fixture: CoreFixture;
let base: string;
let project: string;
let app: ReturnType<typeof createMoorApp>["app"];

/** Makes a named pipe: nobody ever writes to it, so a plain read of it waits for good. */
function fifo(path: string): void {
  execFileSync("mkfifo", [path]);
}

/** Lets a read stuck on a pipe finish (only a build without the fix is stuck), so the test process can end. */
function release(path: string): void {
  try {
    closeSync(openSync(path, constants.O_WRONLY | constants.O_NONBLOCK));
  } catch {
    // ENXIO: nobody is reading it.
  }
}

async function within<T>(ms: number, work: T | Promise<T>): Promise<T | "timed out"> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timed out">((resolve) => {
    timer = setTimeout(() => resolve("timed out"), ms);
  });
  return Promise.race([Promise.resolve(work), timeout]).finally(() => clearTimeout(timer));
}

beforeAll(async () => {
  fixture = await openCoreFixture({ prefix: "hostile-input" });
  base = mkdtempSync(join(tmpdir(), "moor-hostile-"));
  project = join(base, "project");
  mkdirSync(project);
  writeFileSync(join(project, "100%.txt"), "percent\n");
  writeFileSync(join(project, "a%41"), "not A\n");
  app = createMoorApp({ core: fixture.core, version: "test", defaultDirectory: project }).app;
});
afterAll(async () => {
  await fixture.close();
  rmSync(base, { recursive: true, force: true });
  rmSync(fakeBin, { recursive: true, force: true });
});

describe("GET /api/fs/read/*", () => {
  it("answers a malformed percent escape with a 400, not a 500", async () => {
    const response = await app.request("/api/fs/read/%E0%A4%A");
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.error).toEqual({ code: "bad_request", message: expect.stringContaining("URL encoding") });
  });

  it("decodes the path once: a file whose name holds a % is read by its escaped name", async () => {
    const percent = await app.request("/api/fs/read/100%25.txt");
    expect(percent.status).toBe(200);
    expect(await percent.text()).toBe("percent\n");
    const literal = await app.request("/api/fs/read/a%2541");
    expect(literal.status).toBe(200);
    expect(await literal.text()).toBe("not A\n");
  });
});

describe("a project holding named pipes", () => {
  it("GET /file lists a directory whose .gitignore is a pipe", async () => {
    const directory = join(base, "pipe-ignore");
    mkdirSync(directory);
    writeFileSync(join(directory, "notes.txt"), "x\n");
    fifo(join(directory, ".gitignore"));
    try {
      const response = await within(5000, app.request(`/file?path=.&directory=${encodeURIComponent(directory)}`));
      expect(response).not.toBe("timed out");
      const names = (await (response as Response).json()).map((node: { name: string }) => node.name);
      expect(names).toContain("notes.txt");
    } finally {
      release(join(directory, ".gitignore"));
    }
  });

  it("GET /file/status counts an untracked link to a pipe as 0 lines instead of reading it", async () => {
    const directory = join(base, "pipe-status");
    mkdirSync(directory);
    execFileSync("git", ["init", "-q"], { cwd: directory });
    writeFileSync(join(directory, "new.txt"), "one\ntwo\n");
    fifo(join(base, "pipe"));
    symlinkSync(join(base, "pipe"), join(directory, "link"));
    try {
      const response = await within(5000, app.request(`/file/status?directory=${encodeURIComponent(directory)}`));
      expect(response).not.toBe("timed out");
      expect(await (response as Response).json()).toEqual([
        { path: "link", added: 0, removed: 0, status: "added" },
        { path: "new.txt", added: 2, removed: 0, status: "added" },
      ]);
    } finally {
      release(join(base, "pipe"));
    }
  });

  it("a config or command file that is a pipe is a 400 for its directory; the server stays responsive", async () => {
    const home = makeTempHome("http://127.0.0.1:9/v1");
    const withConfig = join(home.root, "pipe-config");
    const withCommand = join(home.root, "pipe-command");
    mkdirSync(withConfig);
    mkdirSync(join(withCommand, ".opencode", "command"), { recursive: true });
    fifo(join(withConfig, "opencode.json"));
    fifo(join(withCommand, ".opencode", "command", "stuck.md"));
    const server = await startServe(home.env, [], home.project);
    try {
      const signal = AbortSignal.timeout(5000);
      const config = await fetch(`${server.url}/agent?directory=${encodeURIComponent(withConfig)}`, { signal });
      expect(config.status).toBe(400);
      expect((await config.json()).error.message).toContain("is not a regular file");
      const command = await fetch(`${server.url}/command?directory=${encodeURIComponent(withCommand)}`, { signal });
      expect(command.status).toBe(200);
      expect((await command.json()).map((entry: { name: string }) => entry.name)).not.toContain("stuck");
      expect((await fetch(`${server.url}/global/health`, { signal })).status).toBe(200);
    } finally {
      await server.stop("SIGKILL");
      rmSync(home.root, { recursive: true, force: true });
    }
  });
});

describe("GET /find/file in a tree larger than the cap", () => {
  it("stops listing at the cap instead of waiting for the whole tree", async () => {
    const response = await within(8000, app.request("/find/file?query=f100005&limit=1"));
    expect(response).not.toBe("timed out");
    expect((response as Response).status).toBe(200);
    // The 100 005th file is past the cap, so it is not offered.
    expect(await (response as Response).json()).not.toContain("f100005.txt");
  }, 15_000);
});

describe("on a real listener", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({
      core: fixture.core,
      version: "test",
      defaultDirectory: project,
      hostname: "127.0.0.1",
      port: 0,
    });
  });
  afterAll(() => server.close());

  it("an HTTP/1.1 request without a Host header gets a 400 with the JSON error body, not Node's empty one", async () => {
    const port = Number(new URL(server.url).port);
    const socket = connect(port, "127.0.0.1");
    let answer = "";
    socket.on("data", (chunk) => {
      answer += chunk;
    });
    await new Promise<void>((resolve) => socket.on("connect", () => resolve()));
    socket.write("GET /global/health HTTP/1.1\r\nConnection: close\r\n\r\n");
    await new Promise<void>((resolve) => socket.on("close", () => resolve()));
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    const body = JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4));
    expect(body.error).toEqual({ code: "bad_request", message: expect.stringContaining("host") });
  });

  it("GET /find stops its search when the client goes away", async () => {
    rmSync(join(fakeBin, "rg.pid"), { force: true });
    const gone = fetch(`${server.url}/find?pattern=never`, { signal: AbortSignal.timeout(500) });
    await expect(gone).rejects.toThrow();
    const pid = Number(readFileSync(join(fakeBin, "rg.pid"), "utf8"));
    const running = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    const deadline = Date.now() + 3000;
    while (running() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const stillRunning = running();
    if (stillRunning) process.kill(pid, "SIGKILL");
    expect(stillRunning).toBe(false);
  });
});
