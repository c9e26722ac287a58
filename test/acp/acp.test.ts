import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { client, methods, type SessionNotification } from "@agentclientprotocol/sdk";
import Database from "better-sqlite3";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { spawnAcp as spawnSharedAcp } from "../fakes/acp-process.js";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { MOOR_BIN } from "../fakes/moor-process.js";
import { type ServeHandle, startServe } from "../fakes/serve.js";

let llm: FakeLlm;
let home: TempHome;
let child: ChildProcess | undefined;
let server: ServeHandle | undefined;

beforeAll(async () => {
  llm = await startFakeLlm();
});
afterAll(() => llm.close());
beforeEach(() => {
  home = makeTempHome(llm.url, { permission: { edit: "ask", bash: "ask" } });
});
afterEach(async () => {
  child?.kill("SIGKILL");
  child = undefined;
  await server?.stop("SIGKILL");
  server = undefined;
});

function spawnAcp(args: string[] = []) {
  const acp = spawnSharedAcp(home, args);
  child = acp.child;
  const { stream } = acp;
  return { process: child, stream };
}

function editorClient(updates: SessionNotification[], answer: string | "cancel" = "allow_once") {
  const permissionAsks: string[] = [];
  const alwaysOptions: string[] = [];
  const app = client({ name: "test-editor" })
    .onNotification(methods.client.session.update, ({ params }) => {
      updates.push(params);
    })
    .onRequest(methods.client.session.requestPermission, ({ params }) => {
      permissionAsks.push(params.toolCall.title ?? "");
      alwaysOptions.push(params.options.find((option) => option.kind === "allow_always")?.name ?? "");
      return answer === "cancel"
        ? { outcome: { outcome: "cancelled" } }
        : { outcome: { outcome: "selected", optionId: answer } };
    });
  return { app, permissionAsks, alwaysOptions };
}

const kinds = (updates: SessionNotification[]) => updates.map((u) => u.update.sessionUpdate);

