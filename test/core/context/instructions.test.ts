// The project's instructions reach the model: project (nearest first), global, the config's `instructions` globs
// and URLs, and a nested AGENTS.md the read tool comes across; kept per directory, re-read when a file changes.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type InstructionOptions, ProjectInstructions } from "../../../src/core/context/instructions.js";
import { createReadTool } from "../../../src/core/tools/read.js";
import { type CoreFixture, openCoreFixture } from "../../fakes/core-fixture.js";
import type { ScriptedStep, scriptedModel } from "../scripted-model.js";

let root: string;
let repo: string;
let app: string;
let home: string;
let fixture: CoreFixture | undefined;

function write(path: string, text: string): void {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, text);
}

function systemOf(model: ReturnType<typeof scriptedModel>, index: number): string {
  const message = model.doStreamCalls[index].prompt.find((entry) => entry.role === "system");
  return typeof message?.content === "string" ? message.content : "";
}

function toolOutputsOf(model: ReturnType<typeof scriptedModel>, index: number): string[] {
  return model.doStreamCalls[index].prompt
    .filter((message) => message.role === "tool")
    .flatMap((message) => message.content)
    .map((part) => (part.type === "tool-result" && part.output.type === "text" ? part.output.value : ""));
}

function loader(options: Partial<InstructionOptions> = {}, list: string[] = []): ProjectInstructions {
  return new ProjectInstructions({
    globalFiles: [
      join(home, ".config", "moor", "AGENTS.md"),
      join(home, ".config", "opencode", "AGENTS.md"),
      join(home, ".claude", "CLAUDE.md"),
    ],
    configured: () => list,
    home,
    ...options,
  });
}

async function open(instructions: ProjectInstructions, steps: ScriptedStep[]) {
  fixture = await openCoreFixture({
    prefix: "instructions",
    steps,
    settings: { permission: "allow" },
    tools: [createReadTool()],
    core: { instructions },
  });
  return fixture;
}

async function prompt(sessionID: string, text: string) {
  return fixture!.core.sessions.prompt(sessionID, { parts: [{ type: "text", text }] });
}

beforeEach(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), "moor-instr-")));
  repo = join(root, "repo");
  app = join(repo, "app");
  home = join(root, "home");
  mkdirSync(join(repo, ".git"), { recursive: true });
  write(join(repo, "AGENTS.md"), "ROOT RULE: use tabs");
  write(join(app, "AGENTS.md"), "APP RULE: small files");
  // Not loaded: AGENTS.md is found on the chain, so the later names are not looked at.
  write(join(app, "CLAUDE.md"), "CLAUDE RULE: never seen");
  write(join(app, "docs", "rules", "style.md"), "GLOB RULE: name things well");
  write(join(app, "docs", "rules", "ignored.txt"), "NOT A MATCH");
  write(join(app, "pkg", "AGENTS.md"), "NESTED RULE: pkg is generated");
  write(join(app, "pkg", "main.ts"), "export const a = 1;\n");
  write(join(app, "pkg", "other.ts"), "export const b = 2;\n");
  write(join(home, ".config", "opencode", "AGENTS.md"), "OPENCODE GLOBAL: not read while moor's exists");
  write(join(home, ".config", "moor", "AGENTS.md"), "GLOBAL RULE: be brief");
});

afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
  rmSync(root, { recursive: true, force: true });
});

