// Formatters after edit/write, with a real prettier (moor's devDependency) linked into a temp project the way a
// project's own node_modules/.bin holds it: the written file ends formatted, and GET /formatter's list says why.
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Formatters, type FormattersOptions } from "../../../src/core/format/formatters.js";
import { createWriteTool } from "../../../src/core/tools/write.js";
import { type CoreFixture, openCoreFixture } from "../../fakes/core-fixture.js";

const PRETTIER = resolve("node_modules/prettier/bin/prettier.cjs");
const UGLY = "const a = {b:1,\n  c:'two'}\n";
const PRETTY = 'const a = { b: 1, c: "two" };\n';

/** A project that uses prettier: a .prettierrc and node_modules/.bin/prettier. */
function prettierProject(dir: string): void {
  writeFileSync(join(dir, ".prettierrc"), "{}\n");
  mkdirSync(join(dir, "node_modules", ".bin"), { recursive: true });
  symlinkSync(PRETTIER, join(dir, "node_modules", ".bin", "prettier"));
}

function options(overrides: Partial<FormattersOptions> = {}): FormattersOptions {
  return {
    settings: () => undefined,
    trusted: () => true,
    path: "",
    env: () => ({ PATH: process.env.PATH }),
    ...overrides,
  };
}

describe("formatters after edit/write", () => {
  let fixture: CoreFixture | undefined;
  afterEach(async () => {
    await fixture?.close();
    fixture = undefined;
  });

  async function writeThroughTurn(formatters: FormattersOptions, file = "a.ts", prepare?: (dir: string) => void) {
    fixture = await openCoreFixture({
      prefix: "format",
      steps: [{ toolCalls: [{ name: "write", input: { filePath: file, content: UGLY } }] }, { text: "done" }],
      settings: { permission: "allow" },
      tools: [createWriteTool()],
      core: { formatters },
    });
    prettierProject(fixture.dir);
    prepare?.(fixture.dir);
    const session = await fixture.core.sessions.create({ directory: fixture.dir });
    await fixture.core.sessions.prompt(session.id, { parts: [{ type: "text", text: "write" }] });
    return readFileSync(join(fixture.dir, file), "utf8");
  }

  it("a prettier project has the written file formatted by its prettier", async () => {
    expect(await writeThroughTurn(options())).toBe(PRETTY);
    expect(fixture?.core.formatters?.status(fixture.dir).find((f) => f.name === "prettier")).toEqual(
      expect.objectContaining({ name: "prettier", enabled: true }),
    );
  }, 30_000);

  it("a package.json that is a named pipe is passed over (its read held the server for good); .prettierrc decides", async () => {
    const mkfifo = (dir: string) => execFileSync("mkfifo", [join(dir, "package.json")]);
    expect(await writeThroughTurn(options(), "a.ts", mkfifo)).toBe(PRETTY);
  }, 30_000);

  it("config formatter: false leaves the file as written", async () => {
    expect(await writeThroughTurn(options({ settings: () => false }))).toBe(UGLY);
    expect(fixture?.core.formatters?.status(fixture.dir).every((f) => !f.enabled)).toBe(true);
  }, 30_000);

  it("an untrusted directory's own node_modules programs do not run", async () => {
    expect(await writeThroughTurn(options({ trusted: () => false }))).toBe(UGLY);
  }, 30_000);

  it("a file prettier does not handle is left alone", async () => {
    expect(await writeThroughTurn(options(), "notes.txt")).toBe(UGLY);
  }, 30_000);
});

describe("Formatters (config in OpenCode's shape)", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  function project(): string {
    const dir = mkdtempSync(join(tmpdir(), "moor-format-"));
    dirs.push(dir);
    return dir;
  }

  it("a configured formatter runs its command with $FILE as one argument, never through a shell", async () => {
    const root = project();
    const script = join(root, "fmt.sh");
    writeFileSync(script, '#!/bin/sh\nprintf "formatted by %s\\n" "$FORMAT_BY" > "$1"\n');
    chmodSync(script, 0o755);
    const file = join(root, "we$ird; touch pwned.x");
    writeFileSync(file, "x");
    const formatters = new Formatters(
      options({
        settings: () => ({
          mine: { command: [script, "$FILE"], extensions: [".x"], environment: { FORMAT_BY: "me" } },
        }),
      }),
    );
    const outcomes = await formatters.format(file, root);
    expect(outcomes).toEqual([{ name: "mine", result: { ok: true } }]);
    expect(readFileSync(file, "utf8")).toBe("formatted by me\n");
    expect(() => readFileSync(join(root, "pwned.x"))).toThrow();
    expect(formatters.status(root).find((f) => f.name === "mine")).toEqual({
      name: "mine",
      extensions: [".x"],
      enabled: true,
    });
  });

  it("a formatter that hangs is killed after the timeout and reported, not awaited forever", async () => {
    const root = project();
    const file = join(root, "a.x");
    writeFileSync(file, "x");
    const formatters = new Formatters(
      options({ settings: () => ({ slow: { command: ["sleep", "30"], extensions: [".x"] } }), timeoutMs: 200 }),
    );
    const [outcome] = await formatters.format(file, root);
    expect(outcome.result).toEqual({ ok: false, error: "timed out after 200 ms" });
  });

  it("a built-in disabled by name is listed as not enabled; a missing program fails with a reason", async () => {
    const root = project();
    prettierProject(root);
    const formatters = new Formatters(
      options({
        settings: () => ({ prettier: { disabled: true }, gone: { command: ["/nonexistent/fmt"], extensions: [".x"] } }),
      }),
    );
    const status = formatters.status(root);
    expect(status.find((f) => f.name === "prettier")?.enabled).toBe(false);
    writeFileSync(join(root, "a.x"), "x");
    const [outcome] = await formatters.format(join(root, "a.x"), root);
    expect(outcome).toEqual({ name: "gone", result: { ok: false, error: expect.stringContaining("ENOENT") } });
  });
});
