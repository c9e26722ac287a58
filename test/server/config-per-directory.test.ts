// A real `moor serve` started in one directory: a session in another directory follows that directory's own config
// (trust respected), and a config file rewritten while the server runs applies to the next tool call; an invalid
// rewrite keeps the last good rules, logs one warning line, and the server keeps serving.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { MessageWithParts, PermissionRequest, Session, ToolPart } from "../../src/protocol/index.js";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { type FakeLlm, mockToolConvention, startFakeLlm } from "../fakes/llm-server.js";
import { type ServeHandle, startServe } from "../fakes/serve.js";

let llm: FakeLlm;
let server: ServeHandle | undefined;
beforeAll(async () => {
  llm = await startFakeLlm();
  llm.respond((request) => mockToolConvention(request, { text: "done" }));
});
afterAll(() => llm.close());
afterEach(async () => {
  await server?.stop("SIGKILL");
  server = undefined;
});

const json = { "content-type": "application/json" };

function projectConfig(directory: string, config: unknown): void {
  mkdirSync(join(directory, ".moor"), { recursive: true });
  writeFileSync(join(directory, ".moor", "config.json"), typeof config === "string" ? config : JSON.stringify(config));
}

function trust(home: TempHome, directories: string[]): void {
  writeFileSync(join(home.env.MOOR_CONFIG_DIR, "trusted.json"), JSON.stringify({ trusted: directories }));
}

async function sessionIn(url: string, directory: string): Promise<Session> {
  const response = await fetch(`${url}/session?directory=${encodeURIComponent(directory)}`, {
    method: "POST",
    headers: json,
    body: "{}",
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Session;
}

const bash = (command: string) => `MOCK_TOOL bash ${JSON.stringify({ command })}`;
const write = (filePath: string) => `MOCK_TOOL write ${JSON.stringify({ filePath, content: "x" })}`;

function send(url: string, session: Session, text: string): Promise<Response> {
  return fetch(`${url}/session/${session.id}/message`, {
    method: "POST",
    headers: json,
    body: JSON.stringify({ parts: [{ type: "text", text }] }),
  });
}

/** Runs one tool call in the session and returns how its part ended. */
async function toolCall(url: string, session: Session, text: string): Promise<ToolPart["state"]> {
  const response = await send(url, session, text);
  expect(response.status).toBe(200);
  const messages = (await (await fetch(`${url}/session/${session.id}/message`)).json()) as MessageWithParts[];
  const tool = messages
    .flatMap((message) => message.parts)
    .filter((part): part is ToolPart => part.type === "tool")
    .at(-1);
  if (!tool) throw new Error("no tool call was made");
  return tool.state;
}

async function pendingQuestion(url: string, sessionID: string): Promise<PermissionRequest> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const questions = (await (await fetch(`${url}/permission`)).json()) as PermissionRequest[];
    const question = questions.find((item) => item.sessionID === sessionID);
    if (question) return question;
    if (Date.now() > deadline) throw new Error("no question was asked");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function until(predicate: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe("config per session directory", () => {
  it("a session in another directory follows that directory's config, not the server's", async () => {
    const home = makeTempHome(llm.url, { permission: { bash: "allow", edit: "ask" } });
    const denies = join(home.root, "denies");
    const allows = join(home.root, "allows");
    const untrusted = join(home.root, "untrusted");
    projectConfig(denies, { permission: { bash: "deny" } });
    projectConfig(allows, { permission: { edit: "allow" } });
    projectConfig(untrusted, { permission: { edit: "allow" } });
    trust(home, [denies, allows]);
    server = await startServe(home.env, [], home.project);

    // The server's own directory: bash is allowed by the global config.
    const own = await sessionIn(server.url, home.project);
    expect(await toolCall(server.url, own, bash("echo own"))).toMatchObject({ status: "completed" });

    // A trusted project that denies bash: denied there.
    const denied = await toolCall(server.url, await sessionIn(server.url, denies), bash("echo denied"));
    expect(denied).toMatchObject({ status: "error" });
    expect(denied.status === "error" && denied.error).toContain("Permission denied by configuration");

    // A trusted project that allows edits the server's config asks about: written without a question.
    const written = await toolCall(server.url, await sessionIn(server.url, allows), write("made.txt"));
    expect(written).toMatchObject({ status: "completed" });

    // The same loosening from an untrusted project is held back: the edit is asked about.
    const held = await sessionIn(server.url, untrusted);
    const turn = send(server.url, held, write("asked.txt"));
    const question = await pendingQuestion(server.url, held.id);
    expect(question).toMatchObject({ permission: "edit" });
    await fetch(`${server.url}/permission/${question.id}/reply`, {
      method: "POST",
      headers: json,
      body: JSON.stringify({ reply: "reject" }),
    });
    expect((await turn).status).toBe(200);
  });

  it("a rewritten config applies to the next tool call without a restart; an invalid one keeps the last", async () => {
    const home = makeTempHome(llm.url, { permission: { bash: "ask" } });
    const other = join(home.root, "other");
    projectConfig(other, { permission: { bash: "allow" } });
    trust(home, [other]);
    server = await startServe(home.env, ["--print-logs"], home.project);
    const reloaded = () => server?.child.output().stderr.includes(`config for ${other} reloaded`) ?? false;

    const session = await sessionIn(server.url, other);
    expect(await toolCall(server.url, session, bash("echo first"))).toMatchObject({ status: "completed" });

    projectConfig(other, { permission: { bash: "deny" } });
    await until(reloaded, "the reload");
    const second = await toolCall(server.url, session, bash("echo second"));
    expect(second.status === "error" && second.error).toContain("Permission denied by configuration");

    projectConfig(other, '{ "permission": { "bash": "allow" ');
    const warning = /config for \S+ not reloaded, the last good one stays: [^"\n]*config\.json:1:\d+: invalid JSON/;
    await until(() => warning.test(server?.child.output().stderr ?? ""), "the warning");
    expect(server.child.output().stderr.match(new RegExp(warning.source, "g"))).toHaveLength(1);
    expect(server.child.output().stderr).not.toMatch(/\n\s+at /);
    const third = await toolCall(server.url, session, bash("echo third"));
    expect(third.status === "error" && third.error).toContain("Permission denied by configuration");
    expect((await fetch(`${server.url}/global/health`)).status).toBe(200);

    // A directory whose config is invalid from the start: its prompt fails with the file's problem, nothing runs,
    // and once the file is fixed the next prompt works.
    const broken = join(home.root, "broken");
    projectConfig(broken, "{ nope");
    const brokenSession = await sessionIn(server.url, broken);
    const failed = await send(server.url, brokenSession, bash("echo never"));
    expect(failed.status).toBe(400);
    expect((await failed.json()).error.message).toMatch(/broken\/\.moor\/config\.json:1:3: invalid JSON/);
    projectConfig(broken, { permission: { bash: "deny" } });
    const fixed = await toolCall(server.url, brokenSession, bash("echo fixed"));
    expect(fixed.status === "error" && fixed.error).toContain("Permission denied by configuration");
    expect((await fetch(`${server.url}/global/health`)).status).toBe(200);

    // The server's own directory: what GET /config shows follows its files too.
    projectConfig(home.project, { maxSteps: 7 });
    await until(async () => (await (await fetch(`${server?.url}/config`)).json()).maxSteps === 7, "GET /config");
  });
});
