import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config/load.js";
import { maskSecrets } from "../../src/config/mask.js";
import { resolvePaths } from "../../src/config/paths.js";

function setup() {
  const root = mkdtempSync(join(tmpdir(), "moor-config-"));
  const paths = resolvePaths({ MOOR_CONFIG_DIR: join(root, "global"), MOOR_DATA_DIR: join(root, "data") }, root);
  const project = join(root, "project");
  mkdirSync(join(project, ".moor"), { recursive: true });
  mkdirSync(paths.config, { recursive: true });
  return { root, paths, project };
}

describe("configuration", () => {
  it("follows XDG and the MOOR_/OPENCODE_ overrides", () => {
    expect(resolvePaths({}, "/home/u")).toEqual({
      config: "/home/u/.config/moor",
      data: "/home/u/.local/share/moor",
      state: "/home/u/.local/state/moor",
      log: "/home/u/.local/share/moor/log",
      db: "/home/u/.local/share/moor/moor.db",
      snapshot: "/home/u/.local/share/moor/snapshot",
    });
    expect(resolvePaths({ OPENCODE_DIR: "/oc", XDG_DATA_HOME: "/xd" }, "/h")).toMatchObject({
      config: "/oc",
      data: "/xd/moor",
    });
    expect(resolvePaths({ MOOR_CONFIG_DIR: "/m", OPENCODE_DIR: "/oc" }, "/h").config).toBe("/m");
  });

  it("merges global and trusted project files (project wins, deeply), substitutes {env:}, applies MOOR_MODEL", async () => {
    const { paths, project } = setup();
    writeFileSync(
      join(paths.config, "moor.jsonc"),
      `{ // comments are fine
        "model": "a/global", "permission": { "edit": "ask", "bash": "deny" },
        "provider": { "local": { "options": { "baseURL": "http://x/v1", "apiKey": "{env:LOCAL_KEY}" } } }, }`,
    );
    writeFileSync(
      join(project, ".moor", "config.json"),
      JSON.stringify({ permission: { bash: "allow" }, maxSteps: 7 }),
    );
    const { config, sources } = await loadConfig({
      paths,
      cwd: project,
      env: { LOCAL_KEY: "k-123" },
      trusted: true,
    });
    expect(sources).toHaveLength(2);
    expect(config.model).toBe("a/global");
    expect(config.permission).toEqual({ edit: "ask", bash: "allow" });
    expect(config.maxSteps).toBe(7);
    expect(config.provider?.local.options?.apiKey).toBe("k-123");
    const withEnv = await loadConfig({ paths, cwd: project, env: { OPENCODE_MODEL: "b/from-env" }, trusted: true });
    expect(withEnv.config.model).toBe("b/from-env");
    const both = await loadConfig({ paths, cwd: project, env: { OPENCODE_MODEL: "b/x", MOOR_MODEL: "c/y" } });
    expect(both.config.model).toBe("c/y");
    expect(JSON.stringify(maskSecrets(config))).not.toContain("k-123");
  });

  it("reads a trusted opencode.json unchanged (unknown OpenCode keys are kept, not rejected)", async () => {
    const { paths, project } = setup();
    writeFileSync(
      join(project, "opencode.json"),
      JSON.stringify({ model: "mock/echo", autoupdate: false, share: "disabled" }),
    );
    const { config } = await loadConfig({ paths, cwd: project, env: {}, trusted: true });
    expect(config.model).toBe("mock/echo");
  });

  it("names the file, the key and what was expected", async () => {
    const { paths, project } = setup();
    writeFileSync(join(project, ".moor", "config.json"), JSON.stringify({ permission: { edit: "sometimes" } }));
    const error = await loadConfig({ paths, cwd: project, env: {} }).catch((e) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(/config\.json: permission\.edit: /);
  });
});
