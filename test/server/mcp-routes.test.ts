// GET/POST /mcp and /mcp/:name/connect|disconnect over the app, in OpenCode's shapes, against a real stdio server.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createMoorApp } from "../../src/server/app.js";
import { type CoreFixture, openCoreFixture } from "../fakes/core-fixture.js";

const STDIO_SERVER = resolve("test/fakes/mcp-stdio-server.mjs");

let fixture: CoreFixture | undefined;
let dir: string | undefined;
afterEach(async () => {
  await fixture?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  fixture = undefined;
});

async function appWith(servers: Record<string, unknown>) {
  dir = mkdtempSync(join(tmpdir(), "moor-mcp-routes-"));
  fixture = await openCoreFixture({
    dir,
    core: {
      mcp: {
        servers: servers as never,
        env: { PATH: process.env.PATH ?? "" },
        directory: dir,
        backoff: { initialMs: 50, maxMs: 100 },
      },
    },
  });
  fixture.core.mcp.start();
  await fixture.core.mcp.ready();
  return createMoorApp({ core: fixture.core, version: "1", defaultDirectory: dir }).app;
}

const json = (body: unknown) => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

describe("/mcp routes", () => {
  it("GET /mcp: connected with its tool count, failed with the reason, disabled", async () => {
    const app = await appWith({
      ok: { type: "local", command: [process.execPath, STDIO_SERVER] },
      broken: { type: "local", command: ["/nonexistent/mcp-server"] },
      off: { type: "local", command: [process.execPath, STDIO_SERVER], enabled: false },
    });
    const response = await app.request("/mcp");
    expect(response.status).toBe(200);
    const status = await response.json();
    expect(status).toEqual({
      ok: { status: "connected", tools: 3 },
      broken: { status: "failed", error: expect.stringContaining("ENOENT") },
      off: { status: "disabled" },
    });
  });

  it("POST /mcp adds a server at run time; connect and disconnect by name; unknown names 404, bad bodies 400", async () => {
    const app = await appWith({});
    const added = await app.request(
      "/mcp",
      json({ name: "late", config: { type: "local", command: [process.execPath, STDIO_SERVER] } }),
    );
    expect(added.status).toBe(200);
    expect(await added.json()).toEqual({ late: { status: "connected", tools: 3 } });
    expect(fixture?.core.tools.forAgent("build").get("late_echo")).toBeDefined();

    const off = await app.request("/mcp/late/disconnect", { method: "POST" });
    expect(await off.json()).toBe(true);
    expect(await (await app.request("/mcp")).json()).toEqual({ late: { status: "disabled" } });
    expect(fixture?.core.tools.forAgent("build").get("late_echo")).toBeUndefined();
    const on = await app.request("/mcp/late/connect", { method: "POST" });
    expect(await on.json()).toBe(true);
    expect(await (await app.request("/mcp")).json()).toEqual({ late: { status: "connected", tools: 3 } });

    const missing = await app.request("/mcp/nope/connect", { method: "POST" });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: "not_found" } });
    const bad = await app.request("/mcp", json({ name: "x", config: { type: "local", command: [] } }));
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: "bad_request" } });
    const notHttp = await app.request(
      "/mcp",
      json({ name: "x", config: { type: "remote", url: "file:///etc/passwd" } }),
    );
    expect(notHttp.status).toBe(400);
  });

  it("is in the OpenAPI document", async () => {
    const app = await appWith({});
    const doc = (await (await app.request("/doc")).json()) as {
      paths: Record<string, Record<string, { operationId: string }>>;
    };
    expect(doc.paths["/mcp"]?.get?.operationId).toBe("mcp.status");
    expect(doc.paths["/mcp"]?.post?.operationId).toBe("mcp.add");
    expect(doc.paths["/mcp/{name}/connect"]?.post?.operationId).toBe("mcp.connect");
    expect(doc.paths["/mcp/{name}/disconnect"]?.post?.operationId).toBe("mcp.disconnect");
  });
});
