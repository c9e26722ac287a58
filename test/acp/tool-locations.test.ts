// Tool calls tell an ACP editor where they work (issue 18 §3): the file a tool reads or edits, the directory a search
// looks in; and a call whose input is still streaming is not announced empty.
import { describe, expect, it } from "vitest";
import { toolCallStart } from "../../src/acp/mapping.js";
import { inputStillStreaming } from "../../src/acp/tool-announce.js";
import type { ToolPart } from "../../src/protocol/index.js";

function part(tool: string, input: Record<string, unknown>, status: "pending" | "running" = "running"): ToolPart {
  return {
    id: "prt_1",
    sessionID: "ses_1",
    messageID: "msg_1",
    type: "tool",
    callID: "call_1",
    tool,
    state:
      status === "pending"
        ? { status, input, raw: JSON.stringify(input) }
        : { status, input, title: tool, time: { start: 1 }, metadata: {} },
  } as ToolPart;
}

describe("tool call locations", () => {
  it("gives the file of read/edit/write and the directory of grep/glob; none for a command", () => {
    expect(toolCallStart(part("read", { filePath: "/p/a.ts" }))).toMatchObject({ locations: [{ path: "/p/a.ts" }] });
    expect(toolCallStart(part("grep", { pattern: "TODO", path: "/p/src" }))).toMatchObject({
      locations: [{ path: "/p/src" }],
    });
    expect(toolCallStart(part("glob", { pattern: "*.ts" }))).toMatchObject({ locations: [] });
    expect(toolCallStart(part("bash", { command: "ls", path: "/p" }))).toMatchObject({ locations: [] });
  });

  it("holds a call back while its input streams, not once the input is known", () => {
    expect(inputStillStreaming(part("read", {}, "pending"))).toBe(true);
    expect(inputStillStreaming(part("read", { filePath: "/p/a.ts" }, "pending"))).toBe(false);
    expect(inputStillStreaming(part("todoread", {}))).toBe(false);
  });
});
