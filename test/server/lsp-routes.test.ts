// GET /formatter, GET /lsp and GET /find/symbol in OpenCode's shapes (FormatterStatus, LSPStatus, Symbol), on a
// core with a real prettier and a real typescript-language-server (moor's devDependencies).
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createMoorApp } from "../../src/server/app.js";
import { type CoreFixture, openCoreFixture } from "../fakes/core-fixture.js";

const opened: CoreFixture[] = [];
afterEach(async () => {
  for (const fixture of opened.splice(0)) await fixture.close();
});

async function open() {
  const fixture = await openCoreFixture({
    prefix: "lsp-routes",
    core: {
      formatters: { settings: () => undefined, trusted: () => true, path: "", env: () => ({}) },
      lsp: {
        settings: () => undefined,
        trusted: () => true,
        path: "",
        ownBins: [resolve("node_modules/.bin")],
        env: () => ({ PATH: process.env.PATH }),
        startTimeoutMs: 90_000,
      },
    },
  });
  opened.push(fixture);
  const { app } = createMoorApp({ core: fixture.core, version: "1", defaultDirectory: fixture.dir });
  return { ...fixture, app };
}

describe("formatter and lsp routes", () => {
  it("GET /formatter lists every formatter with only OpenCode's fields; prettier is enabled in a prettier project", async () => {
    const { app, dir } = await open();
    writeFileSync(join(dir, ".prettierrc"), "{}\n");
    mkdirSync(join(dir, "node_modules", ".bin"), { recursive: true });
    symlinkSync(resolve("node_modules/prettier/bin/prettier.cjs"), join(dir, "node_modules", ".bin", "prettier"));
    const response = await app.request("/formatter");
    expect(response.status).toBe(200);
    const list = (await response.json()) as Record<string, unknown>[];
    expect(list.map((item) => item.name)).toEqual(["prettier", "biome", "ruff", "gofmt", "rustfmt"]);
    for (const item of list) expect(Object.keys(item).sort()).toEqual(["enabled", "extensions", "name"]);
    expect(list[0]).toEqual(expect.objectContaining({ enabled: true, extensions: expect.arrayContaining([".ts"]) }));
    expect(list[1].enabled).toBe(false);
  });

  it("GET /lsp is empty before any edit: servers start lazily", async () => {
    const { app, core } = await open();
    expect(await (await app.request("/lsp")).json()).toEqual([]);
    expect(core.lsp?.pids()).toEqual([]);
  });

  it("GET /find/symbol without a query is a 400 with {error:{code,message}}", async () => {
    const { app } = await open();
    const response = await app.request("/find/symbol");
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("bad_request");
  });

  it("GET /find/symbol finds a function through the project's TypeScript server, in OpenCode's Symbol shape", async () => {
    const { app, dir } = await open();
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ include: ["*.ts"] }));
    writeFileSync(join(dir, "greeting.ts"), "export function greetEveryone(): string {\n  return 'hi';\n}\n");
    const response = await app.request("/find/symbol?query=greetEveryone");
    expect(response.status).toBe(200);
    const symbols = (await response.json()) as { name: string; kind: number; location: { uri: string } }[];
    expect(symbols).toEqual([
      {
        name: "greetEveryone",
        kind: 12,
        location: {
          uri: expect.stringMatching(/greeting\.ts$/),
          range: { start: { line: 0, character: expect.any(Number) }, end: expect.any(Object) },
        },
      },
    ]);
    const status = (await (await app.request("/lsp")).json()) as Record<string, unknown>[];
    expect(status).toEqual([{ id: "typescript", name: "typescript", root: dir, status: "connected" }]);
  }, 120_000);
});
