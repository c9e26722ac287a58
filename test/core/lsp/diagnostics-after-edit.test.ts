// A real typescript-language-server (moor's devDependency) checks what edit/write wrote: the file's errors reach the
// model in the tool result, the server starts only on the first edit, and it is gone after idle and after close.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LspChildRecord } from "../../../src/core/lsp/child-record.js";
import type { LspServiceOptions } from "../../../src/core/lsp/service.js";
import { createEditTool } from "../../../src/core/tools/edit.js";
import { createWriteTool } from "../../../src/core/tools/write.js";
import type { ToolPart } from "../../../src/protocol/index.js";
import { type CoreFixture, openCoreFixture } from "../../fakes/core-fixture.js";
import type { ScriptedStep } from "../scripted-model.js";

const OWN_BINS = [resolve("node_modules/.bin")];

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(check: () => boolean, timeoutMs = 15_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

describe("LSP diagnostics after edit/write", () => {
  let fixture: CoreFixture | undefined;

  afterEach(async () => {
    await fixture?.close();
    fixture = undefined;
  });

  async function start(steps: ScriptedStep[], lsp: Partial<Omit<LspServiceOptions, "onDiagnostics">> = {}) {
    fixture = await openCoreFixture({
      prefix: "lsp",
      steps,
      settings: { permission: "allow" },
      tools: [createWriteTool(), createEditTool()],
      core: {
        lsp: {
          settings: () => undefined,
          trusted: () => true,
          path: "",
          ownBins: OWN_BINS,
          env: () => ({ PATH: process.env.PATH }),
          diagnosticsTimeoutMs: 60_000,
          startTimeoutMs: 90_000,
          ...lsp,
        },
      },
    });
    writeFileSync(join(fixture.dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true } }));
    return fixture;
  }

  async function run(text: string) {
    const core = fixture?.core;
    if (!core || !fixture) throw new Error("no fixture");
    const session = await core.sessions.create({ directory: fixture.dir });
    await core.sessions.prompt(session.id, { parts: [{ type: "text", text }] });
    const parts = (await core.sessions.messages(session.id)).flatMap((message) => message.parts);
    return parts.filter((part): part is ToolPart => part.type === "tool");
  }

  // One server start for the whole story: starting typescript-language-server takes seconds (tens on a loaded
  // machine), so the waits are generous; nothing here measures time.
  it("a type error written by write reaches the model in OpenCode's words; the edit that fixes it is checked again", async () => {
    const { core, events, model } = await start([
      { toolCalls: [{ name: "write", input: { filePath: "bad.ts", content: 'export const n: number = "text";\n' } }] },
      { toolCalls: [{ name: "edit", input: { filePath: "bad.ts", oldString: '"text"', newString: "1" } }] },
      { text: "done" },
    ]);
    expect(core.lsp?.pids()).toEqual([]);
    const [write, edit] = await run("write it");
    const output = write.state.status === "completed" ? write.state.output : "";
    const file = join(fixture?.dir ?? "", "bad.ts");
    expect(output).toContain(
      `Created bad.ts.\n\nLSP errors detected in this file, please fix:\n<diagnostics file="${file}">`,
    );
    expect(output).toMatch(/ERROR \[1:14\] Type 'string' is not assignable to type 'number'\.\n<\/diagnostics>$/);
    // What the model was sent next is that same text.
    expect(JSON.stringify(model.doStreamCalls[1].prompt)).toContain("LSP errors detected in this file");
    // The fixed file has no errors: nothing is appended.
    expect(edit.state.status === "completed" && edit.state.output).toBe("Edited bad.ts: +1 -1.");
    expect(events.some((e) => e.event.type === "lsp.client.diagnostics")).toBe(true);
    expect(core.lsp?.status(fixture?.dir ?? "")).toEqual([
      { id: "typescript", name: "typescript", root: fixture?.dir, status: "connected" },
    ]);
  }, 150_000);

  it("the server is stopped after it sat idle, and its process is gone", async () => {
    const { core } = await start(
      [{ toolCalls: [{ name: "write", input: { filePath: "x.ts", content: "export const x = 1;\n" } }] }, {}],
      // The edit does not wait for the check here: the server is started, then left idle.
      { idleMs: 1000, diagnosticsTimeoutMs: 1 },
    );
    const pids: number[] = [];
    core.bus.subscribe(({ event }) => {
      if (event.type === "message.part.updated") pids.push(...(core.lsp?.pids() ?? []));
    });
    await run("go");
    expect(pids.length).toBeGreaterThan(0);
    expect(await waitFor(() => !pids.some(alive))).toBe(true);
    expect(core.lsp?.pids()).toEqual([]);
    expect(core.lsp?.status(fixture?.dir ?? "")).toEqual([]);
  }, 60_000);

  it("closing the core stops the server: its process group is gone", async () => {
    const { core } = await start(
      [{ toolCalls: [{ name: "write", input: { filePath: "y.ts", content: "export const y = 1;\n" } }] }, {}],
      { diagnosticsTimeoutMs: 1 },
    );
    await run("go");
    const pids = core.lsp?.pids() ?? [];
    expect(pids).toHaveLength(1);
    await fixture?.close();
    fixture = undefined;
    for (const pid of pids) {
      expect(alive(pid)).toBe(false);
      expect(() => process.kill(-pid, 0)).toThrow();
    }
  }, 60_000);

  it("killNow (a process exiting from a signal handler) ends the group at once and clears its record", async () => {
    const recordDir = mkdtempSync(join(tmpdir(), "moor-lsp-record-"));
    const recordFile = join(recordDir, "lsp-children.json");
    try {
      const { core } = await start(
        [{ toolCalls: [{ name: "write", input: { filePath: "k.ts", content: "export const k = 1;\n" } }] }, {}],
        { diagnosticsTimeoutMs: 1, record: new LspChildRecord(recordFile, process.pid) },
      );
      await run("go");
      const pids = core.lsp?.pids() ?? [];
      expect(pids).toHaveLength(1);
      expect(JSON.parse(readFileSync(recordFile, "utf8"))).toHaveLength(1);
      core.lsp?.killNow();
      expect(await waitFor(() => !pids.some(alive))).toBe(true);
      expect(core.lsp?.pids()).toEqual([]);
      expect(JSON.parse(readFileSync(recordFile, "utf8"))).toEqual([]);
    } finally {
      rmSync(recordDir, { recursive: true, force: true });
    }
  }, 60_000);

  it("config lsp: false starts nothing and adds nothing", async () => {
    const { core } = await start(
      [{ toolCalls: [{ name: "write", input: { filePath: "z.ts", content: 'export const z: number = "";\n' } }] }, {}],
      { settings: () => false },
    );
    const [part] = await run("go");
    expect(part.state.status === "completed" && part.state.output).toBe("Created z.ts.");
    expect(core.lsp?.pids()).toEqual([]);
  });
});
