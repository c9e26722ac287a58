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
    expect(shown).toContain("Allow bash git status -s? [y]es / [n]o / [a]lways (Always allow: git status *): ");
  });
});
