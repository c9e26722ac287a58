// The trust list (<config dir>/trusted.json): real paths, ancestors count, written atomically.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/errors.js";
import { resolvePaths } from "../../src/config/paths.js";
import { isTrusted, listTrusted, revokeTrust, trustDirectory, trustFile } from "../../src/config/trust.js";

function setup() {
  const root = realpathSync(mkdtempSync(join(tmpdir(), "moor-trust-")));
  const paths = resolvePaths({ MOOR_CONFIG_DIR: join(root, "config") }, root);
  const project = join(root, "work", "project");
  mkdirSync(join(project, "sub"), { recursive: true });
  return { root, paths, project };
}

describe("the trust list", () => {
  it("trusts a directory and what is below it, by real path; revokes it", () => {
    const { root, paths, project } = setup();
    expect(isTrusted(paths, project)).toBe(false);
    const link = join(root, "link");
    symlinkSync(project, link);
    expect(trustDirectory(paths, link)).toBe(project);
    expect(trustDirectory(paths, project)).toBe(project);
    expect(listTrusted(paths)).toEqual([project]);
    expect(isTrusted(paths, join(project, "sub"))).toBe(true);
    expect(isTrusted(paths, join(link, "sub"))).toBe(true);
    expect(isTrusted(paths, `${project}-other`)).toBe(false);
    expect(isTrusted(paths, join(root, "work"))).toBe(false);
    expect(JSON.parse(readFileSync(trustFile(paths), "utf8"))).toEqual({ trusted: [project] });
    expect(readdirSync(paths.config)).toEqual(["trusted.json"]);
    expect(revokeTrust(paths, project)).toBe(project);
    expect(isTrusted(paths, project)).toBe(false);
  });

  it("says why it cannot: a directory trusted through an ancestor, one never trusted, one that does not exist", () => {
    const { root, paths, project } = setup();
    trustDirectory(paths, join(root, "work"));
    expect(() => revokeTrust(paths, project)).toThrow(`${project} is trusted through ${join(root, "work")}`);
    expect(() => revokeTrust(paths, join(root, "elsewhere"))).toThrow("is not in the trust list");
    expect(() => trustDirectory(paths, join(root, "missing"))).toThrow(ConfigError);
    writeFileSync(trustFile(paths), "{oops");
    expect(() => listTrusted(paths)).toThrow(/trusted\.json: invalid JSON/);
  });
});
