import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { MoorEvent, ToolPart } from "../../src/protocol/index.js";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { type FakeLlm, mockToolConvention, startFakeLlm } from "../fakes/llm-server.js";
import { runMoor, spawnMoor, waitForOutput } from "../fakes/moor-process.js";

let llm: FakeLlm;
let home: TempHome;

beforeAll(async () => {
  llm = await startFakeLlm();
});
afterAll(async () => {
  await llm.close();
});
beforeEach(() => {
  home = makeTempHome(llm.url, { permission: { edit: "allow", bash: "allow" } });
  llm.requests.length = 0;
});

const moor = (args: string[], input?: string) => runMoor(args, { env: home.env, cwd: home.project, input });

function exportOf(sessionID: string) {
  return moor(["export", sessionID]).then((result) => JSON.parse(result.stdout));
}

describe("moor run (in-process)", () => {
  it("runs write, edit and bash, and stores what it streamed", async () => {
    llm.script(
      { toolCalls: [{ name: "write", args: { filePath: "notes.txt", content: "alpha\nbeta\n" } }] },
      { toolCalls: [{ name: "edit", args: { filePath: "notes.txt", oldString: "beta", newString: "gamma" } }] },
      { toolCalls: [{ name: "bash", args: { command: "cat notes.txt; echo done" } }] },
      { text: "All three steps are done." },
    );
    const result = await moor(["run", "--format", "json", "do the thing"]);
    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(join(home.project, "notes.txt"), "utf8")).toBe("alpha\ngamma\n");
    const events = result.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as MoorEvent);
    const streamed = events.filter((e) => e.type === "message.part.delta").map((e) => e.properties.delta);
    expect(streamed.join("")).toBe("All three steps are done.");
    const sessionID = (events.find((e) => e.type === "message.updated")!.properties as { sessionID: string }).sessionID;
    const exported = await exportOf(sessionID);
    const parts = exported.messages.flatMap((m: { parts: unknown[] }) => m.parts) as ToolPart[];
    const tools = parts.filter((p) => p.type === "tool");
    expect(tools.map((t) => [t.tool, t.state.status])).toEqual([
      ["write", "completed"],
      ["edit", "completed"],
      ["bash", "completed"],
    ]);
    const bash = tools[2].state;
    expect(bash.status === "completed" && bash.output).toContain("alpha\ngamma\ndone");
    // The last stored state of every part equals the last state that was streamed for it.
    const lastStreamed = new Map<string, unknown>();
    for (const event of events)
      if (event.type === "message.part.updated") lastStreamed.set(event.properties.part.id, event.properties.part);
    for (const part of parts as { id: string }[]) expect(part).toEqual(lastStreamed.get(part.id));
  });

  it("prints the reply on stdout and tool calls one line each on stderr", async () => {
    llm.script({ toolCalls: [{ name: "write", args: { filePath: "a.txt", content: "x" } }] }, { text: "Wrote it." });
    const result = await moor(["run", "write a file"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("Wrote it.\n");
    expect(result.stderr).toContain("✓ write a.txt");
  });

  it("a provider 500 gives a one-line error and a non-zero exit, and the session stays usable", async () => {
    const fast = { error: 500, retryAfterMs: 10 };
    llm.script({ ...fast, message: "upstream exploded" }, fast, fast, fast);
    const failed = await moor(["run", "hello"]);
    expect(failed.code).not.toBe(0);
    expect(failed.stderr.trim().split("\n")).toHaveLength(1);
    expect(failed.stderr).toMatch(/^moor: .*(upstream exploded|500)/);
    llm.script({ text: "recovered" });
    const again = await moor(["run", "--continue", "try again"]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe("recovered\n");
  }, 60_000);

  it("a request the provider refuses (400) is not retried and ends in a one-line error", async () => {
    // The fake answers a MOCK_TOOL whose arguments are not JSON with a 400 that says so.
    const strict = await startFakeLlm();
    try {
      strict.respond((request) => mockToolConvention(request, { text: "unused" }));
      const strictHome = makeTempHome(strict.url);
      const result = await runMoor(["run", 'MOCK_TOOL write {"filePath": oops}'], {
        env: strictHome.env,
        cwd: strictHome.project,
      });
      expect(result.code).not.toBe(0);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
      expect(result.stderr).toMatch(/^moor: .*the arguments are not JSON/);
      expect(strict.requests).toHaveLength(1);
    } finally {
      await strict.close();
    }
  });

  it("retries a 429 and then succeeds", async () => {
    llm.script({ error: 429, retryAfterMs: 50 }, { text: "after the rate limit" });
    const result = await moor(["run", "hello"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe("after the rate limit\n");
    expect(llm.requests.length).toBe(2);
  });

  it("Ctrl+C aborts the turn cleanly and records it", async () => {
    llm.script({ text: "word ".repeat(400), delayMs: 10 });
    const child = spawnMoor(["run", "--format", "json", "long one"], { env: home.env, cwd: home.project });
    await waitForOutput(child, (stdout) => stdout.includes("message.part.delta"));
    child.kill("SIGINT");
    await new Promise((resolve) => child.on("close", resolve));
    const { code, stderr, stdout } = child.output();
    expect(code).toBe(130);
    expect(stderr).toContain("moor: aborted");
    const sessionID = /"sessionID":"(ses_[^"]+)"/.exec(stdout)![1];
    const exported = await exportOf(sessionID);
    expect(exported.messages.at(-1).info.error.name).toBe("MessageAbortedError");
  });

  it("kill -9 mid-stream leaves the session with the turn marked interrupted and completed parts intact", async () => {
    llm.script(
      { toolCalls: [{ name: "write", args: { filePath: "kept.txt", content: "kept" } }] },
      { text: "token ".repeat(500), delayMs: 10 },
    );
    const child = spawnMoor(["run", "--format", "json", "work"], { env: home.env, cwd: home.project });
    await waitForOutput(child, (stdout) => (stdout.match(/message\.part\.delta/g) ?? []).length > 30);
    child.kill("SIGKILL");
    await new Promise((resolve) => child.on("close", resolve));
    const sessionID = /"sessionID":"(ses_[^"]+)"/.exec(child.output().stdout)![1];
    const list = await moor(["session", "list", "--format", "json"]);
    expect(JSON.parse(list.stdout).map((s: { id: string }) => s.id)).toContain(sessionID);
    const exported = await exportOf(sessionID);
    const [user, toolStep, textStep] = exported.messages;
    expect(user.info.role).toBe("user");
    expect(toolStep.parts.find((p: ToolPart) => p.type === "tool").state.status).toBe("completed");
    expect(textStep.info.error.name).toBe("InterruptedError");
    const text = textStep.parts.find((p: { type: string }) => p.type === "text");
    expect(text.text.startsWith("token token")).toBe(true);
    expect(existsSync(join(home.project, "kept.txt"))).toBe(true);

    llm.script({ text: "picked up where it stopped" });
    const resumed = await moor(["run", "--session", sessionID, "--resume"]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toBe("picked up where it stopped\n");
    const after = await exportOf(sessionID);
    expect(after.messages.at(-1).info.finish).toBe("stop");
    expect(after.messages.filter((m: { info: { role: string } }) => m.info.role === "user")).toHaveLength(1);
  });
});

