// What both screens show of GET /mcp: a line per server, and attach's one-line summary.
import { describe, expect, it } from "vitest";
import { mcpServerLines, mcpSummary } from "../../src/client/index.js";

describe("MCP status lines", () => {
  it("say connected with the tool count, failed with the reason, disabled", () => {
    const status = {
      github: { status: "connected" as const, tools: 12 },
      one: { status: "connected" as const, tools: 1 },
      jira: { status: "failed" as const, error: "spawn jira-mcp ENOENT" },
      off: { status: "disabled" as const },
    };
    expect(mcpServerLines(status).map((line) => [line.state, line.text])).toEqual([
      ["connected", "github: connected, 12 tools"],
      ["connected", "one: connected, 1 tool"],
      ["failed", "jira: failed (spawn jira-mcp ENOENT)"],
      ["disabled", "off: disabled"],
    ]);
    expect(mcpSummary(status)).toBe(
      "MCP: github: connected, 12 tools · one: connected, 1 tool · jira: failed (spawn jira-mcp ENOENT) · off: disabled",
    );
    expect(mcpSummary({})).toBe("MCP: no servers configured");
  });
});