describe("project instructions", () => {
  it("sends project (nearest first), global, the config's glob and a nested AGENTS.md, in order", async () => {
    const instructions = loader({}, ["docs/rules/*.md"]);
    const { core, model } = await open(instructions, [
      { toolCalls: [{ name: "read", input: { filePath: "pkg/main.ts" } }] },
      { toolCalls: [{ name: "read", input: { filePath: join(app, "pkg", "other.ts") } }] },
      { text: "done" },
    ]);
    const session = await core.sessions.create({ directory: app });
    const result = await prompt(session.id, "go");
    expect(result.finish).toBe("stop");

    const system = systemOf(model, 0);
    const order = ["APP RULE", "ROOT RULE", "GLOBAL RULE", "GLOB RULE"].map((text) => system.indexOf(text));
    expect(order.every((index) => index > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(system).toContain(`Instructions from: ${join(app, "AGENTS.md")}`);
    expect(system).not.toContain("CLAUDE RULE");
    expect(system).not.toContain("OPENCODE GLOBAL");
    expect(system).not.toContain("NOT A MATCH");
    // Not in the system prompt: it comes with the first read of a file below it, once per session.
    expect(system).not.toContain("NESTED RULE");
    const [first] = toolOutputsOf(model, 1);
    expect(first).toContain("export const a = 1;");
    expect(first).toContain(`Instructions from: ${join(app, "pkg", "AGENTS.md")}\nNESTED RULE: pkg is generated`);
    const outputs = toolOutputsOf(model, 2);
    expect(outputs).toHaveLength(2);
    expect(outputs[1]).toContain("export const b = 2;");
    expect(outputs[1]).not.toContain("NESTED RULE");
  });

  it("skips a file that is a named pipe or over 1 MB (this one with a warning) and loads the others", async () => {
    // A clone can hold anything under these names: a pipe nobody writes to held a read (and a thread) for good.
    rmSync(join(app, "AGENTS.md"));
    execFileSync("mkfifo", [join(app, "AGENTS.md")]);
    write(join(repo, "AGENTS.md"), `ROOT BIG ${"x".repeat(1024 * 1024)}`);
    const warnings: string[] = [];
    const sources = await loader({ warn: (message) => warnings.push(message) }).load(app);
    const texts = sources.map((source) => source.text);
    expect(texts).toContain("GLOBAL RULE: be brief");
    expect(texts.some((text) => text.startsWith("ROOT BIG"))).toBe(false);
    expect(warnings).toEqual([expect.stringContaining(`cannot read ${join(repo, "AGENTS.md")}`)]);
  });

  it("a nested AGENTS.md that is a named pipe is passed over when the read tool comes across it", async () => {
    rmSync(join(app, "pkg", "AGENTS.md"));
    execFileSync("mkfifo", [join(app, "pkg", "AGENTS.md")]);
    const { core, model } = await open(loader(), [
      { toolCalls: [{ name: "read", input: { filePath: "pkg/main.ts" } }] },
      { text: "done" },
    ]);
    const session = await core.sessions.create({ directory: app });
    expect((await prompt(session.id, "go")).finish).toBe("stop");
    const [output] = toolOutputsOf(model, 1);
    expect(output).toContain("export const a = 1;");
    expect(output).not.toContain("Instructions from");
  });

  it("falls back to OpenCode's global file, then Claude Code's, when moor's is absent", async () => {
    rmSync(join(home, ".config", "moor", "AGENTS.md"));
    expect((await loader().load(app)).map((source) => source.text)).toContain(
      "OPENCODE GLOBAL: not read while moor's exists",
    );
    rmSync(join(home, ".config", "opencode", "AGENTS.md"));
    write(join(home, ".claude", "CLAUDE.md"), "CLAUDE GLOBAL");
    const sources = await loader().load(app);
    expect(sources.filter((source) => source.kind === "global").map((source) => source.text)).toEqual([
      "CLAUDE GLOBAL",
    ]);
  });

  it("re-reads a file whose mtime changed; an unchanged directory answers from what it kept, synchronously", async () => {
    const instructions = loader();
    const { core, model } = await open(instructions, [{ text: "one" }, { text: "two" }]);
    const session = await core.sessions.create({ directory: app });
    await prompt(session.id, "first");
    expect(systemOf(model, 0)).toContain("APP RULE: small files");
    // The warm path: nothing changed, so no read, no promise (the first delta never waits on the disk).
    expect(Array.isArray(instructions.current(app))).toBe(true);

    write(join(app, "AGENTS.md"), "APP RULE v2: tiny files");
    const later = new Date(Date.now() + 5000);
    utimesSync(join(app, "AGENTS.md"), later, later);
    await prompt(session.id, "second");
    expect(systemOf(model, 1)).toContain("APP RULE v2: tiny files");
    expect(systemOf(model, 1)).not.toContain("APP RULE: small files");
  });

  it("loads when a session is created, before its first prompt", async () => {
    const asked: string[] = [];
    let release!: (text: string) => void;
    const gate = new Promise<string>((resolve) => {
      release = resolve;
    });
    const instructions = loader(
      {
        fetchText: (url) => {
          asked.push(url);
          return gate;
        },
      },
      ["https://example.invalid/rules.md"],
    );
    const { core, model } = await open(instructions, [{ text: "ok" }]);
    const session = await core.sessions.create({ directory: app });
    // The load started with the session (its first step then finds it under way or done).
    await vi.waitFor(() => expect(asked).toEqual(["https://example.invalid/rules.md"]));
    release("URL RULE");
    await prompt(session.id, "go");
    expect(systemOf(model, 0)).toContain("Instructions from: https://example.invalid/rules.md\nURL RULE");
    expect(asked).toHaveLength(1);
  });

  describe("a URL in the config's list", () => {
    let server: Server;
    let hits: number;
    let url: string;
    beforeEach(async () => {
      hits = 0;
      server = createServer((request, response) => {
        hits++;
        if (request.url === "/slow") return; // never answers: the timeout skips it
        response.end("URL RULE: from the team's server");
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterEach(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    it("is fetched once and sent after the files; one that times out is skipped with a warning", async () => {
      const warnings: string[] = [];
      const instructions = loader({ urlTimeoutMs: 1000, warn: (message) => warnings.push(message) }, [
        `${url}/rules.md`,
        `${url}/slow`,
        "docs/rules/*.md",
      ]);
      const { core, model } = await open(instructions, [{ text: "one" }, { text: "two" }]);
      const first = await core.sessions.create({ directory: app });
      await prompt(first.id, "go");
      // Another directory with the same list: the URL is not fetched again.
      const second = await core.sessions.create({ directory: repo });
      await prompt(second.id, "go");
      const system = systemOf(model, 0);
      expect(system).toContain(`Instructions from: ${url}/rules.md\nURL RULE: from the team's server`);
      expect(system.indexOf("GLOB RULE")).toBeLessThan(system.indexOf("URL RULE"));
      expect(systemOf(model, 1)).toContain("URL RULE");
      expect(hits).toBe(2); // rules.md once, /slow once
      expect(warnings.some((line) => line.includes(`${url}/slow`))).toBe(true);
    });
  });
});
