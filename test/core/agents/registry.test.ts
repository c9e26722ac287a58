import { describe, expect, it } from "vitest";
import { AgentRegistry } from "../../../src/core/agents/registry.js";
import { toWireAgent } from "../../../src/core/agents/wire.js";
import { CoreError } from "../../../src/core/errors.js";
import { evaluatePermission } from "../../../src/core/permission-rules.js";
import { Agent } from "../../../src/protocol/index.js";

describe("the agent registry", () => {
  it("holds build and plan as primary built-ins and general and explore as subagents, build by default", () => {
    const agents = new AgentRegistry();
    expect(agents.list().map((agent) => [agent.name, agent.mode, agent.builtIn])).toEqual([
      ["build", "primary", true],
      ["plan", "primary", true],
      ["general", "subagent", true],
      ["explore", "subagent", true],
    ]);
    expect(agents.primary().map((agent) => agent.name)).toEqual(["build", "plan"]);
    expect(agents.defaultAgent).toBe("build");
    expect(agents.resolve(undefined).name).toBe("build");
    expect(agents.limitsOf("plan")).toEqual({ edit: "deny", bash: "ask" });
    expect(agents.get("plan")?.instructions).toMatch(/plan mode/);
  });

  it("an unknown name is a bad request naming the known agents; object members are no agent", () => {
    const agents = new AgentRegistry();
    for (const name of ["nope", "toString", "__proto__", ""]) {
      expect(agents.get(name)).toBeUndefined();
      const error = (() => {
        try {
          agents.resolve(name);
        } catch (caught) {
          return caught;
        }
      })();
      expect(error).toBeInstanceOf(CoreError);
      expect((error as CoreError).code).toBe("bad_request");
      expect((error as CoreError).message).toBe(
        `Unknown agent "${name}"; known agents: build, plan, general, explore.`,
      );
    }
  });

  it("configured agents are added, tune a built-in (limits only narrow), or remove one", () => {
    const agents = new AgentRegistry(undefined, {
      overrides: [
        { name: "review", description: "Reviews", mode: "primary", limits: { edit: "deny" }, tools: { bash: false } },
        { name: "plan", description: "Tuned plan", limits: { edit: "allow", webfetch: "deny", bash: "deny" } },
        { name: "general", disable: true },
        { name: "helper" },
      ],
      defaultAgent: "review",
    });
    // The default is listed first: clients take the first primary agent as the one a prompt runs under.
    expect(agents.list().map((agent) => agent.name)).toEqual(["review", "build", "plan", "explore", "helper"]);
    expect(agents.defaultAgent).toBe("review");
    expect(agents.get("plan")).toMatchObject({ description: "Tuned plan", builtIn: true });
    expect(agents.limitsOf("plan")).toEqual({ edit: "deny", bash: "deny", webfetch: "deny" });
    expect(agents.get("plan")?.instructions).toMatch(/plan mode/);
    expect(agents.get("review")).toMatchObject({ mode: "primary", builtIn: false });
    // A configured agent without a mode is usable both ways, as in OpenCode.
    expect(agents.get("helper")?.mode).toBe("all");
    expect(agents.primary().map((agent) => agent.name)).toEqual(["review", "build", "plan", "helper"]);
  });

  it("a hidden agent is not offered to pick, and an agent no longer defined runs with the default's limits", () => {
    const agents = new AgentRegistry(undefined, {
      overrides: [{ name: "secret", mode: "primary", hidden: true }],
      defaultAgent: "plan",
    });
    expect(agents.primary().map((agent) => agent.name)).toEqual(["plan", "build"]);
    expect(agents.get("secret")).toBeDefined();
    expect(agents.limitsOf("removed-since")).toEqual({ edit: "deny", bash: "ask" });
  });

  it("refuses a default agent that is unknown or a subagent", () => {
    expect(() => new AgentRegistry(undefined, { defaultAgent: "nope" })).toThrow(
      'The default agent "nope" is unknown; primary agents: build, plan.',
    );
    expect(() => new AgentRegistry(undefined, { defaultAgent: "general" })).toThrow(/is a subagent/);
  });

  it("lists agents in OpenCode's Agent shape: limits and switched-off tools as rules", () => {
    const agents = new AgentRegistry(undefined, {
      overrides: [
        {
          name: "review",
          mode: "primary",
          limits: { edit: "deny" },
          tools: { bash: false, read: true },
          model: { providerID: "p", modelID: "m" },
        },
      ],
    });
    const wire = agents.list().map(toWireAgent);
    for (const agent of wire) expect(Agent.strict().parse(agent)).toEqual(agent);
    expect(wire.find((agent) => agent.name === "plan")).toEqual({
      name: "plan",
      description: "Plans without changing files.",
      mode: "primary",
      native: true,
      permission: [
        { permission: "edit", pattern: "*", action: "deny" },
        { permission: "bash", pattern: "*", action: "ask" },
      ],
      options: {},
    });
    expect(wire.find((agent) => agent.name === "review")).toEqual({
      name: "review",
      mode: "primary",
      native: false,
      permission: [
        { permission: "edit", pattern: "*", action: "deny" },
        { permission: "bash", pattern: "*", action: "deny" },
      ],
      model: { providerID: "p", modelID: "m" },
      options: {},
    });
  });

  it("the user's own table for a built-in replaces its limit for the keys it names; a project's cannot", () => {
    const tuned = (loosens: boolean) =>
      new AgentRegistry(undefined, {
        overrides: [{ name: "plan", permission: { edit: { "*.md": "allow" } }, permissionLoosens: loosens }],
      });
    const judge = (agents: AgentRegistry, permission: string, value: string) =>
      evaluatePermission(
        { edit: "ask", bash: "allow" },
        [],
        permission,
        [value],
        agents.limitsOf("plan"),
        agents.rulesOf("plan"),
      );
    const own = tuned(true);
    expect(judge(own, "edit", "notes.md")).toBe("allow");
    // Plan's own `deny` stays the rule for every other file, and its bash limit is untouched.
    expect(judge(own, "edit", "a.ts")).toBe("deny");
    expect(judge(own, "bash", "ls")).toBe("ask");
    const project = tuned(false);
    expect(judge(project, "edit", "notes.md")).toBe("deny");
  });
});
