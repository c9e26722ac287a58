import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { askOnTerminal } from "../../src/cli/turn-printer.js";
import { alwaysLabel, type PermissionRequest } from "../../src/protocol/index.js";

const request = (always: string[]): PermissionRequest => ({
  id: "per_1",
  sessionID: "ses_1",
  permission: "bash",
  patterns: ["git status -s"],
  metadata: {},
  always,
});

describe("what 'always' grants, shown before the choice", () => {
  it("names the stored rules, or says nothing will be remembered", () => {
    expect(alwaysLabel(request(["git status *"]))).toBe("Always allow: git status *");
    expect(alwaysLabel(request([]))).toBe("Always: nothing to remember, asked again next time");
  });

  it("moor run's [y]es/[n]o/[a]lways prompt shows it", async () => {
    const stdin = Object.assign(new PassThrough(), { isTTY: true }) as unknown as NodeJS.ReadStream;
    const stderr = new PassThrough();
    let shown = "";
    stderr.on("data", (chunk) => {
      shown += chunk;
      if (shown.includes("[a]lways")) stdin.push("a\n");
    });
    expect(await askOnTerminal(request(["git status *"]), { stdin, stderr })).toBe("always");
    expect(shown).toContain(
      "Allow moor to run `git status -s`? [y]es / [n]o / [a]lways (Always allow: git status *): ",
    );
  });
});

/** A terminal that answers each question with the next of `answers`, recording everything shown. */
function terminal(answers: string[]) {
  const stdin = Object.assign(new PassThrough(), { isTTY: true }) as unknown as NodeJS.ReadStream;
  const stderr = new PassThrough();
  const io = { stdin, stderr, shown: "", questions: 0 };
  stderr.on("data", (chunk) => {
    io.shown += chunk;
    if (/: $/.test(String(chunk)) && answers.length > 0) {
      io.questions++;
      stdin.push(`${answers.shift()}\n`);
    }
  });
  return io;
}

describe("moor run's question on a terminal", () => {
  it("asks again after an answer it does not recognise, and takes the next good one", async () => {
    const io = terminal(["maybe", "", "y"]);
    expect(await askOnTerminal(request([]), io)).toBe("once");
    expect(io.questions).toBe(3);
    expect(io.shown).toContain("Please answer y (yes, once), n (no) or a (always): ");
  });

  it("says what was refused in words when the answer is no", async () => {
    const io = terminal(["n"]);
    expect(await askOnTerminal(request([]), io)).toBe("reject");
    expect(io.shown).toContain("moor: refused to run `git status -s` (you said no)\n");
  });

  it("without a terminal, says in words what it refused and why", async () => {
    const stdin = Object.assign(new PassThrough(), { isTTY: false }) as unknown as NodeJS.ReadStream;
    const stderr = new PassThrough();
    let shown = "";
    stderr.on("data", (chunk) => {
      shown += chunk;
    });
    const edit = { ...request([]), permission: "edit", patterns: ["/p/src/a.ts"] };
    expect(await askOnTerminal(edit, { stdin, stderr })).toBe("reject");
    expect(shown).toBe("moor: refused to change /p/src/a.ts (no terminal to ask; use --yes)\n");
  });
});
