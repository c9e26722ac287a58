// /find/file's file list is the same with ripgrep and with the JS walk used where rg is not installed (both skip
// .git, node_modules and .gitignore'd files), and the fuzzy ranking puts the file whose name matches first.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fuzzyScore, projectFiles } from "../../../src/core/files/find-files.js";
import { findRipgrep } from "../../../src/core/tools/walk.js";

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "moor-find-files-"));
  for (const dir of ["src/deep", "node_modules/x", ".git", "build"]) mkdirSync(join(root, dir), { recursive: true });
  writeFileSync(join(root, ".gitignore"), "build/\n*.log\n");
  for (const file of [
    "src/deep/main.ts",
    "src/maintenance.md",
    "a.log",
    "node_modules/x/i.js",
    ".git/HEAD",
    "build/o.js",
  ]) {
    writeFileSync(join(root, file), "x");
  }
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("find files", () => {
  it("the JS walk lists what ripgrep lists", async () => {
    const js = (await projectFiles(root, null)).sort();
    expect(js).toEqual([".gitignore", "src/deep/main.ts", "src/maintenance.md"]);
    const rg = findRipgrep();
    if (rg) expect((await projectFiles(root, rg)).sort()).toEqual(js);
  });

  it("ranks a file-name match above a scattered one, and rejects a path missing a character", () => {
    const name = fuzzyScore("main", "src/deep/main.ts") as number;
    const scattered = fuzzyScore("main", "src/maintenance.md") as number;
    expect(name).toBeGreaterThan(0);
    expect(fuzzyScore("main", "src/m/a/i/n.ts")).toBeLessThan(name);
    expect(scattered).toBeDefined();
    expect(fuzzyScore("zz", "src/deep/main.ts")).toBeUndefined();
  });
});
