// acpx (npm), a real headless ACP client no one here wrote, against `moor acp` and against `moor acp --attach URL`
// (a real `moor serve`), issue 18 §3: one-shot exec, --approve-all / --deny-all on a tool that asks, a persistent
// session whose second prompt carries the first exchange, set-mode, set model, and sessions list.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { closeAcpx, endQueueOwners, jsonLines, moorAgentCommand, runAcpx } from "../fakes/acpx-cli.js";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { type ChatRequest, type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { type ServeHandle, startServe } from "../fakes/serve.js";

// A fresh model per test: a test cut short must not leave scripted replies for the next one.
let llm: FakeLlm;
beforeEach(async () => {
  llm = await startFakeLlm();
});
afterEach(() => llm.close());

// Each acpx command starts node twice (acpx, then moor acp): seconds each on a loaded machine.
const SLOW = 150_000;

const twoModels = (url: string) => ({
  provider: {
    fake: {
      npm: "@ai-sdk/openai-compatible",
      options: { baseURL: url, apiKey: "test-key" },
      models: { echo: { name: "Echo", tool_call: true }, other: { name: "Other", tool_call: true } },
    },
  },
});

function systemText(request: ChatRequest): string {
  return request.messages
    .filter((message) => message.role === "system")
    .map((message) => (typeof message.content === "string" ? message.content : JSON.stringify(message.content)))
    .join("\n");
}

