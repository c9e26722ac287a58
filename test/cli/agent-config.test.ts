// The config's `agent` key as registry overrides: what each OpenCode field becomes, and how an agent's permission
// table is judged over the user's rules (per pattern; loosening only where the user's own config says so).
import { describe, expect, it } from "vitest";
import { agentOverrides, agentRegistryFor } from "../../src/cli/agent-config.js";
import type { MoorConfig } from "../../src/config/schema.js";
import { evaluatePermission } from "../../src/core/permission-rules.js";

const config = (value: Record<string, unknown>) => value as MoorConfig;

describe("agent config", () => {
  it("maps OpenCode's fields: model as provider/model, tools, permission actions and pattern tables", () => {
    const [review] = agentOverrides(
      config({
        agent: {
          review: {
            description: "Reviews",
            mode: "primary",
            model: "fake/big/v2",
            tools: { bash: false },
            permission: { edit: "deny", bash: { "git *": "allow", "*": "ask" }, webfetch: { "*": "allow" } },
            prompt: "You review.",
            temperature: 0.2,
            maxSteps: 7,
          },
        },
      }),
    );
    expect(review).toMatchObject({
      name: "review",
      description: "Reviews",
      mode: "primary",
      model: { providerID: "fake", modelID: "big/v2" },
      tools: { bash: false },
      permission: { edit: "deny", bash: { "git *": "allow", "*": "ask" }, webfetch: { "*": "allow" } },
      permissionLoosens: true,
      prompt: "You review.",
      temperature: 0.2,
      steps: 7,
    });
  });

  it("a single permission action applies to every key, reads included", () => {
    const agents = agentRegistryFor(config({ agent: { locked: { mode: "primary", permission: "deny" } } }));
    const rules = agents.rulesOf("locked");
    expect(rules).toEqual({ table: "deny", loosens: true });
    expect(evaluatePermission("allow", [], "read", ["/p/a"], agents.limitsOf("locked"), rules)).toBe("deny");
    expect(evaluatePermission("allow", [], "read", ["/p/a"], agents.limitsOf("build"), agents.rulesOf("build"))).toBe(
      "allow",
    );
  });

  it("a pattern table is judged per pattern: it narrows the user's rules where it matches, and only there", () => {
    const agents = agentRegistryFor(
      config({ agent: { careful: { permission: { bash: { "*": "ask", "git status *": "allow", "rm *": "deny" } } } } }),
    );
    const judge = (user: Parameters<typeof evaluatePermission>[0], command: string) =>
      evaluatePermission(user, [], "bash", [command], agents.limitsOf("careful"), agents.rulesOf("careful"));
    expect(judge("allow", "rm -rf x")).toBe("deny");
    expect(judge("allow", "ls")).toBe("ask");
    expect(judge("allow", "git status --short")).toBe("allow");
    // Not the strictest action of the table for the whole key, as before.
    expect(judge({ bash: { "git *": "allow", "*": "ask" } }, "git status")).toBe("allow");
    // Untouched keys keep the user's rules.
    expect(evaluatePermission("allow", [], "edit", ["a"], undefined, agents.rulesOf("careful"))).toBe("allow");
  });

  it("the user's own agent may loosen their rules where its table says so; an untrusted project's agent only narrows", () => {
    const own = agentRegistryFor(
      config({ agent: { builder: { permission: { edit: "allow", bash: { "npm *": "allow" } } } } }),
    );
    const user = { edit: "ask", bash: { "*": "ask", "curl *": "deny" } } as const;
    const judge = (agents: typeof own, permission: string, value: string) =>
      evaluatePermission(user, [], permission, [value], agents.limitsOf("builder"), agents.rulesOf("builder"));
    expect(judge(own, "edit", "a.ts")).toBe("allow");
    expect(judge(own, "bash", "npm test")).toBe("allow");
    expect(judge(own, "bash", "curl x")).toBe("deny");
    const untrusted = agentRegistryFor(
      config({ agent: { builder: { permission: { edit: "allow", bash: { "npm *": "allow" } }, $untrusted: true } } }),
    );
    expect(untrusted.rulesOf("builder")?.loosens).toBe(false);
    expect(judge(untrusted, "edit", "a.ts")).toBe("ask");
    expect(judge(untrusted, "bash", "npm test")).toBe("ask");
  });

  it("default_agent and disable reach the registry; wrong values are config errors naming the field", () => {
    const agents = agentRegistryFor(config({ agent: { general: { disable: true } }, default_agent: "plan" }));
    expect(agents.defaultAgent).toBe("plan");
    expect(agents.get("general")).toBeUndefined();
    expect(() => agentRegistryFor(config({ agent: { x: { model: "nomodel" } } }))).toThrow(
      "config agent.x.model: must be provider/model",
    );
    expect(() => agentRegistryFor(config({ agent: { x: { permission: { edit: "maybe" } } } }))).toThrow(
      /^config agent\.x\.permission/,
    );
    expect(() => agentRegistryFor(config({ default_agent: 3 }))).toThrow(
      "config default_agent: must be an agent's name",
    );
  });
});
