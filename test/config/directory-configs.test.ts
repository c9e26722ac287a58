// The per-directory config cache on real temp dirs and the real loader: each directory gets the global config
// merged with its own (trust respected), loaded once; watched files reload it; an invalid file keeps the last good.
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DirectoryConfigs } from "../../src/config/directory-configs.js";
import { loadConfigSync } from "../../src/config/load.js";
import { resolvePaths } from "../../src/config/paths.js";
import { trustDirectory } from "../../src/config/trust.js";
import { DEFAULT_ACTIONS } from "../../src/core/permission-rules.js";

let configs: DirectoryConfigs | undefined;
afterEach(() => configs?.close());

function setup() {
  const root = realpathSync(mkdtempSync(join(tmpdir(), "moor-dirconfig-")));
  const paths = resolvePaths({ MOOR_CONFIG_DIR: join(root, "config"), MOOR_DATA_DIR: join(root, "data") }, root);
  mkdirSync(paths.config, { recursive: true });
  writeFileSync(join(paths.config, "moor.json"), JSON.stringify({ permission: { bash: "ask" }, maxSteps: 20 }));
  const a = join(root, "a");
  const b = join(root, "b");
  mkdirSync(a);
  mkdirSync(b);
  const loads: string[] = [];
  const warnings: string[] = [];
  const changes: string[] = [];
  configs = new DirectoryConfigs({
    load: (cwd) => {
      loads.push(cwd);
      return loadConfigSync({ paths, cwd, env: {}, defaults: { permission: DEFAULT_ACTIONS, maxSteps: 50 } });
    },
    warn: (message) => warnings.push(message),
    changed: (directory) => changes.push(directory),
    debounceMs: 20,
  });
  return { root, paths, a, b, loads, warnings, changes, configs };
}

function writeProject(directory: string, config: unknown): void {
  mkdirSync(join(directory, ".moor"), { recursive: true });
  writeFileSync(join(directory, ".moor", "config.json"), typeof config === "string" ? config : JSON.stringify(config));
}

async function until(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("DirectoryConfigs", () => {
  it("gives each directory the global config merged with its own, trust respected, loaded once", () => {
    const { paths, a, b, loads, configs } = setup();
    writeProject(a, { permission: { bash: "deny" } });
    writeProject(b, { permission: { bash: "allow" }, maxSteps: 5 });
    trustDirectory(paths, b);

    expect(configs.get(a).config.permission).toEqual({ bash: "deny" });
    expect(configs.get(b).config).toMatchObject({ permission: { bash: "allow" }, maxSteps: 5 });
    expect(configs.get(a)).toBe(configs.get(a));
    expect(loads).toEqual([a, b]);

    // Untrusted, a project can only tighten: its `allow` is held back, its lower step limit kept.
    const c = join(b, "..", "c");
    writeProject(c, { permission: { bash: "allow" }, maxSteps: 3 });
    const untrusted = configs.get(c);
    expect(untrusted).toMatchObject({ trusted: false, config: { permission: { bash: "ask" }, maxSteps: 3 } });
    expect(untrusted.heldBack.map((item) => item.key)).toEqual(["permission.bash"]);
  });

  it("an invalid config on first use throws and warns once, and is read again on the next use", () => {
    const { a, configs, warnings } = setup();
    writeProject(a, "{ nope");
    expect(() => configs.get(a)).toThrow(/config\.json:1:3: invalid JSON/);
    expect(() => configs.get(a)).toThrow(/config\.json:1:3: invalid JSON/);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^config for .* cannot be loaded: .*config\.json:1:3: invalid JSON/);
    writeProject(a, { maxSteps: 4 });
    expect(configs.get(a).config.maxSteps).toBe(4);
  });

  it("reloads a directory when its project file or the global file changes, once watching", async () => {
    const { paths, a, b, changes, configs } = setup();
    writeProject(a, { permission: { bash: "deny" } });
    configs.get(a);
    configs.watch();
    configs.get(b);

    writeProject(a, { permission: { bash: "allow", edit: "deny" } });
    await until(() => changes.includes(a));
    // Untrusted: `bash: allow` would loosen and is held back; `edit: deny` tightens and applies.
    expect(configs.get(a).config.permission).toEqual({ bash: "ask", edit: "deny" });

    changes.length = 0;
    writeFileSync(join(paths.config, "moor.json"), JSON.stringify({ permission: { bash: "deny" }, maxSteps: 9 }));
    await until(() => changes.includes(a) && changes.includes(b));
    expect(configs.get(b).config).toEqual({ permission: { bash: "deny" }, maxSteps: 9 });
    expect(configs.get(a).config.maxSteps).toBe(9);

    // Trusting a directory (the trust list is a file its config was read with) applies its own config in full.
    changes.length = 0;
    trustDirectory(paths, a);
    await until(() => changes.includes(a));
    expect(configs.get(a).config.permission).toEqual({ bash: "allow", edit: "deny" });
  });

  it("reloads when a file the config refers to with {file:} changes", async () => {
    const { paths, a, changes, configs } = setup();
    writeFileSync(join(paths.config, "name.txt"), "first");
    writeFileSync(join(paths.config, "moor.json"), JSON.stringify({ username: "{file:./name.txt}" }));
    expect(configs.get(a).config.username).toBe("first");
    configs.watch();
    writeFileSync(join(paths.config, "name.txt"), "second");
    await until(() => changes.includes(a));
    expect(configs.get(a).config.username).toBe("second");
  });

  it("picks up a project config created after the directory was first used", async () => {
    const { b, changes, configs } = setup();
    configs.watch();
    expect(configs.get(b).config.permission).toEqual({ bash: "ask" });
    writeProject(b, { permission: { bash: "deny" } });
    await until(() => configs.get(b).config.permission !== undefined && changes.includes(b));
    await until(() => (configs.get(b).config.permission as Record<string, string>).bash === "deny");
  });

  it("keeps the last good config when a file turns invalid, warns in one line, and recovers when it is fixed", async () => {
    const { a, warnings, changes, configs } = setup();
    writeProject(a, { permission: { bash: "deny" } });
    const good = configs.get(a);
    configs.watch();

    writeProject(a, '{ "permission": { "bash": ');
    await until(() => warnings.length > 0);
    expect(configs.get(a)).toBe(good);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^config for .* not reloaded, the last good one stays: .*config\.json:1:\d+: invalid JSON/,
    );
    expect(warnings[0]).not.toContain("\n");

    // A schema problem spanning several lines is still one line.
    writeProject(a, { permission: { bash: "sometimes" }, maxSteps: -1 });
    await until(() => warnings.length > 1);
    expect(warnings[1]).not.toContain("\n");
    expect(warnings[1]).toContain("maxSteps");
    expect(configs.get(a)).toBe(good);

    rmSync(join(a, ".moor", "config.json"));
    writeProject(a, { permission: { edit: "deny" } });
    await until(() => changes.includes(a));
    expect(configs.get(a).config.permission).toEqual({ bash: "ask", edit: "deny" });
  });

  it("stops reloading once closed, and keeps what it has", async () => {
    const { a, changes, configs } = setup();
    writeProject(a, { maxSteps: 4 });
    configs.watch();
    configs.get(a);
    configs.close();
    writeProject(a, { maxSteps: 2 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(changes).toEqual([]);
    expect(configs.get(a).config.maxSteps).toBe(4);
  });
});
