// The project's instructions through the real CLI: `moor debug instructions` lists what a session would load, and
// `moor run` sends it to the model (the global file found in moor's config directory, the project's own list).
// The config-key warning at start: unknown keys and OpenCode keys moor ignores, once, with the file.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { makeTempHome, type TempHome, trustProject } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { runMoor, withoutClosingLine } from "../fakes/moor-process.js";

let llm: FakeLlm;
let home: TempHome;

beforeAll(async () => {
  llm = await startFakeLlm();
});
afterAll(() => llm.close());

function write(path: string, text: string): void {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, text);
}

describe("instructions through the CLI", () => {
  beforeEach(() => {
    home = makeTempHome(llm.url);
    llm.requests.length = 0;
    mkdirSync(join(home.project, ".git"));
    write(join(home.project, "AGENTS.md"), "PROJECT RULE");
    write(join(home.env.MOOR_CONFIG_DIR, "AGENTS.md"), "GLOBAL RULE!");
    write(join(home.project, "docs", "team.md"), "TEAM RULE: 123");
    write(join(home.project, ".moor", "config.json"), JSON.stringify({ instructions: ["docs/*.md"] }));
    trustProject(home);
  });

  it("`moor debug instructions [dir]` lists what a session there would load, in order, with sizes", async () => {
    const result = await runMoor(["debug", "instructions", home.project], { env: home.env, cwd: home.root });
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trim().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(new RegExp(`^project\\s+12 B  ${join(home.project, "AGENTS.md")}$`));
    expect(lines[1]).toMatch(new RegExp(`^global\\s+12 B  ${join(home.env.MOOR_CONFIG_DIR, "AGENTS.md")}$`));
    expect(lines[2]).toMatch(new RegExp(`^config\\s+14 B  ${join(home.project, "docs", "team.md")}$`));
  });

  it("`moor debug instructions` on a missing directory: one line, non-zero exit", async () => {
    const result = await runMoor(["debug", "instructions", join(home.root, "nope")], { env: home.env, cwd: home.root });
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim().split("\n")).toEqual([`moor: not a directory: ${join(home.root, "nope")}`]);
  });

  it("`moor run` sends them after the system prompt", async () => {
    llm.script({ text: "ok" });
    const result = await runMoor(["run", "hello"], { env: home.env, cwd: home.project });
    expect(result.code, result.stderr).toBe(0);
    const system = llm.requests[0].messages.find((message) => message.role === "system");
    const text = String(system?.content);
    const order = ["PROJECT RULE", "GLOBAL RULE!", "TEAM RULE: 123"].map((rule) => text.indexOf(rule));
    expect(order.every((index) => index > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it("an untrusted project's list keeps only entries inside the project", async () => {
    write(join(home.root, "outside.md"), "OUTSIDE RULE");
    const list = ["docs/*.md", join(home.root, "outside.md"), "../outside.md"];
    write(join(home.project, ".moor", "config.json"), JSON.stringify({ instructions: list }));
    write(join(home.env.MOOR_CONFIG_DIR, "trusted.json"), JSON.stringify({ trusted: [] }));
    const result = await runMoor(["debug", "instructions", home.project], { env: home.env, cwd: home.root });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(join(home.project, "docs", "team.md"));
    expect(result.stdout).not.toContain("outside.md");
  });
});

describe("config keys moor does not act on", () => {
  it("are listed once at start, with their file", async () => {
    home = makeTempHome(llm.url, { modle: "fake/echo", theme: "dark", keybinds: {} });
    llm.script({ text: "ok" });
    const result = await runMoor(["run", "hello"], { env: home.env, cwd: home.project });
    expect(result.code, result.stderr).toBe(0);
    const file = join(home.env.MOOR_CONFIG_DIR, "moor.json");
    const warnings = result.stderr.split("\n").filter((line) => line.startsWith("moor: warning:"));
    expect(warnings).toEqual([
      `moor: warning: ${file}: unknown config key: modle`,
      `moor: warning: ${file}: OpenCode config keys moor ignores: theme, keybinds`,
    ]);
    const debug = await runMoor(["debug", "config"], { env: home.env, cwd: home.project });
    expect(debug.stderr).toContain(`# ${file}: unknown config key: modle\n`);
  });

  it("say nothing when every key is used", async () => {
    home = makeTempHome(llm.url, { instructions: [], small_model: "fake/echo", formatter: false, lsp: false });
    llm.script({ text: "ok" });
    const result = await runMoor(["run", "hello"], { env: home.env, cwd: home.project });
    expect(result.code, result.stderr).toBe(0);
    expect(withoutClosingLine(result.stderr)).toBe("");
  });
});
