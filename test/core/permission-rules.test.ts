import { describe, expect, it } from "vitest";
import { AgentRegistry } from "../../src/core/agents/registry.js";
import { evaluatePermission, OPAQUE_MARK, wildcardMatch } from "../../src/core/permission-rules.js";

const agents = new AgentRegistry();
const grant = (pattern: string) => ({ permission: "bash", pattern });

describe("permission rules", () => {
  it("a wildcard key names every permission it matches (MCP tools), the most specific winning over `*`", () => {
    const rules = { "*": "deny", "mcp-github_*": "ask", "mcp-github_list_*": "allow" } as const;
    expect(evaluatePermission(rules, [], "mcp-github_create_issue", ["*"])).toBe("ask");
    expect(evaluatePermission(rules, [], "mcp-github_list_issues", ["*"])).toBe("allow");
    expect(evaluatePermission(rules, [], "mcp-jira_search", ["*"])).toBe("deny");
    // An exact key still wins over any wildcard key.
    expect(evaluatePermission({ "mcp-github_*": "ask", "mcp-github_x": "deny" }, [], "mcp-github_x", ["*"])).toBe(
      "deny",
    );
  });

  it("a key no rule and no default names is asked, unless the tool says what it is when unruled (MCP: allow)", () => {
    expect(evaluatePermission(undefined, [], "srv_tool", ["*"])).toBe("ask");
    expect(evaluatePermission(undefined, [], "srv_tool", ["*"], undefined, undefined, "allow")).toBe("allow");
    expect(evaluatePermission({ "srv_*": "ask" }, [], "srv_tool", ["*"], undefined, undefined, "allow")).toBe("ask");
    // A default of moor's own is not loosened by it.
    expect(evaluatePermission(undefined, [], "bash", ["rm x"], undefined, undefined, "allow")).toBe("ask");
  });

  it("a rule ending in ` *` also matches the bare command, and `*` matches within one command's text only", () => {
    expect(wildcardMatch("git status *", "git status")).toBe(true);
    expect(wildcardMatch("git status *", "git status -s")).toBe(true);
    expect(wildcardMatch("git status *", "git statusx")).toBe(false);
    expect(evaluatePermission(undefined, [grant("echo *")], "bash", ["echo a", "touch g"])).toBe("ask");
    expect(evaluatePermission(undefined, [grant("echo *"), grant("touch *")], "bash", ["echo a", "touch g"])).toBe(
      "allow",
    );
  });

  it("an opaque command is asked whatever was granted or matched, unless bash is allowed outright", () => {
    const opaque = `${OPAQUE_MARK}sh -c 'rm x'`;
    expect(evaluatePermission(undefined, [grant("sh *"), grant("*")], "bash", [opaque])).toBe("ask");
    expect(evaluatePermission({ bash: { "sh *": "allow" } }, [], "bash", [opaque])).toBe("ask");
    expect(evaluatePermission({ bash: { "*": "allow", "rm *": "deny" } }, [], "bash", [opaque])).toBe("ask");
    expect(evaluatePermission({ bash: { "sh *": "deny" } }, [], "bash", [opaque])).toBe("deny");
    expect(evaluatePermission({ bash: "allow" }, [], "bash", [opaque])).toBe("allow");
    expect(evaluatePermission({ bash: { "*": "allow" } }, [], "bash", [opaque])).toBe("allow");
    expect(evaluatePermission({ bash: "allow" }, [], "bash", [opaque], agents.limitsOf("plan"))).toBe("ask");
  });

  it("the plan agent's ask is not answered by grants; build's is", () => {
    expect(evaluatePermission(undefined, [grant("echo *")], "bash", ["echo hi"], agents.limitsOf("build"))).toBe(
      "allow",
    );
    expect(evaluatePermission(undefined, [grant("echo *")], "bash", ["echo hi"], agents.limitsOf("plan"))).toBe("ask");
    expect(evaluatePermission({ bash: "allow" }, [], "bash", ["echo hi"], agents.limitsOf("plan"))).toBe("ask");
    expect(evaluatePermission({ edit: "allow" }, [], "edit", ["/p/f"], agents.limitsOf("plan"))).toBe("deny");
  });
});
