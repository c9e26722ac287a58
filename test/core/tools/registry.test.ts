// The tool registry: sources, per-agent sets, and the model's JSON-schema list cached by the registry's version.
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { agentToolLists, StaticToolSource, ToolRegistry, type ToolSource } from "../../../src/core/tools/registry.js";
import type { ToolDefinition } from "../../../src/core/tools/tool.js";
import type { ToolPart } from "../../../src/protocol/index.js";
import { openCoreFixture } from "../../fakes/core-fixture.js";

function tool(name: string, description = `the ${name} tool`): ToolDefinition<{ value?: string }> {
  return {
    name,
    description,
    parameters: z.object({ value: z.string().optional() }),
    async execute(input) {
      return { title: name, output: `${name}: ${input.value ?? ""}`, metadata: {} };
    },
  };
}

const names = (registry: ToolRegistry, agent = "build") => registry.forAgent(agent).definitions.map((t) => t.name);

describe("tool registry", () => {
  it("gathers every source's tools in source order; of two tools of one name the first source's wins", () => {
    const builtin = new StaticToolSource("builtin", [tool("read"), tool("bash")]);
    const mcp = new StaticToolSource("mcp", [tool("bash", "a server's bash"), tool("mcp_search")]);
    const registry = new ToolRegistry([builtin, mcp]);
    expect(names(registry)).toEqual(["read", "bash", "mcp_search"]);
    expect(registry.forAgent("build").get("bash")?.description).toBe("the bash tool");
    expect(registry.forAgent("build").get("nope")).toBeUndefined();
    expect(() => registry.add(new StaticToolSource("mcp", []))).toThrow(/already registered/);
  });

  it("gives each agent its own set: allow and deny lists, all tools for an agent without a list", () => {
    const source = new StaticToolSource("builtin", [tool("read"), tool("write"), tool("bash")]);
    const registry = new ToolRegistry(
      [source],
      agentToolLists({ plan: { deny: ["write"] }, reviewer: { allow: ["read"] } }),
    );
    expect(names(registry, "plan")).toEqual(["read", "bash"]);
    expect(names(registry, "reviewer")).toEqual(["read"]);
    expect(names(registry, "build")).toEqual(["read", "write", "bash"]);
    // Own keys only: an agent named like an Object.prototype member has no list.
    expect(names(registry, "toString")).toEqual(["read", "write", "bash"]);
    expect(registry.forAgent("plan").modelTools.map((t) => t.name)).toEqual(["read", "bash"]);
  });

  it("keeps one set (and one JSON-schema list) while nothing changed, whatever arrays callers hold", () => {
    const registry = new ToolRegistry([new StaticToolSource("builtin", [tool("read"), tool("bash")])]);
    const first = registry.forAgent("build");
    expect(registry.forAgent("build")).toBe(first);
    expect(registry.forAgent("build").modelTools).toBe(first.modelTools);
    expect(first.modelTools[0]).toMatchObject({
      type: "function",
      name: "read",
      inputSchema: { type: "object", properties: { value: { type: "string" } } },
    });
  });

  it("a source changing its tools bumps the version: the next set has them, unchanged tools keep their schema", () => {
    const read = tool("read");
    const source = new StaticToolSource("builtin", [read]);
    const registry = new ToolRegistry([source]);
    const before = registry.forAgent("build");
    const version = registry.version;
    source.replace([read, tool("grep")]);
    expect(registry.version).not.toBe(version);
    const after = registry.forAgent("build");
    expect(after).not.toBe(before);
    expect(after.definitions.map((t) => t.name)).toEqual(["read", "grep"]);
    // The unchanged tool is not converted again.
    expect(after.modelTools[0]).toBe(before.modelTools[0]);
  });

  it("a source of its own kind (as MCP will be) is re-read when its version moves, and sources come and go", () => {
    let tools = [tool("mcp_a")];
    const live: ToolSource & { version: number } = { id: "mcp", version: 1, list: () => tools };
    const registry = new ToolRegistry([new StaticToolSource("builtin", [tool("read")])]);
    registry.add(live);
    expect(names(registry)).toEqual(["read", "mcp_a"]);
    tools = [tool("mcp_b")];
    // Unannounced, the change is not seen: the cache is by version, not by reading every source every step.
    expect(names(registry)).toEqual(["read", "mcp_a"]);
    live.version++;
    expect(names(registry)).toEqual(["read", "mcp_b"]);
    registry.remove("mcp");
    expect(names(registry)).toEqual(["read"]);
  });

  it("in a core: the agent's set is what the model is offered and may call; an added source is offered next turn", async () => {
    const fixture = await openCoreFixture({
      prefix: "registry",
      steps: [
        { toolCalls: [{ name: "write", input: { value: "x" } }] },
        { text: "refused" },
        { toolCalls: [{ name: "mcp_search", input: { value: "q" } }] },
        { text: "found" },
      ],
      settings: { permission: "allow" },
      tools: [tool("read"), tool("write")],
      core: { agentTools: agentToolLists({ plan: { deny: ["write"] } }) },
    });
    const { core, model, dir } = fixture;
    try {
      const session = await core.sessions.create({ directory: dir });
      await core.sessions.prompt(session.id, { agent: "plan", parts: [{ type: "text", text: "write" }] });
      core.tools.add(new StaticToolSource("mcp", [tool("mcp_search")]));
      await core.sessions.prompt(session.id, { parts: [{ type: "text", text: "search" }] });
      const offered = model.doStreamCalls.map((call) => call.tools?.map((t) => t.name));
      expect(offered).toEqual([
        ["read", "task"],
        ["read", "task"],
        ["read", "write", "task", "mcp_search"],
        ["read", "write", "task", "mcp_search"],
      ]);
      const parts = (await core.sessions.messages(session.id))
        .flatMap((message) => message.parts)
        .filter((part): part is ToolPart => part.type === "tool");
      expect(parts.map((part) => part.state)).toMatchObject([
        { status: "error", error: 'Unknown tool "write". Available tools: read, task.' },
        { status: "completed", output: "mcp_search: q" },
      ]);
    } finally {
      await fixture.close();
    }
  });
});
