// Which language-server program moor runs for a file: the project's own only in a trusted directory, then moor's
// own install, then the PATH; pyright only when installed. The project root is the nearest marker directory.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BUILTIN_SERVERS, projectRoot } from "../../../src/core/lsp/builtin-servers.js";

const OWN = resolve("node_modules/.bin");
const typescript = BUILTIN_SERVERS.find((server) => server.id === "typescript");
const pyright = BUILTIN_SERVERS.find((server) => server.id === "pyright");

describe("built-in language servers", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  function project(): string {
    const dir = mkdtempSync(join(tmpdir(), "moor-lsp-servers-"));
    dirs.push(dir);
    const bin = join(dir, "node_modules", ".bin");
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, "typescript-language-server"), "#!/bin/sh\nexit 0\n");
    chmodSync(join(bin, "typescript-language-server"), 0o755);
    return dir;
  }

  it("a trusted project's own typescript-language-server is used; an untrusted one's never runs", () => {
    const dir = project();
    const file = join(dir, "a.ts");
    const trusted = typescript?.command({ directory: dir, path: "", ownBins: [OWN], projectBins: true }, file);
    expect(trusted).toEqual([join(dir, "node_modules", ".bin", "typescript-language-server"), "--stdio"]);
    const untrusted = typescript?.command({ directory: dir, path: "", ownBins: [OWN], projectBins: false }, file);
    expect(untrusted).toEqual([join(OWN, "typescript-language-server"), "--stdio"]);
  });

  it("pyright is offered only when pyright-langserver is installed", () => {
    const dir = project();
    const none = pyright?.command({ directory: dir, path: dir, ownBins: [], projectBins: false }, join(dir, "a.py"));
    expect(none).toBeUndefined();
    writeFileSync(join(dir, "pyright-langserver"), "#!/bin/sh\n");
    chmodSync(join(dir, "pyright-langserver"), 0o755);
    const found = pyright?.command({ directory: dir, path: dir, ownBins: [], projectBins: false }, join(dir, "a.py"));
    expect(found).toEqual([join(dir, "pyright-langserver"), "--stdio"]);
  });

  it("the root is the nearest directory with a marker, never above the session's directory", () => {
    const dir = project();
    mkdirSync(join(dir, "packages", "app", "src"), { recursive: true });
    writeFileSync(join(dir, "packages", "app", "package.json"), "{}");
    const markers = typescript?.rootMarkers ?? [];
    expect(projectRoot(join(dir, "packages", "app", "src", "x.ts"), dir, markers)).toBe(join(dir, "packages", "app"));
    expect(projectRoot(join(dir, "other", "y.ts"), dir, markers)).toBe(dir);
    expect(projectRoot("/elsewhere/z.ts", dir, markers)).toBe(dir);
  });
});
