// How `moor run` ends when its user does not wait for the turn: Ctrl+C at a permission question, a reader that
// closes the pipe (`| head`). Real processes: the CLI in a tmux terminal, shell pipelines into `head`.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { MOOR_BIN, spawnMoor, waitForOutput } from "../fakes/moor-process.js";
import { type ServeHandle, startServe } from "../fakes/serve.js";
import { TmuxSession } from "../tui/tmux.js";

let llm: FakeLlm;
let home: TempHome;
let server: ServeHandle | undefined;
let terminal: TmuxSession | undefined;

beforeAll(async () => {
  llm = await startFakeLlm();
});
afterAll(() => llm.close());
beforeEach(() => {
  home = makeTempHome(llm.url, { permission: { bash: "ask" } });
});
afterEach(async () => {
  terminal?.kill();
  terminal = undefined;
  await server?.stop("SIGKILL");
  server = undefined;
});

const moorCommand = `${JSON.stringify(process.execPath)} ${JSON.stringify(MOOR_BIN)}`;

/**
 * Runs `moor <moorArgs> | <reader>` in bash (asynchronously: the fake model answers from this process); resolves with the exit status
 * of its first command (moor), what the end of the pipe printed, and moor's stderr.
 */
function pipeline(moorArgs: string, reader: string): Promise<{ status: number; stdout: string; stderr: string }> {
  const stderrFile = join(home.root, "stderr.txt");
  const script = `${moorCommand} ${moorArgs} 2>${JSON.stringify(stderrFile)} | ${reader}`;
  const child = spawn("bash", ["-c", `${script}; echo "[moor exit \${PIPESTATUS[0]}]"`], {
    env: home.env,
    cwd: home.project,
    stdio: ["ignore", "pipe", "inherit"],
  });
  let stdout = "";
  child.stdout.on("data", (chunk) => {
    stdout += chunk;
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  return new Promise((resolve) => {
    child.on("close", () => {
      clearTimeout(timer);
      const match = /\[moor exit (\d+)\]\n$/.exec(stdout);
      resolve({
        status: Number(match?.[1]),
        stdout: stdout.slice(0, match?.index),
        stderr: readFileSync(stderrFile, "utf8"),
      });
    });
  });
}

const manyLines = { text: Array.from({ length: 400 }, (_, i) => `line ${i}\n`).join(""), delayMs: 2 };

describe("moor run with a closed stdout", () => {
  it("| head -2 ends quietly with exit 0, and the turn is recorded as aborted", async () => {
    llm.script(manyLines);
    const result = await pipeline(`run "count"`, "head -2");
    expect(result.stdout).toBe("line 0\nline 1\n");
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const db = new Database(join(home.env.MOOR_DATA_DIR, "moor.db"), { readonly: true });
    const last = db.prepare("SELECT data, running FROM message ORDER BY id DESC LIMIT 1").get() as {
      data: string;
      running: number;
    };
    db.close();
    expect(last.running).toBe(0);
    expect(JSON.parse(last.data).error?.name).toBe("MessageAbortedError");
  });

  it("--format json | head -c 3000 ends quietly with exit 0", async () => {
    llm.script(manyLines);
    const result = await pipeline(`run --format json "count"`, "head -c 3000");
    expect(result.stdout).toHaveLength(3000);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  it("run --attach --follow | head -2 ends quietly with exit 0, and the turn goes on in the server", async () => {
    server = await startServe(home.env, [], home.project);
    llm.script({ ...manyLines, delayMs: 5 });
    const session = (await (
      await fetch(`${server.url}/session`, { method: "POST", headers: { "content-type": "application/json" } })
    ).json()) as { id: string };
    await fetch(`${server.url}/session/${session.id}/prompt_async`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ parts: [{ type: "text", text: "count" }] }),
    });
    const result = await pipeline(`run --attach ${server.url} --session ${session.id} --follow`, "head -2");
    expect(result.stdout.split("\n")).toHaveLength(3);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const statuses = (await (await fetch(`${server.url}/session/status`)).json()) as Record<string, unknown>;
    expect(statuses[session.id]).toBeDefined();
  });
});

describe("moor run stopped by a signal", () => {
  it("SIGTERM aborts the turn (recorded, nothing left running) and exits 143", async () => {
    llm.script({ text: "word ".repeat(400), delayMs: 10 });
    const child = spawnMoor(["run", "--format", "json", "long one"], { env: home.env, cwd: home.project });
    await waitForOutput(child, (stdout) => stdout.includes("message.part.delta"));
    child.kill("SIGTERM");
    await new Promise((resolve) => child.on("close", resolve));
    const { code, stderr } = child.output();
    expect(code).toBe(143);
    expect(stderr).toBe("moor: aborted\n");
    const db = new Database(join(home.env.MOOR_DATA_DIR, "moor.db"), { readonly: true });
    const last = db.prepare("SELECT data, running FROM message ORDER BY id DESC LIMIT 1").get() as {
      data: string;
      running: number;
    };
    db.close();
    expect(last.running).toBe(0);
    expect(JSON.parse(last.data).error?.name).toBe("MessageAbortedError");
  });
});

describe("Ctrl+C at moor run's permission question (tmux)", () => {
  it("exits 130 without a stack trace, and no process sees the question pending any more", async () => {
    llm.script({ toolCalls: [{ name: "bash", args: { command: "echo never" } }] });
    terminal = TmuxSession.start(
      `moor-run-ctrlc-${process.pid}`,
      `${moorCommand} run "run it"`,
      home.env,
      home.project,
    );
    await terminal.waitFor(/\[y\]es \/ \[n\]o \/ \[a\]lways/);
    await new Promise((resolve) => setTimeout(resolve, 200));
    terminal.keys("C-c");
    const screen = await terminal.waitFor(/\[exit \d+\]/);
    expect(screen).toContain("[exit 130]");
    expect(screen).not.toMatch(/AbortError|^\s+at /m);
    expect(screen).toContain("moor: aborted");

    // Closed by the process itself, before anyone else opened the database.
    const db = new Database(join(home.env.MOOR_DATA_DIR, "moor.db"), { readonly: true });
    const questions = db.prepare("SELECT status FROM permission").all() as { status: string }[];
    db.close();
    expect(questions).toHaveLength(1);
    expect(questions[0].status).not.toBe("pending");
    server = await startServe(home.env, [], home.project);
    expect(await (await fetch(`${server.url}/permission`)).json()).toEqual([]);
  });

  it("with --attach: aborts the server's turn, exits 130, and the server no longer shows the question", async () => {
    server = await startServe(home.env, [], home.project);
    llm.script({ toolCalls: [{ name: "bash", args: { command: "echo never" } }] });
    terminal = TmuxSession.start(
      `moor-run-attach-ctrlc-${process.pid}`,
      `${moorCommand} run --attach ${server.url} "run it"`,
      home.env,
      home.project,
    );
    await terminal.waitFor(/\[y\]es \/ \[n\]o \/ \[a\]lways/);
    await new Promise((resolve) => setTimeout(resolve, 200));
    terminal.keys("C-c");
    const screen = await terminal.waitFor(/\[exit \d+\]/);
    expect(screen).toContain("[exit 130]");
    expect(screen).not.toMatch(/AbortError|^\s+at /m);
    expect(await (await fetch(`${server.url}/permission`)).json()).toEqual([]);
  });
});
