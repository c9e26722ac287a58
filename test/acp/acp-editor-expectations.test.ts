// What ACP editors (Zed, acpx, …) read from an agent beyond the basics (issue 18 §3): the session capabilities,
// mode and model as categorised config options, the prompt's token usage, tool calls with locations and raw input,
// the read tool's plain text, and images. A real `moor acp` child, the ACP SDK's client side.
import type { ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { client, methods, type SessionNotification } from "@agentclientprotocol/sdk/unstable";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { spawnAcp } from "../fakes/acp-process.js";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";

let llm: FakeLlm;
let child: ChildProcess | undefined;

beforeAll(async () => {
  llm = await startFakeLlm();
});
afterAll(() => llm.close());
afterEach(() => {
  child?.kill("SIGKILL");
  child = undefined;
});

const visionModels = (url: string) => ({
  provider: {
    fake: {
      npm: "@ai-sdk/openai-compatible",
      options: { baseURL: url, apiKey: "test-key" },
      models: { echo: { name: "Echo", tool_call: true, attachment: true, modalities: { input: ["text", "image"] } } },
    },
  },
});

function connect(home: TempHome, updates: SessionNotification[] = []) {
  const acp = spawnAcp(home);
  child = acp.child;
  const app = client({ name: "test-editor" })
    .onNotification(methods.client.session.update, ({ params }) => {
      updates.push(params);
    })
    .onRequest(methods.client.session.requestPermission, () => ({
      outcome: { outcome: "selected", optionId: "allow_once" },
    }));
  return <T>(body: Parameters<typeof app.connectWith<T>>[1]) => app.connectWith(acp.stream, body);
}

describe("moor acp as editors expect it", () => {
  it("advertises list, resume, close and fork; a fork is a new listed session in the original's mode", async () => {
    const home = makeTempHome(llm.url);
    llm.script({ text: "first answer" });
    const forked = await connect(home)(async (ctx) => {
      const init = await ctx.request(methods.agent.initialize, { protocolVersion: 1, clientCapabilities: {} });
      expect(init.agentCapabilities?.sessionCapabilities).toEqual({ list: {}, resume: {}, close: {}, fork: {} });
      const { sessionId } = await ctx.request(methods.agent.session.new, { cwd: home.project, mcpServers: [] });
      await ctx.request(methods.agent.session.setMode, { sessionId, modeId: "plan" });
      await ctx.request(methods.agent.session.prompt, { sessionId, prompt: [{ type: "text", text: "hi" }] });
      const fork = await ctx.request(methods.agent.session.fork, { sessionId, cwd: home.project, mcpServers: [] });
      const list = await ctx.request(methods.agent.session.list, {});
      return { fork, ids: list.sessions.map((session) => session.sessionId), sessionId };
    });
    expect(forked.fork.sessionId).not.toBe(forked.sessionId);
    expect(forked.ids).toContain(forked.fork.sessionId);
    // The fork continues the conversation in the same mode.
    expect(forked.fork.modes?.currentModeId).toBe("plan");
  });

  it("gives mode and model as config options with their categories; set_mode shows in them", async () => {
    const home = makeTempHome(llm.url);
    const updates: SessionNotification[] = [];
    const result = await connect(
      home,
      updates,
    )(async (ctx) => {
      await ctx.request(methods.agent.initialize, { protocolVersion: 1, clientCapabilities: {} });
      const created = await ctx.request(methods.agent.session.new, { cwd: home.project, mcpServers: [] });
      await ctx.request(methods.agent.session.setMode, { sessionId: created.sessionId, modeId: "plan" });
      const afterMode = await ctx.request(methods.agent.session.setConfigOption, {
        sessionId: created.sessionId,
        configId: "model",
        value: "fake/echo",
      });
      const viaOption = await ctx.request(methods.agent.session.setConfigOption, {
        sessionId: created.sessionId,
        configId: "mode",
        value: "build",
      });
      return { created, afterMode, viaOption };
    });
    const summary = (options: typeof result.afterMode.configOptions) =>
      options.map((option) => ({
        id: option.id,
        category: option.category,
        current: "currentValue" in option ? option.currentValue : undefined,
      }));
    expect(summary(result.created.configOptions ?? [])).toEqual([
      { id: "mode", category: "mode", current: "build" },
      { id: "model", category: "model", current: "fake/echo" },
    ]);
    expect(summary(result.afterMode.configOptions)[0]).toEqual({ id: "mode", category: "mode", current: "plan" });
    expect(summary(result.viaOption.configOptions)[0]).toEqual({ id: "mode", category: "mode", current: "build" });
    const pushed = updates.find((u) => u.update.sessionUpdate === "config_option_update")?.update as
      | { configOptions: { id: string; currentValue?: string }[] }
      | undefined;
    expect(pushed?.configOptions.find((option) => option.id === "mode")?.currentValue).toBe("plan");
  });

  it("a session reopened in a new process (resume, load) keeps the mode and model it was last prompted with", async () => {
    const home = makeTempHome(llm.url, {
      provider: {
        fake: {
          npm: "@ai-sdk/openai-compatible",
          options: { baseURL: llm.url, apiKey: "test-key" },
          models: { echo: { name: "Echo", tool_call: true }, other: { name: "Other", tool_call: true } },
        },
      },
    });
    llm.script({ text: "planned" });
    const sessionId = await connect(home)(async (ctx) => {
      await ctx.request(methods.agent.initialize, { protocolVersion: 1, clientCapabilities: {} });
      const { sessionId } = await ctx.request(methods.agent.session.new, { cwd: home.project, mcpServers: [] });
      await ctx.request(methods.agent.session.setMode, { sessionId, modeId: "plan" });
      await ctx.request(methods.agent.session.setConfigOption, { sessionId, configId: "model", value: "fake/other" });
      await ctx.request(methods.agent.session.prompt, { sessionId, prompt: [{ type: "text", text: "plan it" }] });
      return sessionId;
    });
    child?.kill("SIGKILL");
    const reopened = await connect(home)(async (ctx) => {
      await ctx.request(methods.agent.initialize, { protocolVersion: 1, clientCapabilities: {} });
      const resumed = await ctx.request(methods.agent.session.resume, { sessionId, cwd: home.project });
      return resumed;
    });
    child?.kill("SIGKILL");
    const loaded = await connect(home)(async (ctx) => {
      await ctx.request(methods.agent.initialize, { protocolVersion: 1, clientCapabilities: {} });
      return ctx.request(methods.agent.session.load, { sessionId, cwd: home.project, mcpServers: [] });
    });
    for (const answer of [reopened, loaded]) {
      expect(answer.modes?.currentModeId).toBe("plan");
      const current = Object.fromEntries(
        (answer.configOptions ?? []).map((option) => [option.id, "currentValue" in option ? option.currentValue : ""]),
      );
      expect(current).toEqual({ mode: "plan", model: "fake/other" });
    }
  });

  it("set model refuses a model its provider does not list with a JSON-RPC error, and keeps the current one (issue 18 §1)", async () => {
    const home = makeTempHome(llm.url);
    const outcome = await connect(home)(async (ctx) => {
      await ctx.request(methods.agent.initialize, { protocolVersion: 1, clientCapabilities: {} });
      const { sessionId } = await ctx.request(methods.agent.session.new, { cwd: home.project, mcpServers: [] });
      const error = await ctx
        .request(methods.agent.session.setConfigOption, { sessionId, configId: "model", value: "fake/nope" })
        .then(
          () => undefined,
          (e: { code?: number; message?: string }) => e,
        );
      const accepted = await ctx.request(methods.agent.session.setConfigOption, {
        sessionId,
        configId: "model",
        value: "fake/other",
      });
      return { error, accepted };
    });
    expect(outcome.error?.code).toBe(-32602);
    expect(String(outcome.error?.message) + JSON.stringify(outcome.error)).toContain("fake/nope");
    const model = outcome.accepted.configOptions.find((option) => option.id === "model");
    expect(model && "currentValue" in model ? model.currentValue : "").toBe("fake/other");
  });

  it("answers a prompt with the turn's token usage; tool calls carry locations, raw input and the plain file text", async () => {
    const home = makeTempHome(llm.url);
    writeFileSync(join(home.project, "notes.txt"), "alpha\nbeta\n");
    const path = join(home.project, "notes.txt");
    llm.script(
      { toolCalls: [{ name: "read", args: { filePath: path } }], usage: { prompt_tokens: 100, completion_tokens: 5 } },
      { text: "read it", usage: { prompt_tokens: 120, completion_tokens: 2 } },
    );
    const updates: SessionNotification[] = [];
    const response = await connect(
      home,
      updates,
    )(async (ctx) => {
      await ctx.request(methods.agent.initialize, { protocolVersion: 1, clientCapabilities: {} });
      const { sessionId } = await ctx.request(methods.agent.session.new, { cwd: home.project, mcpServers: [] });
      return ctx.request(methods.agent.session.prompt, { sessionId, prompt: [{ type: "text", text: "read notes" }] });
    });
    expect(response.stopReason).toBe("end_turn");
    expect(response.usage).toMatchObject({ inputTokens: 220, outputTokens: 7 });
    expect(response.usage?.totalTokens).toBeGreaterThanOrEqual(227);
    const done = updates.find((u) => u.update.sessionUpdate === "tool_call_update" && u.update.status === "completed")
      ?.update as {
      locations?: unknown;
      rawInput?: unknown;
      content?: { type: string; content?: { text?: string } }[];
    };
    expect(done.locations).toEqual([{ path }]);
    expect(done.rawInput).toEqual({ filePath: path });
    // The first the editor hears of the call already says what it reads (the model streamed the input first).
    const first = updates.filter((u) => (u.update as { toolCallId?: string }).toolCallId !== undefined)[0]?.update;
    expect(first).toMatchObject({ sessionUpdate: "tool_call", locations: [{ path }], rawInput: { filePath: path } });
    expect(done.content?.[0]?.content?.text).toBe("alpha\nbeta");
  });

  it("takes images in prompts when a configured model reads them, and passes them to the model", async () => {
    const plain = makeTempHome(llm.url);
    const noImages = await connect(plain)((ctx) =>
      ctx.request(methods.agent.initialize, { protocolVersion: 1, clientCapabilities: {} }),
    );
    expect(noImages.agentCapabilities?.promptCapabilities?.image).toBe(false);
    child?.kill("SIGKILL");

    const home = makeTempHome(llm.url, visionModels(llm.url));
    llm.script({ text: "a red pixel" });
    const png = Buffer.from("89504e470d0a1a0a", "hex").toString("base64");
    const { init, response } = await connect(home)(async (ctx) => {
      const init = await ctx.request(methods.agent.initialize, { protocolVersion: 1, clientCapabilities: {} });
      const { sessionId } = await ctx.request(methods.agent.session.new, { cwd: home.project, mcpServers: [] });
      const response = await ctx.request(methods.agent.session.prompt, {
        sessionId,
        prompt: [
          { type: "text", text: "what is this?" },
          { type: "image", mimeType: "image/png", data: png },
        ],
      });
      return { init, response };
    });
    expect(init.agentCapabilities?.promptCapabilities?.image).toBe(true);
    expect(response.stopReason).toBe("end_turn");
    const sent = JSON.stringify(llm.requests.at(-1)?.messages);
    expect(sent).toContain(`data:image/png;base64,${png}`);
  });
});

describe("moor acp start-up", () => {
  it("answers initialize without waiting for the store; a store that cannot open fails session/new, one line, exit 1", async () => {
    const home = makeTempHome(llm.url);
    // The data directory is a file: the store cannot be opened there.
    writeFileSync(join(home.root, "data-file"), "");
    home.env.MOOR_DATA_DIR = join(home.root, "data-file");
    const acp = spawnAcp(home);
    child = acp.child;
    let stderr = "";
    acp.child.stderr?.on("data", (chunk) => {
      stderr += chunk;
    });
    const exited = new Promise<number | null>((resolve) => acp.child.once("exit", (code) => resolve(code)));
    const app = client({ name: "test-editor" });
    const { init, failure } = await app.connectWith(acp.stream, async (ctx) => {
      const init = await ctx.request(methods.agent.initialize, { protocolVersion: 1, clientCapabilities: {} });
      const failure = await ctx.request(methods.agent.session.new, { cwd: home.project, mcpServers: [] }).then(
        () => undefined,
        (error: Error) => error.message + JSON.stringify(error),
      );
      return { init, failure };
    });
    expect(init.agentCapabilities?.loadSession).toBe(true);
    expect(failure).toContain("moor could not start");
    acp.child.stdin?.end();
    expect(await exited).toBe(1);
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
