// The dependency rule of DESIGN.md §1, checked by reading every import in src/.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = resolve("src");

/** What each layer may import from the others (its own folder is always allowed). */
const ALLOWED: Record<string, string[]> = {
  protocol: [],
  config: [],
  storage: ["protocol"],
  providers: ["config"],
  core: ["protocol", "storage"],
  server: ["core", "protocol"],
  // The remote backend talks to a running server through the client library (itself protocol-only).
  acp: ["core", "protocol", "client"],
  client: ["protocol"],
  tui: ["client", "protocol"],
  web: ["client", "protocol"],
  daemon: [],
  cli: ["*"],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

function layerOf(path: string): string {
  return relative(SRC, path).split("/")[0];
}

describe("layers (DESIGN.md §1)", () => {
  it("every import stays within what its layer may use", () => {
    const violations: string[] = [];
    for (const file of sourceFiles(SRC)) {
      const layer = layerOf(file);
      const allowed = ALLOWED[layer];
      expect(allowed, `unknown layer ${layer}`).toBeDefined();
      const text = readFileSync(file, "utf8");
      for (const match of text.matchAll(/(?:from|import)\s*\(?\s*"(\.[^"]+)"/g)) {
        const target = layerOf(resolve(dirname(file), match[1]));
        if (target === layer || allowed.includes("*") || allowed.includes(target)) continue;
        violations.push(`${relative(SRC, file)} imports ${match[1]} (${layer} → ${target})`);
      }
    }
    expect(violations).toEqual([]);
  });

  it("finds imports at all (the check is not vacuous)", () => {
    const core = readFileSync(join(SRC, "core/index.ts"), "utf8");
    expect([...core.matchAll(/(?:from|import)\s*\(?\s*"(\.[^"]+)"/g)].length).toBeGreaterThan(3);
  });
});

describe("the storage port (DESIGN.md §1, two seams)", () => {
  it("core and the layers above it reach storage only through the port: no SQLite store, no better-sqlite3", () => {
    const violations: string[] = [];
    for (const file of sourceFiles(SRC)) {
      const layer = layerOf(file);
      if (layer === "storage" || layer === "cli") continue;
      const text = readFileSync(file, "utf8");
      for (const match of text.matchAll(/(?:from|import)\s*\(?\s*"([^"]+)"/g)) {
        const target = match[1];
        const intoStorage = target.startsWith(".") && layerOf(resolve(dirname(file), target)) === "storage";
        if (target === "better-sqlite3" || (intoStorage && !target.endsWith("/storage/port.js"))) {
          violations.push(`${relative(SRC, file)} imports ${target}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });
});