describe("moor acp (real process, SDK client side)", () => {
  it("initialize → new → prompt with write and bash: chunks, tool calls with diff, a permission request, end_turn", async () => {
    llm.script(
      {
        reasoning: "I will write a file.",
        toolCalls: [{ name: "write", args: { filePath: "a.txt", content: "hello\n" } }],
      },
      { toolCalls: [{ name: "bash", args: { command: "cat a.txt" } }] },
      { text: "Done: wrote and printed it." },
    );
    const { stream } = spawnAcp();
    const updates: SessionNotification[] = [];
    const { app, permissionAsks, alwaysOptions } = editorClient(updates);
    const result = await app.connectWith(stream, async (ctx) => {
      const init = await ctx.request(methods.agent.initialize, { protocolVersion: 1, clientCapabilities: {} });
      expect(init.protocolVersion).toBe(1);
      expect(init.agentCapabilities?.loadSession).toBe(true);
      const session = await ctx.request(methods.agent.session.new, { cwd: home.project, mcpServers: [] });
      expect(session.modes?.availableModes.map((m) => m.id)).toEqual(["build", "plan"]);
      return ctx.request(methods.agent.session.prompt, {
        sessionId: session.sessionId,
        prompt: [{ type: "text", text: "go" }],
      });
    });
    expect(result.stopReason).toBe("end_turn");
    expect(readFileSync(join(home.project, "a.txt"), "utf8")).toBe("hello\n");
    expect(permissionAsks.length).toBe(2);
    // The "always" option says what it grants before the editor's user picks it.
    expect(alwaysOptions).toEqual([`Always allow: ${join(home.project, "a.txt")}`, "Always allow: cat *"]);
    const seen = kinds(updates);
    expect(seen).toContain("agent_thought_chunk");
    expect(seen).toContain("tool_call");
    const text = updates
      .filter((u) => u.update.sessionUpdate === "agent_message_chunk")
      .map((u) => (u.update as { content: { text: string } }).content.text)
      .join("");
    expect(text).toBe("Done: wrote and printed it.");
    const writeDone = updates.find(
      (u) =>
        u.update.sessionUpdate === "tool_call_update" &&
        u.update.status === "completed" &&
        u.update.content?.some((c) => c.type === "diff"),
    );
    expect(writeDone).toBeDefined();
    const bashDone = updates.find(
      (u) =>
        u.update.sessionUpdate === "tool_call_update" &&
        u.update.status === "completed" &&
        u.update.content?.some((c) => c.type === "content" && (c.content as { text?: string }).text?.includes("hello")),
    );
    expect(bashDone).toBeDefined();
  });

  it("after each prompt, reports the context in use against the model's window and the session's cost", async () => {
    const echo = { name: "Echo", tool_call: true, limit: { context: 8000 }, cost: { input: 1000, output: 2000 } };
    home = makeTempHome(llm.url, {
      provider: {
        fake: {
          npm: "@ai-sdk/openai-compatible",
          options: { baseURL: llm.url, apiKey: "test-key" },
          models: { echo },
        },
      },
    });
    llm.script({ text: "one two three", usage: { prompt_tokens: 100, completion_tokens: 3 } });
    llm.script({ text: "four", usage: { prompt_tokens: 200, completion_tokens: 1 } });
    const { stream } = spawnAcp();
    const updates: SessionNotification[] = [];
    const { app } = editorClient(updates);
    await app.connectWith(stream, async (ctx) => {
      await ctx.request(methods.agent.initialize, { protocolVersion: 1, clientCapabilities: {} });
      const { sessionId } = await ctx.request(methods.agent.session.new, { cwd: home.project, mcpServers: [] });
      for (const text of ["first", "second"]) {
        await ctx.request(methods.agent.session.prompt, { sessionId, prompt: [{ type: "text", text }] });
      }
    });
    const usage = updates.map((u) => u.update).filter((update) => update.sessionUpdate === "usage_update");
    expect(usage).toEqual([
      expect.objectContaining({ used: 103, size: 8000, cost: { amount: 0.106, currency: "USD" } }),
      expect.objectContaining({ used: 201, size: 8000, cost: { amount: 0.106 + 0.202, currency: "USD" } }),
    ]);
  });

  it("cancel mid-stream answers cancelled; session/load replays the history in order", async () => {
    llm.script({ text: "part ".repeat(300), delayMs: 10 });
    const { stream } = spawnAcp();
    const updates: SessionNotification[] = [];
    const { app } = editorClient(updates);
    const replay: SessionNotification[] = [];
    let liveText = "";
    await app.connectWith(stream, async (ctx) => {
      await ctx.request(methods.agent.initialize, { protocolVersion: 1, clientCapabilities: {} });
      const { sessionId } = await ctx.request(methods.agent.session.new, { cwd: home.project, mcpServers: [] });
      const prompt = ctx.request(methods.agent.session.prompt, { sessionId, prompt: [{ type: "text", text: "talk" }] });
      while (!updates.some((u) => u.update.sessionUpdate === "agent_message_chunk"))
        await new Promise((r) => setTimeout(r, 10));
      await ctx.notify(methods.agent.session.cancel, { sessionId });
      expect((await prompt).stopReason).toBe("cancelled");
      const before = updates.length;
      liveText = updates
        .filter((u) => u.update.sessionUpdate === "agent_message_chunk")
        .map((u) => (u.update as { content: { text: string } }).content.text)
        .join("");
      await ctx.request(methods.agent.session.load, { sessionId, cwd: home.project, mcpServers: [] });
      replay.push(...updates.slice(before));
      const listed = await ctx.request(methods.agent.session.list, { cwd: home.project });
      expect(listed.sessions.map((s) => s.sessionId)).toContain(sessionId);
    });
    expect(kinds(replay).slice(0, 2), JSON.stringify(replay).slice(0, 600)).toEqual([
      "user_message_chunk",
      "agent_message_chunk",
    ]);
    expect(replay[0].update.sessionUpdate).toBe("user_message_chunk");
    expect((replay[0].update as { content: { text: string } }).content.text).toBe("talk");
    expect(replay[1].update.sessionUpdate).toBe("agent_message_chunk");
    // What was streamed before the cancel is exactly what was kept.
    expect(liveText.startsWith("part")).toBe(true);
    expect((replay[1].update as { content: { text: string } }).content.text).toBe(liveText);
  });

  it("--attach: a session created over ACP lives in the server and keeps its history after the ACP process exits", async () => {
    server = await startServe(home.env, [], home.project);
    llm.script({ text: "remembered" });
    const { stream, process: acpProcess } = spawnAcp(["--attach", server.url]);
    const updates: SessionNotification[] = [];
    const { app } = editorClient(updates);
    const sessionId = await app.connectWith(stream, async (ctx) => {
      await ctx.request(methods.agent.initialize, { protocolVersion: 1, clientCapabilities: {} });
      const created = await ctx.request(methods.agent.session.new, { cwd: home.project, mcpServers: [] });
      const result = await ctx.request(methods.agent.session.prompt, {
        sessionId: created.sessionId,
        prompt: [{ type: "text", text: "remember" }],
      });
      expect(result.stopReason).toBe("end_turn");
      return created.sessionId;
    });
    expect(updates.some((u) => u.update.sessionUpdate === "agent_message_chunk")).toBe(true);
    acpProcess.stdin?.end();
    const code = await new Promise((resolve) => acpProcess.on("close", resolve));
    expect(code).toBe(0);
    const sessions = (await (await fetch(`${server.url}/session`)).json()) as { id: string }[];
    expect(sessions.map((s) => s.id)).toContain(sessionId);
    const messages = (await (await fetch(`${server.url}/session/${sessionId}/message`)).json()) as {
      parts: { type: string; text?: string }[];
    }[];
    expect(messages.flatMap((m) => m.parts).some((p) => p.text === "remembered")).toBe(true);
  });

  it("answers bad input with JSON-RPC errors and keeps serving", async () => {
    const { process: acpProcess } = spawnAcp();
    const lines: string[] = [];
    let buffer = "";
    acpProcess.stdout!.on("data", (chunk) => {
      buffer += chunk;
      const parts = buffer.split("\n");
      buffer = parts.pop()!;
      lines.push(...parts.filter(Boolean));
    });
    const send = (line: string) => acpProcess.stdin!.write(`${line}\n`);
    const waitFor = async (count: number) => {
      while (lines.filter((line) => line.includes('"id"')).length < count) await new Promise((r) => setTimeout(r, 10));
    };
    send('{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}');
    await waitFor(1);
    send("this is not json");
    await waitFor(2);
    send('{"jsonrpc":"2.0","id":3,"method":"no/such_method","params":{}}');
    await waitFor(3);
    send('{"jsonrpc":"2.0","id":4,"method":"session/new","params":{"cwd":42}}');
    await waitFor(4);
    send(
      `{"jsonrpc":"2.0","id":5,"method":"session/new","params":{"cwd":${JSON.stringify(home.project)},"mcpServers":[]}}`,
    );
    await waitFor(5);
    // Responses may come in any order, with notifications in between: match them by id.
    const replies = lines.map((line) => JSON.parse(line)).filter((message) => "id" in message);
    const byId = (id: number | null) => replies.find((reply) => reply.id === id);
    expect(byId(1).result.protocolVersion).toBe(1);
    expect(byId(null).error.code).toBe(-32700);
    expect(byId(3).error.code).toBe(-32601);
    expect(byId(4).error.code).toBe(-32602);
    expect(byId(4).error.data.cwd).toBeDefined();
    expect(byId(5).result.sessionId).toMatch(/^ses_/);
    acpProcess.stdin!.end();
    expect(await new Promise((resolve) => acpProcess.on("close", resolve))).toBe(0);
  });

  it("the seed's smoke test prints exactly one JSON-RPC response and exits 0", async () => {
    const acpProcess = spawn(
      "sh",
      [
        "-c",
        `echo '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}' | "${process.execPath}" "${MOOR_BIN}" acp`,
      ],
      { env: home.env, cwd: home.project },
    );
    let stdout = "";
    acpProcess.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    const code = await new Promise((resolve) => acpProcess.on("close", resolve));
    expect(code).toBe(0);
    const lines = stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({ jsonrpc: "2.0", id: 1, result: { protocolVersion: 1 } });
    expect(existsSync(join(home.env.MOOR_DATA_DIR, "moor.db"))).toBe(true);
  });
});

