import { describe, expect, it } from "vitest";
import { summarizeTool } from "../../src/client/tool-summary.js";
import type { ToolPart } from "../../src/protocol/index.js";

function completed(
  tool: string,
  input: Record<string, unknown>,
  metadata: Record<string, unknown>,
  title = "",
): ToolPart {
  return {
    id: "prt_1",
    sessionID: "ses_1",
    messageID: "msg_1",
    type: "tool",
    tool,
    callID: "call_1",
    state: { status: "completed", input, output: "", title, metadata, time: { start: 1, end: 2 } },
  } as ToolPart;
}

describe("summarizeTool", () => {
  it("a command: the command line and its exit code (non-zero is a failure)", () => {
    expect(summarizeTool(completed("bash", { command: "npm test" }, { exit: 0 }))).toEqual({
      target: "$ npm test",
      outcome: "exit 0",
      failed: false,
    });
    expect(summarizeTool(completed("bash", { command: "false" }, { exit: 1 })).failed).toBe(true);
  });

  it("an edit: the file and the lines added and removed", () => {
    const part = completed("edit", { filePath: "/p/a.ts" }, { additions: 3, deletions: 1, exists: true }, "a.ts");
    expect(summarizeTool(part)).toEqual({ target: "a.ts", outcome: "+3 −1", failed: false });
  });

  it("a search: the pattern and the match count", () => {
    expect(summarizeTool(completed("grep", { pattern: "TODO" }, { matches: 12 }))).toMatchObject({
      target: '"TODO"',
      outcome: "12 matches",
    });
    expect(summarizeTool(completed("glob", { pattern: "**/*.ts" }, { count: 1 })).outcome).toBe("1 file");
  });
});
