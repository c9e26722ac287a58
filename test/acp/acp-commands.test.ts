// ACP and slash commands: the editor hears the session's commands (available_commands_update) and a `/name args`
// prompt runs that command (real `moor acp` process, the SDK's client side, the fake model).
import type { ChildProcess } from "node:child_process";
import { client, methods, type SessionNotification } from "@agentclientprotocol/sdk";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { spawnAcp } from "../fakes/acp-process.js";
import { makeTempHome } from "../fakes/config.js";
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

describe("moor acp: slash commands", () => {
  it("sends available_commands_update with the commands, and runs `/name args` as the command", async () => {
    const home = makeTempHome(llm.url, {
      command: { hello: { template: "Say hello to $ARGUMENTS politely", description: "greets someone" } },
    });
    llm.script({ text: "Hello, world." });
    const acp = spawnAcp(home);
    child = acp.child;
    const { stream } = acp;
    const updates: SessionNotification[] = [];
    const app = client({ name: "test-editor" }).onNotification(methods.client.session.update, ({ params }) => {
      updates.push(params);
    });
    const requestsBefore = llm.requests.length;
    const result = await app.connectWith(stream, async (ctx) => {
      await ctx.request(methods.agent.initialize, { protocolVersion: 1, clientCapabilities: {} });
      const { sessionId } = await ctx.request(methods.agent.session.new, { cwd: home.project, mcpServers: [] });
      const deadline = Date.now() + 5000;
      while (!updates.some((u) => u.update.sessionUpdate === "available_commands_update") && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return ctx.request(methods.agent.session.prompt, { sessionId, prompt: [{ type: "text", text: "/hello world" }] });
    });
    expect(result.stopReason).toBe("end_turn");
    const advertised = updates.find((u) => u.update.sessionUpdate === "available_commands_update")?.update as {
      availableCommands: { name: string; description: string; input?: { hint: string } }[];
    };
    expect(advertised.availableCommands.map((command) => command.name)).toEqual(
      expect.arrayContaining(["init", "review", "hello"]),
    );
    expect(advertised.availableCommands.find((command) => command.name === "hello")).toMatchObject({
      description: "greets someone",
      input: { hint: "$ARGUMENTS" },
    });
    const sent = JSON.stringify(llm.requests.slice(requestsBefore).map((request) => request.messages));
    expect(sent).toContain("Say hello to world politely");
  });

  it("sends the commands again when the editor loads an existing session", async () => {
    const home = makeTempHome(llm.url);
    const startAcp = () => {
      const acp = spawnAcp(home);
      child = acp.child;
      return acp.stream;
    };
    const updates: SessionNotification[] = [];
    const app = client({ name: "test-editor" }).onNotification(methods.client.session.update, ({ params }) => {
      updates.push(params);
    });
    const sessionId = await app.connectWith(startAcp(), async (ctx) => {
      await ctx.request(methods.agent.initialize, { protocolVersion: 1, clientCapabilities: {} });
      return (await ctx.request(methods.agent.session.new, { cwd: home.project, mcpServers: [] })).sessionId;
    });
    child?.kill("SIGKILL");
    updates.length = 0;
    await app.connectWith(startAcp(), async (ctx) => {
      await ctx.request(methods.agent.initialize, { protocolVersion: 1, clientCapabilities: {} });
      await ctx.request(methods.agent.session.load, { sessionId, cwd: home.project, mcpServers: [] });
      const deadline = Date.now() + 5000;
      while (!updates.some((u) => u.update.sessionUpdate === "available_commands_update") && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    });
    const advertised = updates.find((u) => u.update.sessionUpdate === "available_commands_update")?.update as
      | { availableCommands: { name: string }[] }
      | undefined;
    expect(advertised?.availableCommands.map((command) => command.name)).toEqual(
      expect.arrayContaining(["init", "review"]),
    );
  });
});
