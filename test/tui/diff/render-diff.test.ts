import { describe, expect, it } from "vitest";
import { diffStats, renderDiff } from "../../../src/tui/diff/render-diff.js";
import { stripAnsi } from "../../../src/tui/markdown/ansi.js";
import { alwaysRuleText } from "../../../src/tui/PermissionPrompt.js";

const PATCH = [
  "Index: a.txt",
  "===================================================================",
  "--- a.txt",
  "+++ a.txt",
  "@@ -8,3 +8,3 @@",
  " keep",
  "-old line",
  "+new line",
  " tail",
  "",
].join("\n");

describe("renderDiff", () => {
  it("numbers lines (old numbers for removals, new for the rest) and colours additions and removals", () => {
    const lines = renderDiff(PATCH);
    expect(lines.map(stripAnsi)).toEqual([" 8   keep", " 9 - old line", " 9 + new line", "10   tail"]);
    expect(lines[2]).toContain("\u001b[32m+ new line");
    expect(lines[1]).toContain("\u001b[31m- old line");
    expect(diffStats(PATCH)).toEqual({ additions: 1, deletions: 1 });
  });

  it("cuts a long diff and says how much is left out", () => {
    const body = Array.from({ length: 50 }, (_, i) => `+line ${i}`).join("\n");
    const lines = renderDiff(`@@ -0,0 +1,50 @@\n${body}\n`, 10).map(stripAnsi);
    expect(lines).toHaveLength(11);
    expect(lines.at(-1)).toBe("… 40 more lines");
  });
});

describe("alwaysRuleText", () => {
  it("names the permission and every pattern an always answer stores", () => {
    expect(alwaysRuleText({ permission: "bash", always: ["git status *", "ls *"] })).toBe(
      'Always allow: git status *, ls * — stores the rules bash "git status *", bash "ls *" → allow, for this session',
    );
    expect(alwaysRuleText({ permission: "bash", always: [] })).toMatch(/nothing to remember/);
  });
});
