// `moor run` (in-process or --attach) says where compaction happened, and does not report again the old tool calls
// whose outputs compaction pruned.
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { TurnPrinter } from "../../src/cli/turn-printer.js";
import { COMPACTION_MARK } from "../../src/client/compaction.js";
import type { ToolPart } from "../../src/protocol/index.js";

function capture() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: string[] = [];
  const err: string[] = [];
  stdout.on("data", (chunk) => out.push(String(chunk)));
  stderr.on("data", (chunk) => err.push(String(chunk)));
  return { stdout, stderr, out, err };
}

const tool = (compacted?: number): ToolPart => ({
  id: "prt_1",
  sessionID: "ses_1",
  messageID: "msg_1",
  type: "tool",
  callID: "call_1",
  tool: "read",
  state: {
    status: "completed",
    input: { filePath: "a.txt" },
    output: "x",
    title: "a.txt",
    metadata: {},
    time: { start: 1, end: 2, compacted },
  },
});

describe("TurnPrinter and compaction", () => {
  it("prints the compaction mark on stderr, after the reply text so far", () => {
    const io = capture();
    const printer = new TurnPrinter({ format: "default", stdout: io.stdout, stderr: io.stderr });
    printer.handle({
      type: "message.part.delta",
      properties: { sessionID: "ses_1", messageID: "msg_1", partID: "prt_t", field: "text", delta: "working" },
    });
    printer.handle({ type: "session.compacted", properties: { sessionID: "ses_1" } });
    expect(io.out.join("")).toBe("working\n");
    expect(io.err.join("")).toBe(`${COMPACTION_MARK}\n`);
  });

  it("does not report a pruned tool call again", () => {
    const io = capture();
    const printer = new TurnPrinter({ format: "default", stdout: io.stdout, stderr: io.stderr });
    printer.handle({ type: "message.part.updated", properties: { sessionID: "ses_1", part: tool(99) } });
    expect(io.err.join("")).toBe("");
    printer.handle({ type: "message.part.updated", properties: { sessionID: "ses_1", part: tool() } });
    expect(io.err.join("")).toBe("✓ read a.txt\n");
  });
});
