// The core reads its agents from the registry it is given: a configured agent's instructions, limits, tool switches
// and model reach the turn, and a prompt naming an agent the registry lacks is refused.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as z from "zod";
import { AgentRegistry } from "../../../src/core/agents/registry.js";
import { createCore } from "../../../src/core/index.js";
import type { ToolDefinition } from "../../../src/core/tools/tool.js";
import type { ModelRef, ToolPart } from "../../../src/protocol/index.js";
import { SqliteStore } from "../../../src/storage/sqlite-store.js";
import { openCoreFixture } from "../../fakes/core-fixture.js";
import { scriptedModel } from "../scripted-model.js";

const tool = (name: string, permission: string): ToolDefinition<{ text: string }> => ({
  name,
  description: name,
  parameters: z.object({ text: z.string() }),
  async execute(input, ctx) {
    await ctx.ask({ permission, patterns: [input.text] });
    return { title: name, output: `${name}: ${input.text}`, metadata: {} };
  },
});

describe("the core's agents come from its registry", () => {
  let dir: string;
  let store: SqliteStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "moor-agents-"));
    store = new SqliteStore(join(dir, "moor.db"));
  });
  afterEach(() => {
    store.closeNow();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a configured agent's instructions, limits, tool switches and model apply to its turns", async () => {
    const model = scriptedModel([
      {
        toolCalls: [
          { name: "write", input: { text: "a" } },
          { name: "shell", input: { text: "ls" } },
        ],
      },
      { text: "reviewed" },
    ]);
    const asked: (ModelRef | undefined)[] = [];
    const agents = new AgentRegistry(undefined, {
      overrides: [
        {
          name: "review",
          mode: "primary",
          instructions: "You are reviewing.",
          limits: { edit: "deny" },
          tools: { shell: false },
          model: { providerID: "mock", modelID: "reviewer" },
        },
      ],
    });
    const core = await createCore({
      store,
      version: "test",
      settings: () => ({ permission: "allow" }),
      resolveModel: async (ref) => {
        asked.push(ref);
        return { model, providerID: ref?.providerID ?? "mock", modelID: ref?.modelID ?? "default" };
      },
      tools: [tool("write", "edit"), tool("shell", "bash")],
      agents: () => agents,
    });
    expect(core.agents).toBe(agents);
    const session = await core.sessions.create({ directory: dir });
    await core.sessions.prompt(session.id, { agent: "review", parts: [{ type: "text", text: "review it" }] });
    expect(asked).toEqual([{ providerID: "mock", modelID: "reviewer" }]);
    const call = model.doStreamCalls[0];
    expect(call.prompt[0]).toMatchObject({ role: "system", content: expect.stringContaining("You are reviewing.") });
    expect(call.tools?.map((offered) => offered.name)).toEqual(["write", "task"]);
    const tools = (await core.sessions.messages(session.id))
      .flatMap((message) => message.parts)
      .filter((part): part is ToolPart => part.type === "tool");
    const errors = tools.map((part) => (part.state.status === "error" ? part.state.error : part.state.status));
    expect(errors[0]).toMatch(/denied by the review agent: edit a/);
    expect(errors[1]).toMatch(/"shell" is turned off/);
    await core.shutdown();
  });

  it("a prompt naming an agent the registry lacks is a bad request naming the known ones, and nothing is stored", async () => {
    const core = await createCore({
      store,
      version: "test",
      settings: () => ({}),
      resolveModel: async () => ({ model: scriptedModel([]), providerID: "mock", modelID: "m" }),
      tools: [],
      agents: () => new AgentRegistry(undefined, { overrides: [{ name: "plan", disable: true }] }),
    });
    const session = await core.sessions.create({ directory: dir });
    await expect(
      core.sessions.prompt(session.id, { agent: "plan", parts: [{ type: "text", text: "x" }] }),
    ).rejects.toMatchObject({
      code: "bad_request",
      message: 'Unknown agent "plan"; known agents: build, general, explore.',
    });
    expect(await core.sessions.messages(session.id)).toEqual([]);
    await core.shutdown();
  });

  it("an agent's prompt replaces the base prompt (the environment stays), its temperature and steps reach the calls", async () => {
    const agents = new AgentRegistry(undefined, {
      overrides: [{ name: "terse", mode: "primary", prompt: "You are Terse.", temperature: 0.3, steps: 2 }],
    });
    const fixture = await openCoreFixture({
      prefix: "agent-fields",
      // The model would go on calling tools: the agent's step limit (2), not maxSteps (50), ends the turn.
      steps: [1, 2, 3].map(() => ({ toolCalls: [{ name: "echo", input: { text: "x" } }] })),
      tools: [tool("echo", "read")],
      settings: { permission: "allow", maxSteps: 50 },
      core: { agents: () => agents },
    });
    try {
      const session = await fixture.core.sessions.create({ directory: fixture.dir });
      await fixture.core.sessions.prompt(session.id, { agent: "terse", parts: [{ type: "text", text: "go" }] });
      const calls = fixture.model.doStreamCalls;
      expect(calls.length).toBe(2);
      const system = String(calls[0].prompt[0].content);
      expect(system.startsWith("You are Terse.\n")).toBe(true);
      expect(system).toContain(`Working directory: ${fixture.dir}`);
      expect(system).not.toContain("You are Moor");
      expect(calls.map((call) => call.temperature)).toEqual([0.3, 0.3]);
      // The default agent keeps the base prompt, the provider's temperature and the configured step limit.
      await fixture.core.sessions.prompt(session.id, { parts: [{ type: "text", text: "again" }] });
      expect(calls.length).toBe(4);
      expect(String(calls[2].prompt[0].content)).toContain("You are Moor");
      expect(calls[2].temperature).toBeUndefined();
    } finally {
      await fixture.close();
    }
  });

  it("the built-in explore agent is offered only the tools that read, and a call to another is refused", async () => {
    const fixture = await openCoreFixture({
      prefix: "agent-explore",
      steps: [{ toolCalls: [{ name: "write", input: { text: "x" } }] }, { text: "found it" }],
      tools: [tool("read", "read"), tool("grep", "grep"), tool("write", "edit"), tool("bash", "bash")],
      settings: { permission: "allow" },
    });
    try {
      const session = await fixture.core.sessions.create({ directory: fixture.dir });
      await fixture.core.sessions.prompt(session.id, { agent: "explore", parts: [{ type: "text", text: "find" }] });
      const [call] = fixture.model.doStreamCalls;
      expect(call.tools?.map((offered) => offered.name)).toEqual(["read", "grep"]);
      expect(String(call.prompt[0].content)).toMatch(/^You are a file search specialist/);
      const part = (await fixture.core.sessions.messages(session.id))
        .flatMap((message) => message.parts)
        .find((candidate): candidate is ToolPart => candidate.type === "tool");
      expect(part?.state.status === "error" && part.state.error).toMatch(/"write" is turned off/);
    } finally {
      await fixture.close();
    }
  });
});
