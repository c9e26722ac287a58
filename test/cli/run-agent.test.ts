// `moor run --agent`: the prompt runs under a registry agent (the config's too); a name the registry lacks, or an
// agent config moor cannot read, is one line on stderr and a non-zero exit, with no session left behind.
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ToolPart } from "../../src/protocol/index.js";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { runMoor } from "../fakes/moor-process.js";
import { type ServeHandle, startServe } from "../fakes/serve.js";

let llm: FakeLlm;
let home: TempHome;
let server: ServeHandle | undefined;

beforeAll(async () => {
  llm = await startFakeLlm();
});
afterAll(async () => {
  await llm.close();
});
afterEach(async () => {
  await server?.stop("SIGKILL");
  server = undefined;
  rmSync(home.root, { recursive: true, force: true });
  llm.requests.length = 0;
});

const REVIEW = { review: { description: "Reviews", mode: "primary", permission: { edit: "deny" } } };
const moor = (args: string[]) => runMoor(args, { env: home.env, cwd: home.project });

async function sessionCount(): Promise<number> {
  const list = await moor(["session", "list", "--format", "json"]);
  expect(list.code, list.stderr).toBe(0);
  return (JSON.parse(list.stdout || "[]") as unknown[]).length;
}

describe("moor run --agent", () => {
  it("an unknown agent is one line naming the known ones, exit 1, and no session or model call", async () => {
    home = makeTempHome(llm.url, { agent: REVIEW });
    const result = await moor(["run", "--agent", "nope", "hello"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('moor: unknown agent "nope"; known agents: build, plan, general, explore, review\n');
    expect(llm.requests).toHaveLength(0);
    expect(await sessionCount()).toBe(0);
  });

  it("runs the prompt under a configured agent, whose limits hold over an allowing config", async () => {
    home = makeTempHome(llm.url, { agent: REVIEW, permission: { edit: "allow" } });
    llm.script({ toolCalls: [{ name: "write", args: { filePath: "x.txt", content: "x" } }] }, { text: "reviewed" });
    const result = await moor(["run", "--agent", "review", "--format", "json", "review it"]);
    expect(result.code, result.stderr).toBe(0);
    expect(existsSync(join(home.project, "x.txt"))).toBe(false);
    const sessionID = /"sessionID":"(ses_[^"]+)"/.exec(result.stdout)![1];
    const exported = JSON.parse((await moor(["export", sessionID])).stdout) as {
      messages: { info: { role: string; agent?: string }; parts: ToolPart[] }[];
    };
    expect(exported.messages[0].info).toMatchObject({ role: "user", agent: "review" });
    const tool = exported.messages.flatMap((message) => message.parts).find((part) => part.type === "tool")!;
    expect(tool.state.status === "error" && tool.state.error).toMatch(/denied by the review agent/);
  });

  it("an agent config moor cannot read, or a default agent it lacks, is one line and exit 1", async () => {
    home = makeTempHome(llm.url, { agent: { review: { mode: "sometimes" } } });
    const bad = await moor(["run", "hello"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^moor: config agent\.review\.mode: [^\n]+\n$/);
    rmSync(home.root, { recursive: true, force: true });
    home = makeTempHome(llm.url, { default_agent: "reviewer" });
    const missing = await moor(["run", "hello"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      'moor: config: The default agent "reviewer" is unknown; primary agents: build, plan.\n',
    );
    expect(llm.requests).toHaveLength(0);
  });

  it("with --attach, an unknown agent is checked against the server's GET /agent before any session is made", async () => {
    home = makeTempHome(llm.url, { agent: REVIEW });
    server = await startServe(home.env, [], home.project);
    const result = await moor(["run", "--attach", server.url, "--agent", "nope", "hello"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('moor: unknown agent "nope"; known agents: build, plan, general, explore, review\n');
    const sessions = (await (await fetch(`${server.url}/session`)).json()) as unknown[];
    expect(sessions).toEqual([]);
    llm.script({ text: "reviewed remotely" });
    const ok = await moor(["run", "--attach", server.url, "--agent", "review", "hello"]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain("reviewed remotely");
  });

  it("a markdown agent in the project's .moor/agents (untrusted) with a narrower permission is refused an edit; its prompt and temperature reach the model", async () => {
    home = makeTempHome(llm.url, { permission: { edit: "allow", bash: "allow" } });
    mkdirSync(join(home.project, ".moor", "agents"), { recursive: true });
    writeFileSync(
      join(home.project, ".moor", "agents", "careful.md"),
      [
        "---",
        "description: Looks, never touches",
        "mode: primary",
        "temperature: 0.25",
        "permission:",
        "  edit: deny",
        "  bash:",
        '    "*": deny',
        '    "ls *": allow',
        "---",
        "You are Careful. Never change a file.",
      ].join("\n"),
    );
    llm.script(
      { toolCalls: [{ name: "write", args: { filePath: "x.txt", content: "x" } }] },
      { toolCalls: [{ name: "bash", args: { command: "touch y.txt", description: "touch" } }] },
      { text: "left it alone" },
    );
    const result = await moor(["run", "--agent", "careful", "--format", "json", "change it"]);
    expect(result.code, result.stderr).toBe(0);
    expect(existsSync(join(home.project, "x.txt"))).toBe(false);
    expect(existsSync(join(home.project, "y.txt"))).toBe(false);
    const sessionID = /"sessionID":"(ses_[^"]+)"/.exec(result.stdout)![1];
    const exported = JSON.parse((await moor(["export", sessionID])).stdout) as {
      messages: { parts: ToolPart[] }[];
    };
    const errors = exported.messages
      .flatMap((message) => message.parts)
      .filter((part) => part.type === "tool")
      .map((part) => (part.state.status === "error" ? part.state.error : part.state.status));
    expect(errors).toEqual([
      expect.stringMatching(/denied by the careful agent: edit/),
      expect.stringMatching(/denied by the careful agent: bash touch y\.txt/),
    ]);
    const first = llm.requests[0] as (typeof llm.requests)[number] & { temperature?: number };
    expect(first.messages[0]).toMatchObject({ role: "system", content: expect.stringMatching(/^You are Careful\./) });
    expect(first.temperature).toBe(0.25);
  });

  it("a markdown agent written into the project while the server runs is listed by GET /agent (config reload)", async () => {
    home = makeTempHome(llm.url);
    // The folder exists already: a new file in it, not the folder's creation, must be noticed.
    mkdirSync(join(home.project, ".moor", "agents"), { recursive: true });
    server = await startServe(home.env, [], home.project);
    const names = async () =>
      ((await (await fetch(`${server!.url}/agent`)).json()) as { name: string }[]).map((agent) => agent.name);
    expect(await names()).not.toContain("later");
    writeFileSync(join(home.project, ".moor", "agents", "later.md"), "---\nmode: primary\n---\nLater.");
    const deadline = Date.now() + 5000;
    while (!(await names()).includes("later") && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await names()).toContain("later");
  });

  it("a session in another project gets that project's agents: GET /agent?directory= lists them, its prompts run under them", async () => {
    home = makeTempHome(llm.url, { permission: { edit: "allow" } });
    const other = join(home.root, "other");
    mkdirSync(join(other, ".moor", "agents"), { recursive: true });
    writeFileSync(
      join(other, ".moor", "agents", "keeper.md"),
      "---\nmode: primary\npermission:\n  edit: deny\n---\nYou keep files as they are.",
    );
    server = await startServe(home.env, [], home.project);
    const url = server.url;
    const names = async (query: string) =>
      ((await (await fetch(`${url}/agent${query}`)).json()) as { name: string }[]).map((agent) => agent.name);
    expect(await names("")).not.toContain("keeper");
    expect(await names(`?directory=${encodeURIComponent(other)}`)).toContain("keeper");

    const create = async (directory: string) =>
      (
        (await (
          await fetch(`${url}/session?directory=${encodeURIComponent(directory)}`, { method: "POST" })
        ).json()) as {
          id: string;
        }
      ).id;
    const prompt = (id: string) =>
      fetch(`${url}/session/${id}/message`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ agent: "keeper", parts: [{ type: "text", text: "change it" }] }),
      });
    // Not an agent of the server's own project.
    const refused = await prompt(await create(home.project));
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/Unknown agent "keeper"/);

    llm.script({ toolCalls: [{ name: "write", args: { filePath: "x.txt", content: "x" } }] }, { text: "kept" });
    const id = await create(other);
    const answered = await prompt(id);
    expect(answered.status).toBe(200);
    expect(existsSync(join(other, "x.txt"))).toBe(false);
    const messages = (await (await fetch(`${url}/session/${id}/message`)).json()) as { parts: ToolPart[] }[];
    const tool = messages.flatMap((message) => message.parts).find((part) => part.type === "tool")!;
    expect(tool.state.status === "error" && tool.state.error).toMatch(/denied by the keeper agent: edit/);
    expect(llm.requests[0].messages[0]).toMatchObject({
      content: expect.stringMatching(/^You keep files as they are\./),
    });
  });
});