describe.each([
  { name: "moor acp", attach: false },
  { name: "moor acp --attach URL", attach: true },
])("acpx against $name", ({ attach }) => {
  let home: TempHome;
  let server: ServeHandle | undefined;
  let agent: string;

  async function setUp(config: Record<string, unknown> = {}) {
    home = makeTempHome(llm.url, config);
    if (attach) server = await startServe(home.env, [], home.project);
    agent = moorAgentCommand(server?.url);
  }

  afterEach(async () => {
    if (home) await closeAcpx(home, agent);
    await server?.stop();
    server = undefined;
  }, SLOW);

  it(
    "exec: a one-shot prompt prints the answer; the prompt response carries usage",
    async () => {
      await setUp();
      llm.script({ text: "one shot answer", usage: { prompt_tokens: 50, completion_tokens: 3 } });
      const text = await runAcpx(home, agent, ["exec", "say something"]);
      expect(text.code, text.stderr).toBe(0);
      expect(text.stdout).toContain("one shot answer");
      llm.script({ text: "again" });
      const json = await runAcpx(home, agent, ["--format", "json", "exec", "say it again"]);
      expect(json.code, json.stderr).toBe(0);
      const result = jsonLines(json.stdout).find(
        (line) => (line.result as { stopReason?: string } | undefined)?.stopReason,
      )?.result as { stopReason: string; usage?: { totalTokens: number } };
      expect(result.stopReason).toBe("end_turn");
      expect(result.usage?.totalTokens).toBeGreaterThan(0);
    },
    SLOW,
  );

  it(
    "--approve-all runs a command that asks; --deny-all refuses it and acpx exits 5 (its 'permission denied')",
    async () => {
      await setUp();
      llm.script(
        { toolCalls: [{ name: "bash", args: { command: "echo yes > approved.txt", description: "write a file" } }] },
        { text: "wrote it" },
      );
      const approved = await runAcpx(home, agent, ["--approve-all", "exec", "write approved.txt"]);
      expect(approved.code, approved.stderr).toBe(0);
      expect(existsSync(join(home.project, "approved.txt"))).toBe(true);
      expect(approved.stdout).toContain("wrote it");
      // acpx prints the call when it first hears of it: with its input, not the `input: {}` of a call still streaming.
      expect(approved.stdout).toContain("input: echo yes > approved.txt");
      expect(approved.stdout).not.toContain("input: {}");

      llm.script(
        { toolCalls: [{ name: "bash", args: { command: "echo no > denied.txt", description: "write a file" } }] },
        { text: "could not" },
      );
      const denied = await runAcpx(home, agent, ["--deny-all", "exec", "write denied.txt"]);
      expect(denied.code, denied.stdout + denied.stderr).toBe(5);
      expect(existsSync(join(home.project, "denied.txt"))).toBe(false);
      // The model was told the user refused, and the turn went on to its answer.
      const toolResult = llm.requests.at(-1)?.messages.find((message) => message.role === "tool");
      expect(JSON.stringify(toolResult?.content)).toMatch(/rejected/);
      expect(denied.stdout).toContain("could not");
    },
    SLOW,
  );

  it(
    "a persistent session: the second prompt (a new acpx process) carries the first exchange to the model",
    async () => {
      await setUp();
      const created = await runAcpx(home, agent, ["sessions", "new"]);
      expect(created.code, created.stderr).toBe(0);
      const sessionId = created.stdout.trim();
      expect(sessionId).toMatch(/^ses_/);

      llm.script({ text: "the answer is 42" });
      const first = await runAcpx(home, agent, ["prompt", "what is the answer?"]);
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toContain("the answer is 42");
      // The queue owner ends, so the next prompt starts the agent again and resumes the session.
      await endQueueOwners(home);

      llm.script({ text: "still 42" });
      const second = await runAcpx(home, agent, ["prompt", "and again?"]);
      expect(second.code, second.stderr).toBe(0);
      expect(second.stdout).toContain("still 42");
      const request = llm.requests.at(-1) as ChatRequest;
      const texts = request.messages.map((message) => JSON.stringify(message.content));
      expect(texts.some((text) => text.includes("what is the answer?"))).toBe(true);
      expect(texts.some((text) => text.includes("the answer is 42"))).toBe(true);

      const list = await runAcpx(home, agent, ["--format", "json", "sessions", "list"]);
      expect(list.code, list.stderr).toBe(0);
      const listed = jsonLines(list.stdout).find((line) => Array.isArray(line.sessions)) as {
        sessions: { sessionId: string; cwd: string }[];
      };
      expect(listed.sessions.map((session) => session.sessionId)).toContain(sessionId);
      expect(listed.sessions.find((session) => session.sessionId === sessionId)?.cwd).toBe(home.project);
    },
    SLOW,
  );

  it(
    "set-mode plan and set model apply to the next prompt, and stay with the session in a new agent process",
    async () => {
      await setUp(twoModels(llm.url));
      expect((await runAcpx(home, agent, ["sessions", "new"])).code).toBe(0);
      // The first prompt starts acpx's queue owner; set-mode and set go to it, as to an editor's open session.
      llm.script({ text: "hello" });
      expect((await runAcpx(home, agent, ["prompt", "hello"])).code).toBe(0);
      const mode = await runAcpx(home, agent, ["set-mode", "plan"]);
      expect(mode.code, mode.stderr).toBe(0);
      expect(mode.stdout).toContain("plan");
      const model = await runAcpx(home, agent, ["set", "model", "fake/other"]);
      expect(model.code, model.stderr).toBe(0);
      llm.script({ text: "planned" });
      const prompt = await runAcpx(home, agent, ["prompt", "make a plan"]);
      expect(prompt.code, prompt.stderr).toBe(0);
      let request = llm.requests.at(-1) as ChatRequest;
      expect(request.model).toBe("other");
      expect(systemText(request)).toContain("You are in plan mode");

      // A new agent process resumes the session: still plan mode (acpx replays a mode only onto a new session).
      await endQueueOwners(home);
      llm.script({ text: "still planning" });
      const later = await runAcpx(home, agent, ["prompt", "go on"]);
      expect(later.code, later.stderr).toBe(0);
      request = llm.requests.at(-1) as ChatRequest;
      expect(systemText(request)).toContain("You are in plan mode");
      expect(request.model).toBe("other");

      // An unknown mode is a clear error, not a crash.
      const bad = await runAcpx(home, agent, ["set-mode", "nope"]);
      expect(bad.code).not.toBe(0);
      expect(bad.stdout + bad.stderr).toMatch(/nope/);
    },
    SLOW,
  );
});