describe("acp --port", () => {
  it("serves the HTTP API of the same process, so other clients see the editor's sessions", async () => {
    const { stream, process: acpProcess } = spawnAcp(["--port", "0"]);
    let stderr = "";
    acpProcess.stderr!.on("data", (chunk) => {
      stderr += chunk;
    });
    const { app } = editorClient([]);
    // Checked while the editor is still connected: closing the connection ends the ACP process and its server.
    const { sessionId, sessions } = await app.connectWith(stream, async (ctx) => {
      await ctx.request(methods.agent.initialize, { protocolVersion: 1, clientCapabilities: {} });
      const created = await ctx.request(methods.agent.session.new, { cwd: home.project, mcpServers: [] });
      while (!/HTTP API on (\S+)/.test(stderr)) await new Promise((r) => setTimeout(r, 20));
      const url = /HTTP API on (\S+)/.exec(stderr)![1];
      const listed = (await (await fetch(`${url}/session`)).json()) as { id: string }[];
      return { sessionId: created.sessionId, sessions: listed };
    });
    expect(sessions.map((s) => s.id)).toContain(sessionId);
  });
});

describe("editor integration", () => {
  it("file tools read and write through the editor when it offers fs, and modes/model can be set", async () => {
    home = makeTempHome(llm.url, { permission: { edit: "allow" } });
    llm.script(
      { toolCalls: [{ name: "read", args: { filePath: "buffer.txt" } }] },
      { toolCalls: [{ name: "write", args: { filePath: "out.txt", content: "from the plan" } }] },
      { text: "planned" },
      { toolCalls: [{ name: "write", args: { filePath: "out.txt", content: "from the agent" } }] },
      { text: "done" },
    );
    const { stream } = spawnAcp();
    const reads: string[] = [];
    const writes: { path: string; content: string }[] = [];
    const app = client({ name: "editor-with-fs" })
      .onNotification(methods.client.session.update, () => {})
      .onRequest(methods.client.fs.readTextFile, ({ params }) => {
        reads.push(params.path);
        return { content: "unsaved buffer text" };
      })
      .onRequest(methods.client.fs.writeTextFile, ({ params }) => {
        writes.push({ path: params.path, content: params.content });
        return {};
      });
    await app.connectWith(stream, async (ctx) => {
      await ctx.request(methods.agent.initialize, {
        protocolVersion: 1,
        clientCapabilities: { fs: { readTextFile: true, writeTextFile: true } },
      });
      const { sessionId } = await ctx.request(methods.agent.session.new, { cwd: home.project, mcpServers: [] });
      await ctx.request(methods.agent.session.setMode, { sessionId, modeId: "plan" });
      await expect(ctx.request(methods.agent.session.setMode, { sessionId, modeId: "bogus" })).rejects.toThrow();
      await ctx.request(methods.agent.session.setConfigOption, { sessionId, configId: "model", value: "fake/echo" });
      // In plan mode the write is refused (the config allows edits); in build mode it goes through.
      const planned = await ctx.request(methods.agent.session.prompt, {
        sessionId,
        prompt: [{ type: "text", text: "plan" }],
      });
      expect(planned.stopReason).toBe("end_turn");
      expect(writes).toEqual([]);
      await ctx.request(methods.agent.session.setMode, { sessionId, modeId: "build" });
      const result = await ctx.request(methods.agent.session.prompt, {
        sessionId,
        prompt: [{ type: "text", text: "go" }],
      });
      expect(result.stopReason).toBe("end_turn");
    });
    // write reads the current content first (through the editor too) to show a diff.
    expect(reads).toEqual([
      join(home.project, "buffer.txt"),
      join(home.project, "out.txt"),
      join(home.project, "out.txt"),
    ]);
    expect(writes).toEqual([{ path: join(home.project, "out.txt"), content: "from the agent" }]);
    expect(existsSync(join(home.project, "out.txt"))).toBe(false);
    const lastRequest = llm.requests.at(-1)!;
    const toolResults = JSON.stringify(lastRequest.messages.filter((message) => message.role === "tool"));
    expect(toolResults).toContain("unsaved buffer text");
    expect(toolResults).toContain("denied by the plan agent");
  });
});

