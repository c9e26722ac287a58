// `moor run` on a terminal: each tool call says what it did, the turn ends with session · model · duration · tokens.
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { formatDuration } from "../../src/cli/closing-line.js";
import { colorFor } from "../../src/cli/terminal-style.js";
import { TurnPrinter } from "../../src/cli/turn-printer.js";
import type { AssistantMessage, ToolPart } from "../../src/protocol/index.js";

function capture() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const io = { stdout, stderr, out: "", err: "" };
  stdout.on("data", (chunk) => {
    io.out += chunk;
  });
  stderr.on("data", (chunk) => {
    io.err += chunk;
  });
  return io;
}

const done = (
  tool: string,
  input: Record<string, unknown>,
  metadata: Record<string, unknown>,
  title = "",
): ToolPart => ({
  id: `prt_${tool}`,
  sessionID: "ses_1",
  messageID: "msg_1",
  type: "tool",
  callID: `call_${tool}`,
  tool,
  state: { status: "completed", input, output: "", title, metadata, time: { start: 1, end: 2 } },
});

const assistant = (id: string, input: number, output: number): AssistantMessage => ({
  id,
  sessionID: "ses_1",
  role: "assistant",
  time: { created: 1 },
  parentID: "msg_u",
  modelID: "coder",
  providerID: "local",
  mode: "build",
  agent: "build",
  path: { cwd: "/p", root: "/p" },
  cost: 0,
  tokens: { input, output, reasoning: 0, cache: { read: 0, write: 0 } },
});

describe("TurnPrinter summaries", () => {
  it("shows the command and exit code, the file and +/- lines, the pattern and match count", () => {
    const io = capture();
    const printer = new TurnPrinter({ format: "default", stdout: io.stdout, stderr: io.stderr });
    const parts = [
      done("bash", { command: "npm test" }, { exit: 1 }, "run the tests"),
      done("edit", { filePath: "/p/src/a.ts" }, { additions: 3, deletions: 1 }, "src/a.ts"),
      done("grep", { pattern: "TODO" }, { matches: 12 }, "."),
      done("glob", { pattern: "**/*.ts" }, { count: 1 }, "."),
    ];
    for (const part of parts)
      printer.handle({ type: "message.part.updated", properties: { sessionID: "ses_1", part } });
    expect(io.err).toBe(
      '✗ bash $ npm test  exit 1\n✓ edit src/a.ts  +3 −1\n✓ grep "TODO"  12 matches\n✓ glob "**/*.ts"  1 file\n',
    );
  });

  it("says the same as the terminal UI (client/tool-summary.ts), on one line: a failed call and a long command", () => {
    const io = capture();
    const printer = new TurnPrinter({ format: "default", stdout: io.stdout, stderr: io.stderr });
    const failed: ToolPart = {
      ...done("grep", { pattern: "TODO", path: "src" }, {}),
      state: {
        status: "error",
        input: { pattern: "TODO", path: "src" },
        error: "no such directory\nat …",
        time: { start: 1, end: 2 },
      },
    };
    const long = done("bash", { command: `echo ${"x".repeat(100)}\necho second` }, { exit: 0 });
    const created = done("write", { filePath: "/p/new.ts" }, { additions: 4, deletions: 0, exists: false }, "new.ts");
    for (const part of [failed, long, created])
      printer.handle({ type: "message.part.updated", properties: { sessionID: "ses_1", part } });
    expect(io.err.split("\n")).toEqual([
      '✗ grep "TODO" in src  no such directory',
      `✓ bash $ echo ${"x".repeat(70)}...  exit 0`,
      "✓ write new.ts  +4 −0 (new file)",
      "",
    ]);
  });

  it("colours them on a terminal", () => {
    const io = capture();
    const printer = new TurnPrinter({ format: "default", stdout: io.stdout, stderr: io.stderr, color: true });
    const part = done("edit", { filePath: "/p/a.ts" }, { additions: 2, deletions: 0 }, "a.ts");
    printer.handle({ type: "message.part.updated", properties: { sessionID: "ses_1", part } });
    expect(io.err).toContain("\u001b[32m+2\u001b[39m");
    expect(io.err).toContain("\u001b[31m−0\u001b[39m");
  });

  it("ends with the session, the model, the duration and the tokens of every step, after the reply", () => {
    const io = capture();
    let now = 1000;
    const printer = new TurnPrinter({
      format: "default",
      stdout: io.stdout,
      stderr: io.stderr,
      sessionID: "ses_1",
      now: () => now,
    });
    printer.handle({ type: "message.updated", properties: { sessionID: "ses_1", info: assistant("msg_a", 1000, 20) } });
    printer.handle({ type: "message.updated", properties: { sessionID: "ses_1", info: assistant("msg_a", 1200, 40) } });
    printer.handle({ type: "message.updated", properties: { sessionID: "ses_1", info: assistant("msg_b", 300, 7) } });
    printer.handle({
      type: "message.updated",
      properties: { sessionID: "ses_other", info: { ...assistant("msg_x", 9, 9), sessionID: "ses_other" } },
    });
    printer.handle({
      type: "message.part.delta",
      properties: { sessionID: "ses_1", messageID: "msg_b", partID: "prt_t", field: "text", delta: "done" },
    });
    now = 3400;
    printer.finish();
    printer.closingLine();
    expect(io.out).toBe("done\n");
    expect(io.err).toBe("── ses_1 · local/coder · 2.4s · 1,500 in / 47 out tokens\n");
  });

  it("prints no closing line in json format", () => {
    const io = capture();
    const printer = new TurnPrinter({ format: "json", stdout: io.stdout, stderr: io.stderr, sessionID: "ses_1" });
    printer.closingLine();
    expect(io.err).toBe("");
  });

  it("formats durations and decides colour from the terminal and NO_COLOR", () => {
    expect([formatDuration(350), formatDuration(2400), formatDuration(75_000)]).toEqual(["350ms", "2.4s", "1m15s"]);
    expect(colorFor({ isTTY: true }, {})).toBe(true);
    expect(colorFor({ isTTY: true }, { NO_COLOR: "1" })).toBe(false);
    expect(colorFor({ isTTY: false }, {})).toBe(false);
    expect(colorFor({ isTTY: false }, { FORCE_COLOR: "1" })).toBe(true);
  });
});
