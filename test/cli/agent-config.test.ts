// The config's `agent` key as registry overrides: what each OpenCode field becomes, and that a permission given
// per pattern never limits less than the config asked.
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
            prompt: "not applied yet",
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
      limits: { edit: "deny", bash: "ask", webfetch: "allow" },
    });
  });

  it("a single permission action limits every key, reads included", () => {
    const agents = agentRegistryFor(config({ agent: { locked: { mode: "primary", permission: "deny" } } }));
    const limits = agents.limitsOf("locked");
    expect(limits).toEqual({ "*": "deny" });
    expect(evaluatePermission("allow", [], "read", ["/p/a"], limits)).toBe("deny");
    expect(evaluatePermission("allow", [], "read", ["/p/a"], agents.limitsOf("build"))).toBe("allow");
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