describe("session titles over ACP", () => {
  it("sends the first line, then the title the model wrote, as session_info_update", async () => {
    llm.setTitleReply({ text: "Explaining the build" });
    // A turn slow enough that the title arrives while it streams.
    llm.script({ text: "one two three four five six", delayMs: 60 });
    const { stream } = spawnAcp();
    const updates: SessionNotification[] = [];
    const { app } = editorClient(updates);
    try {
      await app.connectWith(stream, async (ctx) => {
        await ctx.request(methods.agent.initialize, { protocolVersion: 1, clientCapabilities: {} });
        const { sessionId } = await ctx.request(methods.agent.session.new, { cwd: home.project, mcpServers: [] });
        await ctx.request(methods.agent.session.prompt, {
          sessionId,
          prompt: [{ type: "text", text: "explain the build\nin detail" }],
        });
      });
    } finally {
      llm.setTitleReply({ text: "" });
    }
    const titles = updates
      .map((u) => u.update)
      .flatMap((update) => (update.sessionUpdate === "session_info_update" ? [update.title] : []));
    expect(titles).toEqual(["explain the build", "Explaining the build"]);
  });
});

describe("editor paths and refusals", () => {
  it("session/new, load and resume with a relative cwd, session/new with a missing one: invalid params (-32602) saying why", async () => {
    const { stream } = spawnAcp();
    const { app } = editorClient([]);
    await app.connectWith(stream, async (ctx) => {
      await ctx.request(methods.agent.initialize, { protocolVersion: 1, clientCapabilities: {} });
      const refused = (promise: Promise<unknown>) =>
        promise.then(
          () => undefined,
          (error: { code?: number; message?: string }) => error,
        );
      const created = await refused(ctx.request(methods.agent.session.new, { cwd: "project", mcpServers: [] }));
      expect(created?.code).toBe(-32602);
      expect(created?.message).toMatch(/cwd must be an absolute path/);
      const missing = await refused(
        ctx.request(methods.agent.session.new, { cwd: join(home.root, "no-such-project"), mcpServers: [] }),
      );
      expect(missing?.code).toBe(-32602);
      expect(missing?.message).toMatch(/cwd does not exist: .*no-such-project/);
      writeFileSync(join(home.root, "a-file"), "");
      const file = await refused(
        ctx.request(methods.agent.session.new, { cwd: join(home.root, "a-file"), mcpServers: [] }),
      );
      expect(file?.message).toMatch(/cwd is not a directory/);
      const { sessionId } = await ctx.request(methods.agent.session.new, { cwd: home.project, mcpServers: [] });
      const loaded = await refused(ctx.request(methods.agent.session.load, { sessionId, cwd: "./x", mcpServers: [] }));
      expect(loaded?.code).toBe(-32602);
      const resumed = await refused(ctx.request(methods.agent.session.resume, { sessionId, cwd: "x", mcpServers: [] }));
      expect(resumed?.code).toBe(-32602);
    });
  });

  it("a read the editor refuses is read from disk under moor's rules; when that fails too, the editor's reason shows", async () => {
    // Reading outside the project is allowed by this config; the editor (like acpx) refuses anything outside it.
    home = makeTempHome(llm.url, { permission: { read: "allow", external_directory: "allow" } });
    writeFileSync(join(home.root, "outside.txt"), "text from outside the project\n");
    llm.script(
      { toolCalls: [{ name: "read", args: { filePath: join(home.root, "outside.txt") } }] },
      { toolCalls: [{ name: "read", args: { filePath: join(home.root, "missing.txt") } }] },
      { text: "read both" },
    );
    const { stream } = spawnAcp();
    const refusals: string[] = [];
    const app = client({ name: "confining-editor" })
      .onNotification(methods.client.session.update, () => {})
      .onRequest(methods.client.fs.readTextFile, ({ params }) => {
        if (!params.path.startsWith(home.project)) {
          refusals.push(params.path);
          throw new Error("Path is outside allowed cwd subtree");
        }
        return { content: "" };
      });
    await app.connectWith(stream, async (ctx) => {
      await ctx.request(methods.agent.initialize, {
        protocolVersion: 1,
        clientCapabilities: { fs: { readTextFile: true, writeTextFile: false } },
      });
      const { sessionId } = await ctx.request(methods.agent.session.new, { cwd: home.project, mcpServers: [] });
      const result = await ctx.request(methods.agent.session.prompt, {
        sessionId,
        prompt: [{ type: "text", text: "go" }],
      });
      expect(result.stopReason).toBe("end_turn");
    });
    expect(refusals).toEqual([join(home.root, "outside.txt"), join(home.root, "missing.txt")]);
    const toolResults = llm.requests
      .at(-1)!
      .messages.filter((message) => message.role === "tool")
      .map((message) => JSON.stringify(message.content));
    expect(toolResults[0]).toContain("text from outside the project");
    expect(toolResults[1]).toContain("Path is outside allowed cwd subtree");
    expect(toolResults[1]).not.toMatch(/^"?Internal error"?$/);
  });

  it("stopped by SIGTERM while the editor is asked a permission: exits 143 and leaves no question pending", async () => {
    llm.script({ toolCalls: [{ name: "bash", args: { command: "echo never" } }] }, { text: "unreachable" });
    const { stream, process: acpProcess } = spawnAcp();
    let asked!: () => void;
    const permissionAsked = new Promise<void>((resolve) => {
      asked = resolve;
    });
    // An editor whose user never answers: the question stays open until the agent process is stopped.
    const app = client({ name: "test-editor" }).onRequest(methods.client.session.requestPermission, () => {
      asked();
      return new Promise<never>(() => {});
    });
    const exited = new Promise<number | null>((resolve) => acpProcess.on("exit", (code) => resolve(code)));
    void app
      .connectWith(stream, async (ctx) => {
        await ctx.request(methods.agent.initialize, { protocolVersion: 1, clientCapabilities: {} });
        const session = await ctx.request(methods.agent.session.new, { cwd: home.project, mcpServers: [] });
        return ctx.request(methods.agent.session.prompt, {
          sessionId: session.sessionId,
          prompt: [{ type: "text", text: "go" }],
        });
      })
      .catch(() => {});
    await permissionAsked;
    acpProcess.kill("SIGTERM");
    expect(await exited).toBe(143);
    const db = new Database(join(home.env.MOOR_DATA_DIR, "moor.db"), { readonly: true });
    const statuses = (db.prepare("SELECT status FROM permission").all() as { status: string }[]).map(
      (row) => row.status,
    );
    db.close();
    expect(statuses).toEqual(["expired"]);
  });
});
