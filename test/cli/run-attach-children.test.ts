// `moor run --attach` shows and answers the permission questions of the session's descendants (a session created
// with parentID = it, as a task tool will), since the child's turn waits on them while the user watches the parent.
// A real server, the scripted model asking for bash in the child, and the real CLI.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { MessageWithParts, PermissionRequest, ToolPart } from "../../src/protocol/index.js";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { runMoor } from "../fakes/moor-process.js";
import { type ServeHandle, startServe } from "../fakes/serve.js";

let llm: FakeLlm;
let home: TempHome;
let server: ServeHandle | undefined;

// A model of its own per test: replies a failed test left scripted must not answer the next one.
beforeEach(async () => {
  llm = await startFakeLlm();
});
afterEach(async () => {
  await server?.stop("SIGKILL");
  server = undefined;
  await llm.close();
});

const json = { "content-type": "application/json" };

async function post<T>(path: string, body: unknown): Promise<T> {
  const response = await fetch(`${server!.url}${path}`, {
    method: "POST",
    headers: json,
    body: JSON.stringify(body),
    // A turn whose question nobody answers never ends: fail in bounded time instead.
    signal: AbortSignal.timeout(10_000),
  });
  expect(response.status, `POST ${path}`).toBeLessThan(300);
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

async function get<T>(path: string): Promise<T> {
  return (await (await fetch(`${server!.url}${path}`)).json()) as T;
}

/** Polls until `check` holds (bounded): a state to reach, not a time to wait. */
async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function bashPart(messages: MessageWithParts[]): ToolPart | undefined {
  for (const message of messages)
    for (const part of message.parts) if (part.type === "tool" && part.tool === "bash") return part;
  return undefined;
}

const moor = (args: string[]) => runMoor(args, { env: home.env, cwd: home.project });

describe("moor run --attach and child sessions' questions", () => {
  it("answers (--yes) a question of a child session created while the parent's turn streams", async () => {
    home = makeTempHome(llm.url, { permission: { bash: "ask" } });
    server = await startServe(home.env, [], home.project);
    const parent = await post<{ id: string }>("/session", {});
    // The parent talks for a few seconds; the child is made and asks meanwhile.
    llm.script({ text: "parent still talking ".repeat(16), delayMs: 60 });
    const run = moor(["run", "--attach", server.url, "--session", parent.id, "--yes", "--", "delegate"]);
    await until(async () => {
      const messages = await get<MessageWithParts[]>(`/session/${parent.id}/message`);
      const text = messages.at(-1)?.parts.find((part) => part.type === "text");
      return text?.type === "text" && text.text.length > 0;
    }, "the parent's reply to stream");
    llm.script({ toolCalls: [{ name: "bash", args: { command: "echo from-child" } }] }, { text: "child done" });
    const child = await post<{ id: string; parentID: string }>("/session", { parentID: parent.id });
    expect(child.parentID).toBe(parent.id);
    // Returns when the child's turn ends, which it can only do once its question is answered.
    await post(`/session/${child.id}/message`, { parts: [{ type: "text", text: "run it" }] });
    const tool = bashPart(await get<MessageWithParts[]>(`/session/${child.id}/message`));
    expect(tool?.state.status).toBe("completed");
    expect(tool?.state.status === "completed" && tool.state.output).toContain("from-child");

    const result = await run;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`moor: sub-session ${child.id} asks:`);
    expect(result.stdout).toContain("parent still talking");
    // The child's transcript is not printed as the parent's.
    expect(result.stdout).not.toContain("child done");
  }, 30_000);

  it("answers a grandchild's question already waiting when it attaches; without a TTY it rejects, saying so", async () => {
    home = makeTempHome(llm.url, { permission: { bash: "ask" } });
    server = await startServe(home.env, [], home.project);
    const parent = await post<{ id: string }>("/session", {});
    const child = await post<{ id: string }>("/session", { parentID: parent.id });
    const grandchild = await post<{ id: string }>("/session", { parentID: child.id });
    const stranger = await post<{ id: string }>("/session", {});
    llm.script(
      { toolCalls: [{ name: "bash", args: { command: "echo stranger" } }] },
      { toolCalls: [{ name: "bash", args: { command: "echo grandchild" } }] },
    );
    await post(`/session/${stranger.id}/prompt_async`, { parts: [{ type: "text", text: "x" }] });
    await until(async () => (await get<PermissionRequest[]>("/permission")).length === 1, "the stranger's question");
    await post(`/session/${grandchild.id}/prompt_async`, { parts: [{ type: "text", text: "x" }] });
    await until(async () => (await get<PermissionRequest[]>("/permission")).length === 2, "the grandchild's question");

    llm.script({ text: "grandchild rejected" }, { text: "parent reply" });
    const result = await moor(["run", "--attach", server.url, "--session", parent.id, "--", "hello"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`moor: sub-session ${grandchild.id} asks:`);
    expect(result.stderr).toMatch(/refused to run `echo grandchild`/);
    await until(async () => {
      const pending = await get<PermissionRequest[]>("/permission");
      return pending.length === 1;
    }, "the grandchild's question to be answered");
    // The unrelated session's question is left to its own clients.
    expect((await get<PermissionRequest[]>("/permission"))[0].sessionID).toBe(stranger.id);
  }, 30_000);
});
