// OpenCode's own CLI against moor: `opencode run --attach URL -- "…"` must print the reply every time. It exits as
// soon as its sync prompt call returns and prints a text part only from its event stream, so a reply that overtook
// the turn's last SSE frames left it printing nothing (about half the runs; never against OpenCode itself). The
// real `opencode` binary from the pinned devDependency (opencode-ai), many runs, with and without a tool call.
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { type FakeLlm, mockToolConvention, startFakeLlm } from "../fakes/llm-server.js";
import { type ServeHandle, startServe } from "../fakes/serve.js";

const OPENCODE = fileURLToPath(new URL("../../node_modules/.bin/opencode", import.meta.url));
const REPLY = "Hello from moor";
const RUNS = 10;
/** Runs at once: each start of the binary costs seconds of CPU; two side by side also vary the timing. */
const AT_ONCE = 2;

let llm: FakeLlm;
let home: TempHome;
let server: ServeHandle;

beforeAll(async () => {
  llm = await startFakeLlm();
  llm.respond((request) => mockToolConvention(request, { text: REPLY }));
  // A configured third primary agent: OpenCode's CLI must find it in moor's GET /agent.
  home = makeTempHome(llm.url, { agent: { review: { description: "Reviews code", mode: "primary" } } });
  writeFileSync(join(home.project, "notes.txt"), "some notes\n");
  server = await startServe(home.env, [], home.project);
  // The first run in a new home creates OpenCode's own database; runs started together would race to create it.
  // Runs side by side each have a home of their own too: OpenCode's CLI writes its local database at every run,
  // and two at once failed with its "database is locked" on a loaded machine.
  for (let lane = 0; lane < AT_ONCE; lane++) {
    const warmUp = await opencodeRun(["Say", "hello"], [], lane);
    expect(warmUp.code, warmUp.stderr.slice(-500)).toBe(0);
  }
}, 180_000);
afterAll(async () => {
  await server?.stop("SIGKILL");
  await llm?.close();
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** One `opencode run --attach`, in the home of its lane (its config, data and cache dirs), stdin closed. */
function opencodeRun(prompt: string[], options: string[] = [], lane = 0): Promise<Run> {
  const root = join(home.root, `opencode-${lane}`);
  for (const dir of [".config", ".local/share", ".cache", ".local/state"])
    mkdirSync(join(root, dir), { recursive: true });
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: root,
    XDG_CONFIG_HOME: join(root, ".config"),
    XDG_DATA_HOME: join(root, ".local/share"),
    XDG_CACHE_HOME: join(root, ".cache"),
    XDG_STATE_HOME: join(root, ".local/state"),
    OPENCODE_DISABLE_AUTOUPDATE: "1",
  };
  return new Promise((resolve) => {
    // stdin closed: with a pipe left open, `opencode run` waits for piped input to end before it starts.
    const child = spawn(OPENCODE, ["run", "--attach", server.url, ...options, "--", ...prompt], {
      cwd: home.project,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe("opencode run --attach against moor serve", () => {
  it(`prints the reply in each of ${RUNS} runs, after a tool call too`, { timeout: 420_000 }, async () => {
    // Words as separate arguments: `opencode run` quotes (and escapes) an argument that has a space in it.
    const prompts = Array.from({ length: RUNS }, (_, i) =>
      i % 2 === 0 ? ["Say", "hello"] : ["MOCK_TOOL", "read", JSON.stringify({ filePath: "notes.txt" })],
    );
    const results: Run[] = [];
    for (let start = 0; start < prompts.length; start += AT_ONCE) {
      results.push(
        ...(await Promise.all(
          prompts.slice(start, start + AT_ONCE).map((prompt, lane) => opencodeRun(prompt, [], lane)),
        )),
      );
    }
    const empty = results
      .map((run, i) => ({ run, i }))
      .filter(({ run }) => !run.stdout.includes(REPLY))
      .map(
        ({ run, i }) =>
          `run ${i} (exit ${run.code}): stdout ${JSON.stringify(run.stdout)} stderr ${run.stderr.slice(-300)}`,
      );
    expect(empty, `${empty.length} of ${RUNS} runs printed no reply`).toEqual([]);
    for (const run of results) expect(run.code).toBe(0);
  });

  it("--agent takes moor's agents from GET /agent: a configured primary one runs the prompt", async () => {
    const sessionsBefore = new Set(
      ((await (await fetch(`${server.url}/session`)).json()) as { id: string }[]).map((session) => session.id),
    );
    const run = await opencodeRun(["Say", "hello"], ["--agent", "review"]);
    expect(run.code, run.stderr.slice(-500)).toBe(0);
    // OpenCode falls back to its default agent, with a warning, for a name it does not find as a primary agent.
    expect(run.stderr).not.toMatch(/not found|not a primary agent/);
    expect(run.stdout).toContain(REPLY);
    const created = ((await (await fetch(`${server.url}/session`)).json()) as { id: string }[]).filter(
      (session) => !sessionsBefore.has(session.id),
    );
    expect(created).toHaveLength(1);
    const messages = (await (await fetch(`${server.url}/session/${created[0].id}/message`)).json()) as {
      info: { role: string; agent?: string };
    }[];
    expect(messages[0].info).toMatchObject({ role: "user", agent: "review" });
  }, 120_000);

  it("--command runs moor's /init: its template reaches the model and the reply is printed", async () => {
    const sessionsBefore = new Set(
      ((await (await fetch(`${server.url}/session`)).json()) as { id: string }[]).map((session) => session.id),
    );
    const requestsBefore = llm.requests.length;
    const run = await opencodeRun(["keep", "it", "short"], ["--command", "init"]);
    expect(run.code, run.stderr.slice(-500)).toBe(0);
    expect(run.stdout).toContain(REPLY);
    const sent = JSON.stringify(llm.requests.slice(requestsBefore).map((request) => request.messages));
    expect(sent).toContain("Create or improve the file AGENTS.md");
    expect(sent).toContain("keep it short");
    const created = ((await (await fetch(`${server.url}/session`)).json()) as { id: string }[]).filter(
      (session) => !sessionsBefore.has(session.id),
    );
    expect(created).toHaveLength(1);
    const messages = (await (await fetch(`${server.url}/session/${created[0].id}/message`)).json()) as {
      info: { role: string };
      parts: { type: string; text?: string }[];
    }[];
    expect(messages[0].parts[0]).toMatchObject({ type: "text", text: "/init keep it short" });
  }, 120_000);
});
