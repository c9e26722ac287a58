// /find's two implementations give the same records: ripgrep's `--json` matches, and the JS walk used where rg is
// not installed (which must skip what .gitignore lists, as rg does).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findWithJs, findWithRipgrep } from "../../../src/core/files/find-text.js";
import { findRipgrep } from "../../../src/core/tools/walk.js";

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "moor-find-text-"));
  mkdirSync(join(root, "src"));
  mkdirSync(join(root, "node_modules"));
  writeFileSync(join(root, ".gitignore"), "*.log\n");
  writeFileSync(join(root, "src", "a.ts"), "const héllo = 1; // hello\nnothing\nhello again hello\n");
  writeFileSync(join(root, "b.txt"), "no match\r\nhello\r\n");
  writeFileSync(join(root, "skip.log"), "hello\n");
  writeFileSync(join(root, "node_modules", "x.js"), "hello\n");
  writeFileSync(join(root, "bin.dat"), Buffer.from([0, 104, 101, 108, 108, 111]));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const sorted = <T extends { path: { text: string }; line_number: number }>(list: T[]) =>
  [...list].sort((a, b) => a.path.text.localeCompare(b.path.text) || a.line_number - b.line_number);

describe("find text", () => {
  it("the JS fallback finds every match with byte offsets, skipping ignored, node_modules and binary files", async () => {
    const matches = await findWithJs(root, "hello", 100);
    expect(sorted(matches)).toEqual([
      {
        path: { text: "b.txt" },
        lines: { text: "hello\r\n" },
        line_number: 2,
        absolute_offset: 10,
        submatches: [{ match: { text: "hello" }, start: 0, end: 5 }],
      },
      {
        path: { text: "src/a.ts" },
        lines: { text: "const héllo = 1; // hello\n" },
        line_number: 1,
        absolute_offset: 0,
        submatches: [{ match: { text: "hello" }, start: 21, end: 26 }],
      },
      {
        path: { text: "src/a.ts" },
        lines: { text: "hello again hello\n" },
        line_number: 3,
        absolute_offset: 35,
        submatches: [
          { match: { text: "hello" }, start: 0, end: 5 },
          { match: { text: "hello" }, start: 12, end: 17 },
        ],
      },
    ]);
    expect(await findWithJs(root, "hello", 1)).toHaveLength(1);
  });

  it.runIf(findRipgrep())("ripgrep gives the same records", async () => {
    const rg = findRipgrep() as string;
    expect(sorted(await findWithRipgrep(rg, root, "hello", 100))).toEqual(sorted(await findWithJs(root, "hello", 100)));
    expect(await findWithRipgrep(rg, root, "hello", 1)).toHaveLength(1);
  });

  it("a bad pattern is a bad_request either way", async () => {
    await expect(findWithJs(root, "(", 10)).rejects.toMatchObject({ code: "bad_request" });
    const rg = findRipgrep();
    if (rg) await expect(findWithRipgrep(rg, root, "(", 10)).rejects.toMatchObject({ code: "bad_request" });
  });
});