describe("permissions at the CLI", () => {
  it("a path outside the directory is refused without permission, and nothing is written", async () => {
    home = makeTempHome(llm.url, { permission: { edit: "allow" } });
    const outside = join(home.root, "outside.txt");
    llm.script(
      { toolCalls: [{ name: "write", args: { filePath: "../outside.txt", content: "escape" } }] },
      { text: "ok" },
    );
    const result = await moor(["run", "escape"]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(
      /refused to reach outside the project: .*outside\.txt \(no terminal to ask; use --yes\)/,
    );
    expect(existsSync(outside)).toBe(false);
  });

  it("the built CLI parses commands: an allowed pattern runs, the other sub-command is still asked", async () => {
    home = makeTempHome(llm.url, { permission: { bash: { "echo *": "allow" } } });
    llm.script(
      { toolCalls: [{ name: "bash", args: { command: "echo parsed" } }] },
      { toolCalls: [{ name: "bash", args: { command: "echo a; touch t.txt" } }] },
      { text: "ok" },
    );
    const result = await moor(["run", "--format", "json", "run them"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("parsed");
    expect(result.stderr).toMatch(/refused to run `echo a`, `touch t\.txt`/);
    expect(existsSync(join(home.project, "t.txt"))).toBe(false);
  });

  it("a denied tool never runs", async () => {
    home = makeTempHome(llm.url, { permission: { bash: "deny" } });
    llm.script({ toolCalls: [{ name: "bash", args: { command: "touch ran.txt" } }] }, { text: "ok" });
    const result = await moor(["run", "--yes", "run it"]);
    expect(result.code).toBe(0);
    expect(existsSync(join(home.project, "ran.txt"))).toBe(false);
  });
});

describe("what commands see", () => {
  it("env in a bash call shows neither the server's password nor the provider keys moor read, unless passed through", async () => {
    home = makeTempHome(llm.url, {
      permission: { bash: "allow" },
      provider: {
        fake: {
          npm: "@ai-sdk/openai-compatible",
          options: { baseURL: llm.url, apiKey: "{env:FAKE_LLM_KEY}", headers: { "X-Token": "{env:FAKE_HEADER}" } },
          models: { echo: { name: "Echo", tool_call: true } },
        },
      },
      shellEnv: { passthrough: ["ANTHROPIC_API_KEY"] },
    });
    const env = {
      ...home.env,
      MOOR_SERVER_PASSWORD: "pw-moor-secret",
      OPENCODE_SERVER_PASSWORD: "pw-opencode-secret",
      MOOR_SERVER_USERNAME: "user-secret",
      OPENAI_API_KEY: "sk-openai-secret",
      ANTHROPIC_API_KEY: "sk-anthropic-passed",
      FAKE_LLM_KEY: "fake-llm-secret",
      FAKE_HEADER: "fake-header-secret",
      UNRELATED_VAR: "still-there",
    };
    llm.script({ toolCalls: [{ name: "bash", args: { command: "env" } }] }, { text: "ok" });
    const result = await runMoor(["run", "--format", "json", "show env"], { env, cwd: home.project });
    expect(result.code, result.stderr).toBe(0);
    const tool = result.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as MoorEvent)
      .flatMap((event) => (event.type === "message.part.updated" ? [event.properties.part] : []))
      .find((part): part is ToolPart => part.type === "tool" && part.state.status === "completed");
    const output = tool?.state.status === "completed" ? tool.state.output : "";
    expect(output).toContain("UNRELATED_VAR=still-there");
    expect(output).toContain("ANTHROPIC_API_KEY=sk-anthropic-passed");
    for (const secret of ["pw-moor", "pw-opencode", "user-secret", "sk-openai", "fake-llm", "fake-header"]) {
      expect(output).not.toContain(secret);
    }
  });
});

describe("export, import, config errors", () => {
  it("export → import → export gives the same document; a second import is refused", async () => {
    llm.script({ text: "to export" });
    const run = await moor(["run", "--format", "json", "x"]);
    const sessionID = /"sessionID":"(ses_[^"]+)"/.exec(run.stdout)![1];
    const file = join(home.root, "s.json");
    expect((await moor(["export", sessionID, "-o", file])).code).toBe(0);
    const other = makeTempHome(llm.url);
    const imported = await runMoor(["import", file], { env: other.env, cwd: other.project });
    expect(imported.code, imported.stderr).toBe(0);
    const reexported = await runMoor(["export", sessionID], { env: other.env, cwd: other.project });
    expect(JSON.parse(reexported.stdout)).toEqual(JSON.parse(readFileSync(file, "utf8")));
    const again = await runMoor(["import", file], { env: other.env, cwd: other.project });
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/^moor: session .* already exists/);
    rmSync(other.root, { recursive: true, force: true });
  });

  it("a malformed import file gets a clear error", async () => {
    const file = join(home.root, "bad.json");
    writeFileSync(file, "{ not json");
    const result = await moor(["import", file]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/^moor: .*bad\.json is not valid JSON/);
    writeFileSync(file, JSON.stringify({ info: { id: "ses_x" }, messages: [] }));
    const invalid = await moor(["import", file]);
    expect(invalid.stderr).toMatch(/^moor: not a moor session export: info\./);
  });

  it("a malformed config file names the file, the key and what was expected", async () => {
    writeFileSync(join(home.env.MOOR_CONFIG_DIR, "moor.json"), JSON.stringify({ model: 42 }));
    const result = await moor(["run", "x"]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/moor\.json: model: .*expected string/i);
    writeFileSync(join(home.env.MOOR_CONFIG_DIR, "moor.json"), '{ "model": "a/b", }}');
    const broken = await moor(["run", "x"]);
    expect(broken.stderr).toMatch(/moor\.json:1:\d+: invalid JSON/);
  });

  it("no model configured: one line naming the three ways", async () => {
    writeFileSync(join(home.env.MOOR_CONFIG_DIR, "moor.json"), "{}");
    const result = await moor(["run", "x"]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/--model .*MOOR_MODEL.*moor\.json/);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("debug config masks secrets", async () => {
    const result = await moor(["debug", "config"]);
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain("test-key");
    expect(result.stdout).toContain('"apiKey": "****"');
  });
});

describe("moor run -m (issue 18 §1)", () => {
  it("a model its provider does not list is a one-line error and exit 1; a provider with no list takes any id", async () => {
    const refused = await moor(["run", "-m", "fake/nope", "hi"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split("\n")).toHaveLength(1);
    expect(refused.stderr).toContain('unknown model "fake/nope"');
    expect(refused.stderr).not.toMatch(/\n\s+at /);
    expect(llm.requests.length).toBe(0);
    home = makeTempHome(llm.url, {
      provider: { open: { npm: "@ai-sdk/openai-compatible", options: { baseURL: llm.url, apiKey: "k" } } },
    });
    llm.script({ text: "any id works" });
    const accepted = await moor(["run", "-m", "open/whatever-model", "hi"]);
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(llm.requests[0].model).toBe("whatever-model");
  });
});
